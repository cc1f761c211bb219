package server

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/store"
)

// metrics are the server's Prometheus metrics, all named steward_*. Job
// and HTTP figures are counted as they happen; what the store holds (the
// latest scan's findings, gaps and API calls) is read when scraped, once
// per scan.
type metrics struct {
	reg         *prometheus.Registry
	jobRuns     *prometheus.CounterVec
	jobDuration *prometheus.HistogramVec
	jobLastOK   *prometheus.GaugeVec
	httpReqs    *prometheus.CounterVec
	httpDur     *prometheus.HistogramVec
	events      *prometheus.CounterVec
	eventErrs   prometheus.Counter
}

func newMetrics(reg *prometheus.Registry, s *Server) *metrics {
	m := &metrics{
		reg: reg,
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_job_runs_total", Help: "Job runs by job and result (ok, failed, cancelled).",
		}, []string{"job", "result"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "steward_job_duration_seconds", Help: "How long job runs took, by job.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"job"}),
		jobLastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "steward_job_last_success_timestamp_seconds", Help: "When each job last finished without error (Unix time).",
		}, []string{"job"}),
		httpReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_http_requests_total", Help: "HTTP requests answered, by method and status code.",
		}, []string{"method", "code"}),
		httpDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "steward_http_request_duration_seconds", Help: "HTTP request durations, by method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "steward_events_total", Help: "EventBridge messages taken from the SQS queue, by what became of them (queued, ignored, malformed, failed).",
		}, []string{"result"}),
		eventErrs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "steward_event_receive_errors_total", Help: "Receives from the SQS queue of events that failed.",
		}),
	}
	reg.MustRegister(m.jobRuns, m.jobDuration, m.jobLastOK, m.httpReqs, m.httpDur, m.events, m.eventErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{s: s})
	return m
}

func (s *Server) metricsRoutes() {
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}}))
}

// instrument counts and times every request.
func (m *metrics) instrument(next http.Handler) http.Handler {
	return promhttp.InstrumentHandlerCounter(m.httpReqs, promhttp.InstrumentHandlerDuration(m.httpDur, next))
}

// jobFinished records one run of a job.
func (m *metrics) jobFinished(job, result string, took time.Duration, at time.Time) {
	m.jobRuns.WithLabelValues(job, result).Inc()
	m.jobDuration.WithLabelValues(job).Observe(took.Seconds())
	if result == resultOK {
		m.jobLastOK.WithLabelValues(job).Set(float64(at.Unix()))
	}
}

// eventReceived counts one message of the event queue.
func (m *metrics) eventReceived(result string) { m.events.WithLabelValues(result).Inc() }

// eventPollFailed counts one failed receive.
func (m *metrics) eventPollFailed() { m.eventErrs.Inc() }

type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Warn("metrics", "err", v) }

var (
	descFindings = prometheus.NewDesc("steward_findings", "Findings open as of the latest scan, by severity.", []string{"severity"}, nil)
	descGaps     = prometheus.NewDesc("steward_coverage_gaps", "Account x region x service units the latest scan could not read.", nil, nil)
	descRes      = prometheus.NewDesc("steward_resources", "Resources in the latest scan.", nil, nil)
	descScanAt   = prometheus.NewDesc("steward_last_scan_timestamp_seconds", "When the latest scan started (Unix time).", nil, nil)
	descScanDur  = prometheus.NewDesc("steward_last_scan_duration_seconds", "How long the latest scan took.", nil, nil)
	descAPICalls = prometheus.NewDesc("steward_last_scan_api_calls", "AWS API calls the latest scan made, by service.", []string{"service"}, nil)
)

// storeCollector reads the latest scan when scraped. The findings count is
// worked out once per scan and kept: a scrape every 15 s must not read
// 200k findings each time.
type storeCollector struct {
	s *Server

	mu     sync.Mutex
	scanID string
	bySev  map[finding.Severity]int
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFindings, descGaps, descRes, descScanAt, descScanDur, descAPICalls} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sc, err := c.s.store.LatestScan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return
	}
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descRes, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descRes, prometheus.GaugeValue, float64(sc.Resources))
	ch <- prometheus.MustNewConstMetric(descGaps, prometheus.GaugeValue, float64(len(sc.Gaps())))
	ch <- prometheus.MustNewConstMetric(descScanAt, prometheus.GaugeValue, float64(sc.Started.Unix()))
	if !sc.Finished.IsZero() {
		ch <- prometheus.MustNewConstMetric(descScanDur, prometheus.GaugeValue, sc.Finished.Sub(sc.Started).Seconds())
	}
	for svc, n := range sc.APICalls {
		ch <- prometheus.MustNewConstMetric(descAPICalls, prometheus.GaugeValue, float64(n), svc)
	}
	bySev, err := c.findings(ctx, sc.ID)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descFindings, err)
		return
	}
	for sev := finding.Info; sev <= finding.Critical; sev++ {
		ch <- prometheus.MustNewConstMetric(descFindings, prometheus.GaugeValue, float64(bySev[sev]), sev.String())
	}
}

func (c *storeCollector) findings(ctx context.Context, scanID string) (map[finding.Severity]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.scanID == scanID {
		return c.bySev, nil
	}
	fs, err := c.s.store.Findings(ctx, scanID)
	if err != nil {
		return nil, err
	}
	by := map[finding.Severity]int{}
	for _, f := range fs {
		by[f.Severity]++
	}
	c.scanID, c.bySev = scanID, by
	return by, nil
}
