package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/steward-sre/steward/internal/collect/aws/awsfake"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/sqldb"
)

var (
	regions  = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"}
	services = []string{"ec2", "logs"}
)

type driverConfig struct {
	Accounts   int
	PerAccount int
	Replicas   int
	KillAt     float64
	// KillAssembler kills (SIGKILL) the replica putting the scan
	// together this long after it claimed it; 0: no such kill.
	KillAssembler time.Duration
	Latency       time.Duration
	ThrottleRate  float64
	RateLimit     float64 // calls per second per account and service the fake allows
	Timeout       time.Duration
	// Hang makes every EC2 call of the first account hang, so its units
	// straggle past the deadline.
	Hang bool
	// Keep leaves the store (the PostgreSQL schema) in place after the
	// run, for the store benchmarks at scale (BenchmarkStoreAtScale with
	// STEWARD_BENCH_DSN); its DSN is printed.
	Keep    bool
	Replica replicaConfig
}

// result is one run's figures and checks.
type result struct {
	Accounts, Replicas     int
	Units                  int
	Expected, Saved        int // resources in the fixture, in the saved scan
	Findings               int
	Gaps                   int
	UnitRows, DoneUnits    int
	Wall                   time.Duration
	UnitsWall              time.Duration // plan to the last unit read
	Evaluated              time.Duration // plan to the policies evaluated (the save of the resources runs alongside)
	FakeCalls, Throttled   int
	ScanCalls              int
	Killed                 string
	KilledRunning          int // unit jobs the killed replica was in the middle of
	KilledAssembler        string
	AssemblyClaimed        time.Duration // plan to the first assembly's job seen running
	AssemblerKilled        time.Duration // plan to its kill
	AssembleJobs           []string      // the scan's assemble jobs, "gen:state:replica"
	Rescued                int           // unit jobs rescued from a dead replica
	UnitJobs               int           // river jobs of the scan's units
	PeakRSS                map[string]int64
	StoreBytes             int64
	ScanID                 string
	StoreDSN               string // set when the store is kept
	Started                time.Time
	ThrottledUnitsRequeued int
}

func (r *result) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "accounts\t%d\nreplicas\t%d\nunits (planned / rows / river jobs)\t%d / %d / %d\nresources (fixture / saved)\t%d / %d\nfindings\t%d\ncoverage gaps\t%d\n",
		r.Accounts, r.Replicas, r.Units, r.UnitRows, r.UnitJobs, r.Expected, r.Saved, r.Findings, r.Gaps)
	fmt.Fprintf(tw, "units read (plan to last unit)\t%s\n", r.UnitsWall.Round(100*time.Millisecond))
	fmt.Fprintf(tw, "plan to findings evaluated (the resources are saved meanwhile)\t%s\n", r.Evaluated.Round(100*time.Millisecond))
	fmt.Fprintf(tw, "wall (plan to saved)\t%s\nAPI calls served by the fake\t%d\nAPI calls in the scan\t%d\nthrottled calls (SDK retried)\t%d\nunits read again after throttling\t%d\n",
		r.Wall.Round(100*time.Millisecond), r.FakeCalls, r.ScanCalls, r.Throttled, r.ThrottledUnitsRequeued)
	if r.Killed != "" {
		fmt.Fprintf(tw, "killed\t%s (running %d units)\nunit jobs rescued from it\t%d\n", r.Killed, r.KilledRunning, r.Rescued)
	}
	if r.KilledAssembler != "" {
		fmt.Fprintf(tw, "assembly started (plan to its job running)\t%s\nassembler killed\t%s at %s\n",
			r.AssemblyClaimed.Round(100*time.Millisecond), r.KilledAssembler, r.AssemblerKilled.Round(100*time.Millisecond))
	}
	if len(r.AssembleJobs) > 0 {
		fmt.Fprintf(tw, "assemble jobs (gen:state:replica)\t%s\n", strings.Join(r.AssembleJobs, " "))
	}
	for name, kb := range r.PeakRSS {
		fmt.Fprintf(tw, "peak RSS %s\t%d MB\n", name, kb/1024)
	}
	var self syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) == nil {
		fmt.Fprintf(tw, "peak RSS driver (the fake AWS)\t%d MB\n", self.Maxrss/1024)
	}
	fmt.Fprintf(tw, "store size\t%d MB\n", r.StoreBytes>>20)
	if r.StoreDSN != "" {
		fmt.Fprintf(tw, "store kept\t%s\n", r.StoreDSN)
	}
	tw.Flush()
}

func accountIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%012d", 200000000000+i)
	}
	return ids
}

func profiles(accounts []string) []string {
	ps := make([]string, len(accounts))
	for i, a := range accounts {
		ps[i] = "p" + a
	}
	return ps
}

