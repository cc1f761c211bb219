package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
	"github.com/steward-sre/steward/internal/store/storetest"
)

// hostile is a resource name that would run script if a page printed it
// unescaped.
const hostile = `<script>alert("x")</script>`

var testNow = time.Date(2026, 3, 18, 3, 0, 0, 0, time.UTC)

func arn(n int) string {
	return fmt.Sprintf("arn:aws:ec2:ap-northeast-1:111111111111:instance/i-%04d", n)
}

// testServer is a server over a store with two scans (the second adds a
// finding and changes a resource's tag), a bill over two months, and a
// few deployments.
func testServer(t testing.TB, yaml string) *Server {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.EmptySQLite(t, t.TempDir(), "steward.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	resources := func(env string) []inventory.Resource {
		var rs []inventory.Resource
		for i := range 60 {
			r := inventory.Resource{ARN: arn(i), Account: "111111111111", Region: "ap-northeast-1", Type: "AWS::EC2::Instance",
				ID: fmt.Sprintf("i-%04d", i), Name: fmt.Sprintf("web-%02d", i), State: "running",
				Tags:        inventory.TagsOf(map[string]string{"owner": []string{"sato", "kato"}[i%2], "system": "shop", "env": env}),
				Attrs:       inventory.AttrsOf(map[string]any{"instance_type": "t3.micro"}),
				MonthlyCost: 10,
				Origin:      &inventory.Origin{ManagedBy: inventory.ManagedBy{Kind: "terraform", Ref: fmt.Sprintf("aws_instance.web[%d]", i)}},
			}
			if i%3 == 0 {
				r.SetManagedBy(inventory.ManagedBy{Kind: "none"})
			}
			if i == 6 {
				r.Name = hostile
			}
			rs = append(rs, r)
		}
		return rs
	}
	findings := func(n int) []finding.Finding {
		var fs []finding.Finding
		for i := range n {
			sev := []finding.Severity{finding.Critical, finding.High, finding.Medium, finding.Low}[i%4]
			cat := []finding.Category{finding.Security, finding.Waste, finding.Tagging}[i%3]
			name := fmt.Sprintf("web-%02d", i)
			if i == 6 {
				name = hostile
			}
			fs = append(fs, finding.Finding{Policy: fmt.Sprintf("pol-%s", cat), Title: "t", Category: cat, Severity: sev,
				ARN: arn(i), Type: "AWS::EC2::Instance", Account: "111111111111", Region: "ap-northeast-1", Name: name,
				Owner: []string{"sato", "kato"}[i%2], System: "shop", Env: "prod", MonthlyWaste: float64(i), Currency: "USD", Rate: 1,
				Message: name + " is bad"})
		}
		return fs
	}
	for i, sc := range []struct {
		env string
		n   int
	}{{"stg", 50}, {"prod", 55}} {
		started := testNow.Add(time.Duration(i-2) * time.Hour)
		scan := &inventory.Scan{ID: fmt.Sprintf("scan-%d", i), Source: "test", Started: started, Finished: started.Add(time.Minute),
			Coverage: []inventory.Coverage{{Account: "111111111111", Region: "ap-northeast-1", Service: "ec2", OK: true}}, Currency: "USD", Rate: 1}
		rs := resources(sc.env)
		scan.Resources = len(rs)
		if _, err := st.SaveScan(ctx, scan, rs, findings(sc.n)); err != nil {
			t.Fatal(err)
		}
	}
	var deps []delivery.Deployment
	for i := range 12 {
		res := delivery.Success
		if i%5 == 0 {
			res = delivery.Failure
		}
		deps = append(deps, delivery.Deployment{ID: fmt.Sprintf("d%d", i), Service: "api", Environment: "production",
			Finished: testNow.Add(-time.Duration(i*24+1) * time.Hour), Result: res, CommitSHA: fmt.Sprintf("%040d", i)})
	}
	if err := st.SaveDelivery(ctx, delivery.Data{Deployments: deps}); err != nil {
		t.Fatal(err)
	}
	bill := cost.NewMemStore()
	var batches []cost.Batch
	for _, period := range []string{"2026-02", "2026-03"} {
		b := cost.Batch{Source: "test", Period: period}
		start, _ := time.Parse("2006-01", period)
		for d := start; d.Before(start.AddDate(0, 1, 0)) && d.Before(testNow); d = d.AddDate(0, 0, 1) {
			for i, svc := range []string{"AmazonEC2", "AmazonRDS"} {
				amount := 10 + i*5
				if period == "2026-03" && svc == "AmazonRDS" {
					amount += 3
				}
				b.Rollups = append(b.Rollups, cost.Rollup{Day: d, Source: "test", Period: period, Account: "111111111111", Service: svc,
					UsageType: "Usage", Resource: arn(i), Tags: cost.MakeTags(map[string]string{"system": "shop"}), Kind: cost.KindUsage,
					Currency: "USD", Billed: cost.MustMoney(fmt.Sprint(amount)), Effective: cost.MustMoney(fmt.Sprint(amount)), Lines: 1})
			}
		}
		batches = append(batches, b)
	}
	if err := bill.ReplacePeriods(ctx, testNow, batches); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	if yaml != "" {
		if cfg, err = config.Parse("steward.yaml", []byte(yaml)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(Options{Config: cfg, Store: st, Cost: bill, Dev: true, Now: func() time.Time { return testNow }, Lang: i18n.EN})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func getPage(t *testing.T, s *Server, target string, header ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestPages(t *testing.T) {
	s := testServer(t, "")
	tests := map[string]struct {
		target string
		status int
		want   []string
		not    []string
	}{
		"overview": {target: "/", status: 200, want: []string{
			"Findings by severity", `href="/findings?severity=critical"`, "55", "Findings over recent scans", `id="trend-data"`,
			"Largest rises by service", "AmazonRDS", "66.7% managed by IaC", "Four Keys by service", `href="/delivery?service=api"`,
		}},
		"findings first page":  {target: "/findings", status: 200, want: []string{"1–50 of 55 findings", "Page 1 of 2", `rel="next"`}},
		"findings second page": {target: "/findings?page=2", status: 200, want: []string{"51–55 of 55 findings", `rel="prev"`}, not: []string{`rel="next"`}},
		"filter severity":      {target: "/findings?severity=critical", status: 200, want: []string{"1–14 of 14 findings"}},
		"filter owner and category": {target: "/findings?owner=sato&category=waste", status: 200,
			want: []string{"1–9 of 9 findings"}},
		"filter new": {target: "/findings?new=1", status: 200, want: []string{"1–5 of 5 findings", "web-50"}, not: []string{"web-49"}},
		"no match":   {target: "/findings?owner=nobody", status: 200, want: []string{"No findings match these filters."}},
		"bad severity": {target: "/findings?severity=urgent", status: 400,
			want: []string{`severity: unknown severity &#34;urgent&#34; (valid: info, low, medium, high, critical)`}},
		"bad sort": {target: "/findings?sort=color", status: 400, want: []string{"sort: &#34;color&#34; is not valid"}},
		"bad page": {target: "/findings?page=0", status: 400, want: []string{"page: &#34;0&#34; is not a page number"}},
		"cost": {target: "/cost?by=service", status: 200, want: []string{
			"Daily usage spend", `id="daily-data"`, "AmazonEC2", "Untagged spend", "Anomalies", "No budgets configured",
		}},
		"cost bad by": {target: "/cost?by=colour", status: 400, want: []string{"by: &#34;colour&#34; is not valid"}},
		"iac":         {target: "/iac", status: 200, want: []string{"Import blocks to copy", "import {", "66.7% managed by IaC (40 managed, 20 unmanaged)", "Unmanaged resources (20)", "web-03"}},
		"delivery":    {target: "/delivery?service=api", status: 200, want: []string{"Four Keys by service", "Deployments (", "d1", "Four Keys per week", `id="deploys-data"`, `id="lead-data"`, `id="failure-data"`, `id="restore-data"`, `"label":"api"`}},
		"schedules":   {target: "/schedules", status: 200, want: []string{"No schedules in steward.yaml", "steward has changed nothing yet."}},
		"resource": {target: "/resource?arn=" + url.QueryEscape(arn(3)), status: 200, want: []string{
			"web-03", "t3.micro", "History", "tags.env", "stg", "prod", "changed",
		}},
		"resource unknown": {target: "/resource?arn=arn:aws:nothing", status: 404, want: []string{"No scan in the store has seen arn:aws:nothing."}},
		"resource no arn":  {target: "/resource", status: 400, want: []string{"Give a resource&#39;s ARN"}},
		"static htmx":      {target: "/static/vendor/htmx/htmx.min.js", status: 200, want: []string{"htmx"}},
		"static uplot":     {target: "/static/vendor/uplot/uPlot.iife.min.js", status: 200, want: []string{"uPlot"}},
		"static license":   {target: "/static/vendor/uplot/LICENSE", status: 200, want: []string{"MIT"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, body := getPage(t, s, tc.target)
			if code != tc.status {
				t.Errorf("status = %d, want %d; body:\n%s", code, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("body has %q", n)
				}
			}
		})
	}
}

// TestHostileNameEscaped: a resource named <script> shows as text on every
// page that names it, never as markup.
func TestHostileNameEscaped(t *testing.T) {
	s := testServer(t, "")
	for _, target := range []string{"/findings?owner=sato&category=security", "/iac", "/resource?arn=" + url.QueryEscape(arn(6))} {
		code, body := getPage(t, s, target)
		if code != 200 {
			t.Fatalf("%s: status %d", target, code)
		}
		if strings.Contains(body, hostile) || strings.Contains(body, "<script>alert") {
			t.Errorf("%s: the hostile name is in the page unescaped", target)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s: the hostile name is not shown escaped", target)
		}
	}
}

func TestFindingsSort(t *testing.T) {
	s := testServer(t, "")
	rows := regexp.MustCompile(`title="(arn:aws:ec2:[^"]+)"`)
	tests := map[string]struct {
		target string
		first  string
	}{
		"waste descending": {"/findings?sort=waste&dir=desc", arn(54)},
		"waste ascending":  {"/findings?sort=waste&dir=asc", arn(0)},
		"resource by name": {"/findings?sort=resource&dir=asc&category=security", arn(6)}, // "<script>" sorts first
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, body := getPage(t, s, tc.target)
			m := rows.FindStringSubmatch(body)
			if m == nil || m[1] != tc.first {
				t.Errorf("first row = %v, want %s", m, tc.first)
			}
		})
	}
}

// TestFindingsPartial: htmx asks for the table alone when a filter
// changes; a plain request gets the whole page.
func TestFindingsPartial(t *testing.T) {
	s := testServer(t, "")
	_, part := getPage(t, s, "/findings?severity=high", "HX-Request", "true", "HX-Target", "findings-table")
	if strings.Contains(part, "<html") || strings.Contains(part, "<form") {
		t.Errorf("partial has the page around the table:\n%s", part)
	}
	if !strings.Contains(part, "1–14 of 14 findings") {
		t.Errorf("partial lacks the filtered count:\n%s", part)
	}
	_, full := getPage(t, s, "/findings?severity=high")
	if !strings.Contains(full, "<html") || !strings.Contains(full, `hx-get="/findings"`) {
		t.Error("full page lacks the layout or the filter form")
	}
}

func TestLanguage(t *testing.T) {
	s := testServer(t, "")
	tests := map[string]struct {
		header     []string
		target     string
		want       string
		wantCookie bool
	}{
		"default english":        {target: "/", want: "Findings by severity"},
		"browser asks japanese":  {target: "/", header: []string{"Accept-Language", "ja-JP,ja;q=0.9,en;q=0.5"}, want: "重大度別の検出事項"},
		"browser asks french":    {target: "/", header: []string{"Accept-Language", "fr-FR"}, want: "Findings by severity"},
		"switch link sets it":    {target: "/findings?lang=ja", want: "条件をクリア", wantCookie: true},
		"cookie keeps it":        {target: "/cost", header: []string{"Cookie", langCookie + "=ja"}, want: "日別の利用額"},
		"cookie beats browser":   {target: "/", header: []string{"Cookie", langCookie + "=en", "Accept-Language", "ja"}, want: "Findings by severity"},
		"bad lang is ignored":    {target: "/?lang=xx", want: "Findings by severity"},
		"japanese money and day": {target: "/cost?lang=ja", want: "¥", wantCookie: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := s
			if name == "japanese money and day" {
				srv = testServer(t, "currency: {code: JPY, rate: 150}\n")
			}
			req := httptest.NewRequest(http.MethodGet, tc.target, nil)
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("page lacks %q", tc.want)
			}
			got := strings.Contains(rec.Header().Get("Set-Cookie"), langCookie+"=ja")
			if got != tc.wantCookie {
				t.Errorf("Set-Cookie = %q, want the language cookie: %v", rec.Header().Get("Set-Cookie"), tc.wantCookie)
			}
		})
	}
}

