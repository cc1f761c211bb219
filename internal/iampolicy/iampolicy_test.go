package iampolicy

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/iac"
)

// sdkCalls walks the Go source of a package for the SDK client
// interfaces it declares (methods ending in optFns ...func(*svc.Options))
// and returns each call as "svc:Operation".
func sdkCalls(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			it, ok := n.(*ast.InterfaceType)
			if !ok {
				return true
			}
			for _, m := range it.Methods.List {
				ft, ok := m.Type.(*ast.FuncType)
				if !ok || len(m.Names) == 0 || len(ft.Params.List) == 0 {
					continue
				}
				last := ft.Params.List[len(ft.Params.List)-1].Type
				el, ok := last.(*ast.Ellipsis)
				if !ok {
					continue
				}
				fn, ok := el.Elt.(*ast.FuncType)
				if !ok || len(fn.Params.List) != 1 {
					continue
				}
				star, ok := fn.Params.List[0].Type.(*ast.StarExpr)
				if !ok {
					continue
				}
				sel, ok := star.X.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Options" {
					continue
				}
				out = append(out, sel.X.(*ast.Ident).Name+":"+m.Names[0].Name)
			}
			return true
		})
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestPolicyCoversDeclaredCalls: every SDK call cost, bill and iac declare is
// allowed by the policy of every feature, and each is a read.
func TestPolicyCoversDeclaredCalls(t *testing.T) {
	doc, err := Build(Options{Features: Features})
	if err != nil {
		t.Fatal(err)
	}
	var allowed []string
	for _, st := range doc.Statement {
		allowed = append(allowed, st.Action...)
	}
	calls := append(append(append(sdkCalls(t, "../cost"), sdkCalls(t, "../cost/bill")...), sdkCalls(t, "../iac")...), sdkCalls(t, "../objstore/s3obj")...)
	calls = append(calls, sdkCalls(t, "../jobs")...)
	for _, want := range []string{"s3:GetObject", "s3:ListObjectsV2", "costexplorer:GetCostAndUsage", "cloudformation:ListStacks", "cloudtrail:LookupEvents", "sqs:ReceiveMessage", "sqs:DeleteMessage"} {
		if !slices.Contains(calls, want) {
			t.Fatalf("the source walk did not find %s: %v", want, calls)
		}
	}
	for _, c := range calls {
		svc, op, _ := strings.Cut(c, ":")
		a, needed := aws.IAMAction(svc, op)
		if needed && !slices.Contains(allowed, a) {
			t.Errorf("the code calls %s but the policy lacks %s", c, a)
		}
	}
	for _, a := range allowed {
		if a == "sqs:ReceiveMessage" || a == "sqs:DeleteMessage" {
			continue // the event queue's messages, not the estate
		}
		_, op, _ := strings.Cut(a, ":")
		if !slices.ContainsFunc([]string{"Describe", "List", "Get", "BatchGet", "Lookup", "Select"}, func(v string) bool { return strings.HasPrefix(op, v) }) {
			t.Errorf("%s is not a read", a)
		}
	}
}

func TestBuildFeatures(t *testing.T) {
	tests := map[string]struct {
		opt     Options
		sids    []string
		wantErr string
	}{
		"default is the scan":    {opt: Options{}, sids: []string{"StewardReadOnlyScan"}},
		"cost reads any object":  {opt: Options{Features: []string{Cost}}, sids: []string{"StewardReadObjects"}},
		"cost explorer":          {opt: Options{Features: []string{CostExplorer}}, sids: []string{"StewardCostExplorer"}},
		"iac":                    {opt: Options{Features: []string{IaC}}, sids: []string{"StewardIaC", "StewardReadObjects"}},
		"bills scoped":           {opt: Options{Features: []string{Cost}, Bills: []string{"s3://b/cur/"}}, sids: []string{"StewardReadObjects", "StewardListObjects1"}},
		"bills without cost":     {opt: Options{Bills: []string{"s3://b/cur/"}}, wantErr: "go with the cost feature"},
		"states without iac":     {opt: Options{Features: []string{Cost}, States: []string{"s3://b/x.tfstate"}}, wantErr: "go with the iac feature"},
		"not a url":              {opt: Options{Features: []string{Cost}, Bills: []string{"bills/cur"}}, wantErr: `"bills/cur" is not an s3://bucket/prefix URL`},
		"unknown feature":        {opt: Options{Features: []string{"billing"}}, wantErr: `feature "billing" is not known`},
		"every feature, no scan": {opt: Options{Features: []string{IaC, Cost, CostExplorer}}, sids: []string{"StewardCostExplorer", "StewardIaC", "StewardReadObjects"}},
		"events":                 {opt: Options{Features: []string{Events}}, sids: []string{"StewardEventQueue"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			doc, err := Build(tc.opt)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sids []string
			for _, st := range doc.Statement {
				sids = append(sids, st.Sid)
			}
			if d := cmp.Diff(tc.sids, sids); d != "" {
				t.Errorf("statements (-want +got):\n%s", d)
			}
		})
	}
}