// estate is the fake organisation: per account and region, EBS volumes
// (one in five unattached) and log groups (half kept forever), so the
// policies find waste to report.
func estate(accounts []string, perAccount int) []inventory.Resource {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	per := perAccount / len(regions)
	rs := make([]inventory.Resource, 0, len(accounts)*per*len(regions))
	for _, acct := range accounts {
		for ri, region := range regions {
			for n := range per {
				if n%5 == 4 {
					lg := fmt.Sprintf("/app/%s-%d", region, n)
					rs = append(rs, inventory.Resource{
						ARN: fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, acct, lg), Account: acct, Region: region,
						Type: "AWS::Logs::LogGroup", ID: lg, Name: lg, Created: created,
						Attrs: inventory.AttrsOf(map[string]any{"retention_days": float64(30 * (n % 2)), "stored_bytes": float64(n) * 1e6}),
					})
					continue
				}
				vol := fmt.Sprintf("vol-%s%d%06d", acct[6:], ri, n)
				v := inventory.Resource{
					ARN: fmt.Sprintf("arn:aws:ec2:%s:%s:volume/%s", region, acct, vol), Account: acct, Region: region,
					Type: "AWS::EC2::Volume", ID: vol, Created: created, State: "in-use",
					Tags:  inventory.TagsOf(map[string]string{"env": "prod", "owner": "team-" + acct[9:]}),
					Attrs: inventory.AttrsOf(map[string]any{"volume_type": "gp3", "size_gb": 100.0, "iops": 3000.0, "encrypted": n%7 != 0, "availability_zone": region + "a"}),
				}
				if n%5 == 3 {
					v.State = "available"
				}
				rs = append(rs, v)
			}
		}
	}
	return rs
}