func TestTimeZone(t *testing.T) {
	s := testServer(t, "time_zone: Asia/Tokyo\n")
	_, body := getPage(t, s, "/")
	// The latest scan started at 02:00 UTC: 11:00 in Tokyo.
	if !strings.Contains(body, "2026-03-18 11:00 JST") {
		t.Errorf("overview does not show the scan time in Asia/Tokyo")
	}
}

func TestNoScan(t *testing.T) {
	st, err := store.Open(context.Background(), storetest.EmptySQLite(t, t.TempDir(), "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := New(Options{Config: config.Default(), Store: st, Dev: true, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/", "/findings", "/cost", "/iac"} {
		code, body := getPage(t, s, target)
		if code != http.StatusNotFound || !strings.Contains(body, "The store has no scan yet") {
			t.Errorf("%s: status %d, body lacks the no-scan message", target, code)
		}
	}
	code, body := getPage(t, s, "/delivery")
	if code != 200 || !strings.Contains(body, "No deployments recorded") {
		t.Errorf("/delivery: status %d, body lacks the no-deployments message", code)
	}
}

// TestSchedulesPage: each named schedule with what follows it and its
// starts and stops in the days ahead, and the journal of what steward did.
func TestSchedulesPage(t *testing.T) {
	s := testServer(t, "time_zone: Asia/Tokyo\nschedules:\n  office:\n    windows: [\"mon-fri 09:00-20:00\"]\n    holidays: jp\n    env: [\"prod\"]\n")
	ctx := context.Background()
	at := testNow.Add(-time.Hour)
	e := store.JournalEntry{ID: "j1", PlanID: "p1", ARN: arn(2), Type: "AWS::EC2::Instance", Name: "web-02", Action: "stop",
		Why: "office: off outside mon-fri 09:00-20:00", Actor: "steward serve", AsOf: at, IntentAt: at, Status: store.JournalIntent}
	if err := s.store.JournalIntent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.store.JournalResult(ctx, "j1", store.JournalDone, at.Add(time.Second), map[string]string{"state": "running"}, ""); err != nil {
		t.Fatal(err)
	}
	code, body := getPage(t, s, "/schedules")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		"<h2>office</h2>", "mon-fri 09:00-20:00", "Asia/Tokyo", "60 resources follow it:", // every test resource is env=prod
		"2026-03-18 Wed", "start 09:00", "stop 20:00", "2026-03-20 Fri</td><td>-</td><td>Vernal Equinox Day", // a Japanese public holiday: off all day
		"web-02", "stop", "done", "office: off outside mon-fri 09:00-20:00",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("schedules page lacks %q", want)
		}
	}
}

