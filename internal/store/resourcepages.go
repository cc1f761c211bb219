package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// The IaC coverage page reads counts and a page of unmanaged resources,
// never a scan's resources whole. Each scan's resources are indexed once
// (migration 0014), when the scan is saved from the resources in hand, or
// on first read for a store written before: resource_counts holds how
// many resources share an account, system tag, type and managed-by, and
// unmanaged_pages the ARNs of those managed by nothing, in page order.
// unmanaged_pages is kept for the latest keepPaged scans, counts for
// every scan.

// ResourcePages reads what the coverage page shows of a scan's resources.
type ResourcePages interface {
	// ResourceGroups counts a scan's resources by account, system tag,
	// type and how they are managed, sorted by those fields.
	ResourceGroups(ctx context.Context, scanID string) ([]ResourceGroup, error)
	// UnmanagedPage is the resources of a scan whose managed-by kind is
	// none, by account, type and ARN, of any type but q.SkipTypes, from
	// q.Offset, at most q.Limit. How many there are in all is a sum of
	// ResourceGroups, which a caller has already read: it is not counted
	// again (a million-resource scan has a quarter of a million).
	UnmanagedPage(ctx context.Context, scanID string, q UnmanagedQuery) ([]inventory.Resource, error)
}

// ResourceGroup is how many resources of a scan share an account, system
// tag (SystemTag), type and managed-by kind; Default says their managed-by
// ref is "default" (a service's default resource).
type ResourceGroup struct {
	Account, System, Type string
	ManagedKind           string
	Default               bool
	Resources             int
}

// SystemTag is the tag resource_counts groups by: the key IaC coverage
// reads a resource's system from.
const SystemTag = "system"

// UnmanagedKind is the managed-by kind of a resource no IaC manages.
const UnmanagedKind = "none"

// UnmanagedQuery picks a page of unmanaged resources.
type UnmanagedQuery struct {
	// SkipTypes are types left out.
	SkipTypes []string
	Offset    int
	Limit     int // at most maxPageLimit; 0 means pageLimitDefault
}

// groupKey is a resource_counts row's key.
type groupKey struct {
	account, system, typ, kind string
	dflt                       bool
}

// unmanagedRow is an unmanaged_pages row.
type unmanagedRow struct{ account, typ, arn string }

// resourceIndex gathers a scan's counts and unmanaged list, one resource
// at a time.
type resourceIndex struct {
	counts    map[groupKey]int
	unmanaged []unmanagedRow
}

func (x *resourceIndex) add(r *inventory.Resource) {
	system, _ := r.Tag(SystemTag)
	k := groupKey{r.Account, system, r.Type, r.ManagedBy().Kind, r.ManagedBy().Ref == "default"}
	x.counts[k]++
	if r.ManagedBy().Kind == UnmanagedKind {
		x.unmanaged = append(x.unmanaged, unmanagedRow{r.Account, r.Type, r.ARN})
	}
}

// indexBatch is how many rows one INSERT writes (at most 7 parameters
// each, under both backends' limits).
const indexBatch = 400

