// Package costreport writes the cost commands' results for people and for
// tools: tables on a terminal (fitted to its width), Markdown, CSV for
// spreadsheets and JSON, in the reader's language, with every amount
// formatted by package money and every column laid out by package table.
//
// It reads the results package cost computes (ShowResult, CheckResult,
// RecommendResult ...) and nothing else: it must not read a bill, query
// the rollups, attribute spend or decide what is an anomaly, and package
// cost must never import it. It lives beside report rather than inside it
// so that the findings report does not depend on the cost domain.
package costreport
