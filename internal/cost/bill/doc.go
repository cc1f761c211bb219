// Package bill reads billing exports: FOCUS 1.0-1.2 and AWS CUR 2.0 as CSV
// or Parquet, legacy CUR as CSV, from local paths, globs or S3 prefixes, and
// daily spend from the Cost Explorer API. It tells the formats apart by
// their headers, classifies each line (usage, credit, tax, fee ...), and
// rolls lines up by day x account x region x service x usage type x
// resource x tag set into Rollups with exact amounts, spilling sorted runs
// to temporary files so memory stays flat whatever the size of the bill.
//
// A folder or prefix holding several versions of a month (legacy CUR report
// versions, Data Exports refreshes kept as new files) is read at the
// version its manifest names (see versions.go), never at all of them.
//
// bill knows nothing of stores, owners or reports: package cost stores the
// rollups it yields and answers questions about them.
package bill
