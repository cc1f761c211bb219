package finding

import (
	"slices"
	"time"
)

// A scan's findings are held as a Set from the evaluation until the store
// has saved them: at a million resources a scan makes some 450k findings,
// and as Findings (384 bytes each, most of it the policy's and the
// resource's fields repeated) they are 170 MB before their messages. In a
// Set what the findings of one policy share is one Rule, what those of one
// resource share is one Subject, and a finding is a Match of the two with
// its own message and waste (64 bytes). A Subject holds the resource's
// strings, not the resource, so a Set does not keep the estate alive once
// the resources are written. A consumer builds the Finding it reads with
// At (one at a time, as the store's save does) or All.

// Rule is what the findings of one policy share.
type Rule struct {
	Policy      string
	Title       string
	Category    Category
	Severity    Severity
	Remediation string
	References  []string
	Actions     []string
	// Currency and Rate are what the findings' waste is in (see Finding).
	Currency string
	Rate     float64
}

// Subject is the resource the findings are on, as findings show it, and
// who answers for it.
type Subject struct {
	ARN, Type, Account, Region, Name string
	Owner, System, Env, OwnerSource  string
	Creator                          string
}

// Match is one finding of a Set: its policy, its resource, and what the
// evaluation worked out for the pair.
type Match struct {
	Rule         *Rule
	Subject      *Subject
	MonthlyWaste float64
	Message      string
	Messages     Messages
	// firstSeen is the finding's first seen, in Unix nanoseconds, once
	// the store has set it (Set.Seen).
	firstSeen int64
}

// Key identifies the match's finding across scans (Finding.Key).
func (m *Match) Key() string { return m.Rule.Policy + "\x00" + m.Subject.ARN }

// Set is a scan's findings, in the order they were added.
type Set struct {
	matches []Match
	// lastSeen is set, with every match's firstSeen, by Seen.
	lastSeen time.Time
	seen     bool
}

// NewSet holds ms as a Set; the Set owns the slice.
func NewSet(ms []Match) *Set { return &Set{matches: ms} }

// SetOf holds findings as a Set, each with a Rule and a Subject of its
// own (for the few findings not made by the policy engine, and callers
// that have Findings already). Their times are not kept: they are the
// store's to set.
func SetOf(fs []Finding) *Set {
	s := &Set{}
	s.Add(fs...)
	return s
}

// Add appends findings to the set (see SetOf).
func (s *Set) Add(fs ...Finding) {
	s.matches = slices.Grow(s.matches, len(fs))
	for i := range fs {
		f := &fs[i]
		s.matches = append(s.matches, Match{
			Rule: &Rule{
				Policy: f.Policy, Title: f.Title, Category: f.Category, Severity: f.Severity,
				Remediation: f.Remediation, References: f.References, Actions: f.Actions,
				Currency: f.Currency, Rate: f.Rate,
			},
			Subject: &Subject{
				ARN: f.ARN, Type: f.Type, Account: f.Account, Region: f.Region, Name: f.Name,
				Owner: f.Owner, System: f.System, Env: f.Env, OwnerSource: f.OwnerSource, Creator: f.Creator,
			},
			MonthlyWaste: f.MonthlyWaste, Message: f.Message, Messages: f.Messages,
		})
	}
}

// Len is how many findings the set holds.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.matches)
}

// Match is the i'th finding as it is held.
func (s *Set) Match(i int) *Match { return &s.matches[i] }

// Seen sets the findings' times, as the store does when it saves them:
// firstSeen[i] (Unix nanoseconds) is the i'th finding's first seen, and
// lastSeen every finding's last seen.
func (s *Set) Seen(firstSeen func(i int) int64, lastSeen time.Time) {
	for i := range s.matches {
		s.matches[i].firstSeen = firstSeen(i)
	}
	s.lastSeen, s.seen = lastSeen, true
}

// At builds the i'th finding into f.
func (s *Set) At(i int, f *Finding) {
	m := &s.matches[i]
	r, sub := m.Rule, m.Subject
	*f = Finding{
		Policy: r.Policy, Title: r.Title, Category: r.Category, Severity: r.Severity,
		ARN: sub.ARN, Type: sub.Type, Account: sub.Account, Region: sub.Region, Name: sub.Name,
		Owner: sub.Owner, System: sub.System, Env: sub.Env, OwnerSource: sub.OwnerSource, Creator: sub.Creator,
		MonthlyWaste: m.MonthlyWaste, Currency: r.Currency, Rate: r.Rate,
		Message: m.Message, Messages: m.Messages, Remediation: r.Remediation,
		References: r.References, Actions: r.Actions,
	}
	if s.seen {
		f.FirstSeen = time.Unix(0, m.firstSeen).UTC()
		f.LastSeen = s.lastSeen
	}
}

// All builds every finding, in the set's order.
func (s *Set) All() []Finding {
	out := make([]Finding, s.Len())
	for i := range out {
		s.At(i, &out[i])
	}
	return out
}
