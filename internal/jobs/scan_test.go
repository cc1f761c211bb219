package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// unitSource has one log group per unit; a unit read before release is
// closed waits for it, so a test sees a scan planned and not yet saved.
type unitSource struct {
	units   []string
	release chan struct{}
}

func (unitSource) Name() string { return "fake" }
func (unitSource) Collect(context.Context, inventory.Progress) (*inventory.Collection, error) {
	return nil, errors.New("read by units only")
}
func (s unitSource) Units() []string { return s.units }

func (s unitSource) CollectUnit(ctx context.Context, unit string) ([]byte, inventory.Coverage, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, inventory.Coverage{}, ctx.Err()
	}
	row := inventory.Coverage{Account: "111111111111", Region: "us-east-1", Service: unit, OK: true, Resources: 1}
	b, err := json.Marshal(row)
	return b, row, err
}

func (s unitSource) Assemble(records map[string][]byte, gaps map[string]string) (*inventory.Collection, error) {
	c := &inventory.Collection{}
	for _, u := range s.units {
		var row inventory.Coverage
		if err := json.Unmarshal(records[u], &row); err != nil {
			return nil, err
		}
		c.Coverage = append(c.Coverage, row)
		c.Resources = append(c.Resources, inventory.Resource{ARN: "arn:aws:logs:us-east-1:111111111111:log-group:" + u,
			Account: "111111111111", Region: "us-east-1", Type: "AWS::Logs::LogGroup", ID: u})
	}
	return c, nil
}

type noFindings struct{}

func (noFindings) Evaluate(context.Context, []inventory.Resource) ([]finding.Finding, error) {
	return nil, nil
}

// TestScanJobIsPlannedUntilAssembled: the server's scan job only plans a
// scan read by units; its record says planned, not ok, and the assembly
// (scan.assemble) says whether the scan was saved, in Status, Runs and to
// the metrics.
func TestScanJobIsPlannedUntilAssembled(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db := st.(store.SQLDatabase).SQLDB().Raw()

	src := unitSource{units: []string{"logs-a", "logs-b"}, release: make(chan struct{})}
	sw := &ScanWork{
		Units: &scan.Units{Options: scan.Options{Evaluator: noFindings{}, Saver: st},
			Source: src, Staging: st.(scan.Staging), Deadline: time.Hour},
		Slots: st.(Slots), Scope: func(u string) string { return u },
	}
	var mu sync.Mutex
	var finished []string
	cfg := fast("a")
	cfg.Scans = sw
	cfg.Finished = func(job, result string, _ time.Duration, _ time.Time) {
		mu.Lock()
		defer mu.Unlock()
		finished = append(finished, job+":"+result)
	}
	scanJob := Job{Name: "scan", Every: time.Hour, Plans: true, Run: func(ctx context.Context) error {
		_, err := sw.Start(ctx)
		return err
	}}
	r := start(t, db, cfg, scanJob)

	status := func() map[string]Status {
		t.Helper()
		sts, err := r.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]Status{}
		for _, s := range sts {
			out[s.Name] = s
		}
		return out
	}
	waitFor(t, 20*time.Second, "the scan planned", func() bool {
		s := status()["scan"]
		return s.Last != nil && s.Last.Result != ""
	})
	sts := status()
	if got := sts["scan"].Last.Result; got != ResultPlanned {
		t.Errorf("scan job's run: result %q, want %q (its units are still being read)", got, ResultPlanned)
	}
	as, ok := sts[AssembleJob]
	if !ok {
		t.Fatalf("status lists %v, want %s too", slices.Collect(maps.Keys(sts)), AssembleJob)
	}
	if as.Last != nil || as.Next.IsZero() {
		t.Errorf("assembly before the units are read: %+v, want no run and its deadline as next", as)
	}
	if scans, err := st.Scans(ctx, 10); err != nil || len(scans) != 0 {
		t.Fatalf("scans saved before the units were read: %v, %v", scans, err)
	}

	close(src.release)
	waitFor(t, 20*time.Second, "the scan assembled", func() bool {
		s := status()[AssembleJob]
		return s.Last != nil && s.Last.Result != ""
	})
	if got := status()[AssembleJob].Last; got.Result != ResultOK || got.Error != "" {
		t.Errorf("assembly: %+v, want ok", got)
	}
	scans, err := st.Scans(ctx, 10)
	if err != nil || len(scans) != 1 || scans[0].Resources != 2 {
		t.Fatalf("saved scans %+v, %v; want one of 2 resources", scans, err)
	}
	runs, err := r.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, run := range runs {
		got = append(got, run.Job+":"+run.Result)
	}
	slices.Sort(got)
	if want := []string{AssembleJob + ":ok", "scan:planned"}; !slices.Equal(got, want) {
		t.Errorf("runs %v, want %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(finished)
	if want := []string{AssembleJob + ":ok", "scan:planned"}; !slices.Equal(finished, want) {
		t.Errorf("told the metrics %v, want %v", finished, want)
	}
}
