package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/naming"
	"github.com/steward-sre/steward/internal/yamlfile"
)

// testFile is the YAML schema of a policy test file (NAME_test.yaml): a
// few inline resources and, per policy, the ARNs it must and must not
// match.
type testFile struct {
	// Now is the time ages are measured against (default: the caller's).
	Now string `yaml:"now"`
	// Naming and Required replace the caller's naming rule and required
	// tags, so a test file means the same on every machine.
	Naming   string              `yaml:"naming"`
	Required map[string][]string `yaml:"required"`
	// RequiredOn and Exempt scope the required tags to types, as
	// tags.required_on and tags.exempt do in steward.yaml.
	RequiredOn map[string][]string `yaml:"required_on"`
	Exempt     []string            `yaml:"exempt"`
	Resources  []testResource      `yaml:"resources"`
	Cases      []testCase          `yaml:"cases"`
}

type testCase struct {
	Policy  string         `yaml:"policy"`
	Params  map[string]any `yaml:"params"`
	Match   []string       `yaml:"match"`
	NoMatch []string       `yaml:"no_match"`
	// Message, when set, is the exact message expected for each match.
	Message map[string]string `yaml:"message"`
}

type testResource struct {
	ARN       string            `yaml:"arn"`
	Account   string            `yaml:"account"`
	Region    string            `yaml:"region"`
	Type      string            `yaml:"type"`
	ID        string            `yaml:"id"`
	Name      string            `yaml:"name"`
	Tags      map[string]string `yaml:"tags"`
	Created   string            `yaml:"created"`
	State     string            `yaml:"state"`
	Attrs     map[string]any    `yaml:"attrs"`
	Relations []struct {
		Kind   string `yaml:"kind"`
		Target string `yaml:"target"`
	} `yaml:"relations"`
	ManagedBy struct {
		Kind string `yaml:"kind"`
		Ref  string `yaml:"ref"`
	} `yaml:"managed_by"`
	Creator *struct {
		Principal string `yaml:"principal"`
		Via       string `yaml:"via"`
	} `yaml:"creator"`
	MonthlyCost float64 `yaml:"monthly_cost"`
}

// Results is the outcome of policy tests.
type Results struct {
	// Passed counts the expectations (policy x ARN) that held.
	Passed   int
	Failures []Failure
	// Untested lists the loaded policies that lack a matching or a
	// non-matching fixture.
	Untested []string
}

// OK reports whether every expectation held.
func (r Results) OK() bool { return len(r.Failures) == 0 }

// Failure is one expectation that did not hold.
type Failure struct {
	File   string
	Line   int
	Policy string
	ARN    string
	Msg    string
	// Why is Msg for the reader's language.
	Why i18n.Phrase
}

func (f Failure) String() string {
	return fmt.Sprintf("%s:%d: %s: %s: %s", f.File, f.Line, f.Policy, f.ARN, f.Msg)
}

// In is the failure as `steward policy test` prints it, in lang.
func (f Failure) In(lang i18n.Lang) string {
	why := f.Why
	if why.Key == "" {
		why = i18n.Phrase{Key: f.Msg}
	}
	return lang.T("policy.fail.line", f.File, f.Line, f.Policy, f.ARN, why.In(lang))
}

// RunTests runs the policy tests at path: a NAME_test.yaml file (tested
// against the pack files of its folder) or a folder (every pack and test
// file in it, recursively). A test file that cannot be read or that names
// an unknown policy or ARN is an error; expectations that do not hold are
// Failures.
func RunTests(ctx context.Context, path string, opts Options) (Results, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Results{}, i18n.Wrap(i18n.Say("policy.err.tests"), err)
	}
	dir, tests := path, []string(nil)
	if st.IsDir() {
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && IsTestFile(p) {
				tests = append(tests, p)
			}
			return err
		})
		if err != nil {
			return Results{}, fmt.Errorf("list policy tests: %w", err)
		}
		sort.Strings(tests)
	} else {
		if !IsTestFile(path) {
			return Results{}, fmt.Errorf("%s is not a policy test file (name it NAME_test.yaml)", path)
		}
		dir, tests = filepath.Dir(path), []string{path}
	}
	ps, err := Load(ctx, []string{dir}, false)
	if err != nil {
		return Results{}, err
	}
	// Every policy must compile, tested or not: a policy without a test
	// file would otherwise pass here and fail the next scan.
	if _, err := Compile(ps, opts); err != nil {
		return Results{}, err
	}
	var res Results
	for _, t := range tests {
		data, err := yamlfile.ReadFile(ctx, t)
		if err != nil {
			return Results{}, fmt.Errorf("read policy test: %w", err)
		}
		if err := runTestFile(ctx, t, data, ps, opts, &res); err != nil {
			return Results{}, err
		}
	}
	res.Untested = untested(ps, tests, func(p string) ([]byte, error) { return yamlfile.ReadFile(ctx, p) })
	return res, nil
}

