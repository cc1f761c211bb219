package report

import (
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

// jsonReport is the one object the json format writes. Its field names are
// an interface other tools depend on: add fields, never rename them.
type jsonReport struct {
	Generated *time.Time        `json:"generated"`
	Scan      *jsonScan         `json:"scan"`
	Summary   Summary           `json:"summary"`
	Findings  []finding.Finding `json:"findings"`
	Framework any               `json:"framework,omitempty"`
}

type jsonScan struct {
	ID       string     `json:"id"`
	Source   string     `json:"source"`
	Started  *time.Time `json:"started"`
	Finished *time.Time `json:"finished"`
	// Complete is false when any coverage row failed: the findings stand,
	// but problems in the gaps are unknown, not absent.
	Complete  bool                 `json:"complete"`
	Resources int                  `json:"resources"`
	APICalls  map[string]int       `json:"api_calls,omitempty"`
	Coverage  []inventory.Coverage `json:"coverage"`
	Gaps      []inventory.Coverage `json:"gaps"`
	// Currency and Rate are what the scan's amounts were converted into
	// when it ran; the findings below are in the summary's currency.
	Currency string  `json:"currency,omitempty"`
	Rate     float64 `json:"rate,omitempty"`
}

func renderJSON(w io.Writer, v *view) error {
	out := jsonReport{
		Generated: timePtr(v.rep.Generated),
		Summary:   v.summary,
		Findings:  v.limited(0),
		Framework: v.rep.Framework,
	}
	if out.Findings == nil {
		out.Findings = []finding.Finding{}
	}
	if s := v.rep.Scan; s != nil {
		cov := slices.Clone(s.Coverage)
		slices.SortStableFunc(cov, func(a, b inventory.Coverage) int {
			return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region), cmp.Compare(a.Service, b.Service))
		})
		if cov == nil {
			cov = []inventory.Coverage{}
		}
		gaps := s.Gaps()
		if gaps == nil {
			gaps = []inventory.Coverage{}
		}
		out.Scan = &jsonScan{
			ID:        s.ID,
			Source:    s.Source,
			Started:   timePtr(s.Started),
			Finished:  timePtr(s.Finished),
			Complete:  s.Complete(),
			Resources: s.Resources,
			APICalls:  s.APICalls,
			Coverage:  cov,
			Gaps:      gaps,
			Currency:  s.Currency,
			Rate:      s.Rate,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// timePtr maps the zero time to null rather than year 1.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
