package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// DeliveryStore keeps delivery records: deployments, main-branch commits,
// merged changes and incidents. Records are keyed by the caller's ids
// (deployment id; service and sha; service and change id; incident id):
// saving a record with a known key replaces it, never duplicates it.
type DeliveryStore interface {
	// SaveDelivery validates and writes every record of d in one
	// transaction: all of them or none.
	SaveDelivery(ctx context.Context, d delivery.Data) error
	// Delivery returns every record, sorted: deployments and incidents by
	// time then id, commits by service then time, changes by service then
	// merge time.
	Delivery(ctx context.Context) (delivery.Data, error)
	// Incident returns one incident; ErrNotFound when there is none.
	Incident(ctx context.Context, id string) (delivery.Incident, error)
}

func (s *sqlStore) SaveDelivery(ctx context.Context, d delivery.Data) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("save delivery records: %w", err)
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("save delivery records: begin: %w", s.describe(err))
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := saveDelivery(ctx, tx, d); err != nil {
		return fmt.Errorf("save delivery records: %w", s.describe(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save delivery records: commit: %w", s.describe(err))
	}
	s.logger.Debug("delivery records saved", "deployments", len(d.Deployments), "commits", len(d.Commits),
		"changes", len(d.Changes), "incidents", len(d.Incidents))
	return nil
}

func saveDelivery(ctx context.Context, tx *sqldb.Tx, d delivery.Data) error {
	type batch struct {
		query string
		n     int
		args  func(i int) []any
	}
	batches := []batch{
		{`INSERT INTO deployments (id, service, environment, started_at, finished_at, result, commit_sha, version, actor, tool, link, leased_by)
		  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
		  service = excluded.service, environment = excluded.environment, started_at = excluded.started_at,
		  finished_at = excluded.finished_at, result = excluded.result, commit_sha = excluded.commit_sha,
		  version = excluded.version, actor = excluded.actor, tool = excluded.tool, link = excluded.link,
		  leased_by = excluded.leased_by`, len(d.Deployments), func(i int) []any {
			x := d.Deployments[i]
			return []any{x.ID, x.Service, x.Environment, nanos(x.Started), nanos(x.Finished), string(x.Result), x.CommitSHA, x.Version, x.Actor, x.Tool, x.Link, x.LeasedBy}
		}},
		{`INSERT INTO commits (service, sha, parent_sha, committed_at) VALUES (?, ?, ?, ?)
		  ON CONFLICT (service, sha) DO UPDATE SET parent_sha = excluded.parent_sha, committed_at = excluded.committed_at`, len(d.Commits), func(i int) []any {
			x := d.Commits[i]
			return []any{x.Service, x.SHA, x.ParentSHA, nanos(x.CommittedAt)}
		}},
		{`INSERT INTO changes (service, id, merge_sha, first_commit_at, merged_at) VALUES (?, ?, ?, ?, ?)
		  ON CONFLICT (service, id) DO UPDATE SET merge_sha = excluded.merge_sha,
		  first_commit_at = excluded.first_commit_at, merged_at = excluded.merged_at`, len(d.Changes), func(i int) []any {
			x := d.Changes[i]
			return []any{x.Service, x.ID, x.MergeSHA, nanos(x.FirstCommitAt), nanos(x.MergedAt)}
		}},
		{`INSERT INTO incidents (id, service, created_at, resolved_at, deployment_id) VALUES (?, ?, ?, ?, ?)
		  ON CONFLICT (id) DO UPDATE SET service = excluded.service, created_at = excluded.created_at,
		  resolved_at = excluded.resolved_at, deployment_id = excluded.deployment_id`, len(d.Incidents), func(i int) []any {
			x := d.Incidents[i]
			return []any{x.ID, x.Service, nanos(x.CreatedAt), nanos(x.ResolvedAt), x.DeploymentID}
		}},
	}
	for _, b := range batches {
		if b.n == 0 {
			continue
		}
		stmt, err := tx.PrepareContext(ctx, b.query)
		if err != nil {
			return err
		}
		for i := 0; i < b.n; i++ {
			if _, err := stmt.ExecContext(ctx, b.args(i)...); err != nil {
				stmt.Close()
				return err
			}
		}
		if err := stmt.Close(); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlStore) Delivery(ctx context.Context) (delivery.Data, error) {
	var d delivery.Data
	err := queryRows(ctx, s.db, `SELECT id, service, environment, started_at, finished_at, result, commit_sha, version, actor, tool, link, leased_by
		FROM deployments ORDER BY finished_at, id`, func(rows *sql.Rows) error {
		var x delivery.Deployment
		var started, finished sql.NullInt64
		if err := rows.Scan(&x.ID, &x.Service, &x.Environment, &started, &finished, &x.Result, &x.CommitSHA, &x.Version, &x.Actor, &x.Tool, &x.Link, &x.LeasedBy); err != nil {
			return err
		}
		x.Started, x.Finished = fromNanos(started), fromNanos(finished)
		d.Deployments = append(d.Deployments, x)
		return nil
	})
	if err == nil {
		err = queryRows(ctx, s.db, `SELECT service, sha, parent_sha, committed_at FROM commits ORDER BY service, committed_at, sha`, func(rows *sql.Rows) error {
			var x delivery.Commit
			var at sql.NullInt64
			if err := rows.Scan(&x.Service, &x.SHA, &x.ParentSHA, &at); err != nil {
				return err
			}
			x.CommittedAt = fromNanos(at)
			d.Commits = append(d.Commits, x)
			return nil
		})
	}
	if err == nil {
		err = queryRows(ctx, s.db, `SELECT service, id, merge_sha, first_commit_at, merged_at FROM changes ORDER BY service, merged_at, id`, func(rows *sql.Rows) error {
			var x delivery.Change
			var first, merged sql.NullInt64
			if err := rows.Scan(&x.Service, &x.ID, &x.MergeSHA, &first, &merged); err != nil {
				return err
			}
			x.FirstCommitAt, x.MergedAt = fromNanos(first), fromNanos(merged)
			d.Changes = append(d.Changes, x)
			return nil
		})
	}
	if err == nil {
		err = queryRows(ctx, s.db, `SELECT id, service, created_at, resolved_at, deployment_id FROM incidents ORDER BY created_at, id`, func(rows *sql.Rows) error {
			x, err := scanIncident(rows)
			d.Incidents = append(d.Incidents, x)
			return err
		})
	}
	if err != nil {
		return delivery.Data{}, fmt.Errorf("read delivery records: %w", err)
	}
	return d, nil
}

func scanIncident(r rowScanner) (delivery.Incident, error) {
	var x delivery.Incident
	var created, resolved sql.NullInt64
	err := r.Scan(&x.ID, &x.Service, &created, &resolved, &x.DeploymentID)
	x.CreatedAt, x.ResolvedAt = fromNanos(created), fromNanos(resolved)
	return x, err
}

func (s *sqlStore) Incident(ctx context.Context, id string) (delivery.Incident, error) {
	x, err := scanIncident(s.db.QueryRowContext(ctx, `SELECT id, service, created_at, resolved_at, deployment_id FROM incidents WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return delivery.Incident{}, fmt.Errorf("incident %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return delivery.Incident{}, fmt.Errorf("read incident %s: %w", id, err)
	}
	return x, nil
}

func queryRows(ctx context.Context, db *sqldb.DB, query string, each func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
