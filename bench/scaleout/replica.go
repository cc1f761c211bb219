package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	awscollect "github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/jobs"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
)

// replicaConfig is one replica: what `steward serve` wires for scans of
// units, with the fake organisation's accounts as profiles.
type replicaConfig struct {
	DSN         string
	Endpoint    string
	Name        string
	ScanIDFile  string // set on the replica that plans the scan
	Workers     int
	PerScope    int
	UnitTimeout time.Duration
	RescueAfter time.Duration // 0: UnitTimeout + 30s
	Deadline    time.Duration
	Lease       time.Duration // an assembler's claim; 0: scan.Units' default (2 min)
	// HoldAssembly makes the replica that puts the scan together wait
	// this long first, so a test can kill it mid-assembly.
	HoldAssembly time.Duration
	Log          string // log level
	// Accounts are read from the AWS config file the driver wrote
	// (STEWARD_SCALEOUT_ACCOUNTS in the environment).
}

func (rc replicaConfig) args() []string {
	return []string{"-replica", "-dsn", rc.DSN, "-endpoint", rc.Endpoint, "-name", rc.Name,
		"-workers", strconv.Itoa(rc.Workers), "-per-scope", strconv.Itoa(rc.PerScope),
		"-unit-timeout", rc.UnitTimeout.String(), "-rescue-after", rc.RescueAfter.String(), "-deadline", rc.Deadline.String(), "-lease", rc.Lease.String(), "-hold-assembly", rc.HoldAssembly.String(), "-start", rc.ScanIDFile, "-log", cmp.Or(rc.Log, "warn")}
}

// runReplica takes scan units (and, with ScanIDFile, plans a scan) until
// ctx ends.
func runReplica(ctx context.Context, rc replicaConfig, log *slog.Logger) error {
	n, err := strconv.Atoi(os.Getenv("STEWARD_SCALEOUT_ACCOUNTS"))
	if err != nil {
		return fmt.Errorf("STEWARD_SCALEOUT_ACCOUNTS: %w", err)
	}
	st, err := store.Open(ctx, rc.DSN, log)
	if err != nil {
		return err
	}
	defer st.Close()
	src, err := awscollect.New(ctx, awscollect.Options{
		Profiles: profiles(accountIDs(n)), Regions: regions, Services: services,
		EndpointURL: rc.Endpoint, UnitTimeout: rc.UnitTimeout,
	}, log)
	if err != nil {
		return err
	}
	ps, err := policy.Load(ctx, nil, true)
	if err != nil {
		return err
	}
	eng, err := policy.Compile(ps, policy.Options{Now: time.Now().UTC()})
	if err != nil {
		return err
	}
	stg, ok := st.(scan.Staging)
	if !ok {
		return fmt.Errorf("the store %T keeps no scans of units", st)
	}
	var us scan.UnitSource = src
	if rc.HoldAssembly > 0 {
		us = heldSource{src, rc.HoldAssembly}
	}
	sw := &jobs.ScanWork{
		Units: &scan.Units{Options: scan.Options{Evaluator: eng, Saver: st, Logger: log}, Source: us, Staging: stg, Deadline: rc.Deadline, Lease: rc.Lease},
		Slots: st.(jobs.Slots), Scope: awscollect.UnitScope, PerScope: rc.PerScope, Workers: rc.Workers,
		UnitTimeout: rc.UnitTimeout, RetryBase: time.Second,
	}
	r, err := jobs.New(st, nil, jobs.Config{Logger: log, ID: rc.Name, Scans: sw, PollInterval: 200 * time.Millisecond,
		RescueAfter: cmp.Or(rc.RescueAfter, rc.UnitTimeout+30*time.Second)})
	if err != nil {
		return err
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	if rc.ScanIDFile != "" {
		p, err := sw.Start(ctx)
		if err != nil {
			return err
		}
		if err := os.WriteFile(rc.ScanIDFile, []byte(p.ScanID), 0o600); err != nil {
			return err
		}
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Stop(sctx, 5*time.Second); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// heldSource waits before putting a scan together.
type heldSource struct {
	scan.UnitSource
	hold time.Duration
}

func (h heldSource) Assemble(records map[string][]byte, gaps map[string]string) (*inventory.Collection, error) {
	time.Sleep(h.hold)
	return h.UnitSource.Assemble(records, gaps)
}
