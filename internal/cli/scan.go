package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/collect/awsconfig"
	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/collect/snapshot"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/framework"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/owner"
	"github.com/steward-sre/steward/internal/policy"
	"github.com/steward-sre/steward/internal/report"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
)

// OutputFlags are how a command prints findings.
type OutputFlags struct {
	Format  string `help:"Output: ${formats}." default:"table" short:"f" enum:"table,json,csv,sarif,markdown"`
	GroupBy string `help:"Group the table by category, severity, policy, owner, system, env or account." default:"category" enum:"category,severity,policy,owner,system,env,account"`
	FailOn  string `help:"Exit 1 when a finding is at or above this severity (info, low, medium, high, critical)." placeholder:"SEVERITY" enum:",info,low,medium,high,critical" default:""`
	Wide    bool   `help:"On a terminal, print the full table, one line per finding (as piped output always is) instead of fitting it to the width."`
	Limit   int    `help:"List at most N findings, worst first; the rest are counted. Default: all (Markdown: 10); --limit=-1 lists all in Markdown too." placeholder:"N"`
}

// IaCFlags name the IaC inputs a scan reads to say who manages each
// resource.
type IaCFlags struct {
	State    []string `help:"Terraform/OpenTofu state to learn which resources code manages: a file, a glob, s3://bucket/key or prefix. Repeatable." placeholder:"PATH" group:"IaC"`
	TrailLog []string `help:"CloudTrail log files (local or s3://) to learn who created what. Repeatable." name:"trail-log" placeholder:"PATH" group:"IaC"`
	Ignore   string   `help:"An ignore file in .driftignore syntax for IaC findings." placeholder:"FILE" type:"path" group:"IaC"`
}

// ScanCmd collects, evaluates, stores and reports.
type ScanCmd struct {
	Source string `help:"Where resources come from: demo, aws, file:scan.jsonl (a saved scan), config:PATH (AWS Config snapshot files)." default:"aws" short:"s"`
	OutputFlags
	IaCFlags
	Out       string `help:"Also write the scan's resources to this file (JSON Lines), to scan again later with --source file:PATH." placeholder:"FILE"`
	NoStore   bool   `help:"Do not keep the scan in the store."`
	Framework string `help:"Also judge the scan by a control framework: fsbp (AWS Foundational Security Best Practices) or cis (CIS AWS Foundations v3.0): each control passed, failed, not applicable or not checked, and a score. With csv, only the controls are written." enum:",fsbp,cis" default:"" placeholder:"ID"`
}

// Run runs the scan command.
func (c *ScanCmd) Run(ctx context.Context, r *runner) error {
	defer tuneGC(os.Getenv, scanGCPercent, scanMemLimit)()
	if os.Getenv("GOMEMLIMIT") == "" {
		defer followLive(scanMemLimit, 250*time.Millisecond)()
	}
	return r.scanAndReport(ctx, c.Source, c.OutputFlags, c.IaCFlags, c.Out, c.NoStore, c.Framework)
}

// DemoCmd is scan --source demo.
type DemoCmd struct {
	OutputFlags
	Out       string `help:"Also write the demo estate to this file (JSON Lines)." placeholder:"FILE"`
	NoStore   bool   `help:"Do not keep the scan in the store."`
	Framework string `help:"Also judge the scan by a control framework: fsbp or cis (see steward scan --help)." enum:",fsbp,cis" default:"" placeholder:"ID"`
}

// Run runs the demo. With the store, the demo's delivery history is kept
// too, so `steward dora` shows its Four Keys next.
func (c *DemoCmd) Run(ctx context.Context, r *runner) error {
	if !c.NoStore {
		if err := r.saveDemoDelivery(ctx); err != nil {
			return err
		}
	}
	return r.scanAndReport(ctx, "demo", c.OutputFlags, IaCFlags{}, c.Out, c.NoStore, c.Framework)
}

func (r *runner) saveDemoDelivery(ctx context.Context) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SaveDelivery(ctx, demoDelivery(r.env.Now())); err != nil {
		return err
	}
	return r.saveDemoLeases(ctx, st)
}

