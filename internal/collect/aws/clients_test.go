package aws

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/iac"
	"github.com/steward-sre/steward/internal/inventory"
)

// fakeClock is a clock that only moves when a throttled call waits.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return nil
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestTokenBucket(t *testing.T) {
	ms := time.Millisecond
	tests := map[string]struct {
		gaps      []time.Duration // clock advance before each call
		wantWaits []time.Duration
	}{
		"burst of two is free":         {gaps: []time.Duration{0, 0}},
		"third at once waits half":     {gaps: []time.Duration{0, 0, 0}, wantWaits: []time.Duration{500 * ms}},
		"six at once: two a second":    {gaps: []time.Duration{0, 0, 0, 0, 0, 0}, wantWaits: []time.Duration{500 * ms, 500 * ms, 500 * ms, 500 * ms}},
		"spaced half a second is free": {gaps: []time.Duration{0, 500 * ms, 500 * ms, 500 * ms, 500 * ms}},
		"refill stops at the burst":    {gaps: []time.Duration{0, 0, 10 * time.Second, 0, 0}, wantWaits: []time.Duration{500 * ms}},
		"partial refill waits the rest": {gaps: []time.Duration{0, 0, 250 * ms},
			wantWaits: []time.Duration{250 * ms}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			clk := &fakeClock{t: testNow}
			b := newTokenBucket(2, 2, clk.now, clk.wait)
			for i, g := range tc.gaps {
				clk.advance(g)
				if err := b.take(context.Background()); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if diff := cmp.Diff(tc.wantWaits, clk.waits); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenBucketCancelled(t *testing.T) {
	clk := &fakeClock{t: testNow}
	b := newTokenBucket(2, 1, clk.now, clk.wait)
	must(t, b.take(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.take(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("take on a cancelled context = %v, want context.Canceled", err)
	}
	// The cancelled call gave its token back: one more call waits only
	// for the one token it needs.
	must(t, b.take(context.Background()))
	if diff := cmp.Diff([]time.Duration{500 * time.Millisecond}, clk.waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// TestClientsReadStacksAndEvents builds CloudFormation and CloudTrail
// clients from the scan's own credentials for every account and region,
// and reads each one's stacks and creation events from the fake, with
// LookupEvents held to two calls a second on a clock that never sleeps.
func TestClientsReadStacksAndEvents(t *testing.T) {
	regions := []string{"ap-northeast-1", "us-east-1"}
	var estate []inventory.Resource
	var events []awsfake.TrailEvent
	for _, acct := range testAccounts {
		for _, region := range regions {
			for i, id := range []string{"vpc-a", "vpc-b", "vpc-c"} {
				r := inventory.Resource{ARN: "arn:aws:ec2:" + region + ":" + acct + ":vpc/" + id, Account: acct, Region: region,
					Type: "AWS::EC2::VPC", ID: id}
				if i < 2 {
					r.SetManagedBy(inventory.ManagedBy{Kind: "cloudformation", Ref: "net-" + id})
				}
				estate = append(estate, r)
				events = append(events, awsfake.TrailEvent{Account: acct, Region: region, Name: "CreateVpc", Time: testNow.AddDate(0, 0, -i-1),
					Principal: "arn:aws:sts::" + acct + ":assumed-role/dev/" + id, UserAgent: "aws-cli/2.15", Resource: id})
			}
		}
	}
	fake := awsfake.New(estate, awsfake.Options{PageSize: 1, Now: testNow, TrailEvents: events})
	defer fake.Close()
	awsEnv(t, testAccounts)
	clk := &fakeClock{t: testNow}
	opts := testOptions(fake.URL, testAccounts)
	opts.Regions, opts.Now, opts.Wait = regions, clk.now, clk.wait
	src, err := New(context.Background(), opts, nil)
	must(t, err)
	clients, err := Clients(src)
	must(t, err)

	type got struct {
		Account, Region string
		Stacks          []iac.Stack
		Events          int
	}
	var have, want []got
	for _, c := range clients {
		stacks, err := iac.LoadStacks(context.Background(), c.Stacks)
		must(t, err)
		// Three names: the third call of a region waits for a token.
		evs, err := iac.LookupCreations(context.Background(), c.Events, []string{"CreateVpc", "CreateSubnet", "RunInstances"}, testNow.Add(-iac.LookupWindow), testNow)
		must(t, err)
		have = append(have, got{c.Account, c.Region, stacks, len(evs)})
	}
	for _, acct := range testAccounts {
		for _, region := range regions {
			var stacks []iac.Stack
			for _, id := range []string{"vpc-a", "vpc-b"} {
				stacks = append(stacks, iac.Stack{Name: "net-" + id, ID: "arn:aws:cloudformation:" + region + ":" + acct + ":stack/net-" + id + "/fake",
					Resources: []iac.StackResource{{LogicalID: "R0", PhysicalID: id, Type: "AWS::EC2::VPC"}}})
			}
			want = append(want, got{acct, region, stacks, 3})
		}
	}
	sort.Slice(have, func(i, j int) bool { return have[i].Account+have[i].Region < have[j].Account+have[j].Region })
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("stacks and events per account and region (-want +got):\n%s", diff)
	}
	calls := fake.Calls()
	// Three events a region, one a page: three pages for CreateVpc, one
	// empty page each for the other two names.
	if n, want := calls["cloudtrail:LookupEvents"], len(clients)*5; n != want {
		t.Errorf("LookupEvents calls = %d, want %d", n, want)
	}
	// Five calls a region with a burst of two: three waits of half a
	// second each, per region, since each client has its own bucket.
	if n, want := len(clk.waits), len(clients)*3; n != want {
		t.Errorf("throttled waits = %d, want %d: %v", n, want, clk.waits)
	}
}

func TestClientsNeedsALiveSource(t *testing.T) {
	if _, err := Clients(fakeSource{}); err == nil {
		t.Fatal("Clients accepted a source that is not a live aws source")
	}
}

type fakeSource struct{}

func (fakeSource) Name() string { return "file" }
func (fakeSource) Collect(context.Context, inventory.Progress) (*inventory.Collection, error) {
	return nil, errors.New("not used")
}