// slowStore holds back a scan's resources and their counts until
// released, as a large scan does on its first load (the counts of a scan
// saved before the store kept them are made from its resources).
type slowStore struct {
	store.Store
	release chan struct{}
}

func (s slowStore) Resources(ctx context.Context, scanID string) ([]inventory.Resource, error) {
	<-s.release
	return s.Store.Resources(ctx, scanID)
}

func (s slowStore) ResourceGroups(ctx context.Context, scanID string) ([]store.ResourceGroup, error) {
	<-s.release
	return s.Store.ResourceGroups(ctx, scanID)
}

func (s slowStore) EachResource(ctx context.Context, scanID string, fn func(*inventory.Resource) error) error {
	<-s.release
	return s.Store.EachResource(ctx, scanID, fn)
}

// TestLoading: while the latest scan's resources are read (minutes on a
// large estate), the pages that read the whole scan say so at once (503,
// Retry-After); the findings page never waits for them, and the overview
// shows all but the coverage, which it says is loading, and the schedules
// page all but what follows each schedule. Once read, every page shows
// it.
func TestLoading(t *testing.T) {
	base := testServer(t, "time_zone: Asia/Tokyo\nschedules:\n  office:\n    windows: [\"mon-fri 09:00-20:00\"]\n    env: [\"prod\"]\n")
	slow := slowStore{Store: base.store, release: make(chan struct{})}
	s, err := New(Options{Config: base.cfg, Store: slow, Cost: base.cost, Dev: true, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	old := loadWait
	loadWait = 50 * time.Millisecond
	defer func() { loadWait = old }()
	for _, target := range []string{"/iac", "/cost"} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "still being loaded") {
			t.Errorf("%s while loading: status %d, Retry-After %q, body has the loading message: %v", target, rec.Code, rec.Header().Get("Retry-After"), strings.Contains(rec.Body.String(), "still being loaded"))
		}
	}
	if code, body := getPage(t, s, "/findings"); code != 200 || !strings.Contains(body, "of 55 findings") {
		t.Errorf("/findings while the resources load: status %d, want 200 with the findings", code)
	}
	if code, body := getPage(t, s, "/"); code != 200 || !strings.Contains(body, "still being loaded") || strings.Contains(body, "managed by IaC") {
		t.Errorf("overview while the resources load: status %d, want 200 saying the coverage is loading:\n%s", code, body)
	}
	if code, body := getPage(t, s, "/schedules"); code != 200 || !strings.Contains(body, "still being counted") || !strings.Contains(body, "mon-fri 09:00-20:00") {
		t.Errorf("schedules while the resources load: status %d, want 200 with the schedule, saying its followers are counted:\n%s", code, body)
	}
	close(slow.release)
	loadWait = 10 * time.Second
	if code, body := getPage(t, s, "/schedules"); code != 200 || strings.Contains(body, "still being counted") || !strings.Contains(body, "60 resources follow it:") {
		t.Errorf("schedules once counted: status %d, or no count:\n%s", code, body)
	}
	for target, want := range map[string]string{"/iac": "managed by IaC", "/cost": "Daily usage spend"} {
		if code, body := getPage(t, s, target); code != 200 || strings.Contains(body, "still being loaded") || !strings.Contains(body, want) {
			t.Errorf("%s once loaded: status %d, or no %q", target, code, want)
		}
	}
	if code, body := getPage(t, s, "/"); code != 200 || strings.Contains(body, "still being loaded") || !strings.Contains(body, "managed by IaC") {
		t.Errorf("overview once loaded: status %d, or no coverage", code)
	}
}

