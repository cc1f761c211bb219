package finding

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSetRoundTrip: a finding held in a Set is built back field for field
// (the store hashes the JSON of what At builds, so a field lost here
// would change stored bytes), without the times until Seen sets them.
func TestSetRoundTrip(t *testing.T) {
	fs := []Finding{{
		Policy: "p", Title: "T", Category: Waste, Severity: High,
		ARN: "arn:a", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1", Name: "n",
		Owner: "o", System: "s", Env: "e", OwnerSource: "tag", Creator: "arn:iam::user/x",
		MonthlyWaste: 12.5, Currency: "JPY", Rate: 150, Message: "m", Messages: Messages{JA: "メ"},
		Remediation: "r", References: []string{"ref"}, Actions: []string{"delete"},
		FirstSeen: time.Unix(5, 0).UTC(), LastSeen: time.Unix(6, 0).UTC(),
	}, {Policy: "q", ARN: "arn:b"}}
	s := SetOf(fs)
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2", s.Len())
	}
	want := make([]Finding, len(fs))
	for i, f := range fs {
		f.FirstSeen, f.LastSeen = time.Time{}, time.Time{}
		want[i] = f
	}
	got := s.All()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("All before Seen (-want +got):\n%s", diff)
	}
	for i := range want {
		a, _ := json.Marshal(&want[i])
		b, _ := json.Marshal(&got[i])
		if string(a) != string(b) {
			t.Errorf("finding %d encodes as %s, want %s", i, b, a)
		}
	}
	if k := s.Match(1).Key(); k != fs[1].Key() {
		t.Errorf("Key = %q, want %q", k, fs[1].Key())
	}

	last := time.Unix(100, 0).UTC()
	s.Seen(func(i int) int64 { return int64(i+1) * int64(time.Second) }, last)
	for i := range want {
		want[i].FirstSeen, want[i].LastSeen = time.Unix(int64(i+1), 0).UTC(), last
	}
	if diff := cmp.Diff(want, s.All()); diff != "" {
		t.Errorf("All after Seen (-want +got):\n%s", diff)
	}
}

// TestSetOrder: findings added one by one keep their order, and a nil set
// is empty.
func TestSetOrder(t *testing.T) {
	var none *Set
	if none.Len() != 0 {
		t.Errorf("nil set Len = %d, want 0", none.Len())
	}
	r := &Rule{Policy: "p", Severity: Low, Currency: "USD", Rate: 1}
	sub := &Subject{ARN: "arn:a", Owner: "o"}
	s := NewSet([]Match{{Rule: r, Subject: sub, Message: "one"}, {Rule: r, Subject: &Subject{ARN: "arn:b"}, Message: "two"}})
	s.Add(Finding{Policy: "extra", ARN: "arn:c"})
	got := s.All()
	if len(got) != 3 || got[0].Message != "one" || got[0].Owner != "o" || got[0].Rate != 1 || got[1].ARN != "arn:b" || got[2].Policy != "extra" {
		t.Errorf("All = %+v, want one, two, extra in order", got)
	}
}
