package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// fakeQueue hands out its messages once each, fails the receives it is
// told to, and records deletions.
type fakeQueue struct {
	mu       sync.Mutex
	msgs     []sqstypes.Message
	failNext int
	deleted  []string
	receives int
}

func (q *fakeQueue) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	q.mu.Lock()
	q.receives++
	if in.MaxNumberOfMessages != 10 || in.WaitTimeSeconds != 1 {
		q.mu.Unlock()
		return nil, fmt.Errorf("receive with %d messages, %d s wait", in.MaxNumberOfMessages, in.WaitTimeSeconds)
	}
	if q.failNext > 0 {
		q.failNext--
		q.mu.Unlock()
		return nil, errors.New("connection refused")
	}
	n := min(len(q.msgs), 10)
	out := &sqs.ReceiveMessageOutput{Messages: q.msgs[:n]}
	q.msgs = q.msgs[n:]
	q.mu.Unlock()
	if n == 0 {
		// The long poll: wait, or stop with the context.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return out, nil
}

func (q *fakeQueue) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.deleted = append(q.deleted, sdkaws.ToString(in.ReceiptHandle))
	return &sqs.DeleteMessageOutput{}, nil
}

func (q *fakeQueue) deletedN() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.deleted)
}

// oneUnit is an estate of one unit whose resource's state a test sets.
type oneUnit struct {
	mu    sync.Mutex
	state string
	reads int
}

const unitName = "111111111111/ap-northeast-1/ec2"

func (*oneUnit) Name() string          { return "fake" }
func (*oneUnit) Units() []string       { return []string{unitName} }
func (*oneUnit) HasUnit(u string) bool { return u == unitName }
func (s *oneUnit) resource() inventory.Resource {
	return inventory.Resource{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1", Account: "111111111111", Region: "ap-northeast-1",
		Type: "AWS::EC2::Instance", ID: "i-1", State: s.state}
}
func (s *oneUnit) Collect(context.Context, inventory.Progress) (*inventory.Collection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &inventory.Collection{Resources: []inventory.Resource{s.resource()}}, nil
}
func (s *oneUnit) CollectUnit(_ context.Context, unit string) ([]byte, inventory.Coverage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	b, err := json.Marshal(s.resource())
	return b, inventory.Coverage{Service: "ec2", OK: true}, err
}
func (*oneUnit) Assemble(map[string][]byte, map[string]string) (*inventory.Collection, error) {
	return nil, errors.New("not used")
}
func (*oneUnit) Refresh(_ *inventory.Collection, records map[string][]byte) (*inventory.Collection, error) {
	var r inventory.Resource
	err := json.Unmarshal(records[unitName], &r)
	return &inventory.Collection{Resources: []inventory.Resource{r}}, err
}

type noPolicies struct{}

func (noPolicies) EvaluateSet(context.Context, []inventory.Resource) (*finding.Set, error) {
	return nil, nil
}

func eventBody(detailType string, resources ...string) string {
	b, _ := json.Marshal(map[string]any{"version": "0", "id": "e-" + detailType, "detail-type": detailType, "source": "aws.ec2",
		"account": "111111111111", "time": "2026-12-06T09:00:00Z", "region": "ap-northeast-1", "resources": resources, "detail": map[string]any{}})
	return string(b)
}

