package cost

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/cost/bill"
)

// versionCase is a tree of export objects and what ingesting it gives:
// the files read and left out (under the root), or an error.
type versionCase struct {
	name           string
	objects        map[string][]byte
	wantFiles      []string
	wantSuperseded []string
	wantErr        string
}

// withObjects is base with extra added.
func withObjects(base, extra map[string][]byte) map[string][]byte {
	m := map[string][]byte{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// runVersionCase ingests tc's objects from a folder on disk and from S3
// under top; errorEnds says the error must end with the root and
// wantErr, rather than contain wantErr.
func runVersionCase(t *testing.T, tc versionCase, top string, pageSize int, errorEnds bool) {
	t.Helper()
	dir := t.TempDir()
	for k, b := range tc.objects {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range []struct {
		root string
		opt  IngestOptions
	}{
		{root: dir + "/", opt: IngestOptions{Paths: []string{filepath.Join(dir, top)}}},
		{root: "s3://bills/", opt: IngestOptions{Paths: []string{"s3://bills/" + top + "/"}, S3: &fakeS3{bucket: "bills", objects: tc.objects, pageSize: pageSize}}},
	} {
		src.opt.Now = testNow
		src.opt.AcceptSkipped = true // the bills hold deliberately bad lines
		res, err := Ingest(context.Background(), NewMemStore(), src.opt)
		if tc.wantErr != "" {
			if errorEnds && (err == nil || !strings.HasSuffix(err.Error(), src.root+tc.wantErr)) {
				t.Errorf("%s: error %v, want one ending %q", src.root, err, src.root+tc.wantErr)
			}
			if !errorEnds && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("%s: error %v, want one containing %q", src.root, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", src.root, err)
		}
		var files []string
		for _, f := range res.Stats.Files {
			files = append(files, strings.TrimPrefix(f.Name, src.root))
		}
		if d := cmp.Diff(tc.wantFiles, files); d != "" {
			t.Errorf("%s: files read (-want +got):\n%s", src.root, d)
		}
		var superseded []string
		for _, f := range res.Superseded {
			superseded = append(superseded, strings.TrimPrefix(f, src.root))
		}
		if d := cmp.Diff(tc.wantSuperseded, superseded); d != "" {
			t.Errorf("%s: superseded (-want +got):\n%s", src.root, d)
		}
	}
}

// TestCURVersions: of a legacy CUR delivered as new versions, only the
// version the period's manifest names is read, from disk and from S3
// alike; with no manifest, ingest refuses rather than count the month
// once per version.
func TestCURVersions(t *testing.T) {
	var old bytes.Buffer
	if err := bill.WriteSyntheticCUR(&old, 500); err != nil {
		t.Fatal(err)
	}
	current := readTestdata(t, "bill/testdata/bills/cur-legacy.csv")
	const period = "cur/report/20240901-20241001"
	base := map[string][]byte{
		period + "/11111111-aaaa/report-1.csv":    old.Bytes(),
		period + "/22222222-bbbb/report-1.csv.gz": gzipped(t, current),
		period + "/22222222-bbbb/report-2.csv":    current,
		// A version folder's own manifest is not the period's.
		period + "/11111111-aaaa/report-Manifest.json": []byte(`{"assemblyId":"11111111-aaaa"}`),
		// Another period with a single version needs no manifest.
		"cur/report/20241001-20241101/33333333-cccc/report-1.csv": current,
	}
	with := func(extra map[string][]byte) map[string][]byte { return withObjects(base, extra) }
	cases := []versionCase{{
		name:    "manifest names the current version",
		objects: with(map[string][]byte{period + "/report-Manifest.json": []byte(`{"assemblyId":"22222222-bbbb","reportKeys":["x"]}`)}),
		wantFiles: []string{
			period + "/22222222-bbbb/report-1.csv.gz", period + "/22222222-bbbb/report-2.csv",
			"cur/report/20241001-20241101/33333333-cccc/report-1.csv",
		},
		wantSuperseded: []string{period + "/11111111-aaaa/report-1.csv"},
	}, {
		name:    "no manifest",
		objects: base,
		wantErr: period + " holds 2 versions of the report (11111111-aaaa, 22222222-bbbb) and no manifest to say which is current: reading them all would count the month 2 times; give the current version's folder",
	}, {
		name:    "manifest names a version that is not there",
		objects: with(map[string][]byte{period + "/report-Manifest.json": []byte(`{"assemblyId":"99999999-zzzz"}`)}),
		wantErr: period + `/report-Manifest.json: manifest names version "99999999-zzzz", which is not among the version folders (11111111-aaaa, 22222222-bbbb)`,
	}, {
		name:    "manifest without an assembly id",
		objects: with(map[string][]byte{period + "/report-Manifest.json": []byte(`{"reportKeys":[]}`)}),
		wantErr: period + "/report-Manifest.json: manifest has no assemblyId, so it cannot say which version is current",
	}, {
		name:    "manifest that is not JSON",
		objects: with(map[string][]byte{period + "/report-Manifest.json": []byte(`<html>`)}),
		wantErr: period + "/report-Manifest.json: not a report manifest: invalid character '<' looking for beginning of value",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runVersionCase(t, tc, "cur", 2, true) })
	}
}

// TestExportManifests: of a Data Exports partition, only the files its
// manifest lists are read (an export that creates new files keeps every
// refresh); with no manifest, two files of one name stop ingest.
func TestExportManifests(t *testing.T) {
	cur2 := readTestdata(t, "bill/testdata/bills/cur2.csv")
	const data = "exp/cur2/data/BILLING_PERIOD=2024-10"
	const meta = "exp/cur2/metadata/BILLING_PERIOD=2024-10/cur2-Manifest.json"
	versions := map[string][]byte{
		data + "/20241002T0101Z/cur2-00001.csv.gz": gzipped(t, cur2),
		data + "/20241003T0101Z/cur2-00001.csv.gz": gzipped(t, cur2),
		data + "/20241003T0101Z/cur2-00002.csv":    cur2,
		// Another partition, overwritten in place: no manifest needed.
		"exp/cur2/data/BILLING_PERIOD=2024-11/cur2-00001.csv": cur2,
		"exp/cur2/data/BILLING_PERIOD=2024-11/cur2-00002.csv": cur2,
	}
	with := func(extra map[string][]byte) map[string][]byte { return withObjects(versions, extra) }
	manifest := `{"executionId":"x","dataFiles":["s3://elsewhere/exp/cur2/data/BILLING_PERIOD=2024-10/20241003T0101Z/cur2-00001.csv.gz",
		"s3://elsewhere/exp/cur2/data/BILLING_PERIOD=2024-10/20241003T0101Z/cur2-00002.csv"],"columns":[{"name":"line_item_unblended_cost"}]}`
	cases := []versionCase{{
		name:    "manifest lists the current refresh",
		objects: with(map[string][]byte{meta: []byte(manifest)}),
		wantFiles: []string{
			data + "/20241003T0101Z/cur2-00001.csv.gz", data + "/20241003T0101Z/cur2-00002.csv",
			"exp/cur2/data/BILLING_PERIOD=2024-11/cur2-00001.csv", "exp/cur2/data/BILLING_PERIOD=2024-11/cur2-00002.csv",
		},
		wantSuperseded: []string{data + "/20241002T0101Z/cur2-00001.csv.gz"},
	}, {
		name:    "no manifest, two versions of a file",
		objects: versions,
		wantErr: data + "/20241003T0101Z/cur2-00001.csv.gz are two versions of one part of the export",
	}, {
		name:    "manifest lists files that are not there",
		objects: with(map[string][]byte{meta: []byte(`{"dataFiles":["s3://b/exp/cur2/data/BILLING_PERIOD=2024-10/gone/cur2-00001.csv.gz"]}`)}),
		wantErr: meta + " lists 1 data files, none of them among the 3 found under ",
	}, {
		name:    "manifest lists no files",
		objects: with(map[string][]byte{meta: []byte(`{"dataFiles":[]}`)}),
		wantErr: meta + ": manifest lists no data files, so it cannot say which are current",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runVersionCase(t, tc, "exp", 3, false) })
	}
}
