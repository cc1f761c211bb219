package finding

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/steward-sre/steward/internal/i18n"
)

func TestSeverity(t *testing.T) {
	for _, name := range []string{"info", "low", "medium", "high", "critical"} {
		s, err := ParseSeverity(strings.ToUpper(name))
		if err != nil {
			t.Fatal(err)
		}
		if s.String() != name {
			t.Errorf("ParseSeverity(%q).String() = %q", name, s)
		}
	}
	if !(Critical > High && High > Medium && Medium > Low && Low > Info) {
		t.Error("severities must order info < low < medium < high < critical")
	}
	if _, err := ParseSeverity("urgent"); err == nil || !strings.Contains(err.Error(), "valid: info, low, medium, high, critical") {
		t.Errorf("ParseSeverity(urgent) = %v, want the valid names", err)
	}
}

func TestSeverityJSON(t *testing.T) {
	b, err := json.Marshal(Finding{Severity: High})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"severity":"high"`) {
		t.Errorf("JSON %s does not carry the severity by name", b)
	}
	var f Finding
	if err := json.Unmarshal([]byte(`{"severity":"critical"}`), &f); err != nil || f.Severity != Critical {
		t.Errorf("Unmarshal = %v, %v; want critical", f.Severity, err)
	}
	if err := json.Unmarshal([]byte(`{"severity":"bad"}`), &f); err == nil {
		t.Error("an unknown severity must not decode")
	}
}

func TestCategory(t *testing.T) {
	for _, c := range Categories {
		if got, err := ParseCategory(string(c)); err != nil || got != c {
			t.Errorf("ParseCategory(%q) = %q, %v", c, got, err)
		}
	}
	if _, err := ParseCategory("misc"); err == nil || !strings.Contains(err.Error(), "naming, tagging, waste, idle, security, iac, cost") {
		t.Errorf("ParseCategory(misc) = %v, want the valid names", err)
	}
}

func TestKey(t *testing.T) {
	a := Finding{Policy: "p", ARN: "x"}
	b := Finding{Policy: "p", ARN: "x", Message: "other text"}
	c := Finding{Policy: "q", ARN: "x"}
	if a.Key() != b.Key() || a.Key() == c.Key() {
		t.Error("a finding's key is its policy and ARN, nothing else")
	}
}

// Every severity and category has a word for people in each language;
// the names flags and machine formats use stay as they are.
func TestLabels(t *testing.T) {
	ja := i18n.JA
	for s := Info; s <= Critical; s++ {
		if got := s.Label(i18n.EN); got != s.String() {
			t.Errorf("%s in English = %q", s, got)
		}
		if got := s.Label(ja); got == s.String() || got == "" {
			t.Errorf("%s in Japanese = %q, want a Japanese word", s, got)
		}
	}
	for _, c := range Categories {
		if got := c.Label(ja); got == "" || (got == string(c) && c != IaC) {
			t.Errorf("category %s in Japanese = %q", c, got)
		}
	}
	if got := Severity(9).Label(ja); got != "severity(9)" {
		t.Errorf("an unknown severity = %q", got)
	}
	if got, want := Critical.Label(ja)+High.Label(ja)+Idle.Label(ja), "緊急高未使用"; got != want {
		t.Errorf("labels = %q, want %q", got, want)
	}
}

// The words tables show are taken back where a name is: a reader types
// what they read.
func TestParseLabels(t *testing.T) {
	for in, want := range map[string]Severity{"高": High, "緊急": Critical, " 情報 ": Info, "HIGH": High, "critical": Critical} {
		if got, err := ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]Category{"無駄": Waste, "未使用": Idle, "IaC": IaC, "iac": IaC, "security": Security} {
		if got, err := ParseCategory(in); err != nil || got != want {
			t.Errorf("ParseCategory(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "高い", "severity.high", "sev"} {
		if _, err := ParseSeverity(bad); err == nil {
			t.Errorf("ParseSeverity(%q) took it", bad)
		}
	}
	if _, err := ParseCategory("category.waste"); err == nil {
		t.Error("ParseCategory took a catalog key")
	}
}