// TestEvents: messages become one refresh of the unit they name, which
// saves the latest scan with it read again; a message that is not an
// event, or names nothing read again, is deleted without retry; a failed
// receive is retried after a wait and counted.
func TestEvents(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src := &oneUnit{state: "running"}
	units := &scan.Units{Source: src, Options: scan.Options{Source: src, Evaluator: noPolicies{}, Saver: st}}
	first, err := scan.Run(ctx, units.Options)
	if err != nil {
		t.Fatal(err)
	}
	src.state = "stopped"
	instance := "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1"
	msg := func(id, body string) sqstypes.Message {
		return sqstypes.Message{MessageId: sdkaws.String(id), ReceiptHandle: sdkaws.String(id), Body: sdkaws.String(body)}
	}
	q := &fakeQueue{failNext: 2, msgs: []sqstypes.Message{
		msg("state", eventBody("EC2 Instance State-change Notification", instance)),
		msg("again", eventBody("EC2 Instance State-change Notification", instance)),
		msg("junk", "{not json"),
		msg("lambda", eventBody("Lambda Function Changed", "arn:aws:lambda:ap-northeast-1:111111111111:function:f")),
	}}
	var mu sync.Mutex
	received := map[string]int{}
	pollFailed := 0
	ev := &EventWork{
		Queue: q, QueueURL: "https://sqs.ap-northeast-1.amazonaws.com/111111111111/steward", WaitTime: 1,
		NewUnits: func(context.Context) (*scan.Units, error) { return units, nil },
		Unit: func(account, arn string) (string, bool, string) {
			if strings.Contains(arn, ":ec2:") {
				return unitName, true, ""
			}
			return "", false, "not ec2"
		},
		Slots: st.(Slots), Window: time.Second, Backoff: 10 * time.Millisecond,
	}
	var finished []string
	cfg := fast("events")
	cfg.Events = ev
	cfg.EventReceived = func(r string) { mu.Lock(); received[r]++; mu.Unlock() }
	cfg.EventPollFailed = func() { mu.Lock(); pollFailed++; mu.Unlock() }
	cfg.Finished = func(job, result string, _ time.Duration, _ time.Time) {
		mu.Lock()
		finished = append(finished, job+":"+result)
		mu.Unlock()
	}
	r := start(t, st.(store.SQLDatabase).SQLDB().Raw(), cfg)

	waitFor(t, 20*time.Second, "the refresh", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(finished) > 0
	})
	latest, err := st.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID == first.Scan.ID || latest.Source != "event:fake" {
		t.Fatalf("latest scan %s of %s: want a scan of the event", latest.ID, latest.Source)
	}
	rs, err := st.Resources(ctx, latest.ID)
	if err != nil || len(rs) != 1 || rs[0].State != "stopped" {
		t.Fatalf("resources of the event's scan = %+v, %v: want i-1 stopped", rs, err)
	}
	waitFor(t, 5*time.Second, "every message deleted", func() bool { return q.deletedN() == 4 })
	// /api/jobs shows the refresh like any job.
	waitFor(t, 5*time.Second, "the refresh recorded", func() bool {
		sts, err := r.Status(ctx)
		return err == nil && len(sts) == 1 && sts[0].Name == RefreshJob && sts[0].Last != nil && sts[0].Last.Result == ResultOK
	})
	if runs, err := r.Runs(ctx, 10); err != nil || len(runs) != 1 || runs[0].Job != RefreshJob || runs[0].Result != ResultOK {
		t.Errorf("runs = %+v, %v: want the refresh, ok", runs, err)
	}
	stop(t, r)
	mu.Lock()
	defer mu.Unlock()
	if want := map[string]int{EventQueued: 2, EventMalformed: 1, EventIgnored: 1}; fmt.Sprint(received) != fmt.Sprint(want) {
		t.Errorf("received = %v, want %v", received, want)
	}
	if pollFailed != 2 {
		t.Errorf("failed receives counted = %d, want 2", pollFailed)
	}
	if src.reads != 1 || len(finished) != 1 || finished[0] != RefreshJob+":ok" {
		t.Errorf("reads = %d, runs = %v: want the two events of one unit read once, ok", src.reads, finished)
	}
}

// manyUnits is an estate of one instance per account, each its own unit;
// reads are slow and count how many run at once.
type manyUnits struct {
	mu               sync.Mutex
	state            string
	reads            map[string]int
	running, maxRuns int
}

func unitOf(i int) string { return fmt.Sprintf("11111111111%d/ap-northeast-1/ec2", i) }

