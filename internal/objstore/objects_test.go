package objstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"states/**/*.tfstate", "states/a.tfstate", true},
		{"states/**/*.tfstate", "states/x/y/a.tfstate", true},
		{"states/**/*.tfstate", "other/a.tfstate", false},
		{"states/*.tfstate", "states/x/a.tfstate", false},
		{"./s/*.tfstate", "s/a.tfstate", true},
		{"**", "a/b", true},
	}
	for _, tc := range tests {
		if got := MatchGlob(tc.pattern, tc.name); got != tc.want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func gzipOf(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadGzipTransparent(t *testing.T) {
	dir := t.TempDir()
	plain, zipped := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json.gz")
	os.WriteFile(plain, []byte("plain"), 0o644)
	os.WriteFile(zipped, gzipOf(t, "zipped"), 0o644)
	bomb := filepath.Join(dir, "c.json.gz")
	os.WriteFile(bomb, gzipOf(t, strings.Repeat("z", 10000)), 0o644)
	ctx := context.Background()
	tests := map[string]struct {
		read    func() ([]byte, error)
		want    string
		wantErr string
	}{
		"local plain":  {read: func() ([]byte, error) { return ReadLocal(ctx, plain, 0) }, want: "plain"},
		"local gzip":   {read: func() ([]byte, error) { return ReadLocal(ctx, zipped, 0) }, want: "zipped"},
		"gzip too big": {read: func() ([]byte, error) { return ReadLocal(ctx, bomb, 200) }, wantErr: "(decompressed): larger than"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tc.read()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	br, gzipped, err := Decompress(bytes.NewReader(gzipOf(t, "stream")), "s")
	if err != nil || !gzipped {
		t.Fatalf("Decompress: gzipped %v, %v", gzipped, err)
	}
	if b, _ := io.ReadAll(br); string(b) != "stream" {
		t.Errorf("Decompress read %q", b)
	}
}

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a/x.csv", "a/b/y.csv.gz", "a/b/z.txt"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	rel := func(ps []string) []string {
		for i, p := range ps {
			ps[i], _ = filepath.Rel(dir, p)
			ps[i] = filepath.ToSlash(ps[i])
		}
		return ps
	}
	tests := map[string]struct {
		spec, dirPattern string
		want             []string
		wantErr          string
	}{
		"file":     {spec: "a/x.csv", want: []string{"a/x.csv"}},
		"folder":   {spec: "a", dirPattern: "*.csv*", want: []string{"a/b/y.csv.gz", "a/x.csv"}},
		"glob":     {spec: "a/**/*.gz", want: []string{"a/b/y.csv.gz"}},
		"no match": {spec: "a/**/*.parquet", wantErr: "no files match"},
		"no such":  {spec: "nope", wantErr: "no such file"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Expand(filepath.Join(dir, tc.spec), tc.dirPattern)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rel(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzMatchGlob holds MatchGlob to a plain recursive reading of the rule
// on short inputs, and to finishing at once on long ones.
func FuzzMatchGlob(f *testing.F) {
	f.Add("states/**/*.tfstate", "states/x/y/a.tfstate")
	f.Add("**/**/**/**/**/**/**/**/**/**/x", strings.Repeat("a/", 40)+"b")
	f.Add("a/[", "a/b")
	f.Fuzz(func(t *testing.T, pattern, name string) {
		got := MatchGlob(pattern, name)
		if strings.Count(pattern, "/")+strings.Count(name, "/") > 24 {
			return // the reference below is exponential
		}
		if want := slowMatch(strings.Split(strings.TrimPrefix(pattern, "./"), "/"), strings.Split(strings.TrimPrefix(name, "./"), "/")); got != want {
			t.Errorf("MatchGlob(%q, %q) = %v, want %v", pattern, name, got, want)
		}
	})
}

func slowMatch(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if slowMatch(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
