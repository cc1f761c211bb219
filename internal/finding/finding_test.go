package finding

import (
	"encoding/json"
	"strings"
	"testing"
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
