package env

import (
	"context"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
)

// Deliveries is where a board reads the last deploy of each environment.
type Deliveries interface {
	Delivery(ctx context.Context) (delivery.Data, error)
}

// View is what a board is drawn from besides the leases: the resources of
// the latest scan (none before the first scan), the environments defined
// on them, and how to read their tags and schedules.
type View struct {
	Resources   []inventory.Resource
	Definitions []Definition
	Keys        Keys
	Resolver    *schedule.Resolver
}

// BoardOf is the board as of now: leases whose time is up end first (and
// their holders are told), then every environment gets its row. The
// command line and the server both draw it here.
func (m *Leases) BoardOf(ctx context.Context, v View, d Deliveries) ([]Row, error) {
	live, err := m.Live(ctx)
	if err != nil {
		return nil, err
	}
	history, err := m.Store.Leases(ctx, "", false)
	if err != nil {
		return nil, err
	}
	data, err := d.Delivery(ctx)
	if err != nil {
		return nil, err
	}
	return Board(BoardInput{Definitions: v.Definitions, Resources: v.Resources, Keys: v.Keys, Resolver: v.Resolver,
		Live: live, History: history, Deployments: data.Deployments, Policy: m.Policy, Now: m.now()}), nil
}