// RunTestsFS runs every test file at the top of fsys against every pack
// file there (the built-in packs: RunTestsFS(ctx, BuiltinFS(), opts)).
func RunTestsFS(ctx context.Context, fsys fs.FS, prefix string, opts Options) (Results, error) {
	ps, err := LoadFS(fsys, prefix)
	if err != nil {
		return Results{}, err
	}
	if _, err := Compile(ps, opts); err != nil {
		return Results{}, err
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return Results{}, fmt.Errorf("list policy tests: %w", err)
	}
	var res Results
	var tests []string
	for _, e := range entries {
		if e.IsDir() || !IsTestFile(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return Results{}, fmt.Errorf("read policy test: %w", err)
		}
		tests = append(tests, e.Name())
		if err := runTestFile(ctx, prefix+e.Name(), data, ps, opts, &res); err != nil {
			return Results{}, err
		}
	}
	res.Untested = untested(ps, tests, func(p string) ([]byte, error) { return fs.ReadFile(fsys, p) })
	return res, nil
}

// untested lists policies without both a match and a no_match fixture.
func untested(ps []*Policy, tests []string, read func(string) ([]byte, error)) []string {
	has := map[string][2]bool{}
	for _, t := range tests {
		data, err := read(t)
		if err != nil {
			continue
		}
		var tf testFile
		if _, err := yamlfile.Decode(t, data, &tf); err != nil {
			continue
		}
		for _, c := range tf.Cases {
			h := has[c.Policy]
			h[0] = h[0] || len(c.Match) > 0
			h[1] = h[1] || len(c.NoMatch) > 0
			has[c.Policy] = h
		}
	}
	var out []string
	for _, p := range ps {
		if h := has[p.ID]; !h[0] || !h[1] {
			out = append(out, p.ID)
		}
	}
	return out
}

// ParseTestFile decodes a policy test file into its resources; it is what
// RunTests reads, exported for the fuzz test and for tools.
func ParseTestFile(name string, data []byte) ([]inventory.Resource, error) {
	var tf testFile
	f, err := yamlfile.Decode(name, data, &tf)
	if err != nil {
		return nil, err
	}
	return tf.resources(f)
}

func (tf *testFile) resources(f *yamlfile.File) ([]inventory.Resource, error) {
	rs := make([]inventory.Resource, 0, len(tf.Resources))
	for i, tr := range tf.Resources {
		field := fmt.Sprintf("resources[%d]", i)
		r := inventory.Resource{
			ARN: tr.ARN, Account: tr.Account, Region: tr.Region, Type: tr.Type,
			ID: tr.ID, Name: tr.Name, Tags: inventory.TagsOf(tr.Tags), State: tr.State,
			MonthlyCost: tr.MonthlyCost,
			Origin:      inventory.NewOrigin(inventory.ManagedBy{Kind: tr.ManagedBy.Kind, Ref: tr.ManagedBy.Ref}, nil),
		}
		if r.Account == "" {
			r.Account = "111111111111"
		}
		if tr.Created != "" {
			t, err := time.Parse(time.RFC3339, tr.Created)
			if err != nil {
				return nil, f.Errorf(field+".created", "%q is not an RFC 3339 time (e.g. 2025-01-31T09:00:00Z)", tr.Created)
			}
			r.Created = t
		}
		if tr.Attrs != nil {
			a, err := jsonValue(tr.Attrs)
			if err != nil {
				return nil, f.Errorf(field+".attrs", "%v", err)
			}
			r.Attrs = inventory.AttrsOf(a.(map[string]any))
		}
		for _, rel := range tr.Relations {
			r.Relations = append(r.Relations, inventory.Relation{Kind: rel.Kind, Target: rel.Target})
		}
		if tr.Creator != nil {
			r.SetCreator(&inventory.Creator{Principal: tr.Creator.Principal, Via: tr.Creator.Via})
		}
		if err := r.Validate(); err != nil {
			return nil, f.Errorf(field, "%v", err)
		}
		rs = append(rs, r)
	}
	if err := inventory.CheckUnique(rs); err != nil {
		return nil, f.Errorf("resources", "%v", err)
	}
	return rs, nil
}

