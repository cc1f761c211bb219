package server

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// The dashboard is server-rendered HTML: Go templates, a stylesheet, and
// two vendored libraries (htmx for partial updates, uPlot for charts),
// all embedded so the binary stays one file and works offline.
//
//go:embed web/templates/*.html
var templateFS embed.FS

//go:embed web/static
var staticFS embed.FS

// pages are the dashboard's templates, each parsed with the layout.
var pages = map[string]*template.Template{}

func init() {
	names := []string{"overview", "findings", "cost", "iac", "environments", "delivery", "schedules", "resource", "error"}
	for _, n := range names {
		t := template.Must(template.New(n).Funcs(templateFuncs).ParseFS(templateFS, "web/templates/layout.html", "web/templates/"+n+".html"))
		pages[n] = t
	}
}

var templateFuncs = template.FuncMap{
	"add":   func(a, b int) int { return a + b },
	"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f) },
	"lower": strings.ToLower,
	// short cuts an ARN or id for a table cell; the full value is in the
	// link's title.
	"short": func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n-1]) + "…"
		}
		return s
	},
	"resourceURL": func(arn string) string { return "/resource?arn=" + url.QueryEscape(arn) },
	// pair hands a sub-template the page's view and one value.
	"pair":   func(v *view, x any) map[string]any { return map[string]any{"V": v, "X": x} },
	"list":   func(xs ...any) []any { return xs },
	"mul100": func(f float64) float64 { return f * 100 },
	"ptr":    func(f float64) *float64 { return &f },
	"sevNames": func(ss []finding.Severity) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = s.String()
		}
		return out
	},
	"catNames": func(cs []finding.Category) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = string(c)
		}
		return out
	},
}

// dashboardRoutes registers the pages and their static assets.
func (s *Server) dashboardRoutes() {
	static, err := fs.Sub(staticFS, "web/static")
	if err != nil {
		panic(err) // the embed directive guarantees the folder
	}
	files := http.FileServerFS(static)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(24*time.Hour, files)))
	s.mux.HandleFunc("GET /{$}", s.overviewPage)
	s.mux.HandleFunc("GET /findings", s.findingsPage)
	s.mux.HandleFunc("GET /cost", s.costPage)
	s.mux.HandleFunc("GET /iac", s.iacPage)
	s.mux.HandleFunc("GET /environments", s.envsPage)
	for _, op := range []string{"claim", "extend", "release"} {
		s.mux.HandleFunc("POST /environments/{name}/"+op, s.envsLease(op))
	}
	s.mux.HandleFunc("GET /delivery", s.deliveryPage)
	s.mux.HandleFunc("GET /schedules", s.schedulesPage)
	s.mux.HandleFunc("GET /resource", s.resourcePage)
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

// langCookie keeps the language a reader picked with the switch link.
const langCookie = "steward_lang"

var langMatcher = language.NewMatcher([]language.Tag{language.English, language.Japanese})

// pageLang is the language of a page: ?lang= (which the switch link sets
// and a cookie then keeps), the cookie, the browser's Accept-Language,
// else the server's configured language.
func (s *Server) pageLang(w http.ResponseWriter, r *http.Request) i18n.Lang {
	if q := r.URL.Query().Get("lang"); q != "" {
		if l, err := i18n.Parse(q); err == nil {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
			return l
		}
	}
	return s.readerLang(r)
}

// readerLang is the language a request reads in, as pageLang decides it
// but setting no cookie (the API's findings are in it).
func (s *Server) readerLang(r *http.Request) i18n.Lang {
	if q := r.URL.Query().Get("lang"); q != "" {
		if l, err := i18n.Parse(q); err == nil {
			return l
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, err := i18n.Parse(c.Value); err == nil {
			return l
		}
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		if tags, _, err := language.ParseAcceptLanguage(h); err == nil && len(tags) > 0 {
			_, idx, conf := langMatcher.Match(tags...)
			if conf >= language.High {
				return i18n.Langs[idx]
			}
		}
	}
	if s.lang != "" {
		return s.lang
	}
	return i18n.EN
}

// view is what every page template gets: the language, how to show money
// and times, the navigation, and the page's own data.
type view struct {
	L        i18n.Lang
	Nav      string
	Title    string
	Currency string
	loc      *time.Location
	// OtherLang is the language the switch link offers, and its URL.
	OtherLang, OtherLangURL string
	Now                     time.Time
	Data                    any
}

// Money shows an amount in its currency through the one formatter. It
// takes a money.Amount, or a float64 amount in the display currency.
func (v *view) Money(a any) string {
	switch x := a.(type) {
	case money.Amount:
		return money.Format(x, v.Currency)
	case float64:
		return money.FormatFloat(x, v.Currency)
	}
	return fmt.Sprint(a)
}

// MoneyIn shows an amount in a named currency.
func (v *view) MoneyIn(a money.Amount, code string) string { return money.Format(a, code) }

// Time shows an instant in the configured time zone.
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(v.loc).Format("2006-01-02 15:04 MST")
}

