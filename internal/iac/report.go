package iac

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/objstore"
	"github.com/steward-sre/steward/internal/report/table"
)

// RunOptions are the options of `steward iac`.
type RunOptions struct {
	// Source is where resources come from (demo, aws, file:, config:).
	Source inventory.Source
	// States are state specs as LoadStates takes them.
	States []string
	// Stacks reads CloudFormation stacks, one client per account x region.
	Stacks []CloudFormationAPI
	// Trails looks creators up, one client per account x region.
	Trails []CloudTrailAPI
	// TrailLogs are trail log specs as LoadTrailLogs takes them.
	TrailLogs []string
	// DemoStates and DemoTrail add the demo's Terraform states and trail
	// log (DemoStates, DemoTrailLog), made from the collected resources:
	// for the demo source, when no state or trail log is named.
	DemoStates, DemoTrail bool
	// IgnoreFile is a .driftignore-syntax file; empty for none.
	IgnoreFile      string
	IncludeDefaults bool
	// Format is table, json or imports (Terraform import blocks).
	Format string
	// Width fits the table to a terminal this wide; 0 leaves lines whole.
	Width int
	// Lang is the language of the table (JSON and import blocks stay as
	// they are).
	Lang i18n.Lang
	// Import selects the resources of the imports format.
	Import ImportFilter
	S3     S3API
	Stdin  io.Reader
	// MaxBytes bounds each state and log read, after decompression
	// (objstore.DefaultMaxBytes when 0).
	MaxBytes int64
	Now      time.Time
	Logger   *slog.Logger
}

// Formats Run writes.
var Formats = []string{"table", "json", "imports"}

// Validate names the missing or bad option.
func (o *RunOptions) Validate() error {
	switch {
	case o.Source == nil:
		return errors.New("iac: no resource source (--source demo|aws|file:PATH|config:PATH)")
	case len(o.States) == 0 && len(o.Stacks) == 0 && !o.DemoStates:
		return errors.New("iac: no state to compare with (--state PATH|GLOB|s3://BUCKET/KEY, repeatable)")
	case o.Now.IsZero():
		return errors.New("iac: now is not set")
	}
	for _, f := range Formats {
		if o.Format == f {
			return nil
		}
	}
	return fmt.Errorf("iac: unknown format %q (valid: %s)", o.Format, strings.Join(Formats, ", "))
}

// Outcome is what Run found: the result, the bad inputs that were reported
// and skipped, and the findings.
type Outcome struct {
	Result   *Result
	Problems []error
	Findings []finding.Finding
}

// Run collects resources, reads states, stacks and creators, attributes
// them and writes the report in the chosen format. Bad states are reported
// in the output and in Outcome.Problems, and the others still count.
func Run(ctx context.Context, o RunOptions, w io.Writer) (*Outcome, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	col, err := o.Source.Collect(ctx, inventory.NoProgress{})
	if err != nil {
		return nil, fmt.Errorf("collect %s: %w", o.Source.Name(), err)
	}
	out, err := Enrich(ctx, o, col)
	if err != nil {
		return nil, err
	}
	return out, render(w, o, out)
}

