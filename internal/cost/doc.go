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
// cost_* tables) or the CLI: each command is a Run* function taking a
// context, options and an io.Writer.
package cost