func (r *runner) scanAndReport(ctx context.Context, sourceSpec string, out OutputFlags, iacFlags IaCFlags, outFile string, noStore bool, frameworkID string) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	failOn, err := parseFailOn(out.FailOn)
	if err != nil {
		return err
	}
	var fw *framework.Framework
	if frameworkID != "" {
		if out.Format == report.FormatSARIF {
			return usageError{i18n.Say("cli.err.framework.sarif").Err()}
		}
		if fw, err = framework.Get(frameworkID); err != nil {
			return usagef("--framework: %w", err)
		}
	}
	src, err := r.source(ctx, sourceSpec, cfg)
	if err != nil {
		return err
	}
	eng, err := r.engine(ctx, cfg)
	if err != nil {
		return err
	}
	opts := scan.Options{Source: src, Evaluator: eng, Now: r.env.Now, Logger: r.log, Currency: cfg.Currency.Code, Rate: cfg.Currency.Rate,
		// Only --out and --framework read the resources after the scan:
		// without them the estate goes once saved and evaluated.
		KeepResources: outFile != "" || fw != nil}
	opts.Enrichers = append(opts.Enrichers, scheduleEnricher{cfg: cfg})
	if len(iacFlags.State) > 0 || len(iacFlags.TrailLog) > 0 || src.Name() == "demo" {
		e, err := r.iacEnricher(ctx, iacFlags, src, cfg)
		if err != nil {
			return err
		}
		opts.Enrichers = append(opts.Enrichers, e)
	}
	var st store.Store
	if !noStore {
		st, err = r.openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer st.Close()
		opts.Saver = st
	}
	prog := report.NewProgress(r.env.Stderr, r.isTTY(r.env.Stderr), r.env.Now, "scan")
	prog.Lang = r.lang
	opts.Progress = prog
	res, err := scan.Run(ctx, opts)
	prog.Finish()
	if err != nil {
		var ie *scan.InputError
		if errors.As(err, &ie) {
			return usageError{err}
		}
		return err
	}
	if outFile != "" {
		if err := snapshot.WriteFile(outFile, res.Scan, res.Resources); err != nil {
			return fmt.Errorf("write scan file: %w", err)
		}
	}
	var changes *report.Changes
	if st != nil {
		// Counted by the store: a big scan's summary reads no finding back.
		since, err := store.CountSince(ctx, st, res.Scan.ID)
		if err != nil {
			return fmt.Errorf("compare with the previous scan: %w", err)
		}
		changes = &report.Changes{New: since.New, Resolved: since.Resolved}
		if since.Previous != nil {
			changes.Previous = since.Previous.ID
		}
	}
	if fw != nil {
		if err := r.renderFramework(ctx, out, cfg, fw, res, eng.Policies(), changes); err != nil {
			return err
		}
	} else if err := r.render(out, cfg, res.Scan, res.Findings(), eng.Policies(), changes, ""); err != nil {
		return err
	}
	if n := res.Newer; n != nil {
		fmt.Fprintf(r.env.Stderr, "steward: scan %s started at %s, before scan %s (started %s), which was saved while this one ran: this scan is kept in history and `steward findings` shows %s\n",
			res.Scan.ID, res.Scan.Started.UTC().Format(stampMilli), n.ID, n.Started.UTC().Format(stampMilli), n.ID)
	}
	return gate(res.Scan, res.Findings(), failOn, out.FailOn, r.lang)
}

// stampMilli shows scan starts to the millisecond: overlapping scans often
// start within the same second.
const stampMilli = "2006-01-02T15:04:05.000Z07:00"

// gate maps a finished scan to its exit code: findings at or above
// --fail-on win over gaps, since they are a certain failure while a gap
// only means the answer may be incomplete.
func gate(s *inventory.Scan, fs []finding.Finding, failOn *finding.Severity, failOnName string, lang i18n.Lang) error {
	if failOn != nil && report.ExceedsThreshold(fs, *failOn) {
		n := 0
		for _, f := range fs {
			if f.Severity >= *failOn {
				n++
			}
		}
		return exitError{ExitFindings, lang.T("cli.failon", n, failOnName)}
	}
	if !s.Complete() {
		gaps := s.Gaps()
		return exitError{ExitIncomplete, lang.T("cli.incomplete", len(gaps), len(s.Coverage))}
	}
	return nil
}

func parseFailOn(s string) (*finding.Severity, error) {
	if s == "" {
		return nil, nil
	}
	sev, err := finding.ParseSeverity(s)
	if err != nil {
		return nil, usagef("--fail-on: %w", err)
	}
	return &sev, nil
}

