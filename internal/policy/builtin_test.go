package policy

import (
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/naming"
)

func testOptions() Options {
	required := map[string][]string{"env": {"prod", "stg", "dev"}, "system": nil, "owner": nil}
	return Options{
		Now:      time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Naming:   naming.MustCompile("{system}-{env}-{role}", "", required),
		Required: required,
	}
}

func TestBuiltinCompiles(t *testing.T) {
	ps, err := Load(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(ps, testOptions()); err != nil {
		t.Fatal(err)
	}
	t.Log(len(ps))
}
