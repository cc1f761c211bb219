package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// Every route registered through s.api is in the OpenAPI document with
// its method, and the document names no route the server lacks.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newServer(t, openStore(t))
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	var documented, registered []string
	for path, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+path)
		}
	}
	for _, r := range s.apiRoutes {
		registered = append(registered, r.method+" "+r.path)
	}
	slices.Sort(documented)
	slices.Sort(registered)
	if !slices.Equal(documented, registered) {
		t.Errorf("OpenAPI documents\n  %v\nthe server registers\n  %v", documented, registered)
	}
	if code, b := get(t, s.Handler(), "/api/openapi.yaml"); code != 200 || !strings.Contains(b, "openapi: 3.1.0") {
		t.Errorf("/api/openapi.yaml = %d", code)
	}
}

func seeded(t *testing.T) (*Server, store.Store) {
	t.Helper()
	st := openStore(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var rs []inventory.Resource
	var fs []finding.Finding
	for i, name := range []string{"shop-prod-db", "shop-prod-web", "<script>alert(1)</script>"} {
		arn := "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-" + string(rune('a'+i))
		rs = append(rs, inventory.Resource{ARN: arn, Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1", Name: name})
		fs = append(fs, finding.Finding{Policy: "ebs-unattached", ARN: arn, Severity: finding.Low, Category: finding.Waste, Owner: "team-shop", Message: "unattached"})
	}
	fs = append(fs, finding.Finding{Policy: "ebs-unencrypted", ARN: rs[0].ARN, Severity: finding.High, Category: finding.Security, Owner: "team-data", Message: "not encrypted"})
	cov := []inventory.Coverage{{Account: "111111111111", Region: "ap-northeast-1", Service: "ec2", OK: true, Resources: 3}}
	if _, err := st.SaveScan(ctx, &inventory.Scan{ID: "s1", Source: "demo", Started: at, Finished: at.Add(time.Minute), Coverage: cov}, rs, fs[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveScan(ctx, &inventory.Scan{ID: "s2", Source: "demo", Started: at.Add(time.Hour), Finished: at.Add(61 * time.Minute), Coverage: cov}, rs, fs); err != nil {
		t.Fatal(err)
	}
	return newServer(t, st), st
}

func decode[T any](t *testing.T, b string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(b), &v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return v
}

func TestAPIFindings(t *testing.T) {
	s, _ := seeded(t)
	tests := []struct {
		query      string
		wantCode   int
		wantTotal  int
		wantLen    int
		wantPolicy string
	}{
		{"", 200, 4, 4, ""},
		{"?severity=high", 200, 1, 1, "ebs-unencrypted"},
		{"?severity=low,high&owner=team-data", 200, 1, 1, "ebs-unencrypted"},
		{"?category=waste&limit=2", 200, 3, 2, "ebs-unattached"},
		{"?category=waste&limit=2&offset=2", 200, 3, 1, "ebs-unattached"},
		{"?offset=10", 200, 4, 0, ""},
		{"?new=true", 200, 3, 3, ""},
		{"?scan=s1", 200, 1, 1, "ebs-unattached"},
		{"?severity=severe", 400, 0, 0, ""},
		{"?limit=-1", 400, 0, 0, ""},
		{"?scan=nope", 404, 0, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			code, b := get(t, s.Handler(), "/api/findings"+tc.query)
			if code != tc.wantCode {
				t.Fatalf("%d %s, want %d", code, b, tc.wantCode)
			}
			if code != 200 {
				if !strings.Contains(b, `"error"`) {
					t.Errorf("error body %s", b)
				}
				return
			}
			p := decode[findingsPage](t, b)
			if p.Total != tc.wantTotal || len(p.Findings) != tc.wantLen {
				t.Errorf("total %d, %d listed; want %d, %d", p.Total, len(p.Findings), tc.wantTotal, tc.wantLen)
			}
			if tc.wantPolicy != "" && p.Findings[0].Policy != tc.wantPolicy {
				t.Errorf("first finding %s, want %s", p.Findings[0].Policy, tc.wantPolicy)
			}
		})
	}
}

func TestAPIResourceAndScans(t *testing.T) {
	s, _ := seeded(t)
	arn := "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-a"
	code, b := get(t, s.Handler(), "/api/resource?arn="+arn)
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	got := decode[struct {
		Resource *inventory.Resource `json:"resource"`
		Findings []finding.Finding   `json:"findings"`
		History  []store.Version     `json:"history"`
	}](t, b)
	if got.Resource == nil || got.Resource.Name != "shop-prod-db" || len(got.Findings) != 2 || len(got.History) != 1 || got.History[0].Event != store.Appeared {
		t.Errorf("resource answer %+v", got)
	}
	if code, _ := get(t, s.Handler(), "/api/resource?arn=arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-zzz"); code != 404 {
		t.Errorf("unknown ARN: %d, want 404", code)
	}
	if code, _ := get(t, s.Handler(), "/api/resource"); code != 400 {
		t.Errorf("no ARN: %d, want 400", code)
	}
	code, b = get(t, s.Handler(), "/api/scans?limit=1")
	sc := decode[struct{ Scans []inventory.Scan }](t, b)
	if code != 200 || len(sc.Scans) != 1 || sc.Scans[0].ID != "s2" {
		t.Errorf("/api/scans = %d %s", code, b)
	}
}

func post(t *testing.T, h http.Handler, path, body string, hdr ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestAPIRecordsDeploymentsAndIncidents(t *testing.T) {
	s, st := seeded(t)
	sha := "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name, path, body string
		want             int
		wantErr          string
	}{
		{"deployment", "/api/deployments", `{"service":"api","environment":"prod","result":"success","commit_sha":"` + strings.ToUpper(sha) + `","tool":"ecspresso"}`, 201, ""},
		{"same deployment again", "/api/deployments", `{"id":"d-1","service":"api","environment":"prod","result":"failure","commit_sha":"` + sha + `","finished_at":"2026-12-01T10:00:00Z"}`, 201, ""},
		{"bad result", "/api/deployments", `{"service":"api","environment":"prod","result":"ok","commit_sha":"` + sha + `"}`, 400, "result"},
		{"unknown field", "/api/deployments", `{"service":"api","env":"prod"}`, 400, `unknown field \"env\"`},
		{"two objects", "/api/deployments", `{"service":"api"}{}`, 400, "more than one"},
		{"not json", "/api/deployments", `service=api`, 400, "not the JSON object"},
		{"too large", "/api/deployments", `{"service":"` + strings.Repeat("a", 70<<10) + `"}`, 400, "larger than"},
		{"incident", "/api/incidents", `{"id":"INC-7","service":"api","deployment_id":"d-1"}`, 201, ""},
		{"incident without service", "/api/incidents", `{"id":"INC-8"}`, 400, "service"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, b := post(t, s.Handler(), tc.path, tc.body)
			if code != tc.want || (tc.wantErr != "" && !strings.Contains(b, tc.wantErr)) {
				t.Errorf("%d %s; want %d with %q", code, b, tc.want, tc.wantErr)
			}
		})
	}
	d, err := st.Delivery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Deployments) != 2 || len(d.Incidents) != 1 {
		t.Fatalf("stored %d deployments, %d incidents; want 2, 1", len(d.Deployments), len(d.Incidents))
	}
	for _, dep := range d.Deployments {
		if dep.CommitSHA != sha || dep.Actor != "dev" {
			t.Errorf("stored %+v: want the lower-case sha and the caller as actor", dep)
		}
	}
}

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestGitHubHook(t *testing.T) {
	st := openStore(t)
	secret := "It's a Secret to Everybody"
	s, err := New(Options{Config: config.Default(), Store: st, Dev: true, Getenv: func(k string) string {
		if k == DefaultGitHubSecretEnv {
			return secret
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	payload := `{"action":"created","deployment_status":{"id":42,"state":"success","created_at":"2026-12-01T10:00:00Z","updated_at":"2026-12-01T10:05:00Z","creator":{"login":"hanako"}},` +
		`"deployment":{"id":7,"sha":"0123456789abcdef0123456789abcdef01234567","environment":"production","created_at":"2026-12-01T09:58:00Z","creator":{"login":"hanako"}},` +
		`"repository":{"name":"api","full_name":"shop/api","html_url":"https://github.com/shop/api"}}`
	tests := []struct {
		name, event, body, sig string
		want                   int
	}{
		{"unsigned", "deployment_status", payload, "", 401},
		{"wrong signature", "deployment_status", payload, sign("guess", payload), 401},
		{"signed", "deployment_status", payload, sign(secret, payload), 200},
		{"redelivered", "deployment_status", payload, sign(secret, payload), 200},
		{"ping", "ping", `{"zen":"Keep it logically awesome."}`, sign(secret, `{"zen":"Keep it logically awesome."}`), 200},
		{"signed garbage", "deployment_status", `{"deployment":`, sign(secret, `{"deployment":`), 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, b := post(t, s.Handler(), "/hooks/github", tc.body, "X-GitHub-Event", tc.event, "X-Hub-Signature-256", tc.sig)
			if code != tc.want {
				t.Errorf("%d %s, want %d", code, b, tc.want)
			}
		})
	}
	d, err := st.Delivery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Deployments) != 1 || d.Deployments[0].Service != "api" || d.Deployments[0].Result != "success" {
		t.Errorf("stored deployments %+v: want one (a redelivery replaces it)", d.Deployments)
	}
	// A deploy to production leases nothing; one to a QA environment
	// leases it to its deployer, like any deploy.
	qa := strings.Replace(payload, `"environment":"production"`, `"environment":"qa5"`, 1)
	if code, b := post(t, s.Handler(), "/hooks/github", qa, "X-GitHub-Event", "deployment_status", "X-Hub-Signature-256", sign(secret, qa)); code != 200 {
		t.Fatalf("qa deploy: %d %s", code, b)
	}
	ls, err := st.Leases(context.Background(), "qa5", true)
	if err != nil || len(ls) != 1 || ls[0].Holder != "hanako" {
		t.Errorf("leases of qa5 after a GitHub deploy: %+v %v", ls, err)
	}

	off := newServer(t, openStore(t))
	if code, b := post(t, off.Handler(), "/hooks/github", payload, "X-GitHub-Event", "deployment_status", "X-Hub-Signature-256", sign("", payload)); code != http.StatusServiceUnavailable {
		t.Errorf("hook without a secret configured: %d %s, want 503", code, b)
	}
}

func TestAPIFourKeys(t *testing.T) {
	s, _ := seeded(t)
	if code, b := post(t, s.Handler(), "/api/deployments", `{"service":"api","environment":"production","result":"success","commit_sha":"0123456789abcdef0123456789abcdef01234567","finished_at":"2026-12-01T10:00:00Z"}`); code != 201 {
		t.Fatalf("%d %s", code, b)
	}
	code, b := get(t, s.Handler(), "/api/fourkeys?from=2026-11-01&to=2026-12-05&explain=true")
	if code != 200 || !strings.Contains(b, `"api"`) || !strings.Contains(b, "deployment_frequency") {
		t.Errorf("/api/fourkeys = %d %s", code, b)
	}
	if code, _ := get(t, s.Handler(), "/api/fourkeys?from=yesterday"); code != 400 {
		t.Errorf("bad window: %d, want 400", code)
	}
	if code, _ := get(t, s.Handler(), "/api/fourkeys?team=nobody"); code != 400 {
		t.Errorf("unknown team: %d, want 400", code)
	}
}