// TestIaCPages: the coverage page lists the unmanaged resources a page at
// a time in the report's order (account, type, ARN), with the import
// blocks of the page's resources alone, and refuses a page that is not a
// number.
func TestIaCPages(t *testing.T) {
	s := testServer(t, "")
	old := unmanagedShown
	unmanagedShown = 7
	defer func() { unmanagedShown = old }()
	// The unmanaged resources are every third one: i-0000, i-0003 ... i-0057.
	unmanaged := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i += 3 {
			out = append(out, fmt.Sprintf("instance/i-%04d", i))
		}
		return out
	}
	tests := map[string]struct {
		target     string
		want, not  []string
		imports    int
		prev, next string
	}{
		"first": {target: "/iac", want: append(unmanaged(0, 18), "1–7 of 20", "Page 1 of 3", "Unmanaged resources (20)"),
			not: unmanaged(21, 57), imports: 7, next: "/iac?page=2"},
		"last": {target: "/iac?page=3", want: append(unmanaged(42, 57), "15–20 of 20", "Page 3 of 3"),
			not: unmanaged(0, 39), imports: 6, prev: "/iac?page=2"},
		"past the end": {target: "/iac?page=9", want: []string{"Page 9 of 3", "Unmanaged resources (20)"}, not: unmanaged(0, 57), prev: "/iac?page=3"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, body := getPage(t, s, tc.target)
			if code != 200 {
				t.Fatalf("status %d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n+`"`) || strings.Contains(body, n+"\n") {
					t.Errorf("page lists %s, which is on another page", n)
				}
			}
			if got := strings.Count(body, "import {"); got != tc.imports {
				t.Errorf("%d import blocks, want %d (the page's resources)", got, tc.imports)
			}
			for rel, href := range map[string]string{"prev": tc.prev, "next": tc.next} {
				link := `rel="` + rel + `" href="` + href + `"`
				if has := strings.Contains(body, `rel="`+rel+`"`); has != (href != "") || (href != "" && !strings.Contains(body, link)) {
					t.Errorf("%s link: want %q", rel, href)
				}
			}
		})
	}
	if code, body := getPage(t, s, "/iac?page=two"); code != http.StatusBadRequest || !strings.Contains(body, `page: &#34;two&#34; is not a page number`) {
		t.Errorf("/iac?page=two: status %d, want 400 naming the parameter:\n%s", code, body)
	}
}
