package iac

import (
	"os"
	"path/filepath"
	"testing"
)

func addFiles(f *testing.F, glob string) {
	files, _ := filepath.Glob(glob)
	for _, p := range files {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParseState: any bytes give a state or an error naming the source,
// never a panic, and every resource kept is an AWS one with an address.
func FuzzParseState(f *testing.F) {
	addFiles(f, "testdata/states/*")
	addFiles(f, "testdata/states/sub/*")
	f.Add([]byte(`{"version":4,"resources":[{"mode":"managed","type":"aws_instance","name":"x","provider":"provider.aws","instances":[{"index_key":{}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := ParseState("f.tfstate", data)
		if err != nil {
			if msg := err.Error(); len(msg) < 11 || msg[:11] != "f.tfstate: " {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, r := range st.Resources {
			if r.Address == "" || providerType(r.Provider) != "aws" {
				t.Fatalf("kept %+v", r)
			}
			if row, ok := byTF[r.Type]; ok {
				_, _ = row.resolveARN(r.Attrs, scope{})
			}
		}
	})
}

func FuzzParseIgnore(f *testing.F) {
	f.Add([]byte("aws_s3_bucket.legacy-*\n!aws_s3_bucket.keep\n*\n# c\naws_s3_bucket.a\\.b\n"))
	f.Add([]byte("\\.\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ig, err := ParseIgnore("f", data)
		if err != nil {
			return
		}
		ig.Ignored([]string{"aws_s3_bucket", "AWS::S3::Bucket"}, []string{"legacy-x", "arn:aws:s3:::legacy-x"})
	})
}

func FuzzParseTrailLog(f *testing.F) {
	addFiles(f, "testdata/trail/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := ParseTrailLog("f.json", data)
		if err != nil {
			return
		}
		for _, e := range evs {
			if !creationNames[e.Name] || len(e.IDs) > maxIDsPerEvent+64 {
				t.Fatalf("event %s with %d ids kept", e.Name, len(e.IDs))
			}
		}
	})
}