// writeResourceIndex replaces a scan's counts, and its unmanaged_pages
// rows when paged is set.
func writeResourceIndex(ctx context.Context, tx *sqldb.Tx, seq int64, x *resourceIndex, paged bool) error {
	for _, t := range []string{"unmanaged_pages", "resource_counts", "resource_indexed"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE scan_seq = ?`, seq); err != nil {
			return fmt.Errorf("clear %s: %w", t, err)
		}
	}
	// In key order: each row lands next to the one before in the table's
	// key, not at a random page of it.
	keys := make([]groupKey, 0, len(x.counts))
	for k := range x.counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b groupKey) int {
		return cmp.Or(strings.Compare(a.account, b.account), strings.Compare(a.system, b.system), strings.Compare(a.typ, b.typ),
			strings.Compare(a.kind, b.kind), compareBool(a.dflt, b.dflt))
	})
	if err := insertRows(ctx, tx, "resource_counts", []string{"scan_seq", "account", "system", "type", "managed_kind", "managed_default", "resources"}, len(keys), func(i int, d []any) {
		k := &keys[i]
		d[0], d[1], d[2], d[3], d[4], d[5], d[6] = seq, k.account, k.system, k.typ, k.kind, k.dflt, int64(x.counts[*k])
	}); err != nil {
		return fmt.Errorf("insert resource counts: %w", err)
	}
	if paged {
		if err := chunks(len(x.unmanaged), indexBatch, func(lo, hi int) error {
			args := make([]any, 0, (hi-lo)*4)
			for _, u := range x.unmanaged[lo:hi] {
				args = append(args, seq, u.account, u.typ, u.arn)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO unmanaged_pages (scan_seq, account, type, arn) VALUES `+values(hi-lo, 4), args...)
			return err
		}); err != nil {
			return fmt.Errorf("insert unmanaged pages: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO resource_indexed (scan_seq, paged) VALUES (?, ?)`, seq, paged); err != nil {
		return fmt.Errorf("record resource index: %w", err)
	}
	return nil
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// indexResourcesAfterSave indexes the resources of a scan just saved,
// from the resources in hand, then drops the unmanaged pages of scans no
// longer among the latest. A scan's resources never change once saved,
// so the scans after it keep theirs.
func indexResourcesAfterSave(ctx context.Context, tx *sqldb.Tx, seq int64, resources []inventory.Resource) error {
	latest, err := latestSeqs(ctx, tx, keepPaged)
	if err != nil {
		return err
	}
	x := &resourceIndex{counts: map[groupKey]int{}}
	for i := range resources {
		x.add(&resources[i])
	}
	if err := writeResourceIndex(ctx, tx, seq, x, slices.Contains(latest, seq)); err != nil {
		return fmt.Errorf("index resources: %w", err)
	}
	return pruneUnmanaged(ctx, tx, latest)
}

// pruneUnmanaged drops unmanaged_pages rows of every scan but keep's.
func pruneUnmanaged(ctx context.Context, tx *sqldb.Tx, keep []int64) error {
	var older []int64
	if err := eachRow(ctx, tx, `SELECT scan_seq FROM resource_indexed WHERE paged`, nil, func(q *sql.Rows) error {
		var seq int64
		if err := q.Scan(&seq); err != nil {
			return err
		}
		if !slices.Contains(keep, seq) {
			older = append(older, seq)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("prune unmanaged pages: %w", err)
	}
	for _, seq := range older {
		if _, err := tx.ExecContext(ctx, `DELETE FROM unmanaged_pages WHERE scan_seq = ?`, seq); err != nil {
			return fmt.Errorf("prune unmanaged pages of scan %d: %w", seq, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE resource_indexed SET paged = ? WHERE scan_seq = ?`, false, seq); err != nil {
			return fmt.Errorf("prune unmanaged pages of scan %d: %w", seq, err)
		}
	}
	return nil
}

// resourcesIndexed makes sure a scan's resources are indexed (with
// unmanaged_pages when paged is set), indexing them now when they are
// not: a store written before migration 0014, or an older scan asked for
// a page. That reads the scan's resources one at a time, once.
func (s *sqlStore) resourcesIndexed(ctx context.Context, row scanRow, paged bool) error {
	state := func(q rowQuerier) (bool, error) {
		var p bool
		err := q.QueryRowContext(ctx, `SELECT paged FROM resource_indexed WHERE scan_seq = ?`, row.seq).Scan(&p)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return false, nil
		case err != nil:
			return false, fmt.Errorf("read resource index of scan %s: %w", row.scan.ID, err)
		}
		return p || !paged, nil
	}
	if ok, err := state(s.db); err != nil || ok {
		return err
	}
	if s.readOnly {
		return fmt.Errorf("resources of scan %s are not indexed yet and the store is open read-only: open it once with write access (`steward serve` or `steward scan`): %w", row.scan.ID, ErrReadOnly)
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("index resources of scan %s: begin: %w", row.scan.ID, s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// Another reader may have indexed it while this one waited.
	if ok, err := state(tx); err != nil || ok {
		return err
	}
	x := &resourceIndex{counts: map[groupKey]int{}}
	if err := eachRow(ctx, tx, `SELECT r.arn, v.body FROM scan_resources sr
		JOIN resources r ON r.id = sr.resource_id
		JOIN resource_versions v ON v.id = sr.version_id
		WHERE sr.scan_seq = ?`, []any{row.seq}, func(q *sql.Rows) error {
		var (
			arn  string
			body []byte
			r    inventory.Resource
		)
		if err := q.Scan(&arn, &body); err != nil {
			return err
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("decode resource %s: %w", arn, err)
		}
		x.add(&r)
		return nil
	}); err != nil {
		return fmt.Errorf("index resources of scan %s: %w", row.scan.ID, err)
	}
	if err := writeResourceIndex(ctx, tx, row.seq, x, paged); err != nil {
		return fmt.Errorf("index resources of scan %s: %w", row.scan.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index resources of scan %s: commit: %w", row.scan.ID, s.describe(err))
	}
	return nil
}

func (s *sqlStore) ResourceGroups(ctx context.Context, scanID string) ([]ResourceGroup, error) {
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return nil, err
	}
	if err := s.resourcesIndexed(ctx, row, false); err != nil {
		return nil, err
	}
	out := []ResourceGroup{}
	if err := eachRow(ctx, s.db, `SELECT account, system, type, managed_kind, managed_default, resources FROM resource_counts
		WHERE scan_seq = ? ORDER BY account, system, type, managed_kind, managed_default`, []any{row.seq}, func(q *sql.Rows) error {
		var g ResourceGroup
		if err := q.Scan(&g.Account, &g.System, &g.Type, &g.ManagedKind, &g.Default, &g.Resources); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("count resources of scan %s: %w", scanID, err)
	}
	return out, nil
}

func (s *sqlStore) UnmanagedPage(ctx context.Context, scanID string, uq UnmanagedQuery) ([]inventory.Resource, error) {
	out := []inventory.Resource{}
	switch {
	case uq.Offset < 0:
		return out, fmt.Errorf("unmanaged resources of scan %s: offset %d is negative", scanID, uq.Offset)
	case uq.Limit < 0 || uq.Limit > maxPageLimit:
		return out, fmt.Errorf("unmanaged resources of scan %s: limit %d is not valid (valid: 1 to %d, or 0 for %d)", scanID, uq.Limit, maxPageLimit, pageLimitDefault)
	}
	limit := cmp.Or(uq.Limit, pageLimitDefault)
	row, err := s.scanByID(ctx, scanID)
	if err != nil {
		return out, err
	}
	if err := s.resourcesIndexed(ctx, row, true); err != nil {
		return out, err
	}
	skip, skipArgs := "", []any{}
	if len(uq.SkipTypes) > 0 {
		skip = ` AND type NOT IN (` + list(len(uq.SkipTypes)) + `)`
		for _, t := range uq.SkipTypes {
			skipArgs = append(skipArgs, t)
		}
	}
	args := append(append([]any{row.seq}, skipArgs...), limit, uq.Offset)
	if err := eachRow(ctx, s.db, `SELECT u.arn, v.body FROM (
			SELECT account, type, arn FROM unmanaged_pages WHERE scan_seq = ?`+skip+`
			ORDER BY account, type, arn LIMIT ? OFFSET ?) u
		JOIN resources r ON r.arn = u.arn
		JOIN scan_resources sr ON sr.resource_id = r.id AND sr.scan_seq = ?
		JOIN resource_versions v ON v.id = sr.version_id
		ORDER BY u.account, u.type, u.arn`, append(args, row.seq), func(q *sql.Rows) error {
		var (
			arn  string
			body []byte
			r    inventory.Resource
		)
		if err := q.Scan(&arn, &body); err != nil {
			return err
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("decode resource %s: %w", arn, err)
		}
		out = append(out, r)
		return nil
	}); err != nil {
		return out, fmt.Errorf("page unmanaged resources of scan %s: %w", scanID, err)
	}
	return out, nil
}
