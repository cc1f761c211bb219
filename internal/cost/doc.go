// Package cost owns steward's view of actual spend: it stores the daily
// rollups package bill reads from billing exports (FOCUS 1.0-1.2 and AWS
// CUR 2.0 as CSV or Parquet, legacy CUR as CSV, from local paths or S3, and
// the Cost Explorer API), and answers what each system, environment and owner
// costs, what the waste found by policies is worth on the bill, what rose
// and why, and whether a budget is breached.
//
// Money is exact (see Money): nothing is rounded before display.
//
// cost knows inventory resources, findings and the naming rule; files and
// S3 objects are read through objstore, owners are resolved by the owner
// package (the order findings use), savings come from pricing, and AWS
// clients are handed in by the caller with the scan's credentials. It must
// not know the policy engine, the store's own schema
// (it keeps its rollups behind RollupStore; costdb implements it on its own
// cost_* tables), the CLI, or how anything is shown: each command is a
// function taking a context and options and returning a result, which the
// report layer (report/costreport) lays out as a table, Markdown, CSV or
// JSON. Text a person reads in a result is kept as an i18n.Phrase beside
// its English words, so the report layer says it in the reader's language.
package cost
