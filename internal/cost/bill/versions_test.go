package bill

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// FuzzManifests feeds arbitrary manifests to both readers: an error or
// an answer, never a panic, and an answer is what the manifest says.
func FuzzManifests(f *testing.F) {
	f.Add([]byte(`{"assemblyId":"a-1","reportKeys":["p/r/20250101-20250201/a-1/r-1.csv.gz"]}`))
	f.Add([]byte(`{"dataFiles":["s3://b/p/e/data/BILLING_PERIOD=2025-01/e-00001.parquet"],"columns":[]}`))
	f.Add([]byte(`[["s3://b/e/data/X=1/f.csv"]]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		file := billFile{name: "m.json", open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
		if id, err := manifestAssembly(context.Background(), file); err == nil && (id == "" || !bytes.Contains(b, []byte("assemblyId"))) {
			t.Fatalf("assembly %q from %q", id, b)
		}
		listed, err := manifestFiles(context.Background(), file)
		if err != nil {
			return
		}
		for rel := range listed {
			if _, _, r, ok := exportPartition(rel); !ok || r != rel || !billExt(rel) {
				t.Fatalf("listed %q, which is not a data file path", rel)
			}
		}
	})
}
