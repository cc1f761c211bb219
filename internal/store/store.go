// Package store owns steward's persistence: scans with their coverage,
// resources kept once per content hash (so history and "what changed" are
// queries), the lifecycle of findings (first seen, last seen, resolved), and
// the journal of changes steward makes to resources (written before and
// after each change).
//
// Callers use the Store interface and Open; the backend is picked from the
// DSN. SQLite (pure Go) is the embedded default; PostgreSQL (pgx) is picked
// by a postgres:// or postgresql:// DSN, for a team that runs steward as a
// service and backs its database up. Both pass the conformance suite in
// storetest.
//
// One set of queries serves both backends (sqlStore on a sqldb.DB). They
// are written in the SQL the two share: '?' placeholders, which sqldb
// rewrites for PostgreSQL; INSERT ... ON CONFLICT for upserts; RETURNING for
// new ids; UPDATE ... FROM; booleans tested with NOT. The differences left
// are explicit:
//
//   - schema: each backend has its own migrations, migrations/NNNN_*.sql
//     for SQLite and migrations/postgres/NNNN_*.sql for PostgreSQL, with the
//     same numbers and names (a test holds them to it). PostgreSQL's use
//     BIGINT for ids and times (Unix nanoseconds, as on SQLite), BOOLEAN,
//     BYTEA for bodies kept exactly as hashed, and COLLATE "C" on text that
//     is sorted or compared, so that orders are byte orders on both;
//   - one writer at a time: SQLite's write lock, taken at BEGIN; on
//     PostgreSQL a transaction advisory lock per schema (sqldb.BeginWrite).
//     Readers are never blocked on either;
//   - opening, read-only mode and errors: sqlite.go and postgres.go.
//
// A PostgreSQL store lives in the schema the DSN's search_path names
// (public by default), so several stores can share one database.
//
// The store knows the inventory and finding models and nothing of AWS,
// policies, CEL or how findings are reported.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// ErrNotFound is returned when a scan (or anything asked for by key) does not
// exist. Test with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrNotSupported is returned by Open for a backend steward does not have yet.
var ErrNotSupported = errors.New("not supported yet")

// Store keeps scans, resources and findings.
//
// Scans are kept in scan order: by start time, then by save order among
// scans that started at the same instant. Every read is "as of" one scan,
// so readers never see a scan half-written. Two scans may run at once (cron
// and a person): the one that started first may be saved last. It is then
// placed where it started, in history, and the finding lifecycle of the
// scans after it is worked out again with it in place; their resources and
// coverage never change once saved.
type Store interface {
	// SaveScan writes a scan, its resources and the findings evaluated on it
	// in one transaction: either all of it is stored or none. While another
	// process is saving, it waits (as long as ctx allows). Finding
	// lifecycle is keyed by (policy, ARN), over scans in scan order:
	//   - a finding not open before is new: FirstSeen = scan.Started;
	//   - an open finding produced again keeps FirstSeen, LastSeen moves on;
	//   - an open finding not produced by this scan is resolved at
	//     scan.Started, unless the scan did not cover its account and region
	//     (scan.Covered): a gap is no evidence, so it stays open untouched;
	//   - a finding that comes back after being resolved opens a new
	//     episode with a new FirstSeen; the resolved one stays in history.
	// It returns the findings, in input order, with FirstSeen and LastSeen
	// as of this scan.
	SaveScan(ctx context.Context, scan *inventory.Scan, resources []inventory.Resource, findings []finding.Finding) ([]finding.Finding, error)
	// SaveScanPending is SaveScan for a scan whose findings are still
	// being worked out: it writes the scan's resources while they are,
	// then calls findings (which waits for them) and writes them, all in
	// the one transaction. scan.Finished is read after findings returns.
	// An error from findings abandons the save and is returned as it is.
	// The set findings returns is the save's: the set returned is that
	// set, with its findings' times set, not a copy. The resources are
	// taken from *resources, which is set to nil once they are written
	// (whether or not the save goes on to succeed):
	// a caller that holds them nowhere else has them collected while the
	// findings are saved (at a million resources they are most of the
	// scan's memory). A slice passed as a plain argument would be held by
	// the call until it returned.
	SaveScanPending(ctx context.Context, scan *inventory.Scan, resources *[]inventory.Resource, findings func() (*finding.Set, error)) (*finding.Set, error)

	// LatestScan is the last scan in scan order (the one that started
	// last); ErrNotFound when there is none.
	LatestScan(ctx context.Context) (*inventory.Scan, error)
	// Scan returns one scan by ID; ErrNotFound when it does not exist.
	Scan(ctx context.Context, id string) (*inventory.Scan, error)
	// Scans lists scans, the latest in scan order first; limit <= 0 means all.
	Scans(ctx context.Context, limit int) ([]inventory.Scan, error)

	// Resources returns the resources of a scan, sorted by ARN.
	Resources(ctx context.Context, scanID string) ([]inventory.Resource, error)
	// Findings returns the findings open as of a scan, sorted by policy then
	// ARN, with FirstSeen and LastSeen as they were at that scan. Findings
	// kept open through a coverage gap are included with their older LastSeen.
	Findings(ctx context.Context, scanID string) ([]finding.Finding, error)
	// ResolvedFindings returns the findings that scan resolved, with
	// ResolvedAt set, sorted by policy then ARN.
	ResolvedFindings(ctx context.Context, scanID string) ([]finding.Finding, error)

	// ResourceHistory says when a resource appeared, each change and when
	// it disappeared, oldest first. A scan that did not cover the resource's
	// account and region says nothing about it. ErrNotFound when no scan
	// ever had the ARN.
	ResourceHistory(ctx context.Context, arn string) ([]Version, error)
	// Diff compares the resources of two scans.
	Diff(ctx context.Context, fromScanID, toScanID string) (Diff, error)

	FindingPages
	ResourcePages
	Retainer
	DeliveryStore
	Journal
	LeaseStore
	Overrides
	Notices

	Close() error
}

// Event is what happened to a resource at one scan.
type Event string

const (
	Appeared    Event = "appeared"
	Changed     Event = "changed"
	Disappeared Event = "disappeared"
)

// Version is one event in a resource's history. Hash is the resource's
// content hash after the event; empty for Disappeared.
type Version struct {
	ScanID string    `json:"scan_id"`
	At     time.Time `json:"at"`
	Hash   string    `json:"hash,omitempty"`
	Event  Event     `json:"event"`
}

// Diff is the change in resources between two scans. Lists hold ARNs,
// sorted. Hidden lists resources of the first scan that the second did not
// see because it did not cover their account and region: they are not
// called removed.
type Diff struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Added   []string `json:"added"`
	Changed []string `json:"changed"`
	Removed []string `json:"removed"`
	Hidden  []string `json:"hidden,omitempty"`
}

// SQLDatabase is implemented by backends built on database/sql, so that a
// package with tables of its own (cost rollups) can keep them in the same
// database, in the dialect sqldb.DB speaks. Such a package owns its tables and migrations and never
// touches the store's.
type SQLDatabase interface {
	SQLDB() *sqldb.DB
}
