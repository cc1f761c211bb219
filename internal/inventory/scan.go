package inventory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Scan is one collection run and what it could and could not read.
type Scan struct {
	ID       string    `json:"id"`
	Source   string    `json:"source"` // demo, aws, file:PATH, config:PATH
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// Coverage has one row per account x region x service the source tried.
	Coverage []Coverage `json:"coverage"`
	// APICalls counts the calls made, by service. Empty for offline sources.
	APICalls map[string]int `json:"api_calls,omitempty"`
	// Resources is how many resources the scan collected.
	Resources int `json:"resources"`
	// Currency and Rate are what the scan's amounts (findings' waste) were
	// converted into from US dollars: the code and its units per dollar.
	// Empty and 0 for scans stored before steward recorded them.
	Currency string  `json:"currency,omitempty"`
	Rate     float64 `json:"rate,omitempty"`
}

// Coverage is whether one account x region x service was read.
type Coverage struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Service string `json:"service"`
	OK      bool   `json:"ok"`
	// ErrorKind classifies a failure: access-denied, opt-in-required,
	// throttled, timeout, not-found, error.
	ErrorKind string `json:"error_kind,omitempty"`
	Error     string `json:"error,omitempty"`
	Resources int    `json:"resources"`
}

// Complete reports whether every coverage row is ok. A scan with gaps is
// partial: its findings stand, but nothing in a gap may be called resolved.
func (s *Scan) Complete() bool {
	for _, c := range s.Coverage {
		if !c.OK {
			return false
		}
	}
	return true
}

// Gaps returns the coverage rows that failed, sorted.
func (s *Scan) Gaps() []Coverage {
	var gaps []Coverage
	for _, c := range s.Coverage {
		if !c.OK {
			gaps = append(gaps, c)
		}
	}
	SortCoverage(gaps)
	return gaps
}

// SortCoverage orders coverage rows by account, region and service, the
// order every report and file shows them in.
func SortCoverage(cs []Coverage) {
	slices.SortFunc(cs, func(a, b Coverage) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Service, b.Service))
	})
}

// Covered reports whether the scan read the account and region without any
// gap. Findings outside covered ground keep their state: a region that could
// not be read is never evidence that a problem went away. Region "" or
// "global" rows count for every region of the account.
func (s *Scan) Covered(account, region string) bool {
	for _, c := range s.Coverage {
		if c.OK || c.Account != account {
			continue
		}
		if c.Region == region || c.Region == "" || c.Region == "global" || region == "" || region == "global" {
			return false
		}
	}
	return true
}

// Collection is what a source returns: resources and the coverage of the read.
type Collection struct {
	Resources []Resource
	Coverage  []Coverage
	APICalls  map[string]int
}

// Progress receives progress while a source collects. done and total count
// units of work (account x region x service); calls counts API calls so far.
type Progress interface {
	Update(done, total, calls, errors int)
}

// Source is where resources come from: the demo estate, AWS APIs, a saved
// scan file, AWS Config snapshots. A source that cannot read part of the
// estate records it in Coverage and goes on; it returns an error only when
// nothing could be read at all (bad credentials, an unreadable file).
type Source interface {
	Name() string
	Collect(ctx context.Context, p Progress) (*Collection, error)
}

// NoProgress discards progress.
type NoProgress struct{}

func (NoProgress) Update(done, total, calls, errors int) {}

// CheckUnique returns an error naming the first ARN that appears twice.
func CheckUnique(rs []Resource) error {
	seen := make(map[string]struct{}, len(rs))
	for i := range rs {
		if _, dup := seen[rs[i].ARN]; dup {
			return fmt.Errorf("resource %s appears twice", rs[i].ARN)
		}
		seen[rs[i].ARN] = struct{}{}
	}
	return nil
}
