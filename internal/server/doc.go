// Package server owns `steward serve`: one process that answers HTTP (the
// dashboard, the JSON API, Slack and webhook endpoints, health and
// Prometheus metrics) and runs the team's recurring jobs (scans, cost
// ingest, schedule runs) on their intervals.
//
// The server reads what the store keeps and renders it; it does not know
// how a scan is collected, a bill is read or a schedule is applied: the
// caller hands it each job as a function (see Job), so the CLI and the
// server run exactly the same code. It knows nothing of AWS.
//
// Each surface registers its routes in a file of its own (health.go,
// metrics.go, and the dashboard, API and Slack files), on the one mux
// built by New.
package server
