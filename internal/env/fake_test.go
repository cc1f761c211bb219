package env

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"
)

// memStore is a Store in memory with the store's rule: at most one
// unended lease per environment.
type memStore struct {
	mu     sync.Mutex
	leases []Lease
	events []Event
}

func (m *memStore) ChangeLeases(ctx context.Context, environment string, decide func(*Lease) (Change, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cur *Lease
	for i := range m.leases {
		if m.leases[i].Environment == environment && m.leases[i].Ended.IsZero() {
			c := m.leases[i]
			cur = &c
		}
	}
	ch, err := decide(cur)
	if err != nil {
		return err
	}
	leases := slices.Clone(m.leases)
	for _, l := range ch.Leases {
		i := slices.IndexFunc(leases, func(x Lease) bool { return x.ID == l.ID })
		if i >= 0 {
			leases[i] = l
		} else {
			leases = append(leases, l)
		}
		open := 0
		for _, x := range leases {
			if x.Environment == l.Environment && x.Ended.IsZero() {
				open++
			}
		}
		if open > 1 {
			return errTwoOpen
		}
	}
	m.leases = leases
	m.events = append(m.events, ch.Events...)
	return nil
}

type constErr string

func (e constErr) Error() string { return string(e) }

const errTwoOpen = constErr("two open leases")

func (m *memStore) Leases(ctx context.Context, environment string, openOnly bool) ([]Lease, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Lease
	for _, l := range m.leases {
		if (environment == "" || l.Environment == environment) && (!openOnly || l.Ended.IsZero()) {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

func (m *memStore) LeaseEvents(ctx context.Context, environment string) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Event
	for _, e := range m.events {
		if environment == "" || e.Environment == environment {
			out = append(out, e)
		}
	}
	return out, nil
}

// clock is a fake clock tests move by hand.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

type notices struct{ got []Notice }

func (n *notices) Notify(ctx context.Context, x Notice) error {
	n.got = append(n.got, x)
	return nil
}