// awsFiles writes the shared config and credentials of the accounts (one
// profile each, keys the fake accepts) and returns the environment the
// replicas run with.
func awsFiles(dir string, accounts []string) ([]string, error) {
	var cfg, creds strings.Builder
	for _, a := range accounts {
		cfg.WriteString("[profile p" + a + "]\nregion = us-east-1\n")
		creds.WriteString("[p" + a + "]\naws_access_key_id = " + awsfake.AccessKey(a) + "\naws_secret_access_key = secret\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(cfg.String()), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte(creds.String()), 0o600); err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", fmt.Sprintf("STEWARD_SCALEOUT_ACCOUNTS=%d", len(accounts))), nil
}

// freshStore makes an empty store under dsn: a new schema on PostgreSQL,
// a new file in dsn's folder for SQLite, migrated.
func freshStore(ctx context.Context, dsn, dir string) (string, func(), error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return filepath.Join(dir, "steward.db"), func() {}, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("-dsn: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "scaleout_" + hex.EncodeToString(b[:])
	exec := func(ctx context.Context, q string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, q)
		return err
	}
	if err := exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	}
	return u.String(), drop, nil
}

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// drive runs one measurement. exe is the binary started as replicas
// (this one); extraEnv is added to their environment.
func drive(ctx context.Context, dc driverConfig, log *slog.Logger, exe string, extraEnv []string) (*result, error) {
	if dc.Accounts < 1 || dc.Replicas < 1 || dc.PerAccount < len(regions) {
		return nil, errors.New("-accounts and -replicas must be at least 1, -per-account at least 4")
	}
	if (dc.KillAt > 0 || dc.KillAssembler > 0) && dc.Replicas < 2 {
		return nil, errors.New("-kill-at and -kill-assembler need at least 2 replicas: one must be left to finish")
	}
	dir, err := os.MkdirTemp("", "scaleout")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	accounts := accountIDs(dc.Accounts)
	rs := estate(accounts, dc.PerAccount)
	res := &result{Accounts: dc.Accounts, Replicas: dc.Replicas, Expected: len(rs), PeakRSS: map[string]int64{}}
	fake := awsfake.New(rs, awsfake.Options{PageSize: 100, Latency: dc.Latency, ThrottleRate: dc.ThrottleRate, RateLimit: dc.RateLimit, Seed: 1})
	defer fake.Close()
	rs = nil // the fake holds them
	if dc.Hang {
		fake.AddFault(awsfake.Fault{Account: accounts[0], Service: "ec2", Operation: "DescribeVolumes", Hang: true})
	}
	env, err := awsFiles(dir, accounts)
	if err != nil {
		return nil, err
	}
	env = append(env, extraEnv...)
	dsn, drop, err := freshStore(ctx, dc.Replica.DSN, dir)
	if err != nil {
		return nil, err
	}
	if dc.Keep && strings.HasPrefix(dsn, "postgres") {
		res.StoreDSN = dsn
	} else {
		defer drop()
	}
	st, err := store.Open(ctx, dsn, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	var procs []*proc
	var (
		wg    sync.WaitGroup
		rssMu sync.Mutex // the replicas' waiters record their peaks at once
	)
	defer func() {
		for _, p := range procs {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
		}
		wg.Wait()
	}()
	idFile := filepath.Join(dir, "scan-id")
	for i := range dc.Replicas {
		rc := dc.Replica
		rc.DSN, rc.Endpoint, rc.Name, rc.ScanIDFile = dsn, fake.URL, fmt.Sprintf("replica-%d", i), ""
		if i == 0 {
			rc.ScanIDFile = idFile
		}
		cmd := exec.Command(exe, rc.args()...)
		cmd.Env, cmd.Stderr = env, os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		p := &proc{name: rc.Name, cmd: cmd, done: make(chan struct{})}
		procs = append(procs, p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = cmd.Wait()
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rssMu.Lock()
				res.PeakRSS[p.name] = ru.Maxrss // KiB on Linux
				rssMu.Unlock()
			}
			close(p.done)
		}()
	}

	stg := st.(scan.Staging)
	deadline := time.Now().Add(dc.Timeout)
	var plan scan.Plan
	for {
		if time.Now().After(deadline) {
			return res, fmt.Errorf("the scan was not saved within %s (plan %+v)", dc.Timeout, plan)
		}
		planner := procs[0].done
		if res.ScanID != "" {
			planner = nil // killed later, perhaps: no longer waited on
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-planner:
			return res, errors.New("the first replica ended before planning a scan")
		case <-time.After(250 * time.Millisecond):
		}
		if res.ScanID == "" {
			b, err := os.ReadFile(idFile)
			if err != nil {
				continue
			}
			res.ScanID = string(b)
		}
		if plan, err = stg.ScanPlan(ctx, res.ScanID); err != nil {
			return res, err
		}
		res.Units = plan.Units
		if dc.KillAt > 0 && res.Killed == "" && float64(plan.Units-plan.Remaining) >= dc.KillAt*float64(plan.Units) {
			victim := procs[1]
			if err := victim.cmd.Process.Kill(); err != nil {
				return res, err
			}
			<-victim.done
			// Counted once it is dead: a unit it had read but whose job
			// river had not yet marked completed is not cut short.
			res.KilledRunning, err = runningUnits(ctx, st, victim.name)
			if err != nil {
				return res, err
			}
			res.Killed = victim.name
			log.Warn("replica killed", "replica", victim.name, "done", plan.Units-plan.Remaining, "units", plan.Units, "running", res.KilledRunning)
		}
		if dc.KillAssembler > 0 && res.KilledAssembler == "" && plan.State == scan.PlanAssembling {
			name, err := assembling(ctx, st)
			if err != nil {
				return res, err
			}
			if name != "" && res.AssemblyClaimed == 0 {
				res.AssemblyClaimed = time.Since(plan.Started)
			}
			if name != "" && time.Since(plan.Started) >= res.AssemblyClaimed+dc.KillAssembler {
				for _, p := range procs {
					if p.name == name {
						if err := p.cmd.Process.Kill(); err != nil {
							return res, err
						}
						<-p.done
						res.KilledAssembler, res.AssemblerKilled = name, time.Since(plan.Started)
						log.Warn("assembler killed", "replica", name, "started", res.AssemblyClaimed)
					}
				}
			}
		}
		if plan.State == scan.PlanSaved {
			res.Wall = time.Since(plan.Started)
			break
		}
	}
	saved, err := st.Scan(ctx, res.ScanID)
	if err != nil {
		return res, err
	}
	res.Evaluated = saved.Finished.Sub(plan.Started)
	res.Started = plan.Started
	res.Saved = saved.Resources
	res.Gaps = len(saved.Gaps())
	for _, n := range saved.APICalls {
		res.ScanCalls += n
	}
	fs, err := st.Findings(ctx, res.ScanID)
	if err != nil {
		return res, err
	}
	res.Findings = len(fs)
	recs, err := stg.UnitRecords(ctx, res.ScanID)
	if err != nil {
		return res, err
	}
	res.UnitRows = len(recs)
	for _, r := range recs {
		if r.Done {
			res.DoneUnits++
		}
	}
	for n := range fake.Calls() {
		res.FakeCalls += fake.Calls()[n]
	}
	res.Throttled = fake.Throttled()
	if err := jobFigures(ctx, st, res); err != nil {
		return res, err
	}
	if res.StoreBytes, err = storeSize(ctx, st); err != nil {
		return res, err
	}
	for _, p := range procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	wg.Wait()
	procs = nil
	return res, nil
}

func sqlDB(st store.Store) *sqldb.DB { return st.(interface{ SQLDB() *sqldb.DB }).SQLDB() }

