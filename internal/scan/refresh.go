package scan

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/inventory"
)

// An event says a resource changed (internal/collect/awsevent). Scans are
// snapshots with history, so the change is not written into the latest
// scan: the resource's unit (account x region x service) is read again
// and a new scan is saved, the latest scan's inventory with that unit's
// resources and coverage replaced. The store then works out history (the
// resource changed or disappeared at this scan) and the findings'
// lifecycle (policies evaluated on the whole inventory, so a finding the
// change fixed is resolved and relations across resources still count)
// exactly as for any scan. The scan's source says it came from an event.

// EventSourcePrefix starts the source of a scan made on an event:
// event:aws is the latest aws scan with units read again.
const EventSourcePrefix = "event:"

// Refresher is a UnitSource whose units can be read apart from a scan and
// put into a saved scan's inventory.
type Refresher interface {
	UnitSource
	// HasUnit says whether unit is one this source reads.
	HasUnit(unit string) bool
	// Refresh replaces in base what the units' records read.
	Refresh(base *inventory.Collection, records map[string][]byte) (*inventory.Collection, error)
}

// Reader reads saved scans (the store).
type Reader interface {
	// Scans lists scans, the latest first.
	Scans(ctx context.Context, limit int) ([]inventory.Scan, error)
	Resources(ctx context.Context, scanID string) ([]inventory.Resource, error)
}

// InFlight says whether a scan by units that started before a time is
// still being read or put together (the store).
type InFlight interface {
	ScanInFlight(ctx context.Context, before, now time.Time) (bool, error)
}

// ErrScanInFlight is a refresh asked for while a scan that started before
// it is still being read: that scan, saved later, would take its place
// before the refresh in scan order and leave the refresh, made on an
// older scan, as the latest. The refresh waits for it instead.
var ErrScanInFlight = errors.New("a scan that started earlier is still being read: the refresh waits for it")

// RefreshResult says what a refresh did: the scan it saved (nil when
// nothing was saved) and the units it left, with why.
type RefreshResult struct {
	*Result
	Base    string
	Skipped map[string]string
}

// Refresh reads units again and saves the latest scan with them replaced
// as a new scan. Units this source does not read (an account or region
// not scanned) are skipped; with none left, or no scan of this source
// yet (the first scan reads everything anyway), nothing is saved. A unit
// whose read failed fails the refresh (ErrThrottled when AWS throttled
// it), keeping nothing: the caller tries again later. Refreshes must not
// run at once (the caller holds a lock across replicas): each starts
// from the latest scan, which the other would not have seen.
func (u *Units) Refresh(ctx context.Context, units []string) (*RefreshResult, error) {
	if u.Source == nil {
		return nil, errors.New("scan: a refresh needs a Source")
	}
	src, ok := u.Source.(Refresher)
	if !ok {
		return nil, fmt.Errorf("scan: source %s cannot read units again on an event", u.Source.Name())
	}
	rd, ok := u.Saver.(Reader)
	if !ok || u.Evaluator == nil {
		return nil, errors.New("scan: a refresh needs an Evaluator and a Saver that reads scans")
	}
	log := u.log()
	out := &RefreshResult{Skipped: map[string]string{}}
	var todo []string
	for _, unit := range units {
		if src.HasUnit(unit) {
			todo = append(todo, unit)
		} else {
			out.Skipped[unit] = "not an account, region or service steward scans"
		}
	}
	slices.Sort(todo)
	todo = slices.Compact(todo)
	if len(todo) == 0 {
		return out, nil
	}
	// The refresh starts now: a scan planned after this is later in scan
	// order, one planned before is waited for.
	started := u.now()
	if fl, ok := u.Saver.(InFlight); ok {
		busy, err := fl.ScanInFlight(ctx, started, started)
		if err != nil {
			return nil, fmt.Errorf("refresh: %w", err)
		}
		if busy {
			return nil, ErrScanInFlight
		}
	}
	scans, err := rd.Scans(ctx, 1)
	if err != nil {
		return nil, fmt.Errorf("refresh: read the latest scan: %w", err)
	}
	if len(scans) == 0 {
		for _, unit := range todo {
			out.Skipped[unit] = "no scan yet: the first scan reads it"
		}
		return out, nil
	}
	latest := scans[0]
	if strings.TrimPrefix(latest.Source, EventSourcePrefix) != src.Name() {
		for _, unit := range todo {
			out.Skipped[unit] = fmt.Sprintf("the latest scan is of %s, not %s", latest.Source, src.Name())
		}
		return out, nil
	}
	out.Base = latest.ID
	records := map[string][]byte{}
	for _, unit := range todo {
		rec, row, err := src.CollectUnit(ctx, unit)
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("refresh %s: %w", unit, err)
		}
		if !row.OK {
			if row.ErrorKind == "throttled" || row.ErrorKind == "timeout" {
				return nil, fmt.Errorf("refresh %s: %w: %s", unit, ErrThrottled, row.Error)
			}
			return nil, fmt.Errorf("refresh %s: not read (%s): %s", unit, row.ErrorKind, row.Error)
		}
		records[unit] = rec
	}
	rs, err := rd.Resources(ctx, latest.ID)
	if err != nil {
		return nil, fmt.Errorf("refresh: read scan %s: %w", latest.ID, err)
	}
	coll, err := src.Refresh(&inventory.Collection{Resources: rs, Coverage: latest.Coverage}, records)
	if err != nil {
		return nil, fmt.Errorf("refresh on scan %s: %w", latest.ID, err)
	}
	newID := u.NewID
	if newID == nil {
		newID = NewID
	}
	s := &inventory.Scan{ID: newID(started), Source: EventSourcePrefix + src.Name(), Started: started, Currency: u.Currency, Rate: u.Rate}
	res, err := u.Options.finish(ctx, s, coll, u.now, log.With("scan", s.ID, "base", latest.ID))
	if err != nil {
		return nil, err
	}
	out.Result = res
	log.Info("units read again on an event", "scan", s.ID, "base", latest.ID, "units", todo, "resources", res.Scan.Resources)
	return out, nil
}