func (*manyUnits) Name() string { return "fake" }
func (*manyUnits) Units() []string {
	return []string{unitOf(1), unitOf(2), unitOf(3), unitOf(4)}
}
func (s *manyUnits) HasUnit(u string) bool { return slices.Contains(s.Units(), u) }
func (s *manyUnits) resource(unit string) inventory.Resource {
	acct := strings.Split(unit, "/")[0]
	return inventory.Resource{ARN: "arn:aws:ec2:ap-northeast-1:" + acct + ":instance/i-1", Account: acct, Region: "ap-northeast-1",
		Type: "AWS::EC2::Instance", ID: "i-1", State: s.state}
}
func (s *manyUnits) Collect(context.Context, inventory.Progress) (*inventory.Collection, error) {
	c := &inventory.Collection{}
	for _, u := range s.Units() {
		c.Resources = append(c.Resources, s.resource(u))
	}
	return c, nil
}
func (s *manyUnits) CollectUnit(_ context.Context, unit string) ([]byte, inventory.Coverage, error) {
	s.mu.Lock()
	s.running++
	s.maxRuns = max(s.maxRuns, s.running)
	s.reads[unit]++
	r := s.resource(unit)
	s.mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	s.mu.Lock()
	s.running--
	s.mu.Unlock()
	b, err := json.Marshal(r)
	return b, inventory.Coverage{Service: "ec2", OK: true}, err
}
func (*manyUnits) Assemble(map[string][]byte, map[string]string) (*inventory.Collection, error) {
	return nil, errors.New("not used")
}
func (*manyUnits) Refresh(base *inventory.Collection, records map[string][]byte) (*inventory.Collection, error) {
	out := &inventory.Collection{}
	for _, r := range base.Resources {
		if _, again := records[r.Account+"/ap-northeast-1/ec2"]; !again {
			out.Resources = append(out.Resources, r)
		}
	}
	for _, b := range records {
		var r inventory.Resource
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, err
		}
		out.Resources = append(out.Resources, r)
	}
	return out, nil
}

// Two replicas on one PostgreSQL store poll one queue: every message is
// handled once, by one of them; every unit named is read again; the
// refreshes never run at once, so the last scan has every change.
func TestPostgresReplicasShareEvents(t *testing.T) {
	url := emptyPostgresDB(t)
	ctx := context.Background()
	st, err := store.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	src := &manyUnits{state: "running", reads: map[string]int{}}
	units := &scan.Units{Source: src, Options: scan.Options{Source: src, Evaluator: noPolicies{}, Saver: st}}
	if _, err := scan.Run(ctx, units.Options); err != nil {
		t.Fatal(err)
	}
	src.state = "stopped"
	q := &fakeQueue{}
	for i := range 8 {
		acct := fmt.Sprintf("11111111111%d", i%4+1)
		b, _ := json.Marshal(map[string]any{"version": "0", "id": fmt.Sprint("e", i), "detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2",
			"account": acct, "time": "2026-12-06T09:00:00Z", "region": "ap-northeast-1",
			"resources": []string{"arn:aws:ec2:ap-northeast-1:" + acct + ":instance/i-1"}, "detail": map[string]any{}})
		id := fmt.Sprint("m", i)
		q.msgs = append(q.msgs, sqstypes.Message{MessageId: sdkaws.String(id), ReceiptHandle: sdkaws.String(id), Body: sdkaws.String(string(b))})
	}
	var mu sync.Mutex
	received := 0
	var made atomic.Int32
	for _, id := range []string{"replica_a", "replica_b"} {
		ev := &EventWork{Queue: q, QueueURL: "https://sqs.ap-northeast-1.amazonaws.com/111111111111/steward", WaitTime: 1,
			NewUnits: func(context.Context) (*scan.Units, error) { made.Add(1); return units, nil },
			Unit: func(account, arn string) (string, bool, string) {
				return account + "/ap-northeast-1/ec2", true, ""
			},
			Slots: st.(Slots), Window: time.Second}
		cfg := fast(id)
		cfg.Events = ev
		cfg.EventReceived = func(string) { mu.Lock(); received++; mu.Unlock() }
		r, err := New(st, nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stop(t, r) })
	}
	waitFor(t, 60*time.Second, "every instance stopped in the latest scan", func() bool {
		latest, err := st.LatestScan(ctx)
		if err != nil {
			return false
		}
		rs, err := st.Resources(ctx, latest.ID)
		if err != nil || len(rs) != 4 {
			return false
		}
		for _, r := range rs {
			if r.State != "stopped" {
				return false
			}
		}
		return true
	})
	waitFor(t, 10*time.Second, "every message deleted", func() bool { return q.deletedN() == 8 })
	mu.Lock()
	defer mu.Unlock()
	if received != 8 {
		t.Errorf("messages handled = %d, want 8, each once", received)
	}
	if n := made.Load(); n < 1 || n > 2 {
		t.Errorf("refresh steps made %d times, want once per replica at most (kept for a while)", n)
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.maxRuns != 1 {
		t.Errorf("%d refreshes ran at once across the replicas, want 1", src.maxRuns)
	}
	for _, u := range src.Units() {
		if n := src.reads[u]; n < 1 || n > 2 {
			t.Errorf("unit %s read %d times, want once or twice (its two events, one window each at most)", u, n)
		}
	}
}
