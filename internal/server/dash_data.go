package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// keys are the findings' filterable fields, compact, so a filter walks
	// a few megabytes rather than every finding; dict numbers the values
	// of each string field (field -> value -> number).
	keys []findingKeys
	dict [nFields]map[string]uint32

	counts     scanCounts
	byCategory map[finding.Category]int
	wasteTotal float64
	wasteByCat map[finding.Category]float64
	newCount   int
	facets     facets
	// orders holds the findings' filter keys sorted by each sort key,
	// ascending, each with its finding's index: a page walks one in order,
	// reading memory in sequence rather than jumping about 200k findings.
	orders map[string][]orderedKey

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

// The string fields a findings filter matches exactly.
const (
	fOwner = iota
	fSystem
	fEnv
	fAccount
	fCategory
	nFields
)

// findingKeys is one finding as the filter reads it.
type findingKeys struct {
	field [nFields]uint32
	sev   uint8
	isNew bool
}

// orderedKey is a finding's keys in a sort order, and its index.
type orderedKey struct {
	findingKeys
	i int32
}

// facets are the values a findings filter offers, sorted.
type facets struct {
	Owners, Systems, Envs, Accounts []string
}

// dashCache keeps snapshots by scan ID.
type dashCache struct {
	store    store.Store
	log      *slog.Logger
	currency string
	rate     float64
	now      func() time.Time

	mu     sync.Mutex
	snaps  map[string]*snapEntry
	order  []string // least recently used first
	counts map[string]scanCounts
	// head is the latest scan as last read, and when; refreshing marks a
	// read in flight.
	head       *inventory.Scan
	headAt     time.Time
	refreshing bool
	// trendOf is the trend as of the head scan it was read at.
	trendOf   string
	trendVals []scanCounts
}

// headTTL is how long the latest scan, once read, is taken as the latest.
// Reading it means reading its coverage rows (one per account x region x
// service: thousands on a large estate), too slow to do on every page
// view. A reader after that still gets the one known at once while it is
// read again in the background, so a new scan shows within a few seconds
// and no page waits for the check.
const headTTL = 5 * time.Second

type snapEntry struct {
	done chan struct{}
	snap *snapshot
	err  error
}

func newDashCache(st store.Store, log *slog.Logger, currency string, rate float64, now func() time.Time) *dashCache {
	return &dashCache{store: st, log: log, currency: currency, rate: rate, now: now, snaps: map[string]*snapEntry{}, counts: map[string]scanCounts{}}
}

// latest is the snapshot of the latest scan; store.ErrNotFound when the
// store has none.
func (c *dashCache) latest(ctx context.Context) (*snapshot, error) {
	sc, err := c.latestScan(ctx)
	if err != nil {
		return nil, err
	}
	return c.get(ctx, sc)
}

// latestScan is the latest scan: read at the first call, then refreshed
// in the background once headTTL has passed. Until a scan is found, every
// call reads the store, so the first scan shows at once.
func (c *dashCache) latestScan(ctx context.Context) (*inventory.Scan, error) {
	c.mu.Lock()
	head, at := c.head, c.headAt
	stale := head != nil && c.now().Sub(at) >= headTTL && !c.refreshing
	if stale {
		c.refreshing = true
	}
	c.mu.Unlock()
	if head == nil {
		sc, err := c.store.LatestScan(ctx)
		if err != nil {
			return nil, err
		}
		c.setHead(sc)
		return sc, nil
	}
	if stale {
		go func() {
			sc, err := c.store.LatestScan(context.WithoutCancel(ctx))
			c.mu.Lock()
			c.refreshing = false
			c.mu.Unlock()
			if err == nil {
				c.setHead(sc)
			}
		}()
	}
	return head, nil
}

func (c *dashCache) setHead(sc *inventory.Scan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.head, c.headAt = sc, c.now()
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
	began := time.Now()
	rs, err := c.store.Resources(ctx, sc.ID)
	if err != nil {
		return nil, fmt.Errorf("resources of scan %s: %w", sc.ID, err)
	}
	readRes := time.Since(began)
	fs, err := c.store.Findings(ctx, sc.ID)
	if err != nil {
		return nil, fmt.Errorf("findings of scan %s: %w", sc.ID, err)
	}
	readFind := time.Since(began) - readRes
	sn := newSnapshot(sc, rs, fs, c.currency, c.rate, c.now())
	c.mu.Lock()
	c.counts[sc.ID] = sn.counts
	c.mu.Unlock()
	c.log.Info("dashboard: scan loaded", "scan", sc.ID, "resources", len(rs), "findings", len(fs),
		"read_resources", readRes.Round(time.Millisecond), "read_findings", readFind.Round(time.Millisecond),
		"took", time.Since(began).Round(time.Millisecond))
	return sn, nil
}