// runningUnits counts the unit jobs a dead replica was running whose unit
// it had not yet read: those that river must rescue for the scan to end.
func runningUnits(ctx context.Context, st store.Store, replica string) (int, error) {
	db := sqlDB(st)
	q := `SELECT COUNT(*) FROM river_job j JOIN scan_units u ON u.scan_id = j.args->>'scan_id' AND u.unit = j.args->>'unit'
		WHERE j.kind = 'steward_scan.unit' AND j.state = 'running' AND j.attempted_by[cardinality(j.attempted_by)] = ? AND u.state = 'pending'`
	if db.Dialect() == sqldb.SQLite {
		q = `SELECT COUNT(*) FROM river_job j JOIN scan_units u ON u.scan_id = json_extract(j.args, '$.scan_id') AND u.unit = json_extract(j.args, '$.unit')
		WHERE j.kind = 'steward_scan.unit' AND j.state = 'running' AND json_extract(j.attempted_by, '$[#-1]') = ? AND u.state = 'pending'`
	}
	var n int
	err := db.QueryRowContext(ctx, q, replica).Scan(&n)
	return n, err
}

// assembling is the replica running the scan's assembly now, "" when
// none is.
func assembling(ctx context.Context, st store.Store) (string, error) {
	db := sqlDB(st)
	q := `SELECT attempted_by[cardinality(attempted_by)] FROM river_job WHERE kind = 'steward_scan.assemble' AND state = 'running' ORDER BY id DESC LIMIT 1`
	if db.Dialect() == sqldb.SQLite {
		q = `SELECT json_extract(attempted_by, '$[#-1]') FROM river_job WHERE kind = 'steward_scan.assemble' AND state = 'running' ORDER BY id DESC LIMIT 1`
	}
	var name string
	switch err := db.QueryRowContext(ctx, q).Scan(&name); {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("the replica assembling: %w", err)
	}
	return name, nil
}

// assembleJobs lists the assemble jobs as gen:state:replica, oldest first.
func assembleJobs(ctx context.Context, st store.Store) ([]string, error) {
	db := sqlDB(st)
	q := `SELECT COALESCE((args->>'gen')::int, 0), state, COALESCE(attempted_by[cardinality(attempted_by)], '') FROM river_job WHERE kind = 'steward_scan.assemble' ORDER BY id`
	if db.Dialect() == sqldb.SQLite {
		q = `SELECT COALESCE(json_extract(args, '$.gen'), 0), state, COALESCE(json_extract(attempted_by, '$[#-1]'), '') FROM river_job WHERE kind = 'steward_scan.assemble' ORDER BY id`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("assemble jobs: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var gen int
		var state, by string
		if err := rows.Scan(&gen, &state, &by); err != nil {
			return nil, fmt.Errorf("assemble jobs: %w", err)
		}
		out = append(out, fmt.Sprintf("%d:%s:%s", gen, state, by))
	}
	return out, rows.Err()
}

// jobFigures reads river's records: unit jobs rescued from a dead
// replica (river's rescuer notes it in the job's errors) and unit reads
// retried after AWS throttled them.
func jobFigures(ctx context.Context, st store.Store, res *result) error {
	db := sqlDB(st)
	errs := "errors::text"
	if db.Dialect() == sqldb.SQLite {
		errs = "json(errors)"
	}
	q := `SELECT COUNT(*) FROM river_job WHERE kind = 'steward_scan.unit' AND ` + errs + ` LIKE '%rescued%'`
	if err := db.QueryRowContext(ctx, q).Scan(&res.Rescued); err != nil {
		return fmt.Errorf("river jobs: %w", err)
	}
	q = `SELECT COUNT(*) FROM river_job WHERE kind = 'steward_scan.unit' AND ` + errs + ` LIKE '%throttled%'`
	if err := db.QueryRowContext(ctx, q).Scan(&res.ThrottledUnitsRequeued); err != nil {
		return fmt.Errorf("river jobs: %w", err)
	}
	var last sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(finished_at) FROM scan_units WHERE scan_id = ? AND state = 'done'`, res.ScanID).Scan(&last); err != nil {
		return fmt.Errorf("scan units: %w", err)
	}
	if last.Valid {
		res.UnitsWall = time.Unix(0, last.Int64).Sub(res.Started)
	}
	q = `SELECT COUNT(*) FROM river_job WHERE kind = 'steward_scan.unit'`
	if err := db.QueryRowContext(ctx, q).Scan(&res.UnitJobs); err != nil {
		return fmt.Errorf("river jobs: %w", err)
	}
	var err error
	res.AssembleJobs, err = assembleJobs(ctx, st)
	return err
}

// storeSize is the bytes the store takes: its schema's tables and indexes
// on PostgreSQL, the file's pages on SQLite.
func storeSize(ctx context.Context, st store.Store) (int64, error) {
	db := sqlDB(st)
	q := `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'`
	if db.Dialect() == sqldb.SQLite {
		q = `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`
	}
	var n int64
	err := db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}
