// Package costdb keeps cost rollups in the store's database, SQLite or
// PostgreSQL (through store/sqldb, which speaks both). It owns only its own
// cost_* tables and their migration table cost_schema_migrations, so it
// can share the database with the store without knowing or touching the
// store's schema. It knows cost.Rollup, nothing of billing file formats or
// attribution.
//
// Amounts are kept as exact decimal text on both backends (a float would
// drift). Each SQL migration has a version per dialect: the same columns,
// with text compared and sorted byte by byte on PostgreSQL (COLLATE "C")
// as it is on SQLite, so that blocks sort the same way on both.
package costdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/cost/bill"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

// migration is one step of the cost schema: SQL per dialect, or Go where
// rows must be rewritten.
type migration struct {
	sql map[sqldb.Dialect]string
	fn  func(ctx context.Context, tx *sqldb.Tx) error
}

// migrations are applied in order; each runs once, in a transaction.
var migrations = []migration{
	{sql: map[sqldb.Dialect]string{sqldb.SQLite: `CREATE TABLE cost_periods (
		source   TEXT NOT NULL,
		period   TEXT NOT NULL,
		ingested TEXT NOT NULL,
		rollups  INTEGER NOT NULL,
		billed   TEXT NOT NULL,
		PRIMARY KEY (source, period)
	);
	CREATE TABLE cost_rollups (
		source        TEXT NOT NULL,
		period        TEXT NOT NULL,
		day           TEXT NOT NULL,
		account       TEXT NOT NULL,
		region        TEXT NOT NULL,
		service       TEXT NOT NULL,
		usage_type    TEXT NOT NULL,
		resource      TEXT NOT NULL,
		resource_name TEXT NOT NULL,
		tags          TEXT NOT NULL,
		kind          TEXT NOT NULL,
		currency      TEXT NOT NULL,
		-- Amounts are exact decimal text: SQLite's REAL would drift.
		billed        TEXT NOT NULL,
		effective     TEXT NOT NULL,
		lines         INTEGER NOT NULL
	);
	CREATE INDEX cost_rollups_period ON cost_rollups (source, period);
	CREATE INDEX cost_rollups_day ON cost_rollups (day);`,
		sqldb.Postgres: `CREATE TABLE cost_periods (
		source   TEXT COLLATE "C" NOT NULL,
		period   TEXT COLLATE "C" NOT NULL,
		ingested TEXT NOT NULL,
		rollups  BIGINT NOT NULL,
		billed   TEXT NOT NULL,
		PRIMARY KEY (source, period)
	);
	CREATE TABLE cost_rollups (
		source        TEXT COLLATE "C" NOT NULL,
		period        TEXT COLLATE "C" NOT NULL,
		day           TEXT COLLATE "C" NOT NULL,
		account       TEXT COLLATE "C" NOT NULL,
		region        TEXT COLLATE "C" NOT NULL,
		service       TEXT COLLATE "C" NOT NULL,
		usage_type    TEXT COLLATE "C" NOT NULL,
		resource      TEXT COLLATE "C" NOT NULL,
		resource_name TEXT COLLATE "C" NOT NULL,
		tags          TEXT COLLATE "C" NOT NULL,
		kind          TEXT COLLATE "C" NOT NULL,
		currency      TEXT COLLATE "C" NOT NULL,
		-- Amounts are exact decimal text, as on SQLite.
		billed        TEXT NOT NULL,
		effective     TEXT NOT NULL,
		lines         BIGINT NOT NULL
	);
	CREATE INDEX cost_rollups_period ON cost_rollups (source, period);
	CREATE INDEX cost_rollups_day ON cost_rollups (day);`}},
	// A period's rollups as a few blocks (bill.AppendRollupBlock) rather
	// than a row each: a resource-level bill has a million rollups a
	// month, which as rows took most of an ingest and most of a report.
	{fn: toBlocks},
	// Blocks may now be of version 2 (texts sharing their beginnings,
	// see bill.AppendRollupBlock), which a steward of before cannot read:
	// the version tells it to upgrade rather than call the blocks corrupt.
	// Version 1 blocks are read as they are.
	{fn: func(context.Context, *sqldb.Tx) error { return nil }},
}

