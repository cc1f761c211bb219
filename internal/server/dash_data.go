package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/iac"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// The overview, findings and IaC coverage pages read the store's indexes
// (finding counts, facets and pages; resource counts and unmanaged
// pages): they never hold a scan, so they answer at once whatever the
// estate's size, and the server's memory does not grow with it. What they
// keep is small and per scan: the IaC coverage ratios, summed once from
// the scan's resource counts, and the trend's counts.
//
// The schedules and cost pages read the scan's resources one at a time,
// once per scan (and, for cost, bill and day), to count what follows each
// schedule and to attribute spend (holding only the resources the bill
// names, not the scan); what they keep is what they show.
const (
	keepSmall  = 8
	trendScans = 12
)

// scanCounts are a scan's open findings by severity, for the trend.
type scanCounts struct {
	ScanID  string
	Started time.Time
	BySev   [finding.Critical + 1]int
	Total   int
}

// perScan is a value worked out once per scan, in the background: a
// reader that asks while it is worked out waits for it, as long as its
// context allows, and one that gives up leaves it to finish for the next.
// It keeps the values of keepSmall scans; a failure is not kept.
type perScan[T any] struct {
	mu   sync.Mutex
	vals map[string]*perScanEntry[T]
}

type perScanEntry[T any] struct {
	done chan struct{}
	v    T
	err  error
}

