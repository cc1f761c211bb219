// Package cli owns steward's command line: the commands and flags, parsing
// them, wiring config, sources, policies, store and reports for each
// command, and mapping outcomes to exit codes. It holds no domain logic:
// every command calls into the packages that own the work.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/dustin/go-humanize"

	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/objstore"
	"github.com/steward-sre/steward/internal/quote"
	"github.com/steward-sre/steward/internal/yamlfile"

	"github.com/steward-sre/steward/internal/i18n"
)

// Exit codes. Scripts and CI gates rely on them.
const (
	ExitOK          = 0 // done, nothing at or above --fail-on
	ExitFindings    = 1 // findings at or above --fail-on
	ExitUsage       = 2 // bad input: flags, config, policy files, snapshot files
	ExitIncomplete  = 3 // the scan has coverage gaps
	ExitFailure     = 4 // steward itself failed (store, I/O)
	ExitInterrupted = 130
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3"
// (the Makefile's release target does); when it is not, versionString falls
// back to what the Go toolchain recorded, so `go install ...@v1.2.3` reports
// v1.2.3 too.
var Version = ""

// Env is what a command may touch of the outside world. Tests fill it
// with buffers and a fixed clock.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	// IsTTY says whether a writer is a terminal.
	IsTTY func(w io.Writer) (tty bool, width int)
}

// Globals are the flags every command takes.
type Globals struct {
	Store    string `help:"Database: a SQLite file path (default: steward.db in your data directory), or a PostgreSQL DSN postgres://user:password@host/db." env:"STEWARD_STORE" placeholder:"PATH|DSN"`
	Config   string `help:"steward.yaml to use (default: ./steward.yaml when present, else built-in defaults)." env:"STEWARD_CONFIG" short:"c" placeholder:"FILE"`
	LogLevel string `help:"Log level on stderr: debug, info, warn, error." default:"warn" enum:"debug,info,warn,error" env:"STEWARD_LOG_LEVEL"`
	// NO_COLOR is read by hand: the convention is "any non-empty value",
	// which a bool flag's env parsing would reject for NO_COLOR=yes.
	NoColor bool `help:"No colours in tables, even on a terminal (also when NO_COLOR is set)."`
	// MaxInput bounds each input file: memory must not depend on what a
	// file (or a gzip bomb) claims to hold.
	MaxInput string `help:"Largest input file steward reads, counted after decompression: saved scans, AWS Config files, Terraform states, trail logs (e.g. 1GiB)." default:"256MiB" env:"STEWARD_MAX_INPUT" placeholder:"SIZE"`
	// Lang is read with STEWARD_LANG by i18n.Select, not by an env: tag,
	// so the order flag, STEWARD_LANG, steward.yaml, locale is one place.
	Lang string `help:"Language of output for people: en or ja (else STEWARD_LANG, then lang: in steward.yaml, then LC_ALL/LC_MESSAGES/LANG; default en). JSON keys, CSV headers and policy ids stay English." placeholder:"LANG"`
}

// maxInput is --max-input in bytes.
func (g *Globals) maxInput() (int64, error) {
	if g.MaxInput == "" {
		return objstore.DefaultMaxBytes, nil
	}
	n, err := humanize.ParseBytes(g.MaxInput)
	if err != nil || n == 0 || n > math.MaxInt64 {
		return 0, usageError{i18n.Say("cli.err.maxinput", quote.Value(g.MaxInput)).Err()}
	}
	return int64(n), nil
}

