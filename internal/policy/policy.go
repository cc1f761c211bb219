package policy

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/quote"
	"github.com/steward-sre/steward/internal/yamlfile"
)

// Policy is one rule over resources, as loaded from a pack file.
type Policy struct {
	ID          string
	Title       string
	Description string
	// Types are the resource types the policy is evaluated on; a resource
	// of another type never meets it.
	Types    []string
	Severity finding.Severity
	Category finding.Category
	// Where is a CEL expression over r, params and now; the policy matches a
	// resource when it is true.
	Where string
	// Waste is an optional CEL expression giving the money recoverable per
	// month, in USD.
	Waste string
	// Message is the finding's text, with ${expression} interpolations.
	Message     string
	Remediation string
	// References are control ids: Security Hub FSBP (S3.8) and CIS AWS
	// Foundations (CIS 2.1.4) where one exists.
	References []string
	// Actions name the actions a person may take on a finding.
	Actions []string
	// Params are defaults that configuration may override.
	Params map[string]any
	// Translations are the policy's texts in other languages (the ja:
	// block of its YAML); the fields above are English.
	Translations map[i18n.Lang]Text

	Pack string
	File string
	Line int

	// Where each expression was written, for compile errors.
	pos map[string]srcPos
	// builtin marks the embedded packs: only their expressions are folded
	// at compile time (see foldConstants).
	builtin bool
}

// Text is what people read of a policy, in one language. Message has the
// same ${...} interpolations in every language.
type Text struct {
	Title       string
	Description string
	Message     string
	Remediation string
}

// In returns p's texts in lang; a text not translated is the English one.
func (p *Policy) In(lang i18n.Lang) Text {
	t := Text{Title: p.Title, Description: p.Description, Message: p.Message, Remediation: p.Remediation}
	tr, ok := p.Translations[lang]
	if !ok {
		return t
	}
	t.Title = cmp.Or(tr.Title, t.Title)
	t.Description = cmp.Or(tr.Description, t.Description)
	t.Message = cmp.Or(tr.Message, t.Message)
	t.Remediation = cmp.Or(tr.Remediation, t.Remediation)
	return t
}

// Builtin reports whether the policy comes from the embedded packs.
func (p *Policy) Builtin() bool { return p.builtin }

// srcPos is where a field's value was written: its line and column, and
// whether it is a block scalar (| or >) whose text starts a line below.
type srcPos struct {
	line, col int
	block     bool
}

// packFile is the YAML schema of a pack file.
type packFile struct {
	Pack        string       `yaml:"pack"`
	Description string       `yaml:"description"`
	Policies    []policyYAML `yaml:"policies"`
}

type policyYAML struct {
	ID          string         `yaml:"id"`
	Title       string         `yaml:"title"`
	Description string         `yaml:"description"`
	Types       []string       `yaml:"types"`
	Severity    string         `yaml:"severity"`
	Category    string         `yaml:"category"`
	Params      map[string]any `yaml:"params"`
	Where       string         `yaml:"where"`
	Waste       string         `yaml:"waste"`
	Message     string         `yaml:"message"`
	Remediation string         `yaml:"remediation"`
	References  []string       `yaml:"references"`
	Actions     []string       `yaml:"actions"`
	// JA holds the Japanese texts; message keeps the English one's
	// ${...} interpolations.
	JA *textYAML `yaml:"ja"`
}

type textYAML struct {
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	Message     string `yaml:"message"`
	Remediation string `yaml:"remediation"`
}

//go:embed packs/*.yaml
var builtinFS embed.FS

// BuiltinFS returns the embedded built-in packs and their fixture files.
func BuiltinFS() fs.FS {
	sub, err := fs.Sub(builtinFS, "packs")
	if err != nil {
		panic(fmt.Sprintf("policy: embedded packs: %v", err))
	}
	return sub
}

