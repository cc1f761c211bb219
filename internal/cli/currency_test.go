package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scan made under currency JPY and read later under USD (and the
// reverse) is converted at the rates it was stored with and labelled with
// the currency it is shown in, never yen behind a dollar sign.
func TestFindingsUnderAnotherCurrency(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store := emptyStore(t, dir, "steward.db")
	cfg := map[string]string{
		"USD": filepath.Join(dir, "usd.yaml"),
		"JPY": filepath.Join(dir, "jpy.yaml"),
	}
	if err := os.WriteFile(cfg["USD"], []byte("currency: {code: USD}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg["JPY"], []byte("currency: {code: JPY, rate: 150}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Summary struct {
			MonthlyWaste    float64            `json:"monthly_waste"`
			Currency        string             `json:"currency"`
			OtherCurrencies map[string]float64 `json:"other_currencies"`
		} `json:"summary"`
	}
	run := func(t *testing.T, args ...string) summary {
		t.Helper()
		env, out, errb := testEnv()
		if code := Main(context.Background(), append([]string{"--store", store}, args...), env); code != 0 {
			t.Fatalf("steward %s: exit %d: %s", strings.Join(args, " "), code, errb)
		}
		var s summary
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatalf("steward %s: %v", strings.Join(args, " "), err)
		}
		return s
	}
	for _, tc := range []struct{ scanned, read string }{{"JPY", "USD"}, {"USD", "JPY"}} {
		t.Run(tc.scanned+" read as "+tc.read, func(t *testing.T) {
			scan := run(t, "--config", cfg[tc.scanned], "demo", "--format", "json")
			direct := run(t, "--config", cfg[tc.read], "demo", "--format", "json", "--no-store")
			got := run(t, "--config", cfg[tc.read], "findings", "--format", "json")
			if got.Summary.Currency != tc.read || len(got.Summary.OtherCurrencies) != 0 {
				t.Fatalf("findings under %s: summary in %s, others %v", tc.read, got.Summary.Currency, got.Summary.OtherCurrencies)
			}
			// Converted amounts round per finding: allow half a minor unit
			// for each of the demo's priced findings.
			tolerance := map[string]float64{"USD": 0.15, "JPY": 15}[tc.read]
			if diff := got.Summary.MonthlyWaste - direct.Summary.MonthlyWaste; diff > tolerance || diff < -tolerance {
				t.Errorf("waste read under %s = %v, a scan made under %s says %v (stored as %v %s)",
					tc.read, got.Summary.MonthlyWaste, tc.read, direct.Summary.MonthlyWaste, scan.Summary.MonthlyWaste, scan.Summary.Currency)
			}
		})
	}
	env, out, errb := testEnv()
	env.IsTTY = nil
	if code := Main(context.Background(), []string{"--store", store, "--config", cfg["USD"], "findings"}, env); code != 0 {
		t.Fatalf("findings table: exit %d: %s", code, errb)
	}
	if strings.Contains(out.String(), "$7,500") || !strings.Contains(out.String(), "Monthly waste: $") {
		t.Errorf("table under USD:\n%s", out)
	}
}
