package bill

import (
	"fmt"
	"strings"
)

// Format is the kind of billing export a file holds.
type Format string

const (
	FOCUS10   Format = "FOCUS 1.0"
	FOCUS11   Format = "FOCUS 1.1"
	FOCUS12   Format = "FOCUS 1.2"
	CUR2      Format = "CUR 2.0"
	CURLegacy Format = "CUR (legacy)"
)

// field is a logical column every format maps to.
type field int

const (
	fBilled field = iota
	fEffective
	fStart
	fPeriod
	fAccount
	fService
	fUsageType
	fDescription
	fResource
	fResourceName
	fRegion
	fTags
	fCategory
	fCurrency
	fCommitment
	fSPEffective
	fRIEffective
	fPayer
	nFields
)

var fieldNames = [nFields]string{
	"billed cost", "effective cost", "charge start", "billing period", "account", "service",
	"usage type", "description", "resource", "resource name", "region", "tags", "charge category",
	"currency", "commitment", "savings plan effective cost", "reservation effective cost", "payer",
}

// layout says, per format, which header names carry each field (the first
// present wins) and which fields the file must have.
type layout struct {
	format   Format
	names    [nFields][]string
	required []field
	// tagPrefix, for legacy CUR, is the prefix of one column per tag key.
	tagPrefix string
	// tagStrip is removed from the front of tag keys (user: / user_).
	tagStrip string
}

var layouts = []*layout{
	{
		format: FOCUS10,
		names: [nFields][]string{
			fBilled:       {"BilledCost"},
			fEffective:    {"EffectiveCost"},
			fStart:        {"ChargePeriodStart"},
			fPeriod:       {"BillingPeriodStart"},
			fAccount:      {"SubAccountId", "BillingAccountId"},
			fService:      {"ServiceName"},
			fUsageType:    {"x_UsageType", "UsageType"},
			fDescription:  {"ChargeDescription", "SkuId"},
			fResource:     {"ResourceId"},
			fResourceName: {"ResourceName"},
			fRegion:       {"RegionId", "Region"},
			fTags:         {"Tags"},
			fCategory:     {"ChargeCategory"},
			fCurrency:     {"BillingCurrency"},
			fCommitment:   {"CommitmentDiscountId"},
			fPayer:        {"BillingAccountId"},
		},
		required: []field{fBilled, fStart, fService, fCategory},
	},
	{
		format: CUR2,
		names: [nFields][]string{
			fBilled:      {"line_item_unblended_cost"},
			fStart:       {"line_item_usage_start_date"},
			fPeriod:      {"bill_billing_period_start_date"},
			fAccount:     {"line_item_usage_account_id"},
			fService:     {"product_servicecode", "line_item_product_code"},
			fUsageType:   {"line_item_usage_type"},
			fDescription: {"line_item_line_item_description"},
			fResource:    {"line_item_resource_id"},
			fRegion:      {"product_region_code", "product_region"},
			fTags:        {"resource_tags"},
			fCategory:    {"line_item_line_item_type"},
			fCurrency:    {"line_item_currency_code"},
			fSPEffective: {"savings_plan_savings_plan_effective_cost"},
			fRIEffective: {"reservation_effective_cost"},
			fPayer:       {"bill_payer_account_id"},
		},
		required: []field{fBilled, fStart, fAccount, fService, fCategory},
		tagStrip: "user_",
	},
	{
		format: CURLegacy,
		names: [nFields][]string{
			fBilled:      {"lineItem/UnblendedCost"},
			fStart:       {"lineItem/UsageStartDate"},
			fPeriod:      {"bill/BillingPeriodStartDate"},
			fAccount:     {"lineItem/UsageAccountId"},
			fService:     {"product/servicecode", "lineItem/ProductCode"},
			fUsageType:   {"lineItem/UsageType"},
			fDescription: {"lineItem/LineItemDescription"},
			fResource:    {"lineItem/ResourceId"},
			fRegion:      {"product/regionCode", "product/region"},
			fCategory:    {"lineItem/LineItemType"},
			fCurrency:    {"lineItem/CurrencyCode"},
			fSPEffective: {"savingsPlan/SavingsPlanEffectiveCost"},
			fRIEffective: {"reservation/EffectiveCost"},
			fPayer:       {"bill/PayerAccountId"},
		},
		required:  []field{fBilled, fStart, fAccount, fService, fCategory},
		tagPrefix: "resourceTags/",
		tagStrip:  "user:",
	},
}

