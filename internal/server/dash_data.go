package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/iac"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/store"
)

// A saved scan never changes, so what the pages show of it (counts,
// facets, sort orders, coverage) is worked out once per scan ID and kept:
// the latest scan and the one before it, so a new scan arriving does not
// make every reader wait on a cold start at once. Scans' severity counts
// for the trend are small and kept for more scans.
const (
	keepSnapshots = 2
	keepCounts    = 64
	trendScans    = 12
)

// snapshot is one scan as the pages read it.
type snapshot struct {
	scan      *inventory.Scan
	resources []inventory.Resource // sorted by ARN
	findings  []finding.Finding
	// isNew says the finding was first seen at this scan; waste is its
	// monthly waste in the display currency.
	isNew []bool
	waste []float64
	byARN map[string][]int32

	counts     scanCounts
	byCategory map[finding.Category]int
	wasteTotal float64
	wasteByCat map[finding.Category]float64
	newCount   int
	facets     facets
	// orders holds the findings' indexes sorted by each sort key, ascending.
	orders map[string][]int32

	// coverage is IaC coverage from the resources' managed-by; nil when
	// the scan read no IaC source.
	coverage *iac.Result
}

// scanCounts are a scan's open findings by severity, for the trend.
type scanCounts struct {
	ScanID  string
	Started time.Time
	BySev   [finding.Critical + 1]int
	Total   int
}

// facets are the values a findings filter offers, sorted.
type facets struct {
	Owners, Systems, Envs, Accounts []string
}

// dashCache keeps snapshots by scan ID.
type dashCache struct {
	store    store.Store
	currency string
	rate     float64
	now      func() time.Time

	mu     sync.Mutex
	snaps  map[string]*snapEntry
	order  []string // least recently used first
	counts map[string]scanCounts
}

type snapEntry struct {
	done chan struct{}
	snap *snapshot
	err  error
}

func newDashCache(st store.Store, currency string, rate float64, now func() time.Time) *dashCache {
	return &dashCache{store: st, currency: currency, rate: rate, now: now, snaps: map[string]*snapEntry{}, counts: map[string]scanCounts{}}
}

// latest is the snapshot of the latest scan; store.ErrNotFound when the
// store has none.
func (c *dashCache) latest(ctx context.Context) (*snapshot, error) {
	sc, err := c.store.LatestScan(ctx)
	if err != nil {
		return nil, err
	}
	return c.get(ctx, sc)
}

