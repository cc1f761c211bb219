package action

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReadPlan: any file either is refused with an error or reads into a
// plan that validates and survives a write and read back unchanged.
func FuzzReadPlan(f *testing.F) {
	f.Add(`{"format":1,"id":"p1","created":"2026-11-19T11:30:00Z","as_of":"2026-11-19T20:30:00+09:00","changes":[{"id":"p1.1","arn":"arn:aws:rds:ap-northeast-1:111111111111:db:x","type":"AWS::RDS::DBInstance","action":"stop","before":{"status":"available"},"after":{"status":"stopped"},"why":"w","recorded":{"status":"available"}}]}`)
	f.Add(`{"format":1,"id":"p1","created":"2026-11-19T11:30:00Z","as_of":"2026-11-19T20:30:00Z","changes":[]}`)
	f.Add(`{"format":1,"id":"p1","created":"2026-12-06T10:00:00Z","as_of":"2026-12-06T10:00:00Z","changes":[{"id":"p1.1","arn":"arn:aws:ec2:ap-northeast-1::snapshot/snap-1","type":"AWS::EC2::Snapshot","account":"111111111111","action":"mark","before":{"steward:marked-for":""},"after":{"steward:marked-for":"delete@2026-12-13"},"why":"w","recorded":{"state":"completed"}},{"id":"p1.2","arn":"arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-1","type":"AWS::EC2::Volume","action":"snapshot-then-delete","before":{},"after":{"snapshot":"steward-vol-1"},"why":"w","recorded":{"tag:steward:marked-for":"delete@2026-12-13"}}]}`)
	f.Add(`{"format":2}`)
	f.Add(`{"format":1,"id":"p","created":"2026-11-19T11:30:00Z","as_of":"2026-11-19T20:30:00Z","changes":[{"id":"a","arn":"arn:","type":"AWS::EC2::Instance","action":"start","recorded":{}}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ReadPlan(strings.NewReader(s))
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("read a plan that does not validate: %v", err)
		}
		for _, c := range p.Changes {
			_ = c.Account() + c.Region()
		}
		var b bytes.Buffer
		if err := p.Write(&b); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPlan(&b); err != nil {
			t.Fatalf("a plan written does not read back: %v", err)
		}
	})
}

// FuzzParseSaved: a saved tag either parses with its required counts, or
// is refused; what parses encodes back to the same values.
func FuzzParseSaved(f *testing.F) {
	f.Add("desired=2 max=4 min=1 suspended=false/false/false")
	f.Add("desired=0")
	f.Add("desired=-1")
	f.Add("desired=2 desired=3")
	f.Add("=")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseSaved(s, "desired")
		if err != nil {
			return
		}
		if atoi32(v["desired"]) < 0 {
			t.Fatalf("negative desired accepted: %q", s)
		}
		again, err := parseSaved(encodeSaved(v), "desired")
		if err != nil || len(again) != len(v) {
			t.Fatalf("%q: encoded %q does not read back: %v", s, encodeSaved(v), err)
		}
	})
}

// FuzzExclusions: a pattern CheckPattern accepts never makes Excluded
// fail or panic.
func FuzzExclusions(f *testing.F) {
	f.Add("arn:aws:rds:*", "arn:aws:rds:ap-northeast-1:1:db:x", "team", "data")
	f.Add("tag:team=da*", "arn:x", "team", "data")
	f.Add("[", "x", "", "")
	f.Fuzz(func(t *testing.T, p, arn, k, v string) {
		if CheckPattern(p) != nil {
			return
		}
		_ = Exclusions{Patterns: []string{p}}.Excluded(Ref{ARN: arn, Name: arn}, map[string]string{k: v})
	})
}

func FuzzRuleName(f *testing.F) {
	for _, s := range []string{"arn:aws:events:ap-northeast-1:111111111111:rule/nightly", "arn:aws:events:us-east-1:1:rule/bus/r", "arn:aws:events:x:y:rule/", "rule/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		bus, name, err := ruleName(Ref{ARN: arn, Type: TypeEventsRule})
		if err != nil {
			return
		}
		if name == "" || strings.Contains(name, "/") || strings.Contains(bus, "/") {
			t.Fatalf("ruleName(%q) = %q, %q", arn, bus, name)
		}
	})
}

// FuzzParseMark: a mark tag either is refused or reads as a day that
// writes back as the same tag (spaces around it aside).
func FuzzParseMark(f *testing.F) {
	for _, s := range []string{"delete@2026-12-20", " delete@2026-01-02 ", "delete@2026-13-01", "delete@", "stop@2026-12-20", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseMark(s)
		if err != nil {
			return
		}
		if got := "delete@" + d.Format("2006-01-02"); got != strings.TrimSpace(s) {
			t.Fatalf("ParseMark(%q) = %s, writes back as %q", s, d, got)
		}
	})
}
