package cost

import (
	"time"

	"github.com/steward-sre/steward/internal/cost/bill"
)

// What reading a bill yields, under the names the rest of cost and its
// callers use; package bill is their home.
type (
	Rollup         = bill.Rollup
	Tags           = bill.Tags
	Kind           = bill.Kind
	Format         = bill.Format
	Stats          = bill.Stats
	FileStats      = bill.FileStats
	BadRow         = bill.BadRow
	Batch          = bill.Batch
	S3API          = bill.S3API
	IOError        = bill.IOError
	TruncatedError = bill.TruncatedError
)

// MakeTags is bill.MakeTags.
func MakeTags(m map[string]string) Tags { return bill.MakeTags(m) }

func dayOf(t time.Time) int32   { return bill.DayOf(t) }
func dayTime(d int32) time.Time { return bill.DayTime(d) }

// The kinds of charge (see bill.Kind).
const (
	KindUsage      = bill.KindUsage
	KindCredit     = bill.KindCredit
	KindTax        = bill.KindTax
	KindFee        = bill.KindFee
	KindPurchase   = bill.KindPurchase
	KindAdjustment = bill.KindAdjustment
)

// The billing export formats (see bill.Format).
const (
	FOCUS10      = bill.FOCUS10
	FOCUS11      = bill.FOCUS11
	FOCUS12      = bill.FOCUS12
	CUR2         = bill.CUR2
	CURLegacy    = bill.CURLegacy
	CostExplorer = bill.CostExplorer
)

// maxBadRows is how many bad rows Stats keeps to show.
const maxBadRows = bill.MaxBadRows

// Period is the billing period (YYYY-MM) of t; see bill.Period.
func Period(t time.Time) string { return bill.Period(t) }
