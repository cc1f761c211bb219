package cost

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/pricing"
	"github.com/steward-sre/steward/internal/schedule"

	"github.com/steward-sre/steward/internal/money"
)

// Recommendation kinds.
const (
	RecGP3         = "gp2-to-gp3"
	RecGeneration  = "previous-generation"
	RecFargateSpot = "fargate-spot"
	RecOfficeHours = "office-hours"
	RecIdleNAT     = "idle-nat-gateway"
	RecIdleDB      = "idle-database"
)

// Where a saving's number comes from.
const (
	BasisBill   = "bill (last 30 days)"
	BasisPrices = "price table"
	BasisPolicy = "policy estimate"
)

// billDays is the bill window a resource's monthly cost is read from; the
// 30 days count as one month, as in Waste.
const billDays = 30

// Recommendation is one change and the money it saves per month.
type Recommendation struct {
	Kind    string `json:"kind"`
	ARN     string `json:"arn"`
	Name    string `json:"name,omitempty"`
	Type    string `json:"type"`
	Account string `json:"account"`
	Region  string `json:"region"`
	System  string `json:"system,omitempty"`
	Env     string `json:"env,omitempty"`
	Owner   string `json:"owner,omitempty"`
	// Monthly is the saving per month in the result's currency.
	Monthly Money `json:"monthly"`
	// Basis is BasisBill, BasisPrices or BasisPolicy.
	Basis  string `json:"basis"`
	Action string `json:"action"`
	// Why says how Monthly was reached, with the numbers.
	Why string `json:"why"`
	// ActionPhrase and WhyPhrase are Action and Why for saying in another
	// language.
	ActionPhrase, WhyPhrase i18n.Phrase `json:"-"`
}

// says sets the action and why, in English for JSON and as phrases for
// the table.
func (it *Recommendation) says(action, why i18n.Phrase) {
	it.ActionPhrase, it.WhyPhrase = action, why
	it.Action, it.Why = action.In(i18n.EN), why.In(i18n.EN)
}

// RecommendResult is every recommendation, largest saving first.
type RecommendResult struct {
	Currency    string `json:"currency"`
	OfficeHours string `json:"office_hours"`
	// OfficeHoursPhrase is OfficeHours for the reader's language.
	OfficeHoursPhrase i18n.Phrase `json:"-"`
	// Total counts each resource once, at its largest saving: stopping an
	// instance at night and moving it to a newer type overlap.
	Total  Money            `json:"total"`
	ByKind []Group          `json:"by_kind"`
	Bases  map[string]Money `json:"by_basis"`
	Items  []Recommendation `json:"items"`
	Notes  []string         `json:"notes,omitempty"`
	// NotePhrases are Notes for saying in another language.
	NotePhrases []i18n.Phrase `json:"-"`
}

// resBill is one resource's usage over the bill window: all of it, and
// the part billed by the running hour (what stopping or resizing changes).
type resBill struct {
	total, hourly Money
}

// hourlyUsage reports whether a usage type is billed per running hour of
// compute (instance, database, Fargate task or NAT gateway hours), as
// opposed to storage, I/O or data transfer on the same resource id.
func hourlyUsage(usageType string) bool {
	for _, s := range []string{"BoxUsage", "SpotUsage", "DedicatedUsage", "HeavyUsage", "InstanceUsage",
		"Multi-AZUsage", "ServerlessUsage", "ServerlessV2Usage", "Fargate-vCPU-Hours", "Fargate-GB-Hours", "NatGateway-Hours"} {
		if strings.Contains(usageType, s) {
			return true
		}
	}
	return false
}

// recommender holds what every rule reads.
type recommender struct {
	o      *Common
	cfg    RecommendConfig
	bills  map[string]resBill
	at     *Attributor
	byARN  map[string]*inventory.Resource
	cv, pv converter // bill currency and USD list prices to the result's
	// daysOff are office days off in the coming year (holidays, closed
	// days).
	daysOff int
}