// get returns sc's snapshot, building it once: readers that ask while it
// is built wait for that build rather than start their own.
func (c *dashCache) get(ctx context.Context, sc *inventory.Scan) (*snapshot, error) {
	c.mu.Lock()
	e, ok := c.snaps[sc.ID]
	if ok {
		c.touch(sc.ID)
		c.mu.Unlock()
	} else {
		e = &snapEntry{done: make(chan struct{})}
		c.snaps[sc.ID] = e
		c.order = append(c.order, sc.ID)
		for len(c.order) > keepSnapshots {
			delete(c.snaps, c.order[0])
			c.order = c.order[1:]
		}
		c.mu.Unlock()
		// The build outlives a reader that gives up: the next one gets it.
		go func() {
			e.snap, e.err = c.build(context.WithoutCancel(ctx), sc)
			if e.err != nil {
				c.mu.Lock()
				if c.snaps[sc.ID] == e {
					delete(c.snaps, sc.ID)
					c.order = slices.DeleteFunc(c.order, func(id string) bool { return id == sc.ID })
				}
				c.mu.Unlock()
			}
			close(e.done)
		}()
	}
	select {
	case <-e.done:
		return e.snap, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *dashCache) touch(id string) {
	i := slices.Index(c.order, id)
	if i >= 0 {
		c.order = append(slices.Delete(c.order, i, i+1), id)
	}
}

func (c *dashCache) build(ctx context.Context, sc *inventory.Scan) (*snapshot, error) {
	rs, err := c.store.Resources(ctx, sc.ID)
	if err != nil {
		return nil, fmt.Errorf("resources of scan %s: %w", sc.ID, err)
	}
	fs, err := c.store.Findings(ctx, sc.ID)
	if err != nil {
		return nil, fmt.Errorf("findings of scan %s: %w", sc.ID, err)
	}
	sn := &snapshot{
		scan: sc, resources: rs, findings: fs,
		isNew: make([]bool, len(fs)), waste: make([]float64, len(fs)),
		byARN: make(map[string][]int32), byCategory: map[finding.Category]int{}, wasteByCat: map[finding.Category]float64{},
	}
	sn.counts = scanCounts{ScanID: sc.ID, Started: sc.Started, Total: len(fs)}
	owners, systems, envs, accounts := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range fs {
		f := &fs[i]
		sn.isNew[i] = f.FirstSeen.Equal(sc.Started)
		if sn.isNew[i] {
			sn.newCount++
		}
		// An amount whose rate is unknown stays as it was stored: the same
		// choice the report makes.
		sn.waste[i], _ = money.Convert(f.MonthlyWaste, f.Currency, f.Rate, c.currency, c.rate)
		sn.wasteTotal += sn.waste[i]
		sn.wasteByCat[f.Category] += sn.waste[i]
		if f.Severity >= finding.Info && f.Severity <= finding.Critical {
			sn.counts.BySev[f.Severity]++
		}
		sn.byCategory[f.Category]++
		sn.byARN[f.ARN] = append(sn.byARN[f.ARN], int32(i))
		owners[f.Owner], systems[f.System], envs[f.Env], accounts[f.Account] = true, true, true, true
	}
	sn.facets = facets{Owners: keys(owners), Systems: keys(systems), Envs: keys(envs), Accounts: keys(accounts)}
	sn.orders = sortOrders(fs, sn.waste)
	sn.coverage, _ = iac.Tally(rs, c.now())
	c.mu.Lock()
	c.counts[sc.ID] = sn.counts
	c.mu.Unlock()
	return sn, nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// sortKeys are the findings table's sortable columns.
var sortKeys = []string{"severity", "policy", "resource", "account", "owner", "waste", "first_seen"}

// sortOrders sorts the findings once by each key; a page then walks an
// order and keeps what its filter matches.
func sortOrders(fs []finding.Finding, waste []float64) map[string][]int32 {
	base := func(a, b int32) int {
		return cmp.Or(strings.Compare(fs[a].Policy, fs[b].Policy), strings.Compare(fs[a].ARN, fs[b].ARN))
	}
	by := map[string]func(a, b int32) int{
		"severity":   func(a, b int32) int { return cmp.Or(cmp.Compare(fs[a].Severity, fs[b].Severity), -base(a, b)) },
		"policy":     base,
		"resource":   func(a, b int32) int { return cmp.Or(strings.Compare(name(&fs[a]), name(&fs[b])), base(a, b)) },
		"account":    func(a, b int32) int { return cmp.Or(strings.Compare(fs[a].Account, fs[b].Account), base(a, b)) },
		"owner":      func(a, b int32) int { return cmp.Or(strings.Compare(fs[a].Owner, fs[b].Owner), base(a, b)) },
		"waste":      func(a, b int32) int { return cmp.Or(cmp.Compare(waste[a], waste[b]), base(a, b)) },
		"first_seen": func(a, b int32) int { return cmp.Or(fs[a].FirstSeen.Compare(fs[b].FirstSeen), base(a, b)) },
	}
	out := make(map[string][]int32, len(by))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for k, f := range by {
		wg.Go(func() {
			idx := make([]int32, len(fs))
			for i := range idx {
				idx[i] = int32(i)
			}
			slices.SortFunc(idx, f)
			mu.Lock()
			out[k] = idx
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// name is what the findings table shows for a resource.
func name(f *finding.Finding) string { return cmp.Or(f.Name, f.ARN) }

// resource finds a resource of the snapshot by ARN.
func (sn *snapshot) resource(arn string) *inventory.Resource {
	i, ok := slices.BinarySearchFunc(sn.resources, arn, func(r inventory.Resource, a string) int { return strings.Compare(r.ARN, a) })
	if !ok {
		return nil
	}
	return &sn.resources[i]
}

// trend is the severity counts of the latest scans, oldest first. Counts
// of scans not yet seen are read once and kept.
func (c *dashCache) trend(ctx context.Context) ([]scanCounts, error) {
	scans, err := c.store.Scans(ctx, trendScans)
	if err != nil {
		return nil, fmt.Errorf("list scans: %w", err)
	}
	out := make([]scanCounts, 0, len(scans))
	for i := len(scans) - 1; i >= 0; i-- {
		sc := scans[i]
		c.mu.Lock()
		n, ok := c.counts[sc.ID]
		c.mu.Unlock()
		if !ok {
			fs, err := c.store.Findings(ctx, sc.ID)
			if err != nil {
				return nil, fmt.Errorf("findings of scan %s: %w", sc.ID, err)
			}
			n = scanCounts{ScanID: sc.ID, Started: sc.Started, Total: len(fs)}
			for _, f := range fs {
				if f.Severity >= finding.Info && f.Severity <= finding.Critical {
					n.BySev[f.Severity]++
				}
			}
			c.mu.Lock()
			if len(c.counts) >= keepCounts {
				clear(c.counts)
			}
			c.counts[sc.ID] = n
			c.mu.Unlock()
		}
		out = append(out, n)
	}
	return out, nil
}
