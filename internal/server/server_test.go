package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newServer(t *testing.T, st store.Store, jobs ...Job) *Server {
	t.Helper()
	s, err := New(Options{Config: config.Default(), Store: st, Jobs: jobs, Dev: true, ShutdownTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

// serve runs s on a loopback port until the returned stop is called; stop
// returns Serve's error.
func serve(t *testing.T, s *Server) (base string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case serr = <-done:
			case <-time.After(10 * time.Second):
				serr = errors.New("Serve did not return within 10s of its context ending")
			}
		})
		return serr
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

func TestHealthAndReadiness(t *testing.T) {
	st := openStore(t)
	s := newServer(t, st)
	if code, body := get(t, s.Handler(), "/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	// Not serving yet: not ready.
	if code, _ := get(t, s.Handler(), "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz before Serve = %d, want 503", code)
	}
	base, stop := serve(t, s)
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, s.Handler(), "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz after shutdown = %d %q", code, body)
	}
	// A store that no longer answers: not ready.
	st.Close()
	s.setReady(true)
	if code, body := get(t, s.Handler(), "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "store") {
		t.Errorf("/readyz with a closed store = %d %q", code, body)
	}
}

func TestMetricsReadTheLatestScan(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sc := &inventory.Scan{ID: "s1", Source: "demo", Started: start, Finished: start.Add(90 * time.Second),
		APICalls: map[string]int{"ec2": 12},
		Coverage: []inventory.Coverage{
			{Account: "111111111111", Region: "ap-northeast-1", Service: "ec2", OK: true, Resources: 2},
			{Account: "111111111111", Region: "ap-northeast-1", Service: "rds", ErrorKind: "access-denied", Error: "denied"},
		}}
	rs := []inventory.Resource{
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-1", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1"},
		{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-2", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1"},
	}
	fs := []finding.Finding{
		{Policy: "a", ARN: rs[0].ARN, Severity: finding.High},
		{Policy: "b", ARN: rs[0].ARN, Severity: finding.High},
		{Policy: "a", ARN: rs[1].ARN, Severity: finding.Low},
	}
	if _, err := st.SaveScan(ctx, sc, rs, fs); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, st)
	code, body := get(t, s.Handler(), "/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`steward_findings{severity="high"} 2`,
		`steward_findings{severity="low"} 1`,
		`steward_findings{severity="critical"} 0`,
		"steward_coverage_gaps 1",
		"steward_resources 2",
		`steward_last_scan_api_calls{service="ec2"} 12`,
		"steward_last_scan_duration_seconds 90",
		"steward_last_scan_timestamp_seconds 1.7961156e+09",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for line := range strings.SplitSeq(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "go_") || strings.HasPrefix(line, "process_") {
			continue
		}
		if !strings.HasPrefix(line, "steward_") {
			t.Errorf("metric not prefixed steward_: %s", line)
		}
	}
}

func TestEmptyStoreIsReadyAndHasNoScanMetrics(t *testing.T) {
	s := newServer(t, openStore(t))
	_, body := get(t, s.Handler(), "/metrics")
	if strings.Contains(body, "steward_resources") {
		t.Errorf("an empty store reports scan metrics:\n%s", body)
	}
}

func TestJobsRejected(t *testing.T) {
	run := func(context.Context) error { return nil }
	tests := map[string][]Job{
		"no name":     {{Every: time.Minute, Run: run}},
		"twice":       {{Name: "a", Every: time.Minute, Run: run}, {Name: "a", Every: time.Minute, Run: run}},
		"no interval": {{Name: "a", Run: run}},
		"no run":      {{Name: "a", Every: time.Minute}},
	}
	for name, jobs := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := New(Options{Config: config.Default(), Store: openStore(t), Jobs: jobs, Dev: true}); err == nil {
				t.Error("New accepted the jobs")
			}
		})
	}
}

// A job runs at start (catching up whatever was missed while the server
// was down), never twice at once however short its interval, and a
// panicking or failing job is recorded without stopping the others.
func TestJobsRunOnceAtATime(t *testing.T) {
	var running, maxRunning, runs atomic.Int32
	slow := Job{Name: "slow", Every: time.Millisecond, Run: func(ctx context.Context) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		time.Sleep(20 * time.Millisecond)
		return nil
	}}
	boom := Job{Name: "boom", Every: time.Hour, Run: func(context.Context) error { panic("kaboom") }}
	fail := Job{Name: "fail", Every: time.Hour, Run: func(context.Context) error { return errors.New("bucket gone") }}
	s := newServer(t, openStore(t), slow, boom, fail)
	base, stop := serve(t, s)
	waitFor(t, func() bool { return runs.Load() >= 4 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if m := maxRunning.Load(); m != 1 {
		t.Errorf("%d runs of one job at once, want 1", m)
	}
	byName := map[string]JobStatus{}
	for _, j := range s.sched.status() {
		byName[j.Name] = j
	}
	if l := byName["boom"].Last; l == nil || l.Result != resultFailed || !strings.Contains(l.Error, "kaboom") {
		t.Errorf("panicking job's last run = %+v", l)
	}
	if l := byName["fail"].Last; l == nil || l.Result != resultFailed || l.Error != "bucket gone" {
		t.Errorf("failing job's last run = %+v", l)
	}
	if l := byName["slow"].Last; l == nil || l.Result != resultOK || l.Finished.Before(l.Started) {
		t.Errorf("slow job's last run = %+v", l)
	}
	_, body := get(t, s.Handler(), "/metrics")
	for _, want := range []string{`steward_job_runs_total{job="boom",result="failed"} 1`, `steward_job_runs_total{job="fail",result="failed"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	_ = base
}

// Shutdown lets a job in flight finish when it can within the timeout.
func TestShutdownWaitsForAJobInFlight(t *testing.T) {
	started := make(chan struct{})
	var finished atomic.Bool
	job := Job{Name: "scan", Every: time.Hour, Run: func(ctx context.Context) error {
		close(started)
		time.Sleep(200 * time.Millisecond)
		finished.Store(ctx.Err() == nil)
		return nil
	}}
	s := newServer(t, openStore(t), job)
	_, stop := serve(t, s)
	<-started
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Error("the job in flight was cut short, want it finished")
	}
	if l := s.sched.status()[0].Last; l == nil || l.Result != resultOK {
		t.Errorf("last run = %+v, want ok", l)
	}
}

// A job that does not finish within the shutdown timeout is cancelled and
// recorded as such, and Serve still returns.
func TestShutdownCancelsAJobPastTheTimeout(t *testing.T) {
	started := make(chan struct{})
	job := Job{Name: "stuck", Every: time.Hour, Run: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}}
	s, err := New(Options{Config: config.Default(), Store: openStore(t), Jobs: []Job{job}, Dev: true, ShutdownTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, stop := serve(t, s)
	<-started
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Cancelled by the shutdown, not failed: it is not retried.
	if l := s.sched.status()[0].Last; l == nil || l.Result != resultCancelled || l.State != "cancelled" {
		t.Errorf("last run = %+v, want cancelled", l)
	}
}

func TestJobsEndpoint(t *testing.T) {
	done := make(chan struct{})
	job := Job{Name: "scan", Every: time.Hour, Run: func(context.Context) error { close(done); return nil }}
	s := newServer(t, openStore(t), job)
	base, _ := serve(t, s)
	<-done
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/api/jobs")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"result": "ok"`) && strings.Contains(string(b), `"every": "1h0m0s"`)
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