func (p *perScan[T]) get(ctx context.Context, scanID string, work func(context.Context) (T, error)) (T, error) {
	p.mu.Lock()
	if p.vals == nil {
		p.vals = map[string]*perScanEntry[T]{}
	}
	e, ok := p.vals[scanID]
	if !ok {
		if len(p.vals) >= keepSmall {
			for id, old := range p.vals {
				select {
				case <-old.done:
					delete(p.vals, id)
				default:
				}
			}
		}
		e = &perScanEntry[T]{done: make(chan struct{})}
		p.vals[scanID] = e
		go func() {
			e.v, e.err = work(context.WithoutCancel(ctx))
			if e.err != nil {
				p.mu.Lock()
				if p.vals[scanID] == e {
					delete(p.vals, scanID)
				}
				p.mu.Unlock()
			}
			close(e.done)
		}()
	}
	p.mu.Unlock()
	select {
	case <-e.done:
		return e.v, e.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// dashCache keeps snapshots by scan ID.
type dashCache struct {
	store    store.Store
	log      *slog.Logger
	currency string
	rate     float64
	now      func() time.Time

	mu sync.Mutex
	// covers are the IaC coverage ratios by scan ID (nil when the scan
	// read no IaC source).
	covers perScan[*iac.Result]
	// follows are the resources that follow each named schedule, by
	// scan ID.
	follows perScan[*scheduleFollowers]
	// facetsOf are the findings filter's values by scan ID: thousands of
	// accounts on a large estate, the same for every view of a scan.
	facetsOf map[string]store.FindingFacets
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

func newDashCache(st store.Store, log *slog.Logger, currency string, rate float64, now func() time.Time) *dashCache {
	return &dashCache{store: st, log: log, currency: currency, rate: rate, now: now, facetsOf: map[string]store.FindingFacets{}}
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

// coverage is a scan's IaC coverage ratios (nil when the scan read no IaC
// source), summed once from the store's counts of its resources; callers
// that ask while they are read (a store written before the counts has
// them made from the resources first) wait for that, as long as ctx
// allows.
func (c *dashCache) coverage(ctx context.Context, sc *inventory.Scan) (*iac.Result, error) {
	return c.covers.get(ctx, sc.ID, func(ctx context.Context) (*iac.Result, error) { return c.countCoverage(ctx, sc) })
}

func (c *dashCache) countCoverage(ctx context.Context, sc *inventory.Scan) (*iac.Result, error) {
	began := time.Now()
	gs, err := c.store.ResourceGroups(ctx, sc.ID)
	if err != nil {
		return nil, fmt.Errorf("count resources of scan %s: %w", sc.ID, err)
	}
	in := make([]iac.Group, len(gs))
	for i, g := range gs {
		in[i] = iac.Group{Account: g.Account, System: g.System, Type: g.Type, ManagedBy: inventory.ManagedBy{Kind: g.ManagedKind}, Resources: g.Resources}
		if g.Default {
			in[i].ManagedBy.Ref = "default"
		}
	}
	c.log.Info("dashboard: coverage counted", "scan", sc.ID, "groups", len(gs), "took", time.Since(began).Round(time.Millisecond))
	res, ok := iac.TallyGroups(in)
	if !ok {
		return nil, nil
	}
	return res, nil
}

// scheduleFollowers are the resources of a scan that follow each named
// schedule: how many, and the first schedulesShown by ARN.
type scheduleFollowers struct {
	counts  map[string]int
	samples map[string][]*inventory.Resource
}

// followers are the resources of sc that follow each of res's named
// schedules, worked out once per scan by reading its resources one at a
// time (the schedules and tag keys are the server's configuration, so
// the store cannot count them when it saves a scan); callers that ask
// while they are read wait for that, as long as ctx allows.
func (c *dashCache) followers(ctx context.Context, sc *inventory.Scan, res *schedule.Resolver, envKey, systemKey string) (*scheduleFollowers, error) {
	return c.follows.get(ctx, sc.ID, func(ctx context.Context) (*scheduleFollowers, error) {
		began := time.Now()
		f := &scheduleFollowers{counts: map[string]int{}, samples: map[string][]*inventory.Resource{}}
		err := c.store.EachResource(ctx, sc.ID, func(r *inventory.Resource) error {
			t := schedule.Target{Tags: r.Tags.Map()}
			t.Env, _ = r.Tag(envKey)
			t.System, _ = r.Tag(systemKey)
			m, err := res.For(t)
			if err != nil || m.Schedule == nil {
				return nil
			}
			n := m.Schedule.Name()
			f.counts[n]++
			if len(f.samples[n]) < schedulesShown {
				cp := *r
				f.samples[n] = append(f.samples[n], &cp)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("resources of scan %s: %w", sc.ID, err)
		}
		c.log.Info("dashboard: schedule followers counted", "scan", sc.ID, "took", time.Since(began).Round(time.Millisecond))
		return f, nil
	})
}

// facets are the values a findings filter offers for a scan, read once.
func (c *dashCache) facets(ctx context.Context, scanID string) (store.FindingFacets, error) {
	c.mu.Lock()
	f, ok := c.facetsOf[scanID]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	f, err := c.store.FindingFacets(ctx, scanID)
	if err != nil {
		return f, err
	}
	c.mu.Lock()
	if len(c.facetsOf) >= keepSmall {
		clear(c.facetsOf)
	}
	c.facetsOf[scanID] = f
	c.mu.Unlock()
	return f, nil
}

// trend is the severity counts of the latest scans, oldest first, read
// from the store's per-scan counts once per head scan.
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
		sum, err := c.store.FindingSummary(ctx, sc.ID)
		if err != nil {
			return nil, fmt.Errorf("count findings of scan %s: %w", sc.ID, err)
		}
		n := scanCounts{ScanID: sc.ID, Started: sc.Started, Total: sum.Total}
		for _, fc := range sum.Counts {
			if fc.Severity >= finding.Info && fc.Severity <= finding.Critical {
				n.BySev[fc.Severity] += fc.Findings
			}
		}
		out = append(out, n)
	}
	c.mu.Lock()
	c.trendOf, c.trendVals = head, out
	c.mu.Unlock()
	return out, nil
}

// warm readies what the overview and findings pages read of the latest
// scan before anyone asks: its finding index (built now for a store
// written before the index existed) and its coverage count. It loads no
// whole scan.
func (c *dashCache) warm(ctx context.Context) {
	sc, err := c.latestScan(ctx)
	if err == nil {
		_, err = c.store.FindingPage(ctx, sc.ID, store.FindingQuery{Limit: 1})
	}
	if err == nil {
		_, err = c.coverage(ctx, sc)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
		c.log.Warn("dashboard: latest scan not readied", "err", err)
	}
}
