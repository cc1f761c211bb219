// Package costdb keeps cost rollups in SQLite (modernc.org/sqlite, pure
// Go). It owns only its own cost_* tables and their migration table
// cost_schema_migrations, so it can share steward.db with the store
// without knowing or touching the store's schema. It knows cost.Rollup,
// nothing of billing file formats or attribution.
package costdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/cost"
)

// migration is one step of the cost schema: SQL, or Go where rows must
// be rewritten.
type migration struct {
	sql string
	fn  func(ctx context.Context, tx *sql.Tx) error
}

// migrations are applied in order; each runs once, in a transaction.
var migrations = []migration{
	{sql: `CREATE TABLE cost_periods (
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
	CREATE INDEX cost_rollups_day ON cost_rollups (day);`},
	// A period's rollups as a few blocks (cost.AppendRollupBlock) rather
	// than a row each: a resource-level bill has a million rollups a
	// month, which as rows took most of an ingest and most of a report.
	{fn: toBlocks},
}

// blocksTable keeps each source x period as blocks of up to blockRollups
// rollups, sorted (cost.ComparePeriodRollups), seq from 0. first_day and
// last_day (YYYY-MM-DD) bound the days of a block's rollups, so a scan
// reads only the blocks of its days.
const blocksTable = `CREATE TABLE cost_blocks (
	source    TEXT NOT NULL,
	period    TEXT NOT NULL,
	seq       INTEGER NOT NULL,
	first_day TEXT NOT NULL,
	last_day  TEXT NOT NULL,
	rollups   INTEGER NOT NULL,
	data      BLOB NOT NULL,
	PRIMARY KEY (source, period, seq)
)`

// blockRollups is how many rollups a stored block holds.
const blockRollups = 4096

// toBlocks moves the rollups of cost_rollups into cost_blocks.
func toBlocks(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, blocksTable); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT source, period, day, account, region, service, usage_type, resource,
		resource_name, tags, kind, currency, billed, effective, lines FROM cost_rollups
		ORDER BY source, period, day, account, service, usage_type, resource, tags, kind, region, currency, resource_name`)
	if err != nil {
		return err
	}
	defer rows.Close()
	w, err := newBlockWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer w.close()
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
		if err := w.add(ctx, &r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if err := w.flush(ctx); err != nil {
		return err
	}
	// The periods keep their ingest time and totals: only the layout of
	// their rollups changed.
	_, err = tx.ExecContext(ctx, `DROP TABLE cost_rollups`)
	return err
}

// DB is a cost.RollupStore on a *sql.DB opened with driver "sqlite".
type DB struct {
	db *sql.DB
}

var _ cost.RollupStore = (*DB)(nil)

// Open migrates the cost tables in db and returns the store. The caller
// owns db and closes it.
func Open(ctx context.Context, db *sql.DB) (*DB, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS cost_schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("cost migrations table: %w", err)
	}
	var have int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM cost_schema_migrations`).Scan(&have); err != nil {
		return nil, fmt.Errorf("cost schema version: %w", err)
	}
	if have > len(migrations) {
		return nil, fmt.Errorf("cost schema is version %d, newer than this steward knows (%d): upgrade steward", have, len(migrations))
	}
	for v := have + 1; v <= len(migrations); v++ {
		if err := migrateTo(ctx, db, v); err != nil {
			return nil, fmt.Errorf("cost migration %d: %w", v, err)
		}
	}
	return &DB{db: db}, nil
}

func migrateTo(ctx context.Context, db *sql.DB, v int) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	m := migrations[v-1]
	if m.sql != "" {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
	}
	if m.fn != nil {
		if err := m.fn(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO cost_schema_migrations (version, applied_at) VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))`, v); err != nil {
		return err
	}
	return tx.Commit()
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
	slices.SortStableFunc(all, func(x, y cost.Rollup) int { return cost.ComparePeriodRollups(&x, &y) })
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
	tx, err := d.db.BeginTx(ctx, nil)
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
	tx       *sql.Tx
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

func newBlockWriter(ctx context.Context, tx *sql.Tx) (*blockWriter, error) {
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
		w.enc = cost.AppendRollupBlock(w.enc[:0], rows)
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
	if w.has && cost.ComparePeriodRollups(&w.last, r) > 0 {
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

// Scan streams rollups in day order (cost.CompareRollups). Each period's
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
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("scan rollups: %w", err)
	}
	defer conn.Close()
	// A plain BEGIN: the store's connections begin immediate transactions,
	// which would take the write lock for a read.
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return fmt.Errorf("scan rollups: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
	rows, err := conn.QueryContext(ctx, `SELECT rowid, source, period FROM cost_blocks
		WHERE last_day >= ? AND first_day < ? ORDER BY source, period, seq`, from, to)
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
				err := conn.QueryRowContext(ctx, `SELECT data FROM cost_blocks WHERE rowid = ?`, id).Scan(&data)
				if err == nil {
					if rows, err = cost.DecodeRollupBlock(data, rows[:0]); err != nil {
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
			if h != nil && (min < 0 || cost.CompareRollups(h, heads[min]) < 0) {
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
	ids            []int64
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
