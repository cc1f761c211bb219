package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/pgtest"
)

// The findings index a save writes is built from the findings in memory,
// not read back: it must be what indexing the stored scan gives, for a
// scan with new, unchanged, changed and carried findings, and for a scan
// saved out of order (the later scans replayed).
func TestSaveIndexesAsStored(t *testing.T) {
	onBothBackends(t, func(t *testing.T, s *sqlStore) {
		ctx := context.Background()
		start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		res := func(account, region, id string) inventory.Resource {
			return inventory.Resource{ARN: "arn:aws:ec2:" + region + ":" + account + ":volume/" + id, Account: account, Region: region, Type: "AWS::EC2::Volume", ID: id}
		}
		rs := []inventory.Resource{res("111111111111", "us-east-1", "a"), res("111111111111", "eu-west-1", "b"), res("222222222222", "us-east-1", "c")}
		fnd := func(policy string, r inventory.Resource, owner string, waste float64, currency string, rate float64) finding.Finding {
			return finding.Finding{Policy: policy, Title: policy, Category: finding.Waste, Severity: finding.Medium, ARN: r.ARN, Type: r.Type,
				Account: r.Account, Region: r.Region, Owner: owner, System: "sys-" + owner, Env: "prod", MonthlyWaste: waste, Currency: currency, Rate: rate, Message: policy + " on " + r.ID}
		}
		cov := func(gapRegion string) []inventory.Coverage {
			var out []inventory.Coverage
			for _, a := range []string{"111111111111", "222222222222"} {
				for _, r := range []string{"us-east-1", "eu-west-1"} {
					c := inventory.Coverage{Account: a, Region: r, Service: "ec2", OK: r != gapRegion}
					if !c.OK {
						c.ErrorKind, c.Error = "access-denied", "denied"
					}
					out = append(out, c)
				}
			}
			return out
		}
		steps := []struct {
			id    string
			hour  int
			gap   string
			finds []finding.Finding
		}{
			{"s0", 0, "", []finding.Finding{fnd("p-b", rs[0], "team-a", 10, "USD", 1), fnd("p-a", rs[1], "team-b", 5, "JPY", 150), fnd("p-a", rs[0], "", 0, "USD", 1)}},
			// eu-west-1 unreadable: p-a on rs[1] is carried; p-b changes text; p-c is new.
			{"s1", 2, "eu-west-1", []finding.Finding{fnd("p-b", rs[0], "team-c", 12, "USD", 1), fnd("p-a", rs[0], "", 0, "USD", 1), fnd("p-c", rs[2], "team-a", 1, "EUR", 0.9)}},
			// Saved after s1 but started before it: s1 is replayed.
			{"s-mid", 1, "", []finding.Finding{fnd("p-a", rs[0], "", 0, "USD", 1), fnd("p-a", rs[1], "team-b", 5, "JPY", 150), fnd("p-c", rs[2], "team-a", 1, "EUR", 0.9)}},
			// The latest, with a gap again: p-a on rs[1] carried, p-c resolved.
			{"s3", 3, "eu-west-1", []finding.Finding{fnd("p-b", rs[0], "team-c", 12, "USD", 1), fnd("p-a", rs[0], "", 0, "USD", 1)}},
		}
		for _, st := range steps {
			sc := &inventory.Scan{ID: st.id, Source: "test", Started: start.Add(time.Duration(st.hour) * time.Hour), Coverage: cov(st.gap)}
			if _, err := s.SaveScan(ctx, sc, rs, st.finds); err != nil {
				t.Fatalf("save %s: %v", st.id, err)
			}
		}
		for _, id := range []string{"s0", "s-mid", "s1", "s3"} {
			row, err := s.scanByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			saved := dumpIndex(t, s, row.seq)
			tx, err := s.beginWrite(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var paged bool
			if err := tx.QueryRowContext(ctx, `SELECT paged FROM finding_indexed WHERE scan_seq = ?`, row.seq).Scan(&paged); err != nil {
				t.Fatalf("%s not indexed at save: %v", id, err)
			}
			if _, err := indexFindings(ctx, tx, row.seq, row.scan.Started.UnixNano(), paged); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(dumpIndex(t, s, row.seq), saved); diff != "" {
				t.Errorf("index of %s written at save differs from the stored scan's (-stored +saved):\n%s", id, diff)
			}
			if id == "s3" && len(saved) < 3 {
				t.Errorf("index of s3 has %d rows, want its 2 findings and the carried one paged: %v", len(saved), saved)
			}
		}
	})
}

// dumpIndex is every index row of a scan, as text.
func dumpIndex(t *testing.T, s *sqlStore, seq int64) []string {
	t.Helper()
	ctx := context.Background()
	queries := []string{
		`SELECT 'page', pos, episode_id, severity, category, owner, system, env, account, is_new,
			by_severity, by_name, by_account, by_owner, by_waste, by_first_seen FROM finding_pages WHERE scan_seq = ? ORDER BY pos`,
		`SELECT 'count', severity, category, is_new, currency, rate, findings, waste, 0, 0, 0, 0, 0, 0, 0, 0 FROM finding_counts WHERE scan_seq = ? ORDER BY severity, category, is_new, currency, rate`,
		`SELECT 'facet', field, value, findings, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM finding_facets WHERE scan_seq = ? ORDER BY field, value`,
		`SELECT 'indexed', findings, paged, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM finding_indexed WHERE scan_seq = ?`,
	}
	var out []string
	for _, q := range queries {
		rows, err := s.db.QueryContext(ctx, q, seq)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, 16)
			ptrs := make([]any, 16)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(vals...))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// The only foreign keys PostgreSQL keeps on the membership rows are their
// scan's (migration 0013): what the others checked, CheckIntegrity does.
func TestMembershipKeys(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, pgtest.DSN(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*sqlStore)
	var got []string
	if err := eachRow(ctx, s.db, `SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
		WHERE contype = 'f' AND conrelid::regclass::text IN ('scan_resources', 'scan_findings') ORDER BY 1`, nil, func(q *sql.Rows) error {
		var c string
		err := q.Scan(&c)
		got = append(got, c)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"scan_findings FOREIGN KEY (scan_seq) REFERENCES scans(seq) ON DELETE CASCADE",
		"scan_resources FOREIGN KEY (scan_seq) REFERENCES scans(seq) ON DELETE CASCADE",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("foreign keys of the membership rows (-want +got):\n%s", diff)
	}
	// A row naming nothing is what CheckIntegrity finds.
	if _, err := s.SaveScan(ctx, &inventory.Scan{ID: "s", Started: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		[]inventory.Resource{{ARN: "arn:aws:s3:::b", Account: "111111111111", Type: "AWS::S3::Bucket", ID: "b"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckIntegrity(ctx); err != nil {
		t.Fatalf("a store just saved: %v", err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE scan_resources SET version_id = version_id + 1000`); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckIntegrity(ctx); err == nil || !strings.Contains(err.Error(), "1 scan_resources rows naming no version of their resource") {
		t.Errorf("CheckIntegrity with a row naming no version = %v", err)
	}
}

// A scan's save runs on SQLite with foreign keys off (BeginWriteUnchecked):
// the connection has them on again once back in the pool, a write that
// names nothing is not refused inside it (so the save must not make one),
// and CheckIntegrity finds such a row by every key SQLite declares.
func TestUncheckedSaveSQLite(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*sqlStore)
	s.db.SetMaxOpenConns(1) // the save's connection is the one read after it
	if _, err := s.SaveScan(ctx, &inventory.Scan{ID: "s", Started: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		[]inventory.Resource{{ARN: "arn:aws:s3:::b", Account: "111111111111", Type: "AWS::S3::Bucket", ID: "b"}}, nil); err != nil {
		t.Fatal(err)
	}
	var fk int
	if err := s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys after a save = %d, %v; want 1", fk, err)
	}
	if err := s.CheckIntegrity(ctx); err != nil {
		t.Fatalf("a store just saved: %v", err)
	}

	bad := `INSERT INTO finding_episodes (policy, arn, account, region, first_seen, first_seq, last_seen, last_seq, body_hash)
		VALUES ('p', 'arn:aws:s3:::b', '111111111111', '', 0, 1, 0, 1, 'no-such-text')`
	checked, err := s.db.BeginWrite(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checked.ExecContext(ctx, bad); err == nil {
		t.Error("a checked write took an episode naming no finding text")
	}
	checked.Rollback() //nolint:errcheck // the test's own
	unchecked, err := s.db.BeginWriteUnchecked(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unchecked.ExecContext(ctx, bad); err != nil {
		t.Fatalf("an unchecked write: %v", err)
	}
	if err := unchecked.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys after an unchecked write = %d, %v; want 1", fk, err)
	}
	if err := s.CheckIntegrity(ctx); err == nil || !strings.Contains(err.Error(), "1 finding_episodes rows naming no row of finding_versions") {
		t.Errorf("CheckIntegrity with an episode naming no text = %v", err)
	}
}