// blocksTable keeps each source x period as blocks of up to blockRollups
// rollups, sorted (bill.ComparePeriodRollups), seq from 0. first_day and
// last_day (YYYY-MM-DD) bound the days of a block's rollups, so a scan
// reads only the blocks of its days.
var blocksTable = map[sqldb.Dialect]string{
	sqldb.SQLite: `CREATE TABLE cost_blocks (
	source    TEXT NOT NULL,
	period    TEXT NOT NULL,
	seq       INTEGER NOT NULL,
	first_day TEXT NOT NULL,
	last_day  TEXT NOT NULL,
	rollups   INTEGER NOT NULL,
	data      BLOB NOT NULL,
	PRIMARY KEY (source, period, seq)
)`,
	sqldb.Postgres: `CREATE TABLE cost_blocks (
	source    TEXT COLLATE "C" NOT NULL,
	period    TEXT COLLATE "C" NOT NULL,
	seq       BIGINT NOT NULL,
	first_day TEXT COLLATE "C" NOT NULL,
	last_day  TEXT COLLATE "C" NOT NULL,
	rollups   BIGINT NOT NULL,
	data      BYTEA NOT NULL,
	PRIMARY KEY (source, period, seq)
)`,
}

// blockRollups is how many rollups a stored block holds.
const blockRollups = 4096