// jsonValue turns decoded YAML into the JSON kinds the attrs contract
// promises: every number a float64.
func jsonValue(v any) (any, error) {
	switch n := v.(type) {
	case int:
		return float64(n), nil
	case int64:
		return float64(n), nil
	case uint64:
		return float64(n), nil
	case float64, string, bool, nil:
		return n, nil
	case []any:
		out := make([]any, len(n))
		for i, x := range n {
			y, err := jsonValue(x)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, x := range n {
			y, err := jsonValue(x)
			if err != nil {
				return nil, err
			}
			out[k] = y
		}
		return out, nil
	}
	return nil, fmt.Errorf("%v (%T) is not a JSON value", v, v)
}

func runTestFile(ctx context.Context, name string, data []byte, ps []*Policy, opts Options, res *Results) error {
	var tf testFile
	f, err := yamlfile.Decode(name, data, &tf)
	if err != nil {
		return err
	}
	rs, err := tf.resources(f)
	if err != nil {
		return err
	}
	if tf.Now != "" {
		t, err := time.Parse(time.RFC3339, tf.Now)
		if err != nil {
			return f.Say("now", "policy.err.test.now", tf.Now)
		}
		opts.Now = t
	}
	if tf.Required != nil {
		req := map[string][]string{}
		for k, v := range tf.Required {
			vals, err := config.ExpandValues(v)
			if err != nil {
				return f.Errorf("required."+k, "%v", err)
			}
			req[k] = vals
		}
		opts.Required = req
	}
	if tf.RequiredOn != nil || tf.Exempt != nil {
		opts.RequiredOn, opts.RequiredExempt = tf.RequiredOn, tf.Exempt
	}
	if tf.Naming != "" {
		rule, err := naming.Compile(tf.Naming, "", opts.Required)
		if err != nil {
			return f.Errorf("naming", "%v", err)
		}
		opts.Naming = rule
	}
	byID := map[string]*Policy{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	arns := map[string]bool{}
	for _, r := range rs {
		arns[r.ARN] = true
	}
	for i, c := range tf.Cases {
		field := fmt.Sprintf("cases[%d]", i)
		line, _ := f.Pos(field + ".policy")
		p := byID[c.Policy]
		if p == nil {
			return f.Say(field+".policy", "policy.err.test.nopolicy", c.Policy)
		}
		for _, a := range slices.Concat(c.Match, c.NoMatch) {
			if !arns[a] {
				return f.Say(field, "policy.err.test.noarn", a)
			}
		}
		o := opts
		o.Disable, o.Severity = nil, nil
		o.Params = nil
		if len(c.Params) > 0 {
			o.Params = map[string]map[string]any{c.Policy: c.Params}
		}
		e, err := Compile([]*Policy{p}, o)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		fs, err := e.Evaluate(ctx, rs)
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, fd := range fs {
			got[fd.ARN] = fd.Message
		}
		fail := func(arn string, why i18n.Phrase) {
			res.Failures = append(res.Failures, Failure{File: name, Line: line, Policy: c.Policy, ARN: arn, Msg: why.In(i18n.EN), Why: why})
		}
		for _, a := range c.Match {
			msg, ok := got[a]
			switch {
			case !ok:
				fail(a, i18n.Say("policy.fail.nomatch"))
			case c.Message[a] != "" && c.Message[a] != msg:
				fail(a, i18n.Say("policy.fail.message", msg, c.Message[a]))
			default:
				res.Passed++
			}
		}
		for _, a := range c.NoMatch {
			if _, ok := got[a]; ok {
				fail(a, i18n.Say("policy.fail.match"))
			} else {
				res.Passed++
			}
		}
	}
	return nil
}

// ErrTestsFailed is returned by callers that turn failed expectations into
// an exit status.
var ErrTestsFailed = errors.New("policy tests failed")

// Summary is one line a person reads after a test run.
func (r Results) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d passed, %d failed", r.Passed, len(r.Failures))
	if len(r.Untested) > 0 {
		fmt.Fprintf(&b, "; without both a match and a no_match fixture: %s", strings.Join(r.Untested, ", "))
	}
	return b.String()
}