// reportChanges is what the report says of the findings since the
// previous complete scan.
func reportChanges(s store.Since) *report.Changes {
	c := &report.Changes{New: len(s.New), Resolved: len(s.Resolved)}
	if s.Previous != nil {
		c.Previous = s.Previous.ID
	}
	return c
}

func (r *runner) render(out OutputFlags, cfg *config.Config, s *inventory.Scan, fs []finding.Finding, ps []*policy.Policy, changes *report.Changes, listing string) error {
	return r.renderReport(out, r.newReport(out, cfg, s, fs, ps, changes, listing))
}

func (r *runner) newReport(out OutputFlags, cfg *config.Config, s *inventory.Scan, fs []finding.Finding, ps []*policy.Policy, changes *report.Changes, listing string) *report.Report {
	return &report.Report{
		Scan:        s,
		Findings:    fs,
		Policies:    policyInfos(ps, r.lang),
		Currency:    cfg.Currency.Code,
		Rate:        cfg.Currency.Rate,
		GroupBy:     out.GroupBy,
		Generated:   r.env.Now().UTC(),
		ToolVersion: versionString(),
		Lang:        r.lang,
		Changes:     changes,
		Listing:     listing,
		Limit:       out.Limit,
	}
}

func (r *runner) renderReport(out OutputFlags, rep *report.Report) error {
	tty, width := r.env.IsTTY(r.env.Stdout)
	return report.Render(r.env.Stdout, out.Format, rep, report.Options{TTY: tty, Width: width, NoColor: r.g.NoColor, Wide: out.Wide})
}

func policyInfos(ps []*policy.Policy, lang i18n.Lang) []report.PolicyInfo {
	infos := make([]report.PolicyInfo, 0, len(ps))
	for _, p := range ps {
		text := p.In(lang)
		infos = append(infos, report.PolicyInfo{
			ID: p.ID, Title: text.Title, Description: text.Description, Category: p.Category,
			Severity: p.Severity, Remediation: text.Remediation, References: p.References,
		})
	}
	return infos
}

// tableWidth is the width tables are fitted to: the terminal's when
// stdout is one, else 0, so piped output is never cut or wrapped.
func (r *runner) tableWidth() int {
	tty, width := r.env.IsTTY(r.env.Stdout)
	switch {
	case !tty:
		return 0
	case width <= 0:
		return 100
	}
	return width
}

func (r *runner) isTTY(w io.Writer) bool {
	tty, _ := r.env.IsTTY(w)
	return tty
}

// config loads --config, else ./steward.yaml when present, else defaults.
func (r *runner) config(ctx context.Context) (*config.Config, error) {
	path := r.g.Config
	if path == "" {
		if _, err := os.Stat("steward.yaml"); err == nil {
			path = "steward.yaml"
		}
	}
	r.cfgPath = path
	c := config.Default()
	if path != "" {
		var err error
		if c, err = config.Load(ctx, path); err != nil {
			// The error is said in the language the file asks for when
			// that much of it can be read; --lang and STEWARD_LANG still win.
			if lang, lerr := r.selectLang(config.FileLang(ctx, path)); lerr == nil {
				r.lang = lang
			}
			return nil, usageError{err}
		}
	}
	lang, err := r.selectLang(c.Lang)
	if err != nil {
		return nil, err
	}
	r.lang = lang
	return c, nil
}

