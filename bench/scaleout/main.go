// Command scaleout measures a scan of an AWS organisation read by several
// `steward` replicas sharing one store through river: it serves a fake
// organisation (internal/collect/aws/awsfake, with per-call latency and
// throttling), starts replica processes (this binary with -replica), has
// the first plan a scan, optionally kills one mid-scan, waits for the scan
// to be saved and checks that nothing was lost or counted twice. It
// prints wall time, API calls, throttled calls, peak memory per replica
// and the store's size.
//
//	go run ./bench/scaleout -accounts 500 -replicas 3 -dsn "$STEWARD_TEST_POSTGRES"
//
// See bench/README.md for the figures and bench/scaleout/run.sh for the
// runs behind them.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	var (
		replica = flag.Bool("replica", false, "run as one replica (started by the driver)")
		rc      replicaConfig
		dc      driverConfig
	)
	flag.StringVar(&rc.Log, "log", "warn", "log level of the driver and replicas: debug, info, warn, error")
	flag.StringVar(&rc.DSN, "dsn", "", "store: a PostgreSQL DSN or an SQLite path (the driver makes a fresh schema or file under it)")
	flag.StringVar(&rc.Endpoint, "endpoint", "", "replica: the fake AWS endpoint")
	flag.StringVar(&rc.Name, "name", "r0", "replica: its name in river's records")
	flag.StringVar(&rc.ScanIDFile, "start", "", "replica: plan a scan and write its id to this file")
	flag.IntVar(&dc.Accounts, "accounts", 6, "accounts in the organisation")
	flag.IntVar(&dc.PerAccount, "per-account", 2000, "resources per account (spread over 4 regions)")
	flag.IntVar(&dc.Replicas, "replicas", 3, "replica processes")
	flag.Float64Var(&dc.KillAt, "kill-at", 0, "kill the second replica (SIGKILL) when this share of units is done; 0: no kill")
	flag.DurationVar(&dc.KillAssembler, "kill-assembler", 0, "kill the replica putting the scan together (SIGKILL) this long after it claimed it; 0: no kill")
	flag.DurationVar(&rc.Lease, "lease", 0, "how long an assembler's claim lasts unless renewed; 0: the default (2m)")
	flag.DurationVar(&rc.HoldAssembly, "hold-assembly", 0, "the assembling replica waits this long before putting the scan together (to kill it mid-assembly)")
	flag.DurationVar(&dc.Latency, "latency", 30*time.Millisecond, "latency added to every fake AWS call")
	flag.Float64Var(&dc.ThrottleRate, "throttle", 0.02, "share of fake AWS calls answered with a throttling error")
	flag.Float64Var(&dc.RateLimit, "rate", 0, "calls per second the fake allows each account per service (AWS's quotas); over it, a throttling error; 0: no limit")
	flag.BoolVar(&dc.Keep, "keep", false, "keep the store (the PostgreSQL schema) after the run and print its DSN")
	flag.DurationVar(&dc.Timeout, "timeout", time.Hour, "give up waiting for the scan after this long")
	flag.IntVar(&rc.Workers, "workers", 16, "units one replica reads at once")
	flag.IntVar(&rc.PerScope, "per-scope", 2, "units of one account x service read at once across replicas")
	flag.DurationVar(&rc.UnitTimeout, "unit-timeout", 2*time.Minute, "longest one unit may take; a dead replica's unit is read again after this and a margin")
	flag.DurationVar(&rc.RescueAfter, "rescue-after", 0, "a unit running this long is taken for a dead replica's and read again; 0: unit timeout + 30s")
	flag.DurationVar(&rc.Deadline, "deadline", 50*time.Minute, "scan deadline: units still unread then are gaps")
	flag.Parse()
	var level slog.Level
	if err := level.UnmarshalText([]byte(rc.Log)); err != nil {
		fmt.Fprintln(os.Stderr, "scaleout: -log:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *replica {
		err = runReplica(ctx, rc, log.With("replica", rc.Name))
	} else {
		dc.Replica = rc
		var res *result
		res, err = drive(ctx, dc, log, os.Args[0], nil)
		if res != nil {
			res.print(os.Stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scaleout:", err)
		os.Exit(1)
	}
}
