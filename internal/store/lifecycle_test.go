package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store/pgtest"
)

// An open finding a scan produces again with the same text costs its
// membership row only: its episode's row keeps the times it opened with,
// and the store still says when it was last seen, while open and once
// resolved. An open episode with no row in the latest scan (what the next
// save would read as resolved) is what CheckIntegrity reports.
func TestOpenFindingNotRewritten(t *testing.T) {
	onBothBackends(t, func(t *testing.T, s *sqlStore) {
		ctx := context.Background()
		start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Hour) }
		res := func(id string) inventory.Resource {
			return inventory.Resource{ARN: "arn:aws:ec2:us-east-1:111111111111:volume/" + id, Account: "111111111111", Region: "us-east-1", Type: "AWS::EC2::Volume", ID: id}
		}
		a, b := res("a"), res("b")
		cov := []inventory.Coverage{{Account: "111111111111", Region: "us-east-1", Service: "ec2", OK: true}}
		idle := func(r inventory.Resource) finding.Finding {
			return finding.Finding{Policy: "idle", ARN: r.ARN, Account: r.Account, Region: r.Region, Message: "idle"}
		}
		save := func(i int, fs ...finding.Finding) {
			t.Helper()
			sc := &inventory.Scan{ID: "s" + string(rune('0'+i)), Started: at(i), Finished: at(i).Add(time.Minute), Coverage: cov}
			if _, err := s.SaveScan(ctx, sc, []inventory.Resource{a, b}, fs); err != nil {
				t.Fatal(err)
			}
			if err := s.CheckIntegrity(ctx); err != nil {
				t.Fatalf("after scan %d: %v", i, err)
			}
		}
		save(0, idle(a), idle(b))
		save(1, idle(a), idle(b))
		save(2, idle(a), idle(b))

		var lastSeen int64
		if err := s.db.QueryRowContext(ctx, `SELECT last_seen FROM finding_episodes WHERE arn = ?`, a.ARN).Scan(&lastSeen); err != nil {
			t.Fatal(err)
		}
		if got := time.Unix(0, lastSeen).UTC(); !got.Equal(at(0)) {
			t.Errorf("open episode's own last_seen = %v after scans that produced it again, want %v, when it opened", got, at(0))
		}
		fs, err := s.Findings(ctx, "s2")
		if err != nil || len(fs) != 2 || !fs[0].LastSeen.Equal(at(2)) || !fs[0].FirstSeen.Equal(at(0)) {
			t.Fatalf("Findings(s2) = %+v, %v; want two, first seen %v and last seen %v", fs, err, at(0), at(2))
		}

		// a is resolved by scan 3: its row then says scan 2 last saw it.
		save(3, idle(b))
		solved, err := s.ResolvedFindings(ctx, "s3")
		if err != nil || len(solved) != 1 || solved[0].ARN != a.ARN || !solved[0].LastSeen.Equal(at(2)) ||
			solved[0].ResolvedAt == nil || !solved[0].ResolvedAt.Equal(at(3)) {
			t.Fatalf("ResolvedFindings(s3) = %+v, %v; want %s last seen %v, resolved %v", solved, err, a.ARN, at(2), at(3))
		}
		// Scan 4 goes on from scan 3's rows: b open since scan 0.
		save(4, idle(b))
		fs, err = s.Findings(ctx, "s4")
		if err != nil || len(fs) != 1 || fs[0].ARN != b.ARN || !fs[0].FirstSeen.Equal(at(0)) || !fs[0].LastSeen.Equal(at(4)) {
			t.Fatalf("Findings(s4) = %+v, %v; want %s first seen %v, last seen %v", fs, err, b.ARN, at(0), at(4))
		}

		if _, err := s.db.ExecContext(ctx, `DELETE FROM scan_findings WHERE scan_seq = (SELECT MAX(seq) FROM scans)`); err != nil {
			t.Fatal(err)
		}
		if err := s.CheckIntegrity(ctx); err == nil || !strings.Contains(err.Error(), "1 open finding episodes not in the latest scan") {
			t.Errorf("CheckIntegrity with an open finding missing from the latest scan = %v", err)
		}
	})
}

// onBothBackends runs test on a new SQLite store and a new PostgreSQL one
// (skipped, or failed under STEWARD_REQUIRE_POSTGRES, without a server).
func onBothBackends(t *testing.T, test func(t *testing.T, s *sqlStore)) {
	t.Helper()
	backends := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "s.db") },
		"postgres": func(t *testing.T) string { return pgtest.DSN(t) },
	}
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			st, err := Open(context.Background(), dsn(t), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			test(t, st.(*sqlStore))
		})
	}
}