// allows evaluates doc for one S3 request as IAM does for these
// statements: an Allow whose action, resource glob and s3:prefix
// condition all match.
func allows(doc *Document, action, resource, prefix string) bool {
	for _, st := range doc.Statement {
		if !slices.Contains(st.Action, action) {
			continue
		}
		if !slices.ContainsFunc(st.Resource, func(r string) bool { return globMatch(r, resource) }) {
			continue
		}
		if c, ok := st.Condition["StringLike"].(map[string]any); ok {
			pres, _ := c["s3:prefix"].([]string)
			if !slices.ContainsFunc(pres, func(p string) bool { return globMatch(p, prefix) }) {
				continue
			}
		}
		return true
	}
	return false
}

// globMatch is IAM's * (any run of characters, / included).
func globMatch(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	ok, _ := path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(s, "/", "\x00"))
	return ok
}

type request struct{ op, bucket, key, prefix string }

// TestPolicyScopesTheReadsMade runs the real bill, state and trail log
// readers through the SDK against a fake S3, records every operation
// they send, and checks the scoped policy allows each one, and would
// refuse the same reads elsewhere.
func TestPolicyScopesTheReadsMade(t *testing.T) {
	bill := "BilledCost,ChargePeriodStart,ServiceName,ChargeCategory\n2,2024-11-05,EC2,Usage\n"
	state := `{"version":4,"terraform_version":"1.9.0","serial":1,"lineage":"l","outputs":{},"resources":[]}`
	objects := map[string]map[string]string{
		"bills": {"cur/2024-11/a.csv": bill},
		"tf":    {"prod/app.tfstate": state, "env:/stg/prod/app.tfstate": state},
		"trail": {"AWSLogs/111111111111/CloudTrail/ap-northeast-1/2024/11/05/x.json": `{"Records":[]}`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if key != "" {
			body, ok := objects[bucket][key]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `<Error><Code>NoSuchKey</Code><Message>no key</Message></Error>`)
				return
			}
			fmt.Fprint(w, body)
			return
		}
		prefix := r.URL.Query().Get("prefix")
		var contents strings.Builder
		for k, v := range objects[bucket] {
			if strings.HasPrefix(k, prefix) {
				fmt.Fprintf(&contents, "<Contents><Key>%s</Key><Size>%d</Size></Contents>", k, len(v))
			}
		}
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name><IsTruncated>false</IsTruncated>%s</ListBucketResult>`, bucket, contents.String())
	}))
	defer srv.Close()
	var mu sync.Mutex
	var reqs []request
	record := func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("record", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			r := request{op: awsmiddleware.GetOperationName(ctx)}
			switch p := in.Parameters.(type) {
			case *s3.GetObjectInput:
				r.bucket, r.key = awssdk.ToString(p.Bucket), awssdk.ToString(p.Key)
			case *s3.ListObjectsV2Input:
				r.bucket, r.prefix = awssdk.ToString(p.Bucket), awssdk.ToString(p.Prefix)
			}
			mu.Lock()
			reqs = append(reqs, r)
			mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
	}
	client := s3.New(s3.Options{
		Region: "ap-northeast-1", BaseEndpoint: awssdk.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:  srv.Client(), APIOptions: []func(*middleware.Stack) error{record},
	})
	ctx := context.Background()
	if _, err := cost.Ingest(ctx, cost.NewMemStore(), cost.IngestOptions{Paths: []string{"s3://bills/cur/"}, Now: time.Now(), S3: client}); err != nil {
		t.Fatal(err)
	}
	loaded, err := iac.LoadStates(ctx, []string{"s3://tf/prod/app.tfstate"}, client, nil, 1<<20, nil)
	if err != nil || len(loaded.Gaps) > 0 || len(loaded.States) != 2 {
		t.Fatalf("states: %v, %+v", err, loaded)
	}
	if _, errs := iac.LoadTrailLogs(ctx, []string{"s3://trail/AWSLogs/"}, client, 1<<20); len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(reqs) < 6 {
		t.Fatalf("only %d requests recorded: %v", len(reqs), reqs)
	}
	scoped := Options{Features: []string{Cost, IaC}, Bills: []string{"s3://bills/cur/"}, States: []string{"s3://tf/prod/app.tfstate"}, TrailLogs: []string{"s3://trail/AWSLogs/"}}
	elsewhere := Options{Features: []string{Cost, IaC}, Bills: []string{"s3://bills/focus/"}, States: []string{"s3://tf/dev/app.tfstate"}, TrailLogs: []string{"s3://trail/other/"}}
	for name, o := range map[string]Options{"scoped": scoped, "elsewhere": elsewhere, "unscoped": {Features: []string{Cost, IaC}}} {
		doc, err := Build(o)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			action, _ := aws.IAMAction("s3", r.op)
			resource := "arn:aws:s3:::" + r.bucket
			if r.op == "GetObject" {
				resource += "/" + r.key
			}
			got := allows(doc, action, resource, r.prefix)
			// The workspace listing (prefix env:/) is the one read the
			// other state's scope allows too.
			want := name != "elsewhere" || r.prefix == "env:/"
			if got != want {
				t.Errorf("%s policy: %s %s (prefix %q) allowed %v, want %v", name, action, resource, r.prefix, got, want)
			}
		}
	}
}