// IsTestFile reports whether a YAML file holds policy test cases rather
// than policies: NAME_test.yaml sits next to NAME.yaml.
func IsTestFile(name string) bool {
	return strings.HasSuffix(name, "_test.yaml") || strings.HasSuffix(name, "_test.yml")
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// Load reads the built-in packs (when builtin is true) and then every pack
// file in paths (files, or folders read recursively; test files are
// skipped). Policy ids must be unique across everything loaded.
func Load(ctx context.Context, paths []string, builtin bool) ([]*Policy, error) {
	var all []*Policy
	if builtin {
		ps, err := LoadFS(BuiltinFS(), "builtin:")
		if err != nil {
			return nil, fmt.Errorf("built-in packs: %w", err)
		}
		for _, p := range ps {
			p.builtin = true
		}
		all = append(all, ps...)
	}
	for _, p := range paths {
		files, err := policyFiles(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := yamlfile.ReadFile(ctx, f)
			if err != nil {
				return nil, fmt.Errorf("read policy file: %w", err)
			}
			ps, err := Parse(f, data)
			if err != nil {
				return nil, err
			}
			all = append(all, ps...)
		}
	}
	if err := checkUnique(all); err != nil {
		return nil, err
	}
	return all, nil
}

// LoadFS reads every pack file at the top of fsys, in name order. prefix is
// put before file names in errors and in Policy.File.
func LoadFS(fsys fs.FS, prefix string) ([]*Policy, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("list packs: %w", err)
	}
	var all []*Policy
	for _, e := range entries {
		if e.IsDir() || !isYAML(e.Name()) || IsTestFile(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read pack: %w", err)
		}
		ps, err := Parse(prefix+e.Name(), data)
		if err != nil {
			return nil, err
		}
		all = append(all, ps...)
	}
	if err := checkUnique(all); err != nil {
		return nil, err
	}
	return all, nil
}

func policyFiles(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, i18n.Say("policy.err.path", p).Err()
		}
		return nil, fmt.Errorf("policy path: %w", err)
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isYAML(f) && !IsTestFile(f) {
			files = append(files, f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list policy files in %s: %w", p, err)
	}
	sort.Strings(files)
	return files, nil
}

var (
	idRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)
	packRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
)

// Parse decodes one pack file and checks every field that can be checked
// without compiling CEL. name is used in errors and Policy.File.
func Parse(name string, data []byte) ([]*Policy, error) {
	var pf packFile
	f, err := yamlfile.Decode(name, data, &pf)
	if err != nil {
		return nil, err
	}
	if pf.Pack == "" {
		return nil, f.Say("pack", "policy.err.pack.required")
	}
	if !packRe.MatchString(pf.Pack) {
		return nil, f.Say("pack", "policy.err.pack.name", pf.Pack)
	}
	if len(pf.Policies) == 0 {
		return nil, f.Say("policies", "policy.err.pack.empty")
	}
	lines := strings.Split(string(data), "\n")
	var out []*Policy
	for i, py := range pf.Policies {
		field := fmt.Sprintf("policies[%d]", i)
		p, err := py.policy(f, lines, field)
		if err != nil {
			return nil, err
		}
		p.Pack, p.File = pf.Pack, name
		p.Line, _ = f.Pos(field + ".id")
		out = append(out, p)
	}
	if err := checkUnique(out); err != nil {
		return nil, err
	}
	return out, nil
}

