package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/owner"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/money"
)

// Options are what the engine needs from configuration. Nothing here is
// read from a global: the caller (main) passes the loaded configuration in.
type Options struct {
	// Naming is the naming rule name_ok() checks; NamingTypes limits it to
	// some types (empty: every type).
	Naming      naming.Rule
	NamingTypes []string
	// Required maps a required tag key to its allowed values (empty: any
	// non-empty value); ranges must already be expanded.
	Required map[string][]string
	// RequiredOn limits a required key to resource types matching one of
	// its patterns (path.Match syntax); a key it does not list applies to
	// every type. RequiredExempt lists type patterns no key applies to.
	RequiredOn     map[string][]string
	RequiredExempt []string
	// OwnerKey, SystemKey and EnvKey name the tags that say who owns a
	// resource (defaults: owner, system, env).
	OwnerKey, SystemKey, EnvKey string
	// Currency is the code findings carry (default USD) and Rate converts
	// USD to it (default 1).
	Currency string
	Rate     float64
	// Params overrides policy parameters: policy id -> name -> value.
	Params map[string]map[string]any
	// Severity overrides policy severities: policy id -> severity name.
	Severity map[string]string
	// Disable removes policies by id or by pack name.
	Disable []string
	// Now is the time ages are measured against.
	Now time.Time
	// Workers bounds evaluation parallelism (default GOMAXPROCS).
	Workers int
	// Pricer gives price() and gp3_savings() their numbers (ListPrices in
	// steward); nil falls back to the resource's own MonthlyCost and no
	// savings.
	Pricer Pricer
	// Logger receives evaluation errors; nil discards them.
	Logger *slog.Logger
}

// OptionError is a problem with Options that came from configuration;
// Field is the configuration key (policies.params.ID.NAME), so the caller
// can point at the line where it was written.
type OptionError struct {
	Field string
	Err   error
}

