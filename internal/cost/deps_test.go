package cost_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The cost domain computes results; people's tables, Markdown, CSV and
// JSON shaping live in the report layer, which imports cost and never the
// reverse. Nor does cost know the commands or the server that call it.
func TestCostImportsNoOutputLayer(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	const mod = "github.com/steward-sre/steward/internal/"
	out, err := exec.Command(goTool, "list", "-deps", "./", "./costdb").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		rest, ok := strings.CutPrefix(pkg, mod)
		if !ok {
			continue
		}
		for _, banned := range []string{"report", "cli", "server"} {
			if rest == banned || strings.HasPrefix(rest, banned+"/") {
				t.Errorf("internal/cost depends on %s, which belongs to the output layer", pkg)
			}
		}
	}
}
