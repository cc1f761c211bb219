package server

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/inventory"
)

// FuzzFindingQuery: any query string is read without a panic, and a query
// that reads back from its own URL is the same query, so every link the
// page writes (sort, page, filters) keeps what the reader chose.
func FuzzFindingQuery(f *testing.F) {
	for _, seed := range []string{
		"", "severity=high&sort=waste&dir=desc", "owner=sato&system=shop&env=prod&account=111111111111&category=waste&new=1&page=3",
		"severity=urgent", "page=-1", "page=99999999999999999999", "sort=color", "dir=sideways", "new=maybe", "owner=%3Cscript%3E",
		"page=3&after=7.waste.1234", "page=2&before=7.resource.50", "after=1.severity.3&before=1.severity.9", "after=yesterday",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fq, err := parseFindingQuery(q)
		if err != nil {
			return
		}
		back, err := parseFindingQuery(fq.values())
		if err != nil {
			t.Fatalf("the query's own URL %q does not read back: %v", fq.URL(), err)
		}
		if diff := cmp.Diff(fq, back, cmp.AllowUnexported(findingQuery{})); diff != "" {
			t.Errorf("read back differs (-first +again):\n%s", diff)
		}
	})
}

// A filter in the words the page shows (Japanese) reads as the names the
// store filters by.
func TestFindingQueryTakesTheWordsShown(t *testing.T) {
	fq, err := parseFindingQuery(url.Values{"category": {"無駄"}, "severity": {"高"}})
	if err != nil {
		t.Fatal(err)
	}
	if fq.Category != "waste" || fq.Severity != "high" {
		t.Errorf("category %q, severity %q; want waste, high", fq.Category, fq.Severity)
	}
}

// TestFindingsPager walks a 263-finding scan page by page with the
// pager's links: Next and Prev carry the store's cursor and number the
// rows right, together they show every finding once, First and Last jump
// to the ends, and a link whose cursor is of another order (or scan)
// shows the first page rather than a wrong one.
func TestFindingsPager(t *testing.T) {
	s := testServer(t, "")
	ctx := t.Context()
	prev, err := s.store.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 263 // six pages, the last with 13
	started := prev.Started.Add(time.Hour)
	sc := &inventory.Scan{ID: "many", Source: "test", Started: started, Finished: started.Add(time.Minute), Coverage: prev.Coverage, Currency: "USD", Rate: 1}
	fs := make([]finding.Finding, n)
	for i := range fs {
		fs[i] = finding.Finding{
			Policy: fmt.Sprintf("p-%d", i%4), Title: "t", Severity: finding.Severity(i % 3), Category: finding.Waste,
			ARN: fmt.Sprintf("arn:aws:ec2:ap-northeast-1:111111111111:instance/i-%04d", i), Type: "AWS::EC2::Instance",
			Account: "111111111111", Region: "ap-northeast-1", Name: fmt.Sprintf("n-%d", i%9), Owner: "sato",
			MonthlyWaste: float64(i % 5), Currency: "USD", Rate: 1, Message: "m",
		}
	}
	if _, err := s.store.SaveScan(ctx, sc, nil, fs); err != nil {
		t.Fatal(err)
	}
	rowARN := regexp.MustCompile(`title="(arn:aws:ec2:[^"]+)"`)
	link := func(body, rel string) string {
		m := regexp.MustCompile(`rel="` + rel + `" href="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return html.UnescapeString(m[1])
	}
	arns := func(body string) []string {
		var out []string
		for _, m := range rowARN.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}

	start := "/findings?dir=asc&sort=resource"
	var pages [][]string
	var bodies []string
	seen := map[string]bool{}
	for target, i := start, 1; target != ""; i++ {
		code, body := getPage(t, s, target)
		if code != 200 {
			t.Fatalf("page %d (%s): status %d:\n%s", i, target, code, body)
		}
		first, last := (i-1)*50+1, min(i*50, n)
		if want := fmt.Sprintf("%d–%d of %d findings", first, last, n); !strings.Contains(body, want) {
			t.Errorf("page %d (%s) lacks %q", i, target, want)
		}
		if want := fmt.Sprintf("Page %d of 6", i); !strings.Contains(body, want) {
			t.Errorf("page %d lacks %q", i, want)
		}
		if i > 1 && !strings.Contains(target, "after=") {
			t.Errorf("page %d's link %s carries no cursor", i, target)
		}
		for _, a := range arns(body) {
			if seen[a] {
				t.Errorf("page %d shows %s again", i, a)
			}
			seen[a] = true
		}
		pages, bodies = append(pages, arns(body)), append(bodies, body)
		target = link(body, "next")
		if i > 6 {
			t.Fatal("more than six pages")
		}
	}
	if len(pages) != 6 || len(seen) != n || len(pages[5]) != 13 {
		t.Fatalf("walked %d pages, %d findings, the last with %d; want 6, %d, 13", len(pages), len(seen), len(pages[len(pages)-1]), n)
	}
	// Back from the last page: the same pages; page 2's Prev is page 1's
	// plain link.
	for i := 5; i >= 1; i-- {
		back := link(bodies[i], "prev")
		if i == 1 && back != start {
			t.Errorf("page 2's prev = %q, want %q", back, start)
		}
		_, body := getPage(t, s, back)
		if diff := cmp.Diff(pages[i-1], arns(body)); diff != "" {
			t.Errorf("page %d by prev (-by next +by prev):\n%s", i, diff)
		}
	}
	if got := link(bodies[0], "last"); got != "/findings?dir=asc&page=6&sort=resource" {
		t.Errorf("page 1's last = %q", got)
	} else if _, body := getPage(t, s, got); !cmp.Equal(pages[5], arns(body)) {
		t.Errorf("the last page by number differs from the one by cursor")
	}
	if got := link(bodies[3], "first"); got != start {
		t.Errorf("page 4's first = %q, want %q", got, start)
	}
	if link(bodies[0], "prev")+link(bodies[0], "first")+link(bodies[5], "next")+link(bodies[5], "last") != "" {
		t.Error("a link past an end")
	}

	// A cursor of another order: the first page of this one.
	stale := strings.Replace(link(bodies[2], "next"), "sort=resource", "sort=owner", 1)
	code, body := getPage(t, s, stale)
	if code != 200 || !strings.Contains(body, "1–50 of 263 findings") || !strings.Contains(body, "Page 1 of 6") {
		t.Errorf("%s: status %d, want the first page", stale, code)
	}
	for target, want := range map[string]string{
		"/findings?after=yesterday":                               "after &#34;yesterday&#34; is not a cursor",
		"/findings?page=2&after=1.severity.3&before=1.severity.9": "after and before: give one",
	} {
		if code, body := getPage(t, s, target); code != 400 || !strings.Contains(body, want) {
			t.Errorf("%s: status %d, want 400 saying %q", target, code, want)
		}
	}
}
