package server

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzFindingQuery: any query string is read without a panic, and a query
// that reads back from its own URL is the same query, so every link the
// page writes (sort, page, filters) keeps what the reader chose.
func FuzzFindingQuery(f *testing.F) {
	for _, seed := range []string{
		"", "severity=high&sort=waste&dir=desc", "owner=sato&system=shop&env=prod&account=111111111111&category=waste&new=1&page=3",
		"severity=urgent", "page=-1", "page=99999999999999999999", "sort=color", "dir=sideways", "new=maybe", "owner=%3Cscript%3E",
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