// newSnapshot works out what the pages show of a scan; amounts go into
// currency at rate (units per US dollar).
func newSnapshot(sc *inventory.Scan, rs []inventory.Resource, fs []finding.Finding, currency string, rate float64, now time.Time) *snapshot {
	sn := &snapshot{
		scan: sc, resources: rs, findings: fs,
		isNew: make([]bool, len(fs)), waste: make([]float64, len(fs)),
		byARN: make(map[string][]int32), byCategory: map[finding.Category]int{}, wasteByCat: map[finding.Category]float64{},
	}
	sn.counts = scanCounts{ScanID: sc.ID, Started: sc.Started, Total: len(fs)}
	sn.keys = make([]findingKeys, len(fs))
	for k := range sn.dict {
		sn.dict[k] = map[string]uint32{}
	}
	intern := func(field int, v string) uint32 {
		n, ok := sn.dict[field][v]
		if !ok {
			n = uint32(len(sn.dict[field]))
			sn.dict[field][v] = n
		}
		return n
	}
	for i := range fs {
		f := &fs[i]
		sn.isNew[i] = f.FirstSeen.Equal(sc.Started)
		if sn.isNew[i] {
			sn.newCount++
		}
		// An amount whose rate is unknown stays as it was stored: the same
		// choice the report makes.
		sn.waste[i], _ = money.Convert(f.MonthlyWaste, f.Currency, f.Rate, currency, rate)
		sn.wasteTotal += sn.waste[i]
		sn.wasteByCat[f.Category] += sn.waste[i]
		if f.Severity >= finding.Info && f.Severity <= finding.Critical {
			sn.counts.BySev[f.Severity]++
		}
		sn.byCategory[f.Category]++
		sn.byARN[f.ARN] = append(sn.byARN[f.ARN], int32(i))
		k := &sn.keys[i]
		k.sev, k.isNew = uint8(f.Severity), sn.isNew[i]
		k.field[fOwner] = intern(fOwner, f.Owner)
		k.field[fSystem] = intern(fSystem, f.System)
		k.field[fEnv] = intern(fEnv, f.Env)
		k.field[fAccount] = intern(fAccount, f.Account)
		k.field[fCategory] = intern(fCategory, string(f.Category))
	}
	sn.facets = facets{Owners: keys(sn.dict[fOwner]), Systems: keys(sn.dict[fSystem]), Envs: keys(sn.dict[fEnv]), Accounts: keys(sn.dict[fAccount])}
	sn.orders = sortOrders(fs, sn.waste, sn.keys)
	sn.coverage, _ = iac.Tally(rs, now)
	return sn
}

func keys[V any](m map[string]V) []string {
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
func sortOrders(fs []finding.Finding, waste []float64, keys []findingKeys) map[string][]orderedKey {
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
	out := make(map[string][]orderedKey, len(by))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for k, f := range by {
		wg.Go(func() {
			idx := make([]int32, len(fs))
			for i := range idx {
				idx[i] = int32(i)
			}
			slices.SortFunc(idx, f)
			ord := make([]orderedKey, len(idx))
			for j, i := range idx {
				ord[j] = orderedKey{keys[i], i}
			}
			mu.Lock()
			out[k] = ord
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
func (c *dashCache) trend(ctx context.Context, head string) ([]scanCounts, error) {
	c.mu.Lock()
	if c.trendOf == head && c.trendVals != nil {
		v := c.trendVals
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
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
	c.mu.Lock()
	c.trendOf, c.trendVals = head, out
	c.mu.Unlock()
	return out, nil
}

// warm loads the latest scan before anyone asks, so the first page view
// of a large estate does not wait for it.
func (c *dashCache) warm(ctx context.Context) {
	if _, err := c.latest(ctx); err != nil && !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
		c.log.Warn("dashboard: latest scan not loaded", "err", err)
	}
}