// Date shows the day of an instant in the configured time zone.
func (v *view) Date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(v.loc).Format(time.DateOnly)
}

// Zone names the configured time zone.
func (v *view) Zone() string { return v.loc.String() }

// Num writes a count with thousands separators.
func (v *view) Num(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

// Minutes writes a duration in minutes as people say it; "-" for none.
func (v *view) Minutes(m *float64) string {
	if m == nil || math.IsNaN(*m) {
		return "-"
	}
	return delivery.HumanMinutesIn(v.L, *m)
}

// Ratio writes a share as a percentage; "-" for none.
func (v *view) Ratio(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

// newView builds the view of one request.
func (s *Server) newView(w http.ResponseWriter, r *http.Request, nav string) *view {
	l := s.pageLang(w, r)
	v := &view{L: l, Nav: nav, Currency: s.cfg.Currency.Code, loc: s.zone(), Now: s.now()}
	if v.Currency == "" {
		v.Currency = money.USD
	}
	v.OtherLang = string(i18n.JA)
	if l == i18n.JA {
		v.OtherLang = string(i18n.EN)
	}
	q := r.URL.Query()
	q.Set("lang", v.OtherLang)
	v.OtherLangURL = r.URL.Path + "?" + q.Encode()
	return v
}

// zone is the configured time zone (time_zone in steward.yaml); UTC when
// none is set. Config validation has already loaded it once.
func (s *Server) zone() *time.Location {
	if s.cfg.TimeZone == "" {
		return time.UTC
	}
	loc, err := schedule.LoadZone(s.cfg.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// render writes a page, or with block only that named part of it (an
// htmx partial update).
func (s *Server) render(w http.ResponseWriter, page, block string, v *view) {
	t := pages[page]
	name := "layout"
	if block != "" {
		name = block
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Vary", "Accept-Language, Cookie, HX-Request")
	_, _ = w.Write(buf.Bytes())
}

// pageError shows an error page; the cause goes to the log.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, status int, key string, cause error, args ...any) {
	if cause != nil {
		s.log.Warn("dashboard", "path", r.URL.Path, "status", status, "err", cause)
	}
	v := s.newView(w, r, "")
	v.Title = v.L.T("web.error.title")
	v.Data = v.L.T(key, args...)
	var buf bytes.Buffer
	if err := pages["error"].ExecuteTemplate(&buf, "layout", v); err != nil {
		http.Error(w, v.L.T(key, args...), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// loadWait is how long a page waits for what it reads of the latest scan
// once per scan (the coverage counts, the schedules' followers, the cost
// views) before it answers without them or asks the reader to come back.
var loadWait = 5 * time.Second // a variable so tests need not wait

// loaded says whether what a page waited for (within loadWait) came; if
// not, it writes why: come back later (503, Retry-After) when it is still
// being read, no scan, or the store's error.
func (s *Server) loaded(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
		// A large scan takes minutes to load the first time; the load
		// goes on, and the reader is told to come back rather than kept
		// waiting past the server's write timeout.
		w.Header().Set("Retry-After", "10")
		s.pageError(w, r, http.StatusServiceUnavailable, "web.loading", nil)
		return false
	case errors.Is(err, store.ErrNotFound):
		s.pageError(w, r, http.StatusNotFound, "web.noscan", nil)
		return false
	case err != nil:
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return false
	}
	return true
}

// head is the latest scan (its record, not its resources or findings), or
// an error page when there is none (false). The overview, findings and
// resource pages read the rest from the store a page at a time.
func (s *Server) head(w http.ResponseWriter, r *http.Request) (*inventory.Scan, bool) {
	sc, err := s.dash.latestScan(r.Context())
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.pageError(w, r, http.StatusNotFound, "web.noscan", nil)
		return nil, false
	case err != nil:
		s.pageError(w, r, http.StatusInternalServerError, "web.storeerror", err)
		return nil, false
	}
	return sc, true
}
