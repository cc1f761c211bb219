package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/steward-sre/steward/internal/cli"
)

// TestDashboardInBrowser drives headless Chromium against `steward serve
// --demo` (the real binary, built here): every page loads with its
// content, the findings filter updates the table in place, a finding
// leads to its resource, an environment is claimed from its board, and
// the language switch turns the pages Japanese. Screenshots go to
// $STEWARD_E2E_ARTIFACTS (else a temporary folder) and their paths are
// logged.
func TestDashboardInBrowser(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		t.Skip("SKIPPED: no chromium on this machine, so the dashboard was NOT tested in a browser (apt-get install -y chromium)")
	}
	// Most of this test is waiting for the browser, a process of its own:
	// it runs beside the package's other parallel tests.
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	base := startDemo(ctx, t)
	t.Logf("steward serve --demo answers on %s (%s to seed the demo and start)", base, time.Since(began).Round(time.Millisecond))

	artifacts := os.Getenv("STEWARD_E2E_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browser),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000),
		// English unless the page is told otherwise.
		chromedp.Flag("lang", "en-US"), chromedp.Env("LANGUAGE=en_US"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // 100: PNG, not JPEG
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		p := filepath.Join(artifacts, name+".png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	eval := func(what, js string) []string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	mustContain := func(sel, want string) {
		t.Helper()
		if got := text(sel); !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", sel, short(got), want)
		}
	}
	poll := func(js string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second)))
			return err
		})
	}

	t.Logf("browser started (%s since the test began)", time.Since(began).Round(time.Millisecond))
	// Overview, with the trend chart drawn by uPlot.
	run("overview", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".chart .uplot")))
	shot("overview")
	mustContain("h1", "Overview")
	mustContain("main", "Findings by severity")
	mustContain("main", "Four Keys by service")

	// Findings: choose a severity; htmx swaps the table and the URL follows.
	run("findings", chromedp.Navigate(base+"/findings"), chromedp.WaitVisible(chromedp.CSS("#findings-count")))
	before := text("#findings-count")
	run("filter findings",
		chromedp.SetValue(chromedp.CSS(`select[name="severity"]`), "critical"),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('select[name="severity"]').dispatchEvent(new Event('change', {bubbles: true}))`))
			return err
		}),
		poll(`document.querySelector('#findings-count').textContent !== `+jsString(before)),
	)
	shot("findings-critical")
	count := text("#findings-count")
	if !regexp.MustCompile(`of [0-9]+ findings`).MatchString(count) || count == before {
		t.Errorf("after filtering: %q (before %q)", count, before)
	}
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "severity=critical") {
		t.Errorf("the address does not keep the filter: %s", loc)
	}
	sevs := eval("severities", `[...document.querySelectorAll('table.findings tbody .sev')].map(e => e.textContent)`)
	if len(sevs) == 0 {
		t.Error("no finding rows after filtering")
	}
	for _, s := range sevs {
		if s != "critical" {
			t.Errorf("a %q finding is shown under the critical filter", s)
		}
	}

	// A finding's resource link leads to its page.
	resName := text(`table.findings tbody a.res`)
	run("open resource", chromedp.Click(chromedp.CSS(`table.findings tbody a.res`)), chromedp.WaitVisible(chromedp.CSS("#arn")))
	shot("resource")
	mustContain("h1", strings.TrimSuffix(resName, "…"))
	mustContain("main", "History")
	mustContain("main", "Findings (")

	// The other pages.
	for _, p := range []struct{ path, wait, want string }{
		{"/cost", ".chart .uplot", "Daily usage spend"},
		{"/iac", "h1", "IaC coverage"},
		{"/delivery", ".chart .uplot", "Four Keys per week"},
		{"/schedules", "h1", "Journal of actions"},
	} {
		name := strings.TrimPrefix(p.path, "/")
		run(name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		shot(name)
		mustContain("main", p.want)
	}

	// Environments: claim qa2 (free on the demo board) with the board's
	// form; htmx swaps the board and qa2's row names the holder.
	run("environments", chromedp.Navigate(base+"/environments"), chromedp.WaitVisible(chromedp.CSS("#env-board")))
	mustContain("#env-qa1", "alice")
	mustContain("#env-qa2", "free")
	run("claim qa2",
		chromedp.SendKeys(chromedp.CSS(`#env-qa2 input[name="for"]`), "3h"),
		chromedp.SendKeys(chromedp.CSS(`#env-qa2 input[name="purpose"]`), "PR #200 browser test"),
		chromedp.Click(chromedp.CSS(`#env-qa2 button.claim`)),
		poll(`(document.querySelector('#env-flash') || {}).textContent === undefined ? false : document.querySelector('#env-flash').textContent.includes('You claimed qa2')`),
	)
	shot("environments-claimed")
	mustContain("#env-qa2", "held by dev")
	mustContain("#env-qa2", "PR #200 browser test")
	mustContain("#env-qa2", "3h left")
	if n := eval("release buttons", `[...document.querySelectorAll('#env-qa2 form[action$="/release"]')].map(f => f.action)`); len(n) != 1 {
		t.Errorf("qa2 has %d release forms after the claim, want 1", len(n))
	}
	if loc, err := chromedp.Run(bctx, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/environments") {
		t.Errorf("the claim left the page: %s %v", loc, err)
	}

	// The language switch: Japanese on this page, and kept on the next.
	run("switch to Japanese", chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] h1`)))
	mustContain("h1", "環境")
	mustContain("#env-qa2", "dev さんが利用中")
	shot("environments-ja")
	run("overview in Japanese", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(".chart .uplot")))
	shot("overview-ja")
	mustContain("main", "重大度別の検出事項")
	mustContain("header", "検出事項")
	run("findings in Japanese", chromedp.Navigate(base+"/findings"), chromedp.WaitVisible(chromedp.CSS("#findings-count")))
	shot("findings-ja")
	mustContain("#findings-count", "件中")
}

// findChromium is Debian's chromium, or another Chromium-based browser on
// the path.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startDemo runs `steward serve --demo` (the command itself, in this
// process) on a free loopback port with a fresh store, and returns its
// base URL. It stops when the test ends.
func startDemo(ctx context.Context, t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sctx, stop := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(sctx, []string{"--store", filepath.Join(dir, "steward.db"), "--lang", "en", "serve", "--demo", "--listen", "127.0.0.1:0"},
			cli.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw, Getenv: func(string) string { return "" }})
		pw.Close()
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("steward serve did not stop within 30 s of being asked")
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		re := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)
		for sc.Scan() {
			if m := re.FindString(sc.Text()); m != "" {
				addr <- m
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case a := <-addr:
		return a
	case code := <-done:
		t.Fatalf("steward serve --demo exited with %d before serving", code)
	case <-time.After(60 * time.Second):
		t.Fatal("steward serve --demo did not say where it serves within 60 s")
	}
	return ""
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