// CLI is the command tree.
type CLI struct {
	Globals

	Demo      DemoCmd      `cmd:"" help:"Scan a built-in synthetic estate (no AWS account needed) and print the report."`
	Token     TokenCmd     `cmd:"" help:"API tokens for machines that call steward serve."`
	Serve     ServeCmd     `cmd:"" help:"Serve the dashboard, API and health/metrics endpoints, and run scans, cost ingest and schedules on their intervals."`
	Scan      ScanCmd      `cmd:"" help:"Collect resources from a source, evaluate policies, store and report."`
	Findings  FindingsCmd  `cmd:"" help:"Print the findings of the latest scan in the store."`
	History   HistoryCmd   `cmd:"" help:"Show when a resource appeared, changed and disappeared."`
	Policy    PolicyCmd    `cmd:"" help:"List, show, write and test policies."`
	Explain   ExplainCmd   `cmd:"" help:"Explain a policy: what it checks, why it matters, how to fix it, its parameters and CEL."`
	Framework FrameworkCmd `cmd:"" name:"frameworks" help:"Security frameworks (FSBP, CIS): list them, or show each control and how steward checks it."`
	Cost      CostCmd      `cmd:"" help:"Cost from billing exports: by system, env and owner; waste priced; anomalies; budgets."`
	Schedule  ScheduleCmd  `cmd:"" help:"Off-hours schedules: evaluate a tag or a named schedule, preview the days ahead, list them."`
	Dora      DoraCmd      `cmd:"" help:"The Four Keys (DORA) per service and team: deployment frequency, lead time, change failure rate, recovery time."`
	Deploy    DeployCmd    `cmd:"" help:"Record deployments."`
	Incident  IncidentCmd  `cmd:"" help:"Open and resolve incidents."`
	Env       EnvCmd       `cmd:"" help:"Environments and their leases: who uses qa3, for what, until when; compare stg with prod."`
	Plan      PlanCmd      `cmd:"" help:"Plan the changes the schedules want now (stop, start): print them, or save them for apply."`
	Apply     ApplyCmd     `cmd:"" help:"Make exactly the changes of a saved plan, after checking nothing changed since."`
	Journal   JournalCmd   `cmd:"" help:"List the changes steward made, with what each replaced."`
	Undo      UndoCmd      `cmd:"" help:"Undo a change of the journal: restore what it replaced."`
	Bastion   BastionCmd   `cmd:"" help:"Bastion on demand: scale the bastion ECS service to 1 for a while to reach a database, and back to 0."`
	Cleanup   CleanupCmd   `cmd:"" help:"Mark the leftovers policies flag (unattached volumes, unassociated Elastic IPs, old snapshots, idle load balancers) and plan their delete after the grace days, for steward apply."`
	IaC       IaCCmd       `cmd:"" name:"iac" help:"Show which resources Terraform or CloudFormation manage, who made the rest, and import blocks to bring them home."`
	ConfigCmd ConfigCmd    `cmd:"" name:"config" help:"Check steward.yaml."`
	StoreCmd  StoreCmd     `cmd:"" name:"store" help:"Look after the store: prune old scans by the retention setting."`
	IAMPolicy IAMPolicyCmd `cmd:"" name:"iam-policy" help:"Print the least-privilege, read-only IAM policy steward needs: the scan by default, or --feature cost,cost-explorer,iac, or --all."`
	Version   VersionCmd   `cmd:"" help:"Print steward's version."`

	ShowVersion kong.VersionFlag `name:"version" help:"Print steward's version and exit."`
}

// usageError marks bad input: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitError carries a non-zero exit code for an outcome that is not a
// failure of steward (findings above the gate, an incomplete scan).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// helpVars are the ${vars} of help tags, for kong and for their
// translations (helpIn).
var helpVars = kong.Vars{"formats": "table, json, csv, sarif, markdown"}

// Parse parses args into a CLI. It is pure: no command runs. Help and
// parse errors are written to env.Stdout/Stderr; exit is called for --help.
// Help is in the language of --lang, STEWARD_LANG or the locale (the
// lang: of steward.yaml is not read to print help).
func Parse(args []string, env Env, exit func(int)) (*CLI, *kong.Context, error) {
	var c CLI
	lang := parseLang(args, env)
	p, err := kong.New(&c,
		kong.Name("steward"),
		kong.Description(lang.T("help.app")),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.Help(helpIn(lang, helpWidth(env))),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(exit),
		helpVars.CloneWith(kong.Vars{"version": "steward " + versionString()}),
	)
	if err != nil {
		return nil, nil, err
	}
	kctx, err := p.Parse(args)
	if err != nil {
		return nil, nil, usageError{sayParseError(err)}
	}
	return &c, kctx, nil
}

// Main runs steward with args and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.IsTTY == nil {
		env.IsTTY = func(io.Writer) (bool, int) { return false, 0 }
	}
	exited := -1
	c, kctx, err := Parse(args, env, func(code int) { exited = code })
	if exited >= 0 {
		return exited
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "steward: %s\n", sayError(err, parseLang(args, env)))
		return ExitUsage
	}
	if env.Getenv("NO_COLOR") != "" {
		c.NoColor = true
	}
	logger := newLogger(env.Stderr, c.LogLevel)
	r := &runner{env: env, g: &c.Globals, log: logger}
	// The language before steward.yaml is read; config() settles it.
	if r.lang, err = r.selectLang(""); err != nil {
		fmt.Fprintf(env.Stderr, "steward: %v\n", err)
		return ExitUsage
	}
	// Commands take the invocation's context as their first parameter:
	// Run(ctx context.Context, r *runner) error.
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(r)
	return exitCode(ctx, env.Stderr, err, r.lang)
}

