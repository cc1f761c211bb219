package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/store/pgtest"
)

// The test binary is also the replica: the driver starts it again with
// STEWARD_SCALEOUT_REPLICA set and the replica's flags.
func TestMain(m *testing.M) {
	if os.Getenv("STEWARD_SCALEOUT_REPLICA") != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// smallRun is an organisation just big enough that a replica killed at
// 30% of the units is cut short in some of them: 48 units over 4
// accounts. river's rescuer looks for stuck jobs every 30 s, so a unit
// whose replica died waits for the first look after RescueAfter: kept
// short, the killed units are read again at the first look after the
// kill rather than the second. The tests spend most of their time
// waiting for that look (or a deadline), so they run in parallel.
func smallRun(dsn string, replicas int) driverConfig {
	return driverConfig{
		Accounts: 4, PerAccount: 100, Replicas: replicas, KillAt: 0.3,
		Latency: 20 * time.Millisecond, ThrottleRate: 0.05, Timeout: 3 * time.Minute,
		Replica: replicaConfig{DSN: dsn, Workers: 8, PerScope: 2, UnitTimeout: 8 * time.Second, RescueAfter: 9 * time.Second, Deadline: 10 * time.Minute},
	}
}

func drive1(t *testing.T, dc driverConfig) *result {
	t.Helper()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	// GORACE: a replica built with -race would sleep a second as it exits.
	res, err := drive(context.Background(), dc, log, os.Args[0], []string{"STEWARD_SCALEOUT_REPLICA=1", "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")})
	if res != nil {
		res.print(t.Output())
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkWhole: the scan saved every resource of the organisation once,
// every unit planned once, read once into the store, no gap.
func checkWhole(t *testing.T, res *result) {
	t.Helper()
	units := res.Accounts * 4 * 3 // regions x (ec2, logs, tagging)
	if res.Units != units || res.UnitRows != units || res.UnitJobs != units || res.DoneUnits != units {
		t.Errorf("units planned %d, rows %d, river jobs %d, done %d; want %d each", res.Units, res.UnitRows, res.UnitJobs, res.DoneUnits, units)
	}
	if res.Saved != res.Expected {
		t.Errorf("resources saved = %d, the organisation has %d", res.Saved, res.Expected)
	}
	if res.Gaps != 0 {
		t.Errorf("coverage gaps = %d, want none", res.Gaps)
	}
	if res.Findings == 0 {
		t.Error("no findings saved")
	}
	if res.Throttled == 0 {
		t.Error("the fake throttled nothing: the run did not test throttling")
	}
}

// TestKillReplica kills one of three replicas on PostgreSQL while it reads
// units: the others read its units again (river's rescue) and the scan is
// saved whole, nothing lost or counted twice.
func TestKillReplicaPostgres(t *testing.T) {
	t.Parallel()
	res := drive1(t, smallRun(pgtest.ServerDSN(t), 3))
	checkWhole(t, res)
	if res.Killed == "" || res.KilledRunning == 0 || res.Rescued < res.KilledRunning {
		t.Errorf("killed %q running %d units, rescued %d: the kill did not cut units short", res.Killed, res.KilledRunning, res.Rescued)
	}
}

// The same with two processes on one SQLite store.
func TestKillReplicaSQLite(t *testing.T) {
	t.Parallel()
	res := drive1(t, smallRun(t.TempDir(), 2))
	checkWhole(t, res)
	if res.Killed == "" || res.KilledRunning == 0 || res.Rescued < res.KilledRunning {
		t.Errorf("killed %q running %d units, rescued %d: the kill did not cut units short", res.Killed, res.KilledRunning, res.Rescued)
	}
}

// TestKillAssembler kills the replica putting the scan together: another
// takes it over once the dead one's claim has run out (a watch job sees
// it), not after river's rescue of the assemble job (its timeout, hours),
// and saves it once.
func TestKillAssemblerPostgres(t *testing.T) {
	t.Parallel()
	dc := smallRun(pgtest.ServerDSN(t), 3)
	dc.KillAt, dc.KillAssembler = 0, time.Second
	dc.Replica.Lease, dc.Replica.HoldAssembly = 3*time.Second, 3*time.Second
	res := drive1(t, dc)
	checkWhole(t, res)
	if res.KilledAssembler == "" {
		t.Fatal("no assembler was killed")
	}
	// The claim's rest (3 s), the watch's margin (1 s), river's scheduler
	// (5 s), the hold (3 s) and the assembly, on a loaded machine.
	if after := res.Wall - res.AssemblerKilled; after > time.Minute {
		t.Errorf("saved %s after the assembler was killed, want within a minute", after)
	}
	// The takeover's job may not be marked completed yet when the scan
	// is seen saved: river records it a moment after.
	if len(res.AssembleJobs) != 2 || res.AssembleJobs[0] != "0:running:"+res.KilledAssembler ||
		!strings.HasPrefix(res.AssembleJobs[1], "1:") || strings.HasSuffix(res.AssembleJobs[1], ":"+res.KilledAssembler) {
		t.Errorf("assemble jobs %v; want the killed replica's still running and a takeover (generation 1) by another", res.AssembleJobs)
	}
}

// TestDeadline: the first account's EC2 calls never answer; at the
// scan's deadline it is saved with those four units as gaps and every
// other resource.
func TestDeadline(t *testing.T) {
	t.Parallel()
	dc := smallRun(t.TempDir(), 1)
	dc.KillAt, dc.ThrottleRate, dc.Hang = 0, 0, true
	dc.Accounts = 3
	dc.Replica.UnitTimeout, dc.Replica.RescueAfter, dc.Replica.Deadline = 3*time.Second, 5*time.Second, 20*time.Second
	res := drive1(t, dc)
	perAccountEC2 := 4 * (dc.PerAccount / 4) * 4 / 5 // volumes: four in five resources
	if res.Gaps != 4 {
		t.Errorf("gaps = %d, want the first account's 4 EC2 units", res.Gaps)
	}
	if res.Saved != res.Expected-perAccountEC2 {
		t.Errorf("resources saved = %d, want %d (all but the first account's volumes)", res.Saved, res.Expected-perAccountEC2)
	}
	if res.DoneUnits != res.Units-4 {
		t.Errorf("units done = %d of %d, want all but 4", res.DoneUnits, res.Units)
	}
}