// columns is a layout bound to one file's header.
type columns struct {
	format Format
	idx    [nFields]int
	// names are the columns' names as the header writes them.
	names [nFields]string
	// tagCols are legacy CUR's one-column-per-tag: index and tag key.
	tagCols  []tagCol
	tagStrip string
}

type tagCol struct {
	idx int
	key string
}

// detect maps a header to the format it matches. Columns are matched by
// name, case-insensitively and ignoring surrounding spaces and a BOM,
// because exports reorder and add columns month to month.
func detect(header []string) (*columns, error) {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := pos[h]; !dup {
			pos[h] = i
		}
	}
	var best *layout
	var bestMissing []string
	for _, l := range layouts {
		c := &columns{format: l.format, tagStrip: l.tagStrip}
		for f := range nFields {
			c.idx[f] = -1
			for _, n := range l.names[f] {
				if i, ok := pos[strings.ToLower(n)]; ok {
					c.idx[f] = i
					c.names[f] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
					break
				}
			}
		}
		var missing []string
		for _, f := range l.required {
			if c.idx[f] < 0 {
				missing = append(missing, l.names[f][0])
			}
		}
		if len(missing) == 0 {
			if l.tagPrefix != "" {
				for i, h := range header {
					if k, ok := strings.CutPrefix(h, l.tagPrefix); ok {
						c.tagCols = append(c.tagCols, tagCol{idx: i, key: strings.TrimPrefix(k, l.tagStrip)})
					}
				}
			}
			if l.format == FOCUS10 {
				c.format = focusVersion(pos)
			}
			if l.format == CUR2 && c.idx[fTags] < 0 {
				snakeTags(c, header, pos)
			}
			return c, nil
		}
		if best == nil || len(missing) < len(bestMissing) {
			best, bestMissing = l, missing
		}
	}
	return nil, fmt.Errorf("not a FOCUS or CUR export: closest is %s, which needs the missing column(s) %s", best.format, strings.Join(bestMissing, ", "))
}

// snakeTags reads tags from one column per key in snake case, as legacy
// CUR delivered for Athena (Parquet) writes them, and as CUR 2.0 does
// when its tag map is exported split into columns:
// resource_tags_user_<key> for a user tag, resource_tags_aws_<key> for
// an AWS one (kept as aws:<key>). Keys come back lowercased, as the
// column names have them. Legacy CUR lacks the account name columns CUR
// 2.0 added, which is how the two are told apart.
func snakeTags(c *columns, header []string, pos map[string]int) {
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if k, ok := strings.CutPrefix(h, "resource_tags_user_"); ok && k != "" {
			c.tagCols = append(c.tagCols, tagCol{idx: i, key: k})
		} else if k, ok := strings.CutPrefix(h, "resource_tags_aws_"); ok && k != "" {
			c.tagCols = append(c.tagCols, tagCol{idx: i, key: "aws:" + k})
		}
	}
	_, cur2 := pos["bill_payer_account_name"]
	if _, ok := pos["line_item_usage_account_name"]; ok {
		cur2 = true
	}
	if len(c.tagCols) > 0 && !cur2 {
		c.format = CURLegacy
	}
}

// focusVersion tells FOCUS versions apart by columns each one added.
func focusVersion(pos map[string]int) Format {
	has := func(n string) bool { _, ok := pos[strings.ToLower(n)]; return ok }
	switch {
	case has("InvoiceId") || has("PricingCurrency") || has("ServiceProviderName"):
		return FOCUS12
	case has("ServiceSubcategory") || has("SkuMeter") || has("CapacityReservationId"):
		return FOCUS11
	}
	return FOCUS10
}

// Kind separates usage from credits, taxes, fees and purchases, so the
// untagged share of usage is not diluted by lines no tag could carry.
type Kind string

const (
	KindUsage      Kind = "usage"
	KindCredit     Kind = "credit"
	KindTax        Kind = "tax"
	KindFee        Kind = "fee"
	KindPurchase   Kind = "purchase"
	KindAdjustment Kind = "adjustment"
)

// kindOf maps FOCUS ChargeCategory and CUR LineItemType values.
func kindOf(s string) Kind {
	switch s {
	case "Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "usage":
		return KindUsage
	case "Tax", "tax":
		return KindTax
	case "Credit", "Refund", "EdpDiscount", "BundledDiscount", "PrivateRateDiscount",
		"DistributorDiscount", "SavingsPlanNegation", "Discount", "credit":
		return KindCredit
	case "Fee", "fee":
		return KindFee
	case "Purchase", "RIFee", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee", "purchase":
		return KindPurchase
	case "Adjustment", "adjustment":
		return KindAdjustment
	}
	return KindUsage
}