func (py policyYAML) policy(f *yamlfile.File, lines []string, field string) (*Policy, error) {
	if py.ID == "" {
		return nil, f.Say(field, "policy.err.id.required")
	}
	if !idRe.MatchString(py.ID) {
		return nil, f.Say(field+".id", "policy.err.id.form", py.ID)
	}
	if strings.TrimSpace(py.Title) == "" {
		return nil, f.Say(field, "policy.err.title", py.ID)
	}
	if len(py.Types) == 0 {
		return nil, f.Say(field, "policy.err.types", py.ID)
	}
	seen := map[string]bool{}
	for j, t := range py.Types {
		if !inventory.KnownType(t) {
			return nil, f.Say(fmt.Sprintf("%s.types[%d]", field, j), "policy.err.type.unknown", t, strings.Join(inventory.TypeNames(), ", "))
		}
		if seen[t] {
			return nil, f.Say(fmt.Sprintf("%s.types[%d]", field, j), "policy.err.type.twice", t)
		}
		seen[t] = true
	}
	sev, err := finding.ParseSeverity(py.Severity)
	if err != nil {
		if py.Severity == "" {
			return nil, f.Say(field, "policy.err.severity", py.ID)
		}
		return nil, f.Wrap(field+".severity", err)
	}
	cat, err := finding.ParseCategory(py.Category)
	if err != nil {
		if py.Category == "" {
			return nil, f.Say(field, "policy.err.category", py.ID)
		}
		return nil, f.Wrap(field+".category", err)
	}
	if strings.TrimSpace(py.Where) == "" {
		return nil, f.Say(field, "policy.err.where", py.ID)
	}
	params := map[string]any{}
	for k, v := range py.Params {
		nv, err := normalizeParam(v)
		if err != nil {
			return nil, f.Wrap(field+".params."+k, err)
		}
		params[k] = nv
	}
	if err := checkActions(f, field, py.ID, py.Actions); err != nil {
		return nil, err
	}
	p := &Policy{
		ID: py.ID, Title: py.Title, Description: py.Description,
		Types: slices.Clone(py.Types), Severity: sev, Category: cat,
		Where: py.Where, Waste: py.Waste, Message: py.Message,
		Remediation: strings.TrimSpace(py.Remediation),
		References:  py.References, Actions: py.Actions, Params: params,
		pos: map[string]srcPos{},
	}
	if py.JA != nil {
		p.Translations = map[i18n.Lang]Text{i18n.JA: {
			Title: strings.TrimSpace(py.JA.Title), Description: strings.TrimSpace(py.JA.Description),
			Message: py.JA.Message, Remediation: strings.TrimSpace(py.JA.Remediation),
		}}
	}
	for _, k := range []string{"where", "waste", "message", "ja.message"} {
		line, col := f.Pos(field + "." + k)
		p.pos[k] = srcPos{line: line, col: col, block: blockScalar(lines, line, col)}
	}
	return p, nil
}

// blockScalar reports whether the value at line starts with | or >, so its
// text begins on the next line.
func blockScalar(lines []string, line, col int) bool {
	if line < 1 || line > len(lines) || col < 1 || col > len(lines[line-1]) {
		return false
	}
	c := lines[line-1][col-1]
	return c == '|' || c == '>'
}

// normalizeParam turns decoded YAML numbers into the two number kinds CEL
// compares (int64 and float64) and rejects values CEL cannot hold.
func normalizeParam(v any) (any, error) {
	switch n := v.(type) {
	case int:
		return int64(n), nil
	case int64:
		return n, nil
	case uint64:
		if n > 1<<62 {
			return nil, i18n.Say("policy.err.param.large", n).Err()
		}
		return int64(n), nil
	case float64, string, bool:
		return n, nil
	case []any:
		out := make([]any, len(n))
		for i, x := range n {
			nx, err := normalizeParam(x)
			if err != nil {
				return nil, err
			}
			out[i] = nx
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, x := range n {
			nx, err := normalizeParam(x)
			if err != nil {
				return nil, err
			}
			out[k] = nx
		}
		return out, nil
	case nil:
		return nil, i18n.Say("policy.err.param.null").Err()
	}
	return nil, i18n.Say("policy.err.param.kind", v).Err()
}

func checkUnique(ps []*Policy) error {
	seen := map[string]*Policy{}
	for _, p := range ps {
		if prev, dup := seen[p.ID]; dup {
			return i18n.Say("policy.err.dup", p.File, p.Line, quote.Value(p.ID), prev.File, prev.Line).Err()
		}
		seen[p.ID] = p
	}
	return nil
}
