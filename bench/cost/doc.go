// Package costbench compares steward's pure-Go billing ingest with DuckDB
// on the same synthetic files and the same aggregation. It is a separate
// module because DuckDB needs cgo and steward's binary must not.
package costbench
