package bill

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/steward-sre/steward/internal/money"
)

// Synthetic bills for benchmarks and tests. Row i belongs to rollup key
// i mod keys (a resource x day), so the number of distinct rollups stays
// the same whatever the number of rows: what a benchmark of 100k and 1M
// rows then compares is the cost of rows, not of keys.

// SynthKeys is the number of distinct rollup keys in synthetic bills.
const SynthKeys = 30 * 500

var synthStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func synthKey(i int) (day int, res int) {
	k := i % SynthKeys
	return k % 30, k / 30
}

// synthCost is an exact 10-decimal cost in 1e-10 units (0.0000000001 to
// 0.1), so a total can be checked against SynthTotal.
func synthCost(i int) int64 { return int64(i%1_000_000)*1000 + 7 }

// SynthTotal is the exact billed total of a synthetic bill of n rows.
func SynthTotal(n int) money.Amount {
	var sum money.Amount
	for i := range n {
		sum = sum.Add(tenths(synthCost(i)))
	}
	return sum
}

func tenths(v int64) money.Amount {
	m, _ := money.FromDecimal(v, 10)
	return m
}

func tenthsString(v int64) string {
	return strconv.FormatInt(v/1e10, 10) + "." + fmt.Sprintf("%010d", v%1e10)
}

// WriteSyntheticCUR writes a legacy CUR CSV of n usage lines, in the
// column layout AWS writes (a subset: the columns steward reads plus a
// few it ignores, so parsing pays for unread columns too).
func WriteSyntheticCUR(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintln(bw, "identity/LineItemId,identity/TimeInterval,bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,lineItem/UnblendedCost,lineItem/LineItemDescription,product/ProductName,product/regionCode,pricing/unit,resourceTags/user:system,resourceTags/user:env,resourceTags/user:owner")
	systems := []string{"shop", "blog", "auth", "search", "batch"}
	envs := []string{"prod", "stg", "dev"}
	for i := range n {
		day, res := synthKey(i)
		d := synthStart.AddDate(0, 0, day)
		hour := (i / SynthKeys) % 24
		sys, env := systems[res%len(systems)], envs[res%len(envs)]
		if res%7 == 0 {
			sys, env = "", ""
		}
		fmt.Fprintf(bw, "li%d,%s/%s,111111111111,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,2222222222%02d,Usage,%sT%02d:00:00Z,%sT%02d:59:59Z,AmazonEC2,APN1-BoxUsage:t3.micro,RunInstances,i-%08x,1.0000000000,USD,0.0136000000,%s,$0.0136 per On Demand Linux t3.micro Instance Hour,Amazon Elastic Compute Cloud,ap-northeast-1,Hrs,%s,%s,team-%d\n",
			i, d.Format(time.DateOnly), d.Format(time.DateOnly), res%3, d.Format(time.DateOnly), hour, d.Format(time.DateOnly), hour,
			res, tenthsString(synthCost(i)), sys, env, res%4)
	}
	return bw.Flush()
}

// synthFOCUS is one FOCUS 1.2 line as Parquet writes it; BilledCost is a
// DECIMAL(18,10) as FOCUS exports write costs.
type synthFOCUS struct {
	BillingAccountID  string    `parquet:"BillingAccountId"`
	BillingCurrency   string    `parquet:"BillingCurrency"`
	BillingPeriod     time.Time `parquet:"BillingPeriodStart,timestamp(millisecond)"`
	ChargeCategory    string    `parquet:"ChargeCategory"`
	ChargePeriodStart time.Time `parquet:"ChargePeriodStart,timestamp(millisecond)"`
	ServiceName       string    `parquet:"ServiceName"`
	SubAccountID      string    `parquet:"SubAccountId"`
	ResourceID        string    `parquet:"ResourceId"`
	RegionID          string    `parquet:"RegionId"`
	UsageType         string    `parquet:"x_UsageType"`
	BilledCost        int64     `parquet:"BilledCost,decimal(10:18)"`
	EffectiveCost     int64     `parquet:"EffectiveCost,decimal(10:18)"`
	ListCost          float64   `parquet:"ListCost"`
	Tags              string    `parquet:"Tags,optional"`
	InvoiceID         string    `parquet:"InvoiceId"`
}

// synthFOCUSDict is synthFOCUS with its text columns dictionary-encoded,
// as Parquet writers such as parquet-mr and Arrow do by default.
type synthFOCUSDict struct {
	BillingAccountID  string    `parquet:"BillingAccountId,dict"`
	BillingCurrency   string    `parquet:"BillingCurrency,dict"`
	BillingPeriod     time.Time `parquet:"BillingPeriodStart,timestamp(millisecond)"`
	ChargeCategory    string    `parquet:"ChargeCategory,dict"`
	ChargePeriodStart time.Time `parquet:"ChargePeriodStart,timestamp(millisecond)"`
	ServiceName       string    `parquet:"ServiceName,dict"`
	SubAccountID      string    `parquet:"SubAccountId,dict"`
	ResourceID        string    `parquet:"ResourceId,dict"`
	RegionID          string    `parquet:"RegionId,dict"`
	UsageType         string    `parquet:"x_UsageType,dict"`
	BilledCost        int64     `parquet:"BilledCost,decimal(10:18)"`
	EffectiveCost     int64     `parquet:"EffectiveCost,decimal(10:18)"`
	ListCost          float64   `parquet:"ListCost"`
	Tags              string    `parquet:"Tags,optional,dict"`
	InvoiceID         string    `parquet:"InvoiceId,dict"`
}