func (e *OptionError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// Engine evaluates compiled policies. It is safe for concurrent use.
type Engine struct {
	policies []*compiled
	byType   map[string][]*compiled
	opts     Options
	fn       *funcs
	log      *slog.Logger
	owners   *owner.Resolver
}

type compiled struct {
	p       *Policy
	sev     finding.Severity
	where   cel.Program
	waste   cel.Program // nil when the policy has no waste expression
	message []segment
	// messageSize is the buffer a rendered message starts with.
	messageSize int
	// translations are the message in the other languages the policy has
	// a text in, in language order: every one is rendered with each
	// finding, so that a reader of any language reads it in theirs.
	translations []translation
	params       ref.Val
	// twin is empty in steward; only a benchmark build (twin.go) fills it.
	twin twin
	// rank is the policy's place in finding order: severity (highest
	// first), then id.
	rank int
	// rule is what the policy's findings share, set when the engine
	// takes the policy in.
	rule *finding.Rule
}

// segment is one piece of a message: literal text or an expression.
type segment struct {
	text string
	prog cel.Program
	// src is the expression as written, for compile only.
	src string
	// same, in a translation, is 1 + the index of the English message's
	// segment with the same expression, whose value is shown again in
	// this language rather than evaluated twice; 0 when there is none.
	same int
}

// translation is a policy's message in a language other than English.
type translation struct {
	lang    i18n.Lang
	field   string // where it is written: ja.message (ja.title when it has no message)
	message []segment
	size    int
}

// Limits on a policy expression. Policies come from users' repositories
// and run unattended over every resource, so one that would run for hours or
// fill memory (nested map() over lists, say) must fail on its own and leave
// the scan going. The built-in packs stay far below them (tested), so
// they run without CEL's cost tracker unless the user changed their params.
const (
	// MaxEvalCost bounds one evaluation of one expression on one resource,
	// in CEL's cost units (about one per value visited); a few tens of
	// milliseconds of work.
	MaxEvalCost = 1_000_000
	// MaxComprehensionNesting bounds map/filter/all/exists (and cel.bind)
	// inside one another.
	MaxComprehensionNesting = 4
	// MaxExpressionSize bounds an expression's length in characters.
	MaxExpressionSize = 64 << 10
	// interruptEvery is how many comprehension steps run between checks
	// of cancellation (Ctrl-C).
	interruptEvery = 1000
)

// Compile checks and compiles every policy once. Every problem names the
// file and line of the expression and CEL's own message; a policy that does
// not compile is an error, never a policy that silently matches nothing.
func Compile(ps []*Policy, opts Options) (*Engine, error) {
	return compileAll(ps, opts, 0)
}

// Select is the policies Compile would run, with the options' disables
// and overrides applied, in the same order, without compiling their
// expressions: what a command that only shows policies' texts needs
// (compiling every expression is most of such a command's time).
func Select(ps []*Policy, opts Options) ([]*Policy, error) {
	return applyOverrides(ps, opts)
}

// compileAll is Compile with the cost limit of the built-in packs' own
// expressions: 0 runs them unmetered, as steward does; a test runs them
// under a limit far below MaxEvalCost to hold them cheap.
func compileAll(ps []*Policy, opts Options, builtinLimit uint64) (*Engine, error) {
	opts, fn, log, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	envs := newCelEnvs(fn)
	ps, err = applyOverrides(ps, opts)
	if err != nil {
		return nil, err
	}
	e := &Engine{opts: opts, fn: fn, log: log, byType: map[string][]*compiled{}, owners: newOwners(opts)}
	var errs []error
	for _, p := range ps {
		limit := uint64(MaxEvalCost)
		if p.builtin && len(opts.Params[p.ID]) == 0 {
			// Metering every step costs more than the work itself in a
			// cheap expression (a tracker per evaluation, a cost lookup
			// per call): at a million resources it made evaluation twice
			// as slow. The packs steward ships are held far below the
			// limit by a test; a pack whose params the user changed, and
			// every user policy, stay metered.
			limit = builtinLimit
		}
		c, err := compileCached(envs, p, limit)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.add(c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	e.rank()
	return e, nil
}

// newOwners is the owner resolver for the configured tag keys and naming
// rule.
func newOwners(opts Options) *owner.Resolver {
	return owner.New(owner.Keys{Owner: opts.OwnerKey, System: opts.SystemKey, Env: opts.EnvKey}, opts.Naming)
}

// prepare fills the options' defaults and checks them, and builds what the
// helper functions need.
func prepare(opts Options) (Options, *funcs, *slog.Logger, error) {
	if opts.OwnerKey == "" {
		opts.OwnerKey = "owner"
	}
	if opts.SystemKey == "" {
		opts.SystemKey = "system"
	}
	if opts.EnvKey == "" {
		opts.EnvKey = "env"
	}
	if opts.Currency == "" {
		opts.Currency = "USD"
	}
	if opts.Rate == 0 {
		if opts.Currency != "USD" {
			return opts, nil, nil, fmt.Errorf("currency %s needs a rate (units per US dollar)", opts.Currency)
		}
		opts.Rate = 1
	}
	if opts.Now.IsZero() {
		return opts, nil, nil, fmt.Errorf("policy options: Now is required (the time ages are measured against)")
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fn := &funcs{
		now: opts.Now, rule: opts.Naming, required: opts.Required,
		pricer: opts.Pricer, currency: opts.Currency, rate: opts.Rate,
		namingTypes: map[string]bool{}, lang: i18n.EN,
	}
	for _, t := range opts.NamingTypes {
		fn.namingTypes[t] = true
	}
	fn.requiredKey = slices.Sorted(maps.Keys(opts.Required))
	fn.requiredOn, fn.requiredExempt = opts.RequiredOn, opts.RequiredExempt
	return opts, fn, log, nil
}

// rank numbers the policies in the order their findings are sorted.
func (e *Engine) rank() {
	byOrder := slices.Clone(e.policies)
	slices.SortStableFunc(byOrder, func(a, b *compiled) int {
		return cmp.Or(cmp.Compare(b.sev, a.sev), strings.Compare(a.p.ID, b.p.ID))
	})
	for i, c := range byOrder {
		c.rank = i
	}
}

// add indexes a compiled policy by the types it is evaluated on.
func (e *Engine) add(c *compiled) {
	c.rule = &finding.Rule{
		Policy: c.p.ID, Title: c.p.Title, Category: c.p.Category, Severity: c.sev,
		Remediation: c.p.Remediation, References: c.p.References, Actions: c.p.Actions,
		Currency: e.opts.Currency, Rate: e.opts.Rate,
	}
	e.policies = append(e.policies, c)
	for _, t := range c.p.Types {
		e.byType[t] = append(e.byType[t], c)
	}
}

// applyOverrides returns copies of the policies with configuration applied:
// disabled ones removed, params and severities overridden. Every id or name
// the configuration mentions must exist, so a typo is an error and not an
// override that silently does nothing.
func applyOverrides(ps []*Policy, opts Options) ([]*Policy, error) {
	ids, packs := map[string]*Policy{}, map[string]bool{}
	for _, p := range ps {
		ids[p.ID] = p
		packs[p.Pack] = true
	}
	disabled := map[string]bool{}
	for _, d := range opts.Disable {
		if ids[d] == nil && !packs[d] {
			return nil, &OptionError{Field: "policies.disable", Err: i18n.Say("policy.cfg.disable", d).Err()}
		}
		disabled[d] = true
	}
	for _, id := range slices.Sorted(maps.Keys(opts.Params)) {
		p := ids[id]
		if p == nil {
			return nil, &OptionError{Field: "policies.params." + id, Err: i18n.Say("policy.cfg.noid").Err()}
		}
		for _, k := range slices.Sorted(maps.Keys(opts.Params[id])) {
			if _, ok := p.Params[k]; !ok {
				return nil, &OptionError{Field: "policies.params." + id + "." + k, Err: i18n.Say("policy.cfg.noparam", id, k, strings.Join(slices.Sorted(maps.Keys(p.Params)), ", ")).Err()}
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(opts.Severity)) {
		if ids[id] == nil {
			return nil, &OptionError{Field: "policies.severity." + id, Err: i18n.Say("policy.cfg.noid").Err()}
		}
		if _, err := finding.ParseSeverity(opts.Severity[id]); err != nil {
			return nil, &OptionError{Field: "policies.severity." + id, Err: err}
		}
	}
	var out []*Policy
	for _, p := range ps {
		if disabled[p.ID] || disabled[p.Pack] {
			continue
		}
		c := *p
		c.Params = maps.Clone(p.Params)
		for k, v := range opts.Params[p.ID] {
			nv, err := normalizeParam(v)
			if err != nil {
				return nil, &OptionError{Field: "policies.params." + p.ID + "." + k, Err: err}
			}
			c.Params[k] = nv
		}
		if s, ok := opts.Severity[p.ID]; ok {
			c.Severity, _ = finding.ParseSeverity(s)
		}
		out = append(out, &c)
	}
	return out, nil
}

// compile compiles one policy; limit is the cost limit of each of its
// evaluations (0: none).
func compile(envs *celEnvs, p *Policy, limit uint64) (*compiled, error) {
	c := &compiled{p: p, sev: p.Severity}
	env, err := envs.get(i18n.EN)
	if err != nil {
		return nil, err
	}
	if c.where, err = compileExpr(env, p, "where", p.Where, 0, cel.BoolType, limit); err != nil {
		return nil, err
	}
	if strings.TrimSpace(p.Waste) != "" {
		if c.waste, err = compileExpr(env, p, "waste", p.Waste, 0, nil, limit); err != nil {
			return nil, err
		}
	}
	if c.message, c.messageSize, err = compileMessage(env, p, "message", messageSource(p, i18n.EN), limit); err != nil {
		return nil, err
	}
	if c.translations, err = compileTranslations(envs, p, c.message, limit); err != nil {
		return nil, err
	}
	c.params = types.DefaultTypeAdapter.NativeToValue(p.Params)
	return c, nil
}

// messageSource is the text a policy's findings say in lang: its message,
// or its title when it has none.
func messageSource(p *Policy, lang i18n.Lang) string {
	text := p.In(lang)
	return strings.TrimSpace(cmp.Or(strings.TrimSpace(text.Message), text.Title))
}

// compileTranslations compiles the policy's message in each language it
// has a text of its own in; a language whose text is the English one is
// left out (its readers get the English message).
func compileTranslations(envs *celEnvs, p *Policy, english []segment, limit uint64) ([]translation, error) {
	en := messageSource(p, i18n.EN)
	var out []translation
	for _, lang := range slices.Sorted(maps.Keys(p.Translations)) {
		src := messageSource(p, lang)
		if !(&finding.Messages{}).Set(lang, "") || src == en {
			continue // English, or a language findings have no place for
		}
		env, err := envs.get(lang)
		if err != nil {
			return nil, err
		}
		field := string(lang) + ".message"
		if strings.TrimSpace(p.Translations[lang].Message) == "" {
			field = string(lang) + ".title"
		}
		t := translation{lang: lang, field: field}
		if t.message, t.size, err = compileMessage(env, p, field, src, limit); err != nil {
			return nil, err
		}
		shareValues(t.message, english)
		out = append(out, t)
	}
	return out, nil
}

// shareValues marks the segments of a translation whose expression the
// English message has too, so that a finding evaluates it once: most
// translations show the same data (${r.name}, ${money(...)}) in other
// words. An expression calling a helper that writes text (name_problem)
// is said in each language, so it is evaluated in each.
func shareValues(tr, english []segment) {
	for i := range tr {
		if tr[i].prog == nil || strings.Contains(tr[i].src, "name_problem") {
			continue
		}
		for j := range english {
			if english[j].prog != nil && english[j].src == tr[i].src {
				tr[i].same = j + 1
				break
			}
		}
	}
}

// celEnvs are an engine's CEL environments, one per language: a helper
// that writes text (name_problem) writes it in the language of the message
// it is called from. Each is built on first use.
type celEnvs struct {
	base *funcs
	envs map[i18n.Lang]*cel.Env
	fns  map[i18n.Lang]*funcs
}

func newCelEnvs(fn *funcs) *celEnvs {
	return &celEnvs{base: fn, envs: map[i18n.Lang]*cel.Env{}, fns: map[i18n.Lang]*funcs{i18n.EN: fn}}
}

// funcs returns the helpers' state for lang.
func (c *celEnvs) funcs(lang i18n.Lang) *funcs {
	if f, ok := c.fns[lang]; ok {
		return f
	}
	f := c.base.inLang(lang)
	c.fns[lang] = f
	return f
}

func (c *celEnvs) get(lang i18n.Lang) (*cel.Env, error) {
	if env, ok := c.envs[lang]; ok {
		return env, nil
	}
	env, err := c.funcs(lang).env()
	if err != nil {
		return nil, fmt.Errorf("policy environment: %w", err)
	}
	c.envs[lang] = env
	return env, nil
}

// compileExpr parses, checks and plans one expression. offset is where the
// expression starts inside the field's text (for message interpolations);
// limit is the cost limit of one evaluation (0: none).
func compileExpr(env *cel.Env, p *Policy, field, src string, offset int, want *cel.Type, limit uint64) (cel.Program, error) {
	checked, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		first := iss.Errors()[0]
		return nil, p.exprError(field, src, offset, first.Location.Line(), first.Location.Column(), first.Message)
	}
	if want != nil && !checked.OutputType().IsEquivalentType(want) && checked.OutputType() != cel.DynType {
		return nil, p.exprError(field, src, offset, 1, 0, i18n.Say("policy.err.expr.type", fmt.Sprint(want), fmt.Sprint(checked.OutputType())))
	}
	if want == nil && field == "waste" {
		switch checked.OutputType() {
		case cel.DoubleType, cel.IntType, cel.UintType, cel.DynType:
		default:
			return nil, p.exprError(field, src, offset, 1, 0, i18n.Say("policy.err.expr.waste", fmt.Sprint(checked.OutputType())))
		}
	}
	if err := p.checkNames(checked, field, src, offset); err != nil {
		return nil, err
	}
	if est, err := env.EstimateCost(checked, unknownSizes{}); err == nil && est.Min > MaxEvalCost {
		return nil, p.exprError(field, src, offset, 1, 0, i18n.Say("policy.err.expr.cost", est.Min, MaxEvalCost))
	}
	ast := checked
	if p.builtin {
		// Folding runs the constant parts of an expression at compile time
		// with no cost limit (the CEL optimizer takes none), so a user's
		// 'a'.replace('a', 'aaaaaaaaaa') ten times over would fill memory
		// before any limit applies. Only the packs steward ships, known to
		// be cheap, are folded; users' expressions run under the limit.
		// Folding is most of the cost of compiling, and among the packs'
		// expressions only those reading params have anything to fold.
		if strings.Contains(src, "params") {
			ast = foldConstants(env, p, checked)
		}
	}
	popts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(interruptEvery)}
	if limit > 0 {
		popts = append(popts, cel.CostLimit(limit))
	}
	if plan := planShapes(env, ast); plan != nil {
		popts = append(popts, plan)
	}
	prg, err := env.Program(ast, popts...)
	if err != nil {
		return nil, p.exprError(field, src, offset, 1, 0, err.Error())
	}
	return prg, nil
}

// unknownSizes leaves every size and call cost to CEL's defaults: what a
// resource holds is unknown at compile time, so only literals give the
// estimate a lower bound.
type unknownSizes struct{}

func (unknownSizes) EstimateSize(cost.AstNode) *cost.SizeEstimate { return nil }
func (unknownSizes) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// foldConstants evaluates at compile time what does not depend on the
// resource: a policy's params are fixed once configuration is applied, so
// days(params.days) becomes a duration literal instead of a variable
// lookup, a map read and a call on every resource. Every helper is a pure
// function of its arguments and the options, so folding changes no result.
// Where folding fails (a parameter overridden with a value of the wrong
// type, say), the expression is kept as written, so the problem shows when
// it is evaluated, as it would without folding.
func foldConstants(env *cel.Env, p *Policy, checked *cel.Ast) *cel.Ast {
	known, err := cel.NewActivation(map[string]any{"params": p.Params})
	if err != nil {
		return checked
	}
	folder, err := cel.NewConstantFoldingOptimizer(cel.FoldKnownValues(known))
	if err != nil {
		return checked
	}
	opt, err := cel.NewStaticOptimizer(folder)
	if err != nil {
		return checked
	}
	folded, iss := opt.Optimize(env, checked)
	if iss != nil && iss.Err() != nil {
		return checked
	}
	return folded
}

// exprError places a CEL problem in the YAML file: the field's line plus the
// line inside the expression (one more for block scalars).
// msg is a Phrase of steward's, or a string: CEL's own words.
func (p *Policy) exprError(field, src string, offset, line, col int, msg any) error {
	pos := p.pos[field]
	fileLine := pos.line
	// Some problems (an expression too long) have no place inside it.
	line = max(line, 1)
	if pos.line > 0 {
		// A message interpolation starts part-way into the field's text.
		text := p.fieldText(field)
		line += strings.Count(text[:min(offset, len(text))], "\n")
		fileLine = pos.line + line - 1
		if pos.block {
			fileLine++
		}
	}
	loc := p.File
	if fileLine > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, fileLine)
	}
	return i18n.Say("policy.err.expr", loc, p.ID, field, msg).Err()
}

// at is file:line of a field of the policy, for messages about it.
func (p *Policy) at(field string) string {
	line := p.Line
	if pos := p.pos[field]; pos.line > 0 {
		line = pos.line
		if pos.block {
			line++
		}
	}
	if line > 0 {
		return fmt.Sprintf("%s:%d", p.File, line)
	}
	return p.File
}

func (p *Policy) fieldText(field string) string {
	switch field {
	case "where":
		return p.Where
	case "waste":
		return p.Waste
	case "message":
		return p.Message
	}
	if lang, ok := strings.CutSuffix(field, ".message"); ok {
		return p.Translations[i18n.Lang(lang)].Message
	}
	return ""
}

// checkNames catches what CEL's checker cannot see through a map type:
// r.attrs.KEY must be an attr documented for one of the policy's types, and
// params.KEY must be one of its parameters.
func (p *Policy) checkNames(checked *cel.Ast, field, src string, offset int) error {
	known := map[string]bool{}
	for _, t := range p.Types {
		ti, _ := inventory.Type(t)
		for k := range ti.Attrs {
			known[k] = true
		}
	}
	var err error
	native := checked.NativeRep()
	visit := func(e celExpr) {
		if err != nil {
			return
		}
		name, key, ok := selectOn(e)
		if !ok {
			return
		}
		loc := native.SourceInfo().GetStartLocation(e.ID())
		switch {
		case name == "r.attrs" && !known[key]:
			err = p.exprError(field, src, offset, loc.Line(), loc.Column(), i18n.Say("policy.err.expr.attr", key, strings.Join(p.Types, ", "), key, strings.Join(slices.Sorted(maps.Keys(known)), ", ")))
		case name == "params":
			if _, ok := p.Params[key]; !ok {
				err = p.exprError(field, src, offset, loc.Line(), loc.Column(), i18n.Say("policy.err.expr.param", key, key))
			}
		}
	}
	walk(native.Expr(), visit)
	return err
}

// Evaluate runs every policy over the resources its types select and
// returns the findings, sorted by severity (highest first), policy id and
// ARN. It is EvaluateSet with every finding built.
func (e *Engine) Evaluate(ctx context.Context, rs []inventory.Resource) ([]finding.Finding, error) {
	set, err := e.EvaluateSet(ctx, rs)
	if err != nil {
		return nil, err
	}
	return set.All(), nil
}

// EvaluateSet runs every policy over the resources its types select and
// returns the findings as a compact set (finding.Set), in the order of
// Evaluate: the set holds the resources' strings, not the resources, so
// the estate can go while the findings are kept. Each resource's CEL value
// is built once and shared by its policies. An expression that fails on
// one resource (a malformed time, say) is logged with the policy and ARN
// and yields no finding; the error result is only for a cancelled ctx.
func (e *Engine) EvaluateSet(ctx context.Context, rs []inventory.Resource) (*finding.Set, error) {
	ev := newEvalState(rs)
	tenv := newTwinEnv(ev, e.fn)
	workers := min(e.opts.Workers, max(1, len(rs)/256))
	const chunk = 512
	var (
		next    int
		mu      sync.Mutex
		results []*worker
		wg      sync.WaitGroup
		nextMu  sync.Mutex
		errs    []error
	)
	take := func() (int, int, bool) {
		nextMu.Lock()
		defer nextMu.Unlock()
		lo := next
		if lo >= len(rs) {
			return 0, 0, false
		}
		next += chunk
		return lo, min(lo+chunk, len(rs)), true
	}
	for range workers {
		wg.Go(func() {
			w, err := newWorker(ctx, e, ev, tenv)
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			defer w.close()
			for ctx.Err() == nil {
				lo, hi, ok := take()
				if !ok {
					break
				}
				for i := lo; i < hi; i++ {
					w.resource(&rs[i])
				}
			}
			mu.Lock()
			results = append(results, w)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("evaluate policies: %w", errors.Join(errs...))
	}
	return e.mergeSorted(results), nil
}

// mergeSorted puts the workers' findings in SortFindings order.
// Severity and policy come from the policy alone, so matches are first put
// in buckets by their policy's rank, and only each bucket is sorted (by
// ARN). It sorts pointers to the workers' match records and copies each
// once, to its final place.
func (e *Engine) mergeSorted(ws []*worker) *finding.Set {
	start := make([]int, len(e.policies)+1)
	for _, w := range ws {
		for _, chunk := range w.out {
			for i := range chunk {
				start[chunk[i].c.rank+1]++
			}
		}
	}
	for i := range len(e.policies) {
		start[i+1] += start[i]
	}
	n := start[len(e.policies)]
	ptrs := make([]*match, n)
	fill := slices.Clone(start[:len(e.policies)])
	for _, w := range ws {
		for _, chunk := range w.out {
			for i := range chunk {
				rank := chunk[i].c.rank
				ptrs[fill[rank]] = &chunk[i]
				fill[rank]++
			}
		}
	}
	for i := range len(e.policies) {
		// ARNs are unique in an estate; should one repeat, name and
		// message keep the order the same from run to run.
		slices.SortFunc(ptrs[start[i]:start[i+1]], func(a, b *match) int {
			return cmp.Or(strings.Compare(a.Subject.ARN, b.Subject.ARN), strings.Compare(a.Subject.Name, b.Subject.Name), strings.Compare(a.Message, b.Message))
		})
	}
	out := make([]finding.Match, n)
	for i, m := range ptrs {
		out[i] = m.Match
	}
	return finding.NewSet(out)
}

// SortFindings orders findings by severity (highest first), policy and ARN.
func SortFindings(fs []finding.Finding) {
	slices.SortStableFunc(fs, func(a, b finding.Finding) int { return compareFindings(&a, &b) })
}

func compareFindings(a, b *finding.Finding) int {
	if a.Severity != b.Severity {
		return cmp.Compare(b.Severity, a.Severity)
	}
	if c := strings.Compare(a.Policy, b.Policy); c != 0 {
		return c
	}
	return strings.Compare(a.ARN, b.ARN)
}

// Policies returns the compiled policies (after disable and overrides), in
// load order.
func (e *Engine) Policies() []*Policy {
	out := make([]*Policy, len(e.policies))
	for i, c := range e.policies {
		p := *c.p
		out[i] = &p
	}
	return out
}

// findingChunk is the most matches a worker keeps per allocation.
const findingChunk = 1024

// match is one policy that matched one resource, with what evaluation
// found out about it (the finding's record in the set), and the policy
// it came from, whose rank puts it in order.
type match struct {
	c *compiled
	finding.Match
}

// worker evaluates a share of the resources. Its activation, execution
// frame and resource value are reused for every evaluation it makes, so a
// CEL evaluation allocates only what the expression itself builds.
type worker struct {
	e     *Engine
	ev    *evalState
	tenv  twinEnv
	act   *activation
	frame *interpreter.ExecutionFrame
	rv    resVal
	vals  []ref.Val
	// out holds the matches in chunks of up to findingChunk: a slice grown
	// by append would copy every match again at each doubling and leave
	// the old arrays as garbage.
	out [][]match
}

func newWorker(ctx context.Context, e *Engine, ev *evalState, tenv twinEnv) (*worker, error) {
	w := &worker{e: e, ev: ev, tenv: tenv, act: &activation{now: types.Timestamp{Time: e.opts.Now}}}
	frame, err := interpreter.NewExecutionFrame(w.act)
	if err != nil {
		return nil, fmt.Errorf("cel activation: %w", err)
	}
	// A long comprehension stops at Ctrl-C, not only between resources.
	if err := frame.SetContext(ctx, interruptEvery); err != nil {
		frame.Close()
		return nil, fmt.Errorf("cel activation: %w", err)
	}
	w.frame = frame
	return w, nil
}

func (w *worker) close() { w.frame.Close() }

func (w *worker) resource(r *inventory.Resource) {
	cs := w.e.byType[r.Type]
	if len(cs) == 0 {
		return
	}
	// The resource value lives in the worker: nothing an expression returns
	// keeps it past this resource, since results become strings and numbers.
	w.rv = resVal{r: r, ev: w.ev, memo: w.rv.memo[:0], req: w.rv.req[:0]}
	w.act.r = &w.rv
	var subject *finding.Subject // shared by the resource's findings
	for _, c := range cs {
		if !w.match(c, r) {
			continue
		}
		if subject == nil {
			subject = w.subject(r, w.rv.nameMatch)
		}
		if n := len(w.out); n == 0 || len(w.out[n-1]) == cap(w.out[n-1]) {
			// Chunks start small, for the many evaluations of a few
			// resources, and grow to findingChunk.
			size := 16
			if n > 0 {
				size = min(2*cap(w.out[n-1]), findingChunk)
			}
			w.out = append(w.out, make([]match, 0, size))
		}
		last := &w.out[len(w.out)-1]
		*last = append(*last, w.record(c, r, subject))
	}
	w.act.r = nil
}

func (w *worker) match(c *compiled, r *inventory.Resource) bool {
	if match, ok := c.twin.where(w.tenv, r); ok {
		return match
	}
	w.act.params = c.params
	out, err := eval(c.where, w.frame)
	if err != nil {
		w.e.evalFailed(c, "where", r, err)
		return false
	}
	return out == types.True
}

// record computes what a finding of c on r needs beyond the policy and
// the resource: its waste and its message.
func (w *worker) record(c *compiled, r *inventory.Resource, subject *finding.Subject) match {
	e := w.e
	m := match{c: c, Match: finding.Match{Rule: c.rule, Subject: subject}}
	usd, ok := c.twin.waste(w.tenv, r)
	if c.waste != nil {
		v, err := eval(c.waste, w.frame)
		if err != nil {
			e.evalFailed(c, "waste", r, err)
		} else {
			usd, ok = number(v)
		}
	}
	if ok && !math.IsNaN(usd) && !math.IsInf(usd, 0) {
		m.MonthlyWaste = money.RoundFloat(usd*e.opts.Rate, e.opts.Currency)
	}
	// The English message's values, kept for its translations.
	var vals []ref.Val
	if len(c.translations) > 0 {
		vals = w.values(len(c.message))
	}
	if msg, ok := c.twin.message(w.tenv, r); ok {
		m.Message = msg
	} else {
		m.Message = e.render(c, "message", c.message, c.messageSize, i18n.EN, r, w.frame, vals)
	}
	if len(c.translations) > 0 {
		w.act.params = c.params // a Go twin's where did not set them
		for i := range c.translations {
			t := &c.translations[i]
			m.Messages.Set(t.lang, e.render(c, t.field, t.message, t.size, t.lang, r, w.frame, vals))
		}
		clear(vals) // nothing of this resource is kept past it
	}
	return m
}

// values is the worker's buffer for n values of one message, all nil.
func (w *worker) values(n int) []ref.Val {
	if cap(w.vals) < n {
		w.vals = make([]ref.Val, n)
	}
	return w.vals[:n]
}

// eval runs a program with a fresh cost count. A worker reuses one frame
// for every evaluation, and the cost tracker CEL leaves on it would add up
// the cost of all of them against one expression's limit.
func eval(prg cel.Program, act cel.Activation) (ref.Val, error) {
	if f, ok := act.(*interpreter.ExecutionFrame); ok {
		f.SetCostTracker(nil)
	}
	out, _, err := prg.Eval(act)
	return out, err
}

// evalFailed logs an expression that failed on one resource, with the
// place the policy's field is written: the resource gets no finding (or no
// waste figure) from it, and evaluation goes on.
func (e *Engine) evalFailed(c *compiled, field string, r *inventory.Resource, err error) {
	var ce interpreter.EvalCancelledError
	if errors.As(err, &ce) {
		if ce.Cause != interpreter.CostLimitExceeded {
			return // interrupted: Evaluate reports it
		}
		err = fmt.Errorf("exceeded the cost limit of %d steps; it does too much work for one resource (nested iterations, values that grow)", MaxEvalCost)
	}
	e.log.Warn("policy evaluation failed", "policy", c.p.ID, "at", c.p.at(field), "field", field, "arn", r.ARN, "err", err)
}

// activation gives a program r, params and now without allocating a map
// per evaluation; each worker reuses one.
type activation struct {
	r      ref.Val
	params ref.Val
	now    ref.Val
}

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "r":
		return a.r, a.r != nil
	case "params":
		return a.params, a.params != nil
	case "now":
		return a.now, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

// subject is the resource as its findings show it, with who answers for
// it from the owner package (the one resolution order). OwnerSource says
// where the owner came from, or where system/env came from when there is
// no owner. nameMatch is what name_ok() found (-1: the name breaks the
// rule, so it has no fields to read; 0: not asked).
func (w *worker) subject(r *inventory.Resource, nameMatch int8) *finding.Subject {
	o := w.e.owners.Resolve(owner.Subject{Resource: r, NameBroken: nameMatch < 0, Lookup: w.lookup})
	// The name is copied: the estate's interner keeps names among the
	// other text of the estate, whose blocks the save lets go unless a
	// finding holds one (ARNs have blocks of their own; type, account and
	// region are a handful of strings).
	s := &finding.Subject{
		ARN: r.ARN, Type: r.Type, Account: r.Account, Region: r.Region, Name: strings.Clone(r.Name),
		Owner: o.Owner, System: o.System, Env: o.Env, OwnerSource: cmp.Or(o.OwnerVia, o.SystemVia, o.EnvVia),
	}
	if c := r.Creator(); c != nil {
		s.Creator = c.Principal
	}
	return s
}

// lookup finds a resource of the evaluated estate by ARN, for the owner
// of a service-managed resource.
func (w *worker) lookup(arn string) *inventory.Resource {
	if i, ok := w.ev.index()[arn]; ok {
		return &w.ev.rs[i]
	}
	return nil
}