// bill is the resource's usage over the bill window, by ARN then native id.
func (rc *recommender) bill(r *inventory.Resource) (resBill, bool) {
	if b, ok := rc.bills[r.ARN]; ok {
		return b, true
	}
	if r.ID != "" {
		b, ok := rc.bills[r.ID]
		return b, ok
	}
	return resBill{}, false
}

// members are the instances of an Aurora cluster.
func (rc *recommender) members(cluster *inventory.Resource) []*inventory.Resource {
	var out []*inventory.Resource
	for i := range rc.o.Resources {
		r := &rc.o.Resources[i]
		if r.Type != "AWS::RDS::DBInstance" {
			continue
		}
		for _, rel := range r.Relations {
			if rel.Kind == inventory.RelMemberOf && rel.Target == cluster.ARN {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// withMembers is a resource and, for an Aurora cluster, its instances:
// what the bill and the price table know of it.
func (rc *recommender) withMembers(r *inventory.Resource) []*inventory.Resource {
	if r.Type == "AWS::RDS::DBCluster" {
		return append([]*inventory.Resource{r}, rc.members(r)...)
	}
	return []*inventory.Resource{r}
}

// billOf sums the bill of a resource and its members; ok is false when
// the bill names none of them.
func (rc *recommender) billOf(rs []*inventory.Resource) (resBill, bool) {
	var sum resBill
	found := false
	for _, r := range rs {
		if b, ok := rc.bill(r); ok {
			sum.total = sum.total.Add(b.total)
			sum.hourly = sum.hourly.Add(b.hourly)
			found = true
		}
	}
	return sum, found
}

// priceOf sums a list-price function over resources; ok is false when
// any of them has no price.
func priceOf(rs []*inventory.Resource, f func(*inventory.Resource) (float64, bool)) (float64, bool) {
	sum, found := 0.0, false
	for _, r := range rs {
		v, ok := f(r)
		if !ok {
			if r.Type == "AWS::RDS::DBCluster" {
				continue // billed through its members
			}
			return 0, false
		}
		sum += v
		found = true
	}
	return sum, found
}

func (rc *recommender) item(kind string, r *inventory.Resource) Recommendation {
	a := rc.at.Attribute(&Rollup{Account: r.Account, Resource: r.ARN, ResourceName: r.Name, Tags: MakeTags(r.Tags.Map())})
	return Recommendation{Kind: kind, ARN: r.ARN, Name: r.Name, Type: r.Type, Account: r.Account, Region: r.Region,
		System: a.System, Env: a.Env, Owner: a.Owner}
}

func (rc *recommender) env(r *inventory.Resource) string {
	return rc.at.Attribute(&Rollup{Account: r.Account, Resource: r.ARN, ResourceName: r.Name, Tags: MakeTags(r.Tags.Map())}).Env
}

// ratio is num/den of two list prices, exactly as the floats are.
func ratio(num, den float64) *big.Rat {
	n, d := new(big.Rat), new(big.Rat)
	if n.SetFloat64(num) == nil || d.SetFloat64(den) == nil || d.Sign() == 0 {
		return new(big.Rat)
	}
	return n.Quo(n, d)
}

// Recommend lists changes that save money, each priced from the bill's
// last 30 days for the resource where the bill names it, else from the
// price table (list prices in USD, converted at the configured rate):
//
//   - gp2-to-gp3: a gp2 volume moved to gp3 with the same baseline.
//   - previous-generation: an instance moved to the current family, same size.
//   - fargate-spot: an ECS service on Fargate outside production moved to
//     Fargate Spot.
//   - office-hours: an instance, database or service in a dev/QA env
//     stopped outside office hours (hours off x its hourly cost); Auto
//     Scaling members and resources with a schedule tag are left out.
//   - idle-nat-gateway and idle-database: what an idle finding's resource
//     costs, saved by deleting (or stopping) it.
//
// Office days that are holidays (cost.recommend.office_hours.holidays,
// jp by default) or closed count as off hours too, averaged over the
// coming year.
func Recommend(ctx context.Context, o Common) (*RecommendResult, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	bills, currency, err := resourceBills(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("cost recommend: %w", err)
	}
	cv, err := o.converter(currency)
	if err != nil {
		return nil, err
	}
	pv, err := o.usdTo(cv.to)
	if err != nil {
		return nil, err
	}
	rc := &recommender{o: &o, cfg: o.Cost.Recommend, bills: bills, at: o.attributor(), byARN: map[string]*inventory.Resource{}, cv: cv, pv: pv}
	rc.daysOff = rc.cfg.OfficeHours.DaysOff(o.Now)
	for i := range o.Resources {
		rc.byARN[o.Resources[i].ARN] = &o.Resources[i]
	}
	res := &RecommendResult{Currency: cv.to, OfficeHours: rc.cfg.OfficeHours.String(), OfficeHoursPhrase: rc.cfg.OfficeHours.Phrase(), Bases: map[string]Money{}}
	if len(o.Resources) == 0 {
		res.Notes = append(res.Notes, "No scan in the store: run steward scan (or steward demo) so there are resources to recommend for.")
		res.NotePhrases = append(res.NotePhrases, i18n.Say("cost.rec.noscan"))
	}
	if len(bills) == 0 {
		res.Notes = append(res.Notes, "No bill for the last 30 days: every saving is from the price table (steward cost ingest).")
		res.NotePhrases = append(res.NotePhrases, i18n.Say("cost.rec.nobill"))
	}
	for i := range o.Resources {
		r := &o.Resources[i]
		for _, rule := range []func(*inventory.Resource) (Recommendation, bool){rc.gp3, rc.generation, rc.fargateSpot, rc.officeHours} {
			if it, ok := rule(r); ok {
				res.Items = append(res.Items, it)
			}
		}
	}
	for _, f := range o.Findings {
		if it, ok := rc.idle(f); ok {
			res.Items = append(res.Items, it)
		}
	}
	best := map[string]Money{}
	kinds := map[string]*Group{}
	for _, it := range res.Items {
		if it.Monthly.Cmp(best[it.ARN]) > 0 {
			best[it.ARN] = it.Monthly
		}
		g := kinds[it.Kind]
		if g == nil {
			g = &Group{Key: it.Kind}
			kinds[it.Kind] = g
		}
		g.Cost = g.Cost.Add(it.Monthly)
		res.Bases[it.Basis] = res.Bases[it.Basis].Add(it.Monthly)
	}
	for _, m := range best {
		res.Total = res.Total.Add(m)
	}
	var gross Money
	for _, g := range kinds {
		gross = gross.Add(g.Cost)
	}
	for _, g := range kinds {
		// Shares are of the sum of all recommendations, overlaps included,
		// so they add up to 100%.
		g.Share = share(g.Cost, gross)
		res.ByKind = append(res.ByKind, *g)
	}
	slices.SortFunc(res.ByKind, func(a, b Group) int { return cmp.Or(b.Cost.Cmp(a.Cost), cmp.Compare(a.Key, b.Key)) })
	slices.SortFunc(res.Items, func(a, b Recommendation) int {
		return cmp.Or(b.Monthly.Cmp(a.Monthly), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ARN, b.ARN))
	})
	return res, nil
}

// resourceBills sums the last 30 days of usage per bill resource id.
func resourceBills(ctx context.Context, o Common) (map[string]resBill, string, error) {
	to := dayTime(dayOf(o.Now) + 1)
	out := map[string]resBill{}
	currency := ""
	err := o.Store.Scan(ctx, Filter{From: to.AddDate(0, 0, -billDays), To: to}, func(r Rollup) error {
		if r.Kind != KindUsage || r.Resource == "" {
			return nil
		}
		if currency == "" {
			currency = r.Currency
		} else if r.Currency != "" && r.Currency != currency {
			return fmt.Errorf("the last 30 days of the bill mix currencies %s and %s", currency, r.Currency)
		}
		b := out[r.Resource]
		b.total = b.total.Add(r.Billed)
		if hourlyUsage(r.UsageType) {
			b.hourly = b.hourly.Add(r.Billed)
		}
		out[r.Resource] = b
		return nil
	})
	return out, currency, err
}

// usdTo converts list prices (USD) into the given currency.
func (c *Common) usdTo(to string) (converter, error) {
	switch to {
	case "", "USD":
		return converter{to: "USD"}, nil
	case "JPY":
		r := new(big.Rat)
		if c.Rate <= 0 || r.SetFloat64(c.Rate) == nil {
			return converter{}, fmt.Errorf("list prices are in USD and the bill in JPY: set currency.code: JPY and currency.rate (yen per dollar) in steward.yaml")
		}
		return converter{to: "JPY", rate: r}, nil
	}
	return converter{}, fmt.Errorf("list prices are in USD and cannot be shown in %s: steward converts only between USD and JPY", to)
}

func (rc *recommender) money(m Money) string { return money.Format(m, rc.cv.to) }

// rate prints a list price per hour with the precision the table has.
func rate(usd float64) string { return money.FormatPrice(MoneyFromFloat(usd), money.USD, 6) }

// usd prints a list price in US dollars.
func usd(v float64) string { return money.FormatFloat(v, money.USD) }

func (rc *recommender) gp3(r *inventory.Resource) (Recommendation, bool) {
	save, ok := pricing.GP3Savings(r)
	if !ok || save <= 0 {
		return Recommendation{}, false
	}
	it := rc.item(RecGP3, r)
	gb, _ := r.Attrs.Value("size_gb").(float64)
	full, fullOK := pricing.Estimate(r)
	if b, ok := rc.bill(r); ok && fullOK && full > 0 && b.total.Sign() > 0 {
		it.Monthly, it.Basis = rc.cv.conv(b.total.MulRat(ratio(save, full))), BasisBill
		it.says(i18n.Say("cost.rec.gp3.action"), i18n.Say("cost.rec.gp3.why.bill",
			rc.money(rc.cv.conv(b.total)), pctRat(ratio(save, full)), gb, r.Region, usd(save), usd(full)))
		return it, it.Monthly.Sign() > 0
	}
	it.Monthly, it.Basis = rc.pv.conv(MoneyFromFloat(save)), BasisPrices
	it.says(i18n.Say("cost.rec.gp3.action"), i18n.Say("cost.rec.gp3.why.prices", gb, r.Region, usd(full), usd(full-save)))
	return it, true
}

// pctRat is a ratio as a percentage for a phrase's argument.
func pctRat(r *big.Rat) string {
	f, _ := r.Float64()
	return fmt.Sprintf("%.1f%%", f*100)
}

func (rc *recommender) generation(r *inventory.Resource) (Recommendation, bool) {
	if r.Type != "AWS::EC2::Instance" {
		return Recommendation{}, false
	}
	save, ok := pricing.CurrentGenerationSavings(r)
	if !ok || save <= 0 {
		return Recommendation{}, false
	}
	typ, _ := r.Attrs.Value("instance_type").(string)
	next, _ := pricing.CurrentGenerationOf(typ)
	oldH, _ := pricing.InstanceHourly(r.Region, typ)
	newH, _ := pricing.InstanceHourly(r.Region, next)
	it := rc.item(RecGeneration, r)
	action := i18n.Say("cost.rec.gen.action", next)
	cut := ratio(oldH-newH, oldH)
	if b, ok := rc.bill(r); ok && b.hourly.Sign() > 0 {
		it.Monthly, it.Basis = rc.cv.conv(b.hourly.MulRat(cut)), BasisBill
		it.says(action, i18n.Say("cost.rec.gen.why.bill",
			rc.money(rc.cv.conv(b.hourly)), next, rate(newH), rate(oldH), typ, r.Region, pctRat(cut)))
		return it, it.Monthly.Sign() > 0
	}
	it.Monthly, it.Basis = rc.pv.conv(MoneyFromFloat(save)), BasisPrices
	it.says(action, i18n.Say("cost.rec.gen.why.prices",
		next, rate(newH), rate(oldH), typ, r.Region, rate(oldH-newH), pricing.HoursPerMonth))
	return it, true
}

// onFargate reports whether an ECS service runs on on-demand Fargate only.
func onFargate(r *inventory.Resource) bool {
	switch lt, _ := r.Attrs.Value("launch_type").(string); lt {
	case "FARGATE":
		return true
	case "":
		cps, _ := r.Attrs.Value("capacity_providers").([]any)
		for _, cp := range cps {
			if s, _ := cp.(string); s != "FARGATE" {
				return false
			}
		}
		return len(cps) > 0
	}
	return false
}

func (rc *recommender) fargateSpot(r *inventory.Resource) (Recommendation, bool) {
	if r.Type != "AWS::ECS::Service" || !onFargate(r) {
		return Recommendation{}, false
	}
	if n, _ := r.Attrs.Value("running_count").(float64); n <= 0 {
		return Recommendation{}, false
	}
	env := rc.env(r)
	if env == "" || matchEnv(rc.cfg.ProductionEnvs, env) {
		return Recommendation{}, false
	}
	it := rc.item(RecFargateSpot, r)
	action := i18n.Say("cost.rec.spot.action")
	disc := ratio(rc.cfg.FargateSpotDiscount, 1)
	why := i18n.Say("cost.rec.spot.base", env, pctRat(disc))
	if b, ok := rc.bill(r); ok && b.hourly.Sign() > 0 {
		it.Monthly, it.Basis = rc.cv.conv(b.hourly.MulRat(disc)), BasisBill
		it.says(action, i18n.Say("cost.rec.spot.why.bill", why, rc.money(rc.cv.conv(b.hourly))))
		return it, true
	}
	h, ok := pricing.Hourly(r)
	if !ok || h <= 0 {
		return Recommendation{}, false
	}
	monthly := MoneyFromFloat(h).MulRat(big.NewRat(pricing.HoursPerMonth, 1))
	it.Monthly, it.Basis = rc.pv.conv(monthly.MulRat(disc)), BasisPrices
	it.says(action, i18n.Say("cost.rec.spot.why.prices", why, rate(h), money.Format(monthly, money.USD)))
	return it, true
}

// scheduled reports whether a resource already carries a stop schedule:
// a steward schedule tag or a Custodian offhours tag (even one that opts
// out or does not parse: someone decided), or another scheduler's tag.
func (rc *recommender) scheduled(r *inventory.Resource) bool {
	for k := range r.Tags.All() {
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "offhours", "onhours", "schedule", "instance-scheduler":
			return true
		}
	}
	res := rc.o.Schedules
	if res == nil {
		res = &schedule.Resolver{}
	}
	m, err := res.For(schedule.Target{Tags: r.Tags.Map()})
	return err != nil || m.Schedule != nil || m.OptedOut
}

// canStop reports whether a resource is running now and is something one
// stops for the night: an instance outside Auto Scaling, a database (an
// Aurora member stops with its cluster), a service with running tasks.
func canStop(r *inventory.Resource) bool {
	switch r.Type {
	case "AWS::EC2::Instance":
		asg, _ := r.Attrs.Value("asg_name").(string)
		return r.State == "running" && asg == ""
	case "AWS::RDS::DBInstance":
		cl, _ := r.Attrs.Value("cluster_id").(string)
		return r.State == "available" && cl == ""
	case "AWS::RDS::DBCluster":
		return r.State == "available"
	case "AWS::ECS::Service":
		n, _ := r.Attrs.Value("running_count").(float64)
		return n > 0
	}
	return false
}

func (rc *recommender) officeHours(r *inventory.Resource) (Recommendation, bool) {
	if !canStop(r) || rc.scheduled(r) {
		return Recommendation{}, false
	}
	env := rc.env(r)
	if env == "" || !matchEnv(rc.cfg.OfficeHours.Envs, env) {
		return Recommendation{}, false
	}
	const week = 7 * 24 * 60
	oh := rc.cfg.OfficeHours
	on := oh.OnMinutesPerWeek()
	off := week - on
	if off <= 0 {
		return Recommendation{}, false
	}
	// Off hours a month: the week's off share of a month's hours, plus
	// the office hours of a year's days off, a twelfth of them.
	offShare := big.NewRat(int64(off), week)
	offHours := new(big.Rat).Mul(offShare, big.NewRat(pricing.HoursPerMonth, 1))
	if rc.daysOff > 0 {
		offHours.Add(offHours, big.NewRat(int64(rc.daysOff)*int64(oh.DayMinutes()), 60*12))
	}
	offH, _ := offHours.Float64()
	it := rc.item(RecOfficeHours, r)
	action := i18n.Say("cost.rec.oh.action")
	if r.Type == "AWS::ECS::Service" {
		action = i18n.Say("cost.rec.oh.action.ecs")
	}
	var daysOff any = "" // a phrase when there are days off
	if rc.daysOff > 0 {
		daysOff = i18n.Say("cost.rec.oh.daysoff", rc.daysOff)
	}
	why := i18n.Say("cost.rec.oh.base", env, oh.Phrase(), off/60, daysOff, offH)
	rs := rc.withMembers(r)
	if b, ok := rc.billOf(rs); ok && b.hourly.Sign() > 0 {
		perHour := b.hourly.MulRat(big.NewRat(1, billDays*24))
		it.Monthly, it.Basis = rc.cv.conv(b.hourly.MulRat(new(big.Rat).Quo(offHours, big.NewRat(billDays*24, 1)))), BasisBill
		it.says(action, i18n.Say("cost.rec.oh.why.bill",
			why, money.FormatPrice(rc.cv.conv(perHour), rc.cv.to, 4), rc.money(rc.cv.conv(b.hourly)), billDays*24))
		return it, it.Monthly.Sign() > 0
	}
	h, ok := priceOf(rs, pricing.Hourly)
	if !ok || h <= 0 {
		return Recommendation{}, false
	}
	it.Monthly, it.Basis = rc.pv.conv(MoneyFromFloat(h).MulRat(offHours)), BasisPrices
	it.says(action, i18n.Say("cost.rec.oh.why.prices", why, rate(h)))
	return it, true
}

// idle turns an idle finding on a NAT gateway or database into a
// recommendation to delete it, saving what it costs.
func (rc *recommender) idle(f finding.Finding) (Recommendation, bool) {
	if f.Category != finding.Idle && f.Category != finding.Waste {
		return Recommendation{}, false
	}
	kind := ""
	switch f.Type {
	case "AWS::EC2::NatGateway":
		kind = RecIdleNAT
	case "AWS::RDS::DBInstance", "AWS::RDS::DBCluster":
		kind = RecIdleDB
	default:
		return Recommendation{}, false
	}
	r := rc.byARN[f.ARN]
	if r == nil {
		r = &inventory.Resource{ARN: f.ARN, Type: f.Type, Account: f.Account, Region: f.Region, Name: f.Name}
	}
	it := rc.item(kind, r)
	it.Owner = cmp.Or(it.Owner, f.Owner)
	it.System = cmp.Or(it.System, f.System)
	it.Env = cmp.Or(it.Env, f.Env)
	action := i18n.Say("cost.rec.db.action")
	if kind == RecIdleNAT {
		action = i18n.Say("cost.rec.nat.action")
	}
	why := i18n.Say("cost.rec.idle.base", f.Policy, f.Said())
	rs := rc.withMembers(r)
	if b, ok := rc.billOf(rs); ok && b.total.Sign() > 0 {
		it.Monthly, it.Basis = rc.cv.conv(b.total), BasisBill
		it.says(action, i18n.Say("cost.rec.idle.why.bill", why))
		return it, true
	}
	if usd, ok := priceOf(rs, pricing.Estimate); ok && usd > 0 {
		it.Monthly, it.Basis = rc.pv.conv(MoneyFromFloat(usd)), BasisPrices
		it.says(action, i18n.Say("cost.rec.idle.why.prices", why, money.FormatFloat(usd, money.USD)))
		return it, true
	}
	if f.MonthlyWaste <= 0 {
		return Recommendation{}, false
	}
	// Findings carry waste in the display currency already.
	it.Monthly, it.Basis = MoneyFromFloat(f.MonthlyWaste), BasisPolicy
	it.says(action, i18n.Say("cost.rec.idle.why.policy", why, rc.money(it.Monthly)))
	return it, true
}