// WriteSyntheticFOCUSParquet writes a FOCUS 1.2 Parquet file of n lines
// (row groups of 128k rows, as exporters write them), every column
// PLAIN-encoded.
func WriteSyntheticFOCUSParquet(w io.Writer, n int) error {
	return writeSynthFOCUS(w, n, synthRowGroup, func(r synthFOCUS) synthFOCUS { return r })
}

// WriteSyntheticFOCUSParquetDict writes the same lines with the text
// columns dictionary-encoded.
func WriteSyntheticFOCUSParquetDict(w io.Writer, n int) error {
	return writeSynthFOCUS(w, n, synthRowGroup, func(r synthFOCUS) synthFOCUSDict { return synthFOCUSDict(r) })
}

// synthRowGroup is the rows of a synthetic Parquet bill's row group.
const synthRowGroup = 128 * 1024

// writeSynthFOCUS writes n lines in row groups of rowGroup rows, each
// converted by conv (which picks the encodings).
func writeSynthFOCUS[T any](w io.Writer, n int, rowGroup int64, conv func(synthFOCUS) T) error {
	pw := parquet.NewGenericWriter[T](w, parquet.MaxRowsPerRowGroup(rowGroup))
	buf := make([]T, 0, 4096)
	systems := []string{"shop", "blog", "auth", "search", "batch"}
	for i := range n {
		day, res := synthKey(i)
		d := synthStart.AddDate(0, 0, day)
		tags := fmt.Sprintf(`{"system":%q,"env":"prod"}`, systems[res%len(systems)])
		if res%7 == 0 {
			tags = ""
		}
		c := synthCost(i)
		buf = append(buf, conv(synthFOCUS{
			BillingAccountID: "111111111111", BillingCurrency: "USD", BillingPeriod: synthStart,
			ChargeCategory: "Usage", ChargePeriodStart: d.Add(time.Duration((i/SynthKeys)%24) * time.Hour),
			ServiceName: "Amazon Elastic Compute Cloud", SubAccountID: fmt.Sprintf("2222222222%02d", res%3),
			ResourceID: fmt.Sprintf("i-%08x", res), RegionID: "ap-northeast-1", UsageType: "APN1-BoxUsage:t3.micro",
			BilledCost: c, EffectiveCost: c, ListCost: float64(c) / 1e10, Tags: tags, InvoiceID: "INV-1",
		}))
		if len(buf) == cap(buf) {
			if _, err := pw.Write(buf); err != nil {
				return fmt.Errorf("write parquet: %w", err)
			}
			buf = buf[:0]
		}
	}
	if _, err := pw.Write(buf); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("close parquet: %w", err)
	}
	return nil
}

// SynthStart is the first day of synthetic bills.
var SynthStart = synthStart

// SynthNow is a clock for ingesting synthetic bills.
var SynthNow = synthStart.AddDate(0, 2, 0)

// WriteSyntheticCURWide writes a legacy CUR CSV of n usage lines at
// resource granularity, as an account with many resources produces: line
// i is resource i/30 on day i%30, with one of four usage types and its
// own owner tag among many, so no two lines share a rollup and n lines
// make n daily rollups. Its billed total is SynthTotal(n).
func WriteSyntheticCURWide(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintln(bw, "identity/LineItemId,identity/TimeInterval,bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,lineItem/UnblendedCost,lineItem/LineItemDescription,product/ProductName,product/regionCode,pricing/unit,resourceTags/user:system,resourceTags/user:env,resourceTags/user:owner")
	systems := []string{"shop", "blog", "auth", "search", "batch"}
	envs := []string{"prod", "stg", "dev"}
	usages := []string{"APN1-BoxUsage:t3.micro", "APN1-BoxUsage:m5.large", "APN1-EBS:VolumeUsage.gp3", "APN1-DataTransfer-Out-Bytes"}
	for i := range n {
		day, res := i%30, i/30
		d := synthStart.AddDate(0, 0, day).Format(time.DateOnly)
		sys, env := systems[res%len(systems)], envs[res%len(envs)]
		if res%7 == 0 {
			sys, env = "", ""
		}
		fmt.Fprintf(bw, "li%d,%s/%s,111111111111,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,2222222222%02d,Usage,%sT00:00:00Z,%sT23:59:59Z,AmazonEC2,%s,RunInstances,arn:aws:ec2:ap-northeast-1:2222222222%02d:instance/i-%017x,24.0000000000,USD,0.0136000000,%s,$0.0136 per On Demand Linux t3.micro Instance Hour,Amazon Elastic Compute Cloud,ap-northeast-1,Hrs,%s,%s,team-%d\n",
			i, d, d, res%3, d, d, usages[res%len(usages)], res%3, res, tenthsString(synthCost(i)), sys, env, res%97)
	}
	return bw.Flush()
}