func (r *runner) openStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	dsn, err := storeDSN(r.g.Store, cfg)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, dsn, r.log)
	if err != nil {
		if errors.Is(err, store.ErrNotSupported) {
			return nil, usageError{err}
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// openStoreForReading opens the store for a command that never writes, so
// that it works on a store this user may only read. The error wraps
// store.ErrNotFound when nothing was ever saved there.
func (r *runner) openStoreForReading(ctx context.Context, cfg *config.Config) (store.Store, error) {
	dsn, err := storeDSN(r.g.Store, cfg)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenReadOnly(ctx, dsn, r.log)
	if err != nil {
		if errors.Is(err, store.ErrNotSupported) {
			return nil, usageError{err}
		}
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// storeDSN is --store, else the config's store, else the default path.
func storeDSN(flag string, cfg *config.Config) (string, error) {
	switch {
	case flag != "":
		return flag, nil
	case cfg.Store != "":
		return cfg.Store, nil
	}
	p, err := store.DefaultPath()
	if err != nil {
		return "", fmt.Errorf("find a place for the store (set --store or STEWARD_STORE): %w", err)
	}
	return p, nil
}

// ParseSource splits a --source value into its kind and path.
func ParseSource(s string) (kind, path string, err error) {
	switch {
	case s == "demo" || s == "aws":
		return s, "", nil
	case strings.HasPrefix(s, "file:"), strings.HasPrefix(s, "config:"):
		kind, path, _ = strings.Cut(s, ":")
		if path == "" {
			return "", "", usageError{i18n.Say("cli.err.source.path", s, kind).Err()}
		}
		return kind, path, nil
	}
	return "", "", usageError{i18n.Say("cli.err.source", s).Err()}
}

func (r *runner) source(ctx context.Context, spec string, cfg *config.Config) (inventory.Source, error) {
	kind, path, err := ParseSource(spec)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "demo":
		return demo.New(r.env.Now().UTC()), nil
	case "file":
		if _, err := os.Stat(path); err != nil {
			return nil, usagef("--source %s: %w", spec, unwrapPathError(err))
		}
		max, err := r.g.maxInput()
		if err != nil {
			return nil, err
		}
		return inputSource{snapshot.NewSource(path, max)}, nil
	case "config":
		if _, err := os.Stat(path); err != nil {
			return nil, usagef("--source %s: %w", spec, unwrapPathError(err))
		}
		max, err := r.g.maxInput()
		if err != nil {
			return nil, err
		}
		return inputSource{awsconfig.NewSource(path, max, r.log)}, nil
	default: // aws
		return r.awsSource(ctx, cfg)
	}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return i18n.Say("cli.err.nofile", pe.Path).Err()
		}
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// inputSource marks every collection error of a file source as bad input:
// a file that does not parse is the user's to fix (exit 2), not a failure.
type inputSource struct{ inventory.Source }

func (s inputSource) Collect(ctx context.Context, p inventory.Progress) (*inventory.Collection, error) {
	c, err := s.Source.Collect(ctx, p)
	if err != nil && ctx.Err() == nil {
		return nil, &scan.InputError{Err: err}
	}
	return c, err
}

func (r *runner) engine(ctx context.Context, cfg *config.Config) (*policy.Engine, error) {
	ps, err := policy.Load(ctx, cfg.Policies.Paths, !cfg.Policies.NoBuiltin)
	if err != nil {
		return nil, usageError{err}
	}
	eng, err := policy.Compile(ps, policyOptions(cfg, r))
	if err != nil {
		return nil, policyError(cfg, err)
	}
	return eng, nil
}

// policies is the policies the engine would run, for a command that shows
// their texts (titles, remediation) and runs none: their expressions are
// not compiled.
func (r *runner) policies(ctx context.Context, cfg *config.Config) ([]*policy.Policy, error) {
	ps, err := policy.Load(ctx, cfg.Policies.Paths, !cfg.Policies.NoBuiltin)
	if err != nil {
		return nil, usageError{err}
	}
	ps, err = policy.Select(ps, policyOptions(cfg, r))
	if err != nil {
		return nil, policyError(cfg, err)
	}
	return ps, nil
}

// policyError is bad input: the configuration's policy options, named by
// their field, or the user's policy files.
func policyError(cfg *config.Config, err error) error {
	if oe := (*policy.OptionError)(nil); errors.As(err, &oe) && cfg.File() != nil {
		return usageError{cfg.File().Wrap(oe.Field, oe.Err)}
	}
	// Policies are the user's files: one that does not compile is bad input.
	return usageError{err}
}

// scheduleEnricher reports, as findings, the resources whose schedule
// steward cannot tell (a tag Cloud Custodian would reject too), so that
// none is left running around the clock unnoticed.
type scheduleEnricher struct {
	cfg *config.Config
}

func (e scheduleEnricher) Enrich(_ context.Context, c *inventory.Collection) ([]finding.Finding, error) {
	keys := owner.Keys{Owner: e.cfg.Tags.OwnerKey, System: e.cfg.Tags.SystemKey, Env: e.cfg.Tags.EnvKey}
	return action.ScheduleFindings(c.Resources, e.cfg.ScheduleResolver(), keys), nil
}