// parseLang is the language to say a command line kong refused in: the
// --lang among args (kong could not read them), else STEWARD_LANG and the
// locale; English when none is set or the one set is not spoken. The
// lang: of steward.yaml is not read for a command line that failed.
func parseLang(args []string, env Env) i18n.Lang {
	flag := ""
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--lang="); ok {
			flag = v
		} else if a == "--lang" && i+1 < len(args) {
			flag = args[i+1]
		}
	}
	l, err := i18n.Select(i18n.Settings{Flag: flag, Env: env.Getenv("STEWARD_LANG"), Getenv: env.Getenv})
	if err != nil {
		return i18n.EN
	}
	return l
}

// runner is what every command's Run receives.
type runner struct {
	env Env
	g   *Globals
	log *slog.Logger
	// cfgPath is the configuration file in use; empty for the defaults.
	cfgPath string
	// lang is the language of output for people.
	lang i18n.Lang
}

// selectLang picks the run's language from --lang, STEWARD_LANG, the
// configuration's lang and the locale, in that order.
func (r *runner) selectLang(configLang string) (i18n.Lang, error) {
	l, err := i18n.Select(i18n.Settings{Flag: r.g.Lang, Env: r.env.Getenv("STEWARD_LANG"), Config: configLang, Getenv: r.env.Getenv})
	if err != nil {
		return "", usageError{err}
	}
	return l, nil
}

// usage is a usage error whose message comes from the catalog.
func (r *runner) usage(key string, args ...any) error {
	return usageError{errors.New(r.lang.T(key, args...))}
}

func exitCode(ctx context.Context, stderr io.Writer, err error, lang i18n.Lang) int {
	if err == nil {
		return ExitOK
	}
	var ee exitError
	switch {
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintln(stderr, ee.msg)
		}
		return ee.code
	case ctx.Err() != nil && errors.Is(err, ctx.Err()), errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, lang.T("cli.interrupted"))
		return ExitInterrupted
	case badInput(err):
		fmt.Fprintf(stderr, "steward: %s\n", sayError(err, lang))
		return ExitUsage
	default:
		fmt.Fprintf(stderr, "steward: %s\n", sayError(err, lang))
		return ExitFailure
	}
}

// sayError is err's text for people in lang: each part of it that is a
// file's error (yamlfile.Error), says a catalog phrase, is context put
// before another error (i18n.Wrap) or is a file that is not there is put
// in lang where it stands, keeping the rest. Error() stays English for
// logs.
func sayError(err error, lang i18n.Lang) string {
	s := err.Error()
	if lang == i18n.EN {
		return s
	}
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		switch x := e.(type) {
		case *yamlfile.Error:
			s = strings.Replace(s, x.Error(), x.In(lang), 1)
			return
		case interface{ Phrase() i18n.Phrase }:
			s = strings.Replace(s, e.Error(), x.Phrase().In(lang), 1)
			return
		case interface{ Context() i18n.Phrase }:
			en := x.Context().In(i18n.EN) + ": "
			s = strings.Replace(s, e.Error(), x.Context().In(lang)+": "+strings.TrimPrefix(e.Error(), en), 1)
		case *fs.PathError:
			// A file that is not there, wherever it was named (a bill, a
			// state file, a policy folder): the system's words are English.
			if errors.Is(x.Err, fs.ErrNotExist) {
				s = strings.Replace(s, x.Error(), lang.T("cli.err.nofile", x.Path), 1)
				return
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c)
			}
		}
	}
	walk(err)
	return s
}

// badInput reports whether err is the user's to fix, by its type wherever
// it was made: a usageError, or a field of steward.yaml or a flag that a
// domain package refused (cost.FieldError). A store, disk or network
// failure (cost.StoreError, objstore.IOError) is steward's own: exit 4,
// even inside a usageError.
func badInput(err error) bool {
	var se *cost.StoreError
	var ie *objstore.IOError
	if errors.As(err, &se) || errors.As(err, &ie) {
		return false
	}
	var ue usageError
	var fe *cost.FieldError
	return errors.As(err, &ue) || errors.As(err, &fe)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(strings.ToUpper(level)))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// VersionCmd prints the version.
type VersionCmd struct{}

func (VersionCmd) Run(ctx context.Context, r *runner) error {
	_, err := fmt.Fprintf(r.env.Stdout, "steward %s\n", versionString())
	return err
}