// Enrich reads the states, stacks and trail logs o names, sets ManagedBy
// (and Creator, where trails say) on col's resources in place, and returns
// the attribution and its findings. o.Source and o.Format are not used, so
// a scan can call it between collection and policy evaluation.
func Enrich(ctx context.Context, o RunOptions, col *inventory.Collection) (*Outcome, error) {
	if o.Now.IsZero() {
		return nil, errors.New("iac: now is not set")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "iac")
	var ig *Ignore
	if o.IgnoreFile != "" {
		data, err := objstore.ReadFile(ctx, o.IgnoreFile, o.MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("ignore file: %w", err)
		}
		if ig, err = ParseIgnore(o.IgnoreFile, data); err != nil {
			return nil, fmt.Errorf("ignore file: %w", err)
		}
	}
	loaded, err := LoadStates(ctx, o.States, o.S3, o.Stdin, o.MaxBytes, log)
	if err != nil {
		return nil, err
	}
	problems := loaded.Errors
	if o.DemoStates {
		files := DemoStates(col.Resources)
		for _, name := range slices.Sorted(maps.Keys(files)) {
			st, err := ParseState("demo/"+name, files[name])
			if err != nil {
				return nil, fmt.Errorf("demo state: %w", err)
			}
			loaded.States = append(loaded.States, st)
		}
	}
	in := Inputs{Resources: col.Resources, Coverage: col.Coverage, States: loaded.States, Gaps: loaded.Gaps}
	// One client per account x region: read them side by side, since each
	// has its own quota, and keep their results in the order given.
	stackRes := make([][]Stack, len(o.Stacks))
	stackErr := make([]error, len(o.Stacks))
	each(len(o.Stacks), func(i int) { stackRes[i], stackErr[i] = LoadStacks(ctx, o.Stacks[i]) })
	for i, err := range stackErr {
		if err != nil {
			src := clientLabel("cloudformation", i, o.Stacks[i])
			log.Warn("stacks not read", "client", src, "err", err)
			in.Gaps = append(in.Gaps, Gap{Source: src, Error: err.Error()})
			continue
		}
		in.Stacks = append(in.Stacks, stackRes[i]...)
	}
	events, errs := LoadTrailLogs(ctx, o.TrailLogs, o.S3, o.MaxBytes)
	problems = append(problems, errs...)
	if o.DemoTrail {
		evs, err := ParseTrailLog(DemoTrailLogName, DemoTrailLog(col.Resources))
		if err != nil {
			return nil, fmt.Errorf("demo trail log: %w", err)
		}
		events = append(events, evs...)
	}
	if len(o.Trails) > 0 {
		names := CreationEventNames(typesOf(col.Resources))
		evRes := make([][]Event, len(o.Trails))
		evErr := make([]error, len(o.Trails))
		each(len(o.Trails), func(i int) {
			evRes[i], evErr[i] = LookupCreations(ctx, o.Trails[i], names, o.Now.Add(-LookupWindow), o.Now)
		})
		for i, err := range evErr {
			if err != nil {
				problems = append(problems, fmt.Errorf("%s: %w", clientLabel("cloudtrail", i, o.Trails[i]), err))
				continue
			}
			events = append(events, evRes[i]...)
		}
	}
	if len(o.Trails) > 0 || len(o.TrailLogs) > 0 || o.DemoTrail {
		SetCreators(col.Resources, events, o.Now, LookupWindow)
	}
	// Problems are reported once, by the caller (Unread), not logged here.
	res := Attribute(in, Options{IncludeDefaults: o.IncludeDefaults, Ignore: ig, Now: o.Now})
	out := &Outcome{Result: res, Problems: problems}
	if len(o.States) > 0 || len(o.Stacks) > 0 || o.DemoStates {
		// With no state or stack named, nothing says what code manages:
		// trail logs alone set creators and make no finding.
		out.Findings = Findings(res, o.Lang)
	}
	return out, nil
}

// clientLimit bounds the account x region clients read at once.
const clientLimit = 8