// toBlocks moves the rollups of cost_rollups into cost_blocks. On SQLite
// they stream from one query while the blocks are written; a PostgreSQL
// connection runs one statement at a time, so there each period is read
// whole before its blocks are written.
func toBlocks(ctx context.Context, tx *sqldb.Tx) error {
	if _, err := tx.ExecContext(ctx, blocksTable[tx.Dialect()]); err != nil {
		return err
	}
	w, err := newBlockWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer w.close()
	const sel = `SELECT source, period, day, account, region, service, usage_type, resource,
		resource_name, tags, kind, currency, billed, effective, lines FROM cost_rollups`
	const order = ` ORDER BY source, period, day, account, service, usage_type, resource, tags, kind, region, currency, resource_name`
	if tx.Dialect() != sqldb.Postgres {
		if err := copyRollups(ctx, tx, w.add, sel+order); err != nil {
			return err
		}
	} else {
		var keys [][2]string
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT source, period FROM cost_rollups ORDER BY source, period`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k [2]string
			if err := rows.Scan(&k[0], &k[1]); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range keys {
			var period []cost.Rollup
			if err := copyRollups(ctx, tx, func(_ context.Context, r *cost.Rollup) error {
				period = append(period, *r)
				return nil
			}, sel+` WHERE source = ? AND period = ?`+order, k[0], k[1]); err != nil {
				return err
			}
			for i := range period {
				if err := w.add(ctx, &period[i]); err != nil {
					return err
				}
			}
		}
	}
	if err := w.flush(ctx); err != nil {
		return err
	}
	// The periods keep their ingest time and totals: only the layout of
	// their rollups changed.
	_, err = tx.ExecContext(ctx, `DROP TABLE cost_rollups`)
	return err
}

// copyRollups reads rows of cost_rollups and hands each to add.
func copyRollups(ctx context.Context, tx *sqldb.Tx, add func(context.Context, *cost.Rollup) error, query string, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r cost.Rollup
		var day, tags, kind, billed, effective string
		if err := rows.Scan(&r.Source, &r.Period, &day, &r.Account, &r.Region, &r.Service, &r.UsageType, &r.Resource,
			&r.ResourceName, &tags, &kind, &r.Currency, &billed, &effective, &r.Lines); err != nil {
			return err
		}
		if r.Day, err = time.Parse(time.DateOnly, day); err != nil {
			return fmt.Errorf("day %q: %w", day, err)
		}
		r.Tags, r.Kind = cost.Tags(tags), cost.Kind(kind)
		if r.Billed, err = cost.ParseMoney(billed); err != nil {
			return fmt.Errorf("billed %q: %w", billed, err)
		}
		if r.Effective, err = cost.ParseMoney(effective); err != nil {
			return fmt.Errorf("effective %q: %w", effective, err)
		}
		if err := add(ctx, &r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// migrationsTable records the cost schema version; the same on both.
const migrationsTable = `CREATE TABLE IF NOT EXISTS cost_schema_migrations (
	version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`

// DB is a cost.RollupStore in the store's database.
type DB struct {
	db *sqldb.DB
}

var _ cost.RollupStore = (*DB)(nil)

// Open migrates the cost tables in db and returns the store. The caller
// owns db and closes it. When the tables are current Open only reads, so
// it works on a store opened for reading only.
func Open(ctx context.Context, db *sqldb.DB) (*DB, error) {
	for _, m := range migrations {
		if m.fn == nil && m.sql[db.Dialect()] == "" {
			return nil, fmt.Errorf("cost tables: no migrations for %s", db.Dialect())
		}
	}
	var have int
	err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM cost_schema_migrations`).Scan(&have)
	switch {
	case err == nil && have == len(migrations):
		return &DB{db: db}, nil
	case err == nil && have > len(migrations):
		return nil, fmt.Errorf("cost schema is version %d, newer than this steward knows (%d): upgrade steward", have, len(migrations))
	}
	// Missing (err), older or newer: decided under the write lock, so two
	// stewards opening one database at once migrate it once.
	for {
		done, err := migrateOne(ctx, db)
		if err != nil {
			return nil, err
		}
		if done {
			return &DB{db: db}, nil
		}
	}
}

// migrateOne applies the next cost migration, or says the tables are
// current.
func migrateOne(ctx context.Context, db *sqldb.DB) (done bool, err error) {
	tx, err := db.BeginWrite(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("cost migrations: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, migrationsTable); err != nil {
		return false, fmt.Errorf("cost migrations table: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM cost_schema_migrations`).Scan(&have); err != nil {
		return false, fmt.Errorf("cost schema version: %w", err)
	}
	switch {
	case have > len(migrations):
		return false, fmt.Errorf("cost schema is version %d, newer than this steward knows (%d): upgrade steward", have, len(migrations))
	case have == len(migrations):
		return true, nil
	}
	v := have + 1
	m := migrations[v-1]
	if q := m.sql[db.Dialect()]; q != "" {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return false, fmt.Errorf("cost migration %d: %w", v, err)
		}
	}
	if m.fn != nil {
		if err := m.fn(ctx, tx); err != nil {
			return false, fmt.Errorf("cost migration %d: %w", v, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cost_schema_migrations (version, applied_at) VALUES (?, ?)`,
		v, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return false, fmt.Errorf("cost migration %d: %w", v, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("cost migration %d: %w", v, err)
	}
	return false, nil
}

// ReplacePeriods deletes and inserts every batch in one transaction: a
// reader sees the old months or the new ones, never both and never half,
// and an ingest stopped halfway replaces none.
func (d *DB) ReplacePeriods(ctx context.Context, ingested time.Time, batches []cost.Batch) error {
	for _, b := range batches {
		if err := b.Check(); err != nil {
			return err
		}
	}
	var all []cost.Rollup
	for _, b := range batches {
		all = append(all, b.Rollups...)
	}
	slices.SortStableFunc(all, func(x, y cost.Rollup) int { return bill.ComparePeriodRollups(&x, &y) })
	// A batch without rollups empties its period, as it always did.
	var empty [][2]string
	for _, b := range batches {
		if len(b.Rollups) == 0 {
			empty = append(empty, [2]string{b.Source, b.Period})
		}
	}
	_, err := d.replace(ctx, ingested, func(yield func(*cost.Rollup) error) error {
		for i := range all {
			if err := yield(&all[i]); err != nil {
				return err
			}
		}
		return nil
	}, empty)
	return err
}

// ReplaceSorted writes the rollups as blocks of each period as they
// come, in one transaction: the old periods stay visible to readers
// until it commits, and a process killed before then leaves them as
// they were.
func (d *DB) ReplaceSorted(ctx context.Context, ingested time.Time, rollups func(yield func(*cost.Rollup) error) error) ([]cost.PeriodInfo, error) {
	return d.replace(ctx, ingested, rollups, nil)
}

// replace is ReplaceSorted that also empties the periods of empty (those
// the rollups leave out).
func (d *DB) replace(ctx context.Context, ingested time.Time, rollups func(yield func(*cost.Rollup) error) error, empty [][2]string) (_ []cost.PeriodInfo, err error) {
	// The write lock keeps two ingests of one period from interleaving
	// their deletes and inserts (PostgreSQL would otherwise let both in).
	tx, err := d.db.BeginWrite(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("replace periods: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	w, err := newBlockWriter(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("replace periods: %w", err)
	}
	defer w.close()
	w.ingested = ingested.UTC().Format(time.RFC3339Nano)
	w.start(ctx)
	n := 0
	err = rollups(func(r *cost.Rollup) error {
		if n++; n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return w.add(ctx, r)
	})
	if err == nil {
		err = w.flush(ctx)
	}
	for _, k := range empty {
		if err != nil || w.seen[k] {
			continue
		}
		p := cost.PeriodInfo{Source: k[0], Period: k[1]}
		w.periods = append(w.periods, p)
		if err = w.do(ctx, blockOp{deletePeriod: &k}); err == nil {
			err = w.do(ctx, blockOp{period: &p})
		}
	}
	if werr := w.wait(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, fmt.Errorf("replace periods: %w", err)
	}
	if err = ctx.Err(); err != nil {
		return nil, fmt.Errorf("replace periods: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return nil, fmt.Errorf("replace periods: commit: %w", err)
	}
	for i := range w.periods {
		w.periods[i].Ingested = ingested
	}
	return w.periods, nil
}

// blockWriter writes sorted rollups as blocks, period after period. It
// checks the order and groups rollups into blocks in the caller's
// goroutine; encoding the blocks and the SQL run in another (see start),
// so that an ingest's merge and its store write use two cores.
type blockWriter struct {
	tx       *sqldb.Tx
	insert   *sql.Stmt
	ingested string // for cost_periods; empty keeps the rows there
	rows     []cost.Rollup
	seq      int
	periods  []cost.PeriodInfo
	seen     map[[2]string]bool
	last     cost.Rollup
	has      bool
	// ops go to the goroutine start began; done reports its end. Without
	// it, ops run in the caller's goroutine.
	ops  chan blockOp
	done chan error
	free chan []cost.Rollup
	enc  []byte
}

// blockOp is one step of a write, in order: delete a period, insert a
// block, or record a period.
type blockOp struct {
	deletePeriod *[2]string
	block        []cost.Rollup
	seq          int
	period       *cost.PeriodInfo
}

func newBlockWriter(ctx context.Context, tx *sqldb.Tx) (*blockWriter, error) {
	insert, err := tx.PrepareContext(ctx, `INSERT INTO cost_blocks (source, period, seq, first_day, last_day, rollups, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	return &blockWriter{tx: tx, insert: insert, seen: map[[2]string]bool{}}, nil
}

// start runs the ops in a goroutine from now on; wait ends it.
func (w *blockWriter) start(ctx context.Context) {
	w.ops, w.done = make(chan blockOp, 2), make(chan error, 1)
	w.free = make(chan []cost.Rollup, 3)
	go func() {
		var err error
		for op := range w.ops {
			if err == nil {
				err = w.run(ctx, op)
			}
			if op.block != nil {
				select {
				case w.free <- op.block[:0]:
				default:
				}
			}
		}
		w.done <- err
	}()
}

// wait ends the goroutine start began and returns its error.
func (w *blockWriter) wait() error {
	if w.ops == nil {
		return nil
	}
	close(w.ops)
	err := <-w.done
	w.ops = nil
	return err
}

func (w *blockWriter) close() {
	w.wait()
	w.insert.Close()
}

func (w *blockWriter) do(ctx context.Context, op blockOp) error {
	if w.ops == nil {
		return w.run(ctx, op)
	}
	select {
	case w.ops <- op:
		return nil
	case err := <-w.done:
		// The writer stopped on an error: report it, and let wait see it too.
		w.done <- err
		return err
	}
}

func (w *blockWriter) run(ctx context.Context, op blockOp) error {
	switch {
	case op.deletePeriod != nil:
		k := op.deletePeriod
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM cost_blocks WHERE source = ? AND period = ?`, k[0], k[1]); err != nil {
			return fmt.Errorf("replace %s %s: delete: %w", k[0], k[1], err)
		}
	case op.block != nil:
		rows := op.block
		first, last := rows[0].Day, rows[0].Day
		for _, r := range rows[1:] {
			if r.Day.Before(first) {
				first = r.Day
			}
			if r.Day.After(last) {
				last = r.Day
			}
		}
		w.enc = bill.AppendRollupBlock(w.enc[:0], rows)
		r := &rows[0]
		if _, err := w.insert.ExecContext(ctx, r.Source, r.Period, op.seq, first.UTC().Format(time.DateOnly),
			last.UTC().Format(time.DateOnly), len(rows), w.enc); err != nil {
			return fmt.Errorf("replace %s %s: insert: %w", r.Source, r.Period, err)
		}
	case op.period != nil:
		p := op.period
		if _, err := w.tx.ExecContext(ctx, `INSERT INTO cost_periods (source, period, ingested, rollups, billed)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, period) DO UPDATE SET
			ingested = excluded.ingested, rollups = excluded.rollups, billed = excluded.billed`,
			p.Source, p.Period, w.ingested, p.Rollups, p.Billed.String()); err != nil {
			return fmt.Errorf("replace %s %s: period: %w", p.Source, p.Period, err)
		}
	}
	return nil
}

// add takes the next rollup; one of a new period ends the last period
// and deletes what was stored for the new one.
func (w *blockWriter) add(ctx context.Context, r *cost.Rollup) error {
	newPeriod := !w.has || r.Source != w.last.Source || r.Period != w.last.Period
	if w.has && bill.ComparePeriodRollups(&w.last, r) > 0 {
		return fmt.Errorf("rollups out of order at %s %s %s", r.Source, r.Period, r.Day.Format(time.DateOnly))
	}
	if newPeriod {
		if err := w.flush(ctx); err != nil {
			return err
		}
		k := [2]string{r.Source, r.Period}
		if w.seen[k] {
			return fmt.Errorf("rollups out of order at %s %s", r.Source, r.Period)
		}
		w.seen[k] = true
		if err := w.do(ctx, blockOp{deletePeriod: &k}); err != nil {
			return err
		}
		w.seq = 0
		w.periods = append(w.periods, cost.PeriodInfo{Source: r.Source, Period: r.Period})
	}
	p := &w.periods[len(w.periods)-1]
	p.Rollups++
	p.Billed = p.Billed.Add(r.Billed)
	if r.Day.After(p.Last) {
		p.Last = r.Day
	}
	if w.rows == nil {
		select {
		case w.rows = <-w.free:
		default:
			w.rows = make([]cost.Rollup, 0, blockRollups)
		}
	}
	w.rows = append(w.rows, *r)
	w.last, w.has = *r, true
	if len(w.rows) == blockRollups {
		return w.writeBlock(ctx)
	}
	return nil
}

func (w *blockWriter) writeBlock(ctx context.Context) error {
	if len(w.rows) == 0 {
		return nil
	}
	op := blockOp{block: w.rows, seq: w.seq}
	w.seq++
	if w.ops == nil {
		err := w.run(ctx, op)
		w.rows = w.rows[:0]
		return err
	}
	w.rows = nil // the goroutine owns them now
	return w.do(ctx, op)
}

// flush ends the current period: its last block and its cost_periods row.
func (w *blockWriter) flush(ctx context.Context) error {
	if !w.has {
		return nil
	}
	if err := w.writeBlock(ctx); err != nil {
		return err
	}
	if w.ingested == "" {
		return nil
	}
	p := w.periods[len(w.periods)-1]
	return w.do(ctx, blockOp{period: &p})
}

// Scan streams rollups in day order (bill.CompareRollups). Each period's
// blocks are sorted, so the periods that share days are merged, a block
// of each at a time; all is read in one read transaction, so an ingest
// that commits meanwhile is seen whole or not at all.
func (d *DB) Scan(ctx context.Context, f cost.Filter, fn func(cost.Rollup) error) (err error) {
	from, to := "0000-00-00", "9999-99-99"
	if !f.From.IsZero() {
		from = f.From.UTC().Format(time.DateOnly)
	}
	if !f.To.IsZero() {
		to = f.To.UTC().Format(time.DateOnly)
	}
	snap, err := d.db.BeginSnapshot(ctx)
	if err != nil {
		return fmt.Errorf("scan rollups: %w", err)
	}
	defer snap.Close()
	// A block is found again by its rowid on SQLite (one lookup less than
	// the primary key), by its seq within the period on PostgreSQL.
	list, fetch := `SELECT rowid, source, period FROM cost_blocks
		WHERE last_day >= ? AND first_day < ? ORDER BY source, period, seq`, `SELECT data FROM cost_blocks WHERE rowid = ?`
	if snap.Dialect() == sqldb.Postgres {
		list, fetch = `SELECT seq, source, period FROM cost_blocks
		WHERE last_day >= ? AND first_day < ? ORDER BY source, period, seq`, `SELECT data FROM cost_blocks WHERE source = ? AND period = ? AND seq = ?`
	}
	rows, err := snap.QueryContext(ctx, list, from, to)
	if err != nil {
		return fmt.Errorf("scan rollups: %w", err)
	}
	var streams []*blockStream
	for rows.Next() {
		var id int64
		var source, period string
		if err := rows.Scan(&id, &source, &period); err != nil {
			rows.Close()
			return fmt.Errorf("scan rollups: %w", err)
		}
		if n := len(streams); n == 0 || streams[n-1].source != source || streams[n-1].period != period {
			streams = append(streams, &blockStream{source: source, period: period})
		}
		s := streams[len(streams)-1]
		s.ids = append(s.ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan rollups: %w", err)
	}
	// Each period's blocks are read and decoded a block ahead by a
	// goroutine of its own, so decoding runs on another core than fn.
	// The snapshot's one connection answers one query at a time (a
	// PostgreSQL connection cannot interleave them); decoding stays parallel.
	var fetchMu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	for _, s := range streams {
		s.ch, s.free = make(chan decoded, 1), make(chan []cost.Rollup, 2)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(s.ch)
			var data []byte
			for _, id := range s.ids {
				var rows []cost.Rollup
				select {
				case rows = <-s.free:
				default:
				}
				args := []any{id}
				if snap.Dialect() == sqldb.Postgres {
					args = []any{s.source, s.period, id}
				}
				fetchMu.Lock()
				err := fetchBlock(ctx, snap, fetch, args, &data)
				fetchMu.Unlock()
				if err == nil {
					if rows, err = bill.DecodeRollupBlock(data, rows[:0]); err != nil {
						err = fmt.Errorf("%s %s block %d: %w", s.source, s.period, id, err)
					}
				}
				select {
				case s.ch <- decoded{rows, err}:
				case <-stop:
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	fromDay, toDay := f.From, f.To
	next := func(s *blockStream) (*cost.Rollup, error) {
		for {
			for s.i < len(s.rows) {
				r := &s.rows[s.i]
				s.i++
				if (fromDay.IsZero() || !r.Day.Before(fromDay)) && (toDay.IsZero() || r.Day.Before(toDay)) {
					return r, nil
				}
			}
			if s.rows != nil {
				select {
				case s.free <- s.rows:
				default:
				}
				s.rows = nil
			}
			d, ok := <-s.ch
			if !ok {
				return nil, nil
			}
			if d.err != nil {
				return nil, d.err
			}
			s.rows, s.i = d.rows, 0
		}
	}
	heads := make([]*cost.Rollup, len(streams))
	for i, s := range streams {
		if heads[i], err = next(s); err != nil {
			return fmt.Errorf("scan rollups: %w", err)
		}
	}
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		min := -1
		for i, h := range heads {
			if h != nil && (min < 0 || bill.CompareRollups(h, heads[min]) < 0) {
				min = i
			}
		}
		if min < 0 {
			return nil
		}
		if err := fn(*heads[min]); err != nil {
			return err
		}
		if heads[min], err = next(streams[min]); err != nil {
			return fmt.Errorf("scan rollups: %w", err)
		}
	}
}

// blockStream is one period's blocks in a scan.
type blockStream struct {
	source, period string
	ids            []int64 // rowid on SQLite, seq on PostgreSQL
	rows           []cost.Rollup
	i              int
	ch             chan decoded
	free           chan []cost.Rollup
}

type decoded struct {
	rows []cost.Rollup
	err  error
}

// Periods lists what is stored, by source and period.
func (d *DB) Periods(ctx context.Context) ([]cost.PeriodInfo, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT p.source, p.period, p.ingested, p.rollups, p.billed,
		(SELECT MAX(b.last_day) FROM cost_blocks b WHERE b.source = p.source AND b.period = p.period)
		FROM cost_periods p ORDER BY p.source, p.period`)
	if err != nil {
		return nil, fmt.Errorf("list periods: %w", err)
	}
	defer rows.Close()
	var out []cost.PeriodInfo
	for rows.Next() {
		var p cost.PeriodInfo
		var at, billed string
		var last sql.NullString
		if err := rows.Scan(&p.Source, &p.Period, &at, &p.Rollups, &billed, &last); err != nil {
			return nil, fmt.Errorf("list periods: %w", err)
		}
		if last.Valid {
			if p.Last, err = time.Parse(time.DateOnly, last.String); err != nil {
				return nil, fmt.Errorf("list periods: last day %q: %w", last.String, err)
			}
		}
		if p.Ingested, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, fmt.Errorf("list periods: ingested %q: %w", at, err)
		}
		if p.Billed, err = cost.ParseMoney(billed); err != nil {
			return nil, fmt.Errorf("list periods: billed %q: %w", billed, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list periods: %w", err)
	}
	return out, nil
}

// fetchBlock reads one block's data into *data, reusing its memory: a
// scan of a month reads a hundred megabytes of blocks, which copied
// afresh each would be most of what the collector has to do.
func fetchBlock(ctx context.Context, snap *sqldb.Snapshot, query string, args []any, data *[]byte) error {
	rows, err := snap.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	var raw sql.RawBytes
	if err := rows.Scan(&raw); err != nil {
		return err
	}
	*data = append((*data)[:0], raw...)
	return rows.Close()
}