// each runs f(0..n-1), at most clientLimit at a time.
func each(n int, f func(i int)) {
	sem := make(chan struct{}, clientLimit)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

// clientLabel names a client in gaps and errors: its account and region
// when it says them (fmt.Stringer), else its position.
func clientLabel(service string, i int, c any) string {
	if s, ok := c.(fmt.Stringer); ok {
		return service + " " + s.String()
	}
	return fmt.Sprintf("%s #%d", service, i+1)
}

// render writes an Outcome in o.Format.
func render(w io.Writer, o RunOptions, out *Outcome) error {
	res, problems := out.Result, out.Problems
	var err error
	switch o.Format {
	case "json":
		err = WriteJSON(w, res, problems)
	case "imports":
		_, err = WriteImports(w, res.Unmanaged, o.Import)
	default:
		err = WriteTable(w, res, problems, o.Width, o.Lang)
	}
	return err
}

func typesOf(rs []inventory.Resource) []string {
	seen := map[string]bool{}
	var out []string
	for i := range rs {
		if !seen[rs[i].Type] {
			seen[rs[i].Type] = true
			out = append(out, rs[i].Type)
		}
	}
	return out
}

// jsonReport is the --format json document.
type jsonReport struct {
	// Coverage is managed / (managed + unmanaged + missing), in percent.
	Coverage   float64        `json:"coverage"`
	Partial    bool           `json:"partial"`
	Total      Ratio          `json:"total"`
	ByAccount  []Ratio        `json:"by_account"`
	BySystem   []Ratio        `json:"by_system"`
	ByType     []Ratio        `json:"by_type"`
	Managed    []Entry        `json:"managed"`
	Unmanaged  []Entry        `json:"unmanaged"`
	Missing    []Entry        `json:"missing"`
	Attributed []Entry        `json:"attributed"`
	Duplicates []Duplicate    `json:"duplicates"`
	Unchecked  map[string]int `json:"unchecked"`
	Untracked  map[string]int `json:"untracked"`
	Excluded   int            `json:"excluded_defaults"`
	Ignored    int            `json:"ignored"`
	Gaps       []Gap          `json:"gaps"`
	Errors     []string       `json:"errors"`
}

// WriteJSON writes the result as one JSON document. Lists are [] rather
// than null when empty, so readers need no special case.
func WriteJSON(w io.Writer, res *Result, problems []error) error {
	rep := jsonReport{
		Coverage: res.Total.Percent, Partial: res.Partial(), Total: res.Total,
		ByAccount: nonNil(res.ByAccount), BySystem: nonNil(res.BySystem), ByType: nonNil(res.ByType),
		Managed: nonNil(res.Managed), Unmanaged: nonNil(res.Unmanaged), Missing: nonNil(res.Missing),
		Attributed: nonNil(res.Attributed), Duplicates: nonNil(res.Duplicates),
		Unchecked: res.Unchecked, Untracked: res.Untracked, Excluded: res.Excluded, Ignored: res.Ignored,
		Gaps: nonNil(res.Gaps), Errors: []string{},
	}
	for _, p := range problems {
		rep.Errors = append(rep.Errors, p.Error())
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write iac json: %w", err)
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// WriteTable writes the result for people: coverage, then what to act on.
// Tables go through package table (alignment, widths, escaping of names
// and tags that come from the account); width fits them to a terminal,
// 0 leaves lines whole.
func WriteTable(w io.Writer, res *Result, problems []error, width int, lang i18n.Lang) error {
	ew := &errWriter{w: w}
	line := func(format string, a ...any) {
		io.WriteString(ew, table.Wrap(table.Terminal(fmt.Sprintf(format, a...)), width, "  ")+"\n")
	}
	render := func(t *table.Table) {
		if ew.err == nil {
			_ = table.Render(ew, table.FormatTable, t, table.Options{Width: width}) // errWriter keeps the error
		}
	}
	io.WriteString(ew, table.Wrap(table.Terminal(lang.T("iac.coverage", ratioText(res.Total, lang))), width, "  ")+"\n")
	if res.Partial() {
		io.WriteString(ew, table.Wrap(lang.T("iac.partial", len(res.Gaps)), width, "  ")+"\n")
	}
	for _, g := range []struct {
		title string
		rows  []Ratio
	}{{lang.T("col.account"), res.ByAccount}, {lang.T("col.system"), res.BySystem}, {lang.T("col.type"), res.ByType}} {
		io.WriteString(ew, "\n")
		cols := []table.Column{{Title: g.title, Shrink: 1, Min: 16}, {Title: lang.T("col.managed"), Number: true}, {Title: lang.T("col.unmanaged"), Number: true},
			{Title: lang.T("col.missing"), Number: true}, {Title: lang.T("col.coverage"), Number: true}}
		rows := make([][]string, len(g.rows))
		for i, r := range g.rows {
			key := r.Key
			if key == noneKey {
				key = lang.T("iac.none")
			}
			rows[i] = []string{key, strconv.Itoa(r.Managed), strconv.Itoa(r.Unmanaged), strconv.Itoa(r.Missing), fmt.Sprintf("%.1f%%", r.Percent)}
		}
		render(table.Rows("", cols, rows))
	}
	if len(res.Unmanaged) > 0 {
		io.WriteString(ew, "\n")
		// The ARN says which resource and who made it is what this table
		// is read for: on a narrow terminal the tags give up width first,
		// then the ARN; the tags are left out first, then the creator.
		cols := []table.Column{{Title: "ARN", Shrink: 2, Min: 40}, {Title: lang.T("col.creator"), Shrink: 3, Min: 12, Drop: 2}, {Title: lang.T("col.via"), Drop: 3},
			{Title: lang.T("col.age"), Number: true}, {Title: lang.T("col.tags"), Shrink: 1, Min: 12, Drop: 1}, {Title: lang.T("col.costmo"), Number: true}}
		rows := make([][]string, len(res.Unmanaged))
		for i, e := range res.Unmanaged {
			who, via := "-", "-"
			if e.Creator != nil {
				via = e.Creator.Via
				if e.Creator.Principal != "" {
					who = shortPrincipal(e.Creator.Principal, e.Account)
				}
			}
			age := "-"
			if !e.Created.IsZero() {
				age = lang.T("iac.age", e.AgeDays)
			}
			cost := "-"
			if e.MonthlyCost > 0 {
				// Inventory estimates are list prices, in US dollars.
				cost = money.FormatFloat(e.MonthlyCost, money.USD)
			}
			rows[i] = []string{e.ARN, who, via, age, tagSummary(e.Tags, lang), cost}
		}
		render(table.Rows(lang.T("iac.unmanaged", len(res.Unmanaged)), cols, rows))
	}
	if len(res.Missing) > 0 {
		io.WriteString(ew, "\n")
		cols := []table.Column{{Title: lang.T("col.address"), Shrink: 2, Min: 20}, {Title: lang.T("col.state"), Shrink: 3, Min: 12, Drop: 1}, {Title: "ARN", Shrink: 1, Min: 24}}
		rows := make([][]string, len(res.Missing))
		for i, e := range res.Missing {
			rows[i] = []string{e.Address, e.StateFile, e.ARN}
		}
		render(table.Rows(lang.T("iac.missing", len(res.Missing)), cols, rows))
	}
	if len(res.Duplicates) > 0 {
		io.WriteString(ew, "\n")
		line("%s", lang.T("iac.duplicates", len(res.Duplicates)))
		for _, d := range res.Duplicates {
			line("  %s", d.ARN)
			for _, p := range d.Places {
				line("    %s  %s", p.StateFile, p.Address)
			}
		}
	}
	var notes []string
	if n := len(res.Attributed); n > 0 {
		notes = append(notes, lang.T("iac.note.attributed", n))
	}
	if res.Excluded > 0 {
		notes = append(notes, lang.T("iac.note.excluded", res.Excluded))
	}
	if res.Ignored > 0 {
		notes = append(notes, lang.T("iac.note.ignored", res.Ignored))
	}
	if s := countSummary(res.Unchecked); s != "" {
		notes = append(notes, lang.T("iac.note.unchecked", s))
	}
	if s := countSummary(res.Untracked); s != "" {
		notes = append(notes, lang.T("iac.note.untracked", s))
	}
	if len(notes) > 0 {
		io.WriteString(ew, "\n")
		for _, n := range notes {
			line("%s", lang.T("iac.note", n))
		}
	}
	if len(res.Gaps) > 0 || len(problems) > 0 {
		io.WriteString(ew, "\n")
		for _, g := range res.Gaps {
			line("%s", lang.T("iac.notread", g.Source, g.Error))
		}
		for _, p := range problems {
			if !isGap(res.Gaps, p) {
				line("%s", lang.T("iac.skipped", p))
			}
		}
	}
	return ew.err
}

// ratioText is Ratio.String in the table's language.
func ratioText(r Ratio, lang i18n.Lang) string {
	return lang.T("iac.ratio", r.Percent, r.Managed, r.Unmanaged, r.Missing)
}

func isGap(gaps []Gap, p error) bool {
	for _, g := range gaps {
		if g.String() == p.Error() || g.Error == p.Error() {
			return true
		}
	}
	return false
}

// Unread lists each input that could not be read or was skipped, once:
// a state that is a gap is also a problem, and must not be told twice.
func (o *Outcome) Unread() []string {
	var out []string
	for _, g := range o.Result.Gaps {
		out = append(out, g.String())
	}
	for _, p := range o.Problems {
		if !isGap(o.Result.Gaps, p) {
			out = append(out, p.Error())
		}
	}
	return out
}

// shortPrincipal is a principal as the table shows it: without the
// "arn:aws:iam::ACCOUNT:" of the resource's own account (user/sato,
// assumed-role/terraform-apply/github-actions, root), so the name shows
// on a terminal; a principal of another account stays whole.
func shortPrincipal(p, account string) string {
	for _, svc := range []string{"iam", "sts"} {
		if rest, ok := strings.CutPrefix(p, "arn:aws:"+svc+"::"+account+":"); ok && account != "" && rest != "" {
			return rest
		}
	}
	return p
}

func tagSummary(tags map[string]string, lang i18n.Lang) string {
	var parts []string
	for _, k := range []string{"system", "env", "owner"} {
		if v := tagFold(tags, k); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		if len(tags) == 0 {
			return lang.T("iac.none")
		}
		return lang.N("iac.tags", len(tags))
	}
	return strings.Join(parts, ",")
}

func countSummary(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// errWriter keeps the first write error, so rendering code stays readable.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = fmt.Errorf("write iac report: %w", err)
	}
	return n, err
}
