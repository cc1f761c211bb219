package bill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/objstore"
	"github.com/steward-sre/steward/internal/objstore/s3obj"
)

// IOError is a bill that could not be read for a reason outside it and
// outside the user's paths: the network, the disk, or S3 failing on its
// side (objstore.IOError). Trying again may help; the CLI exits 4 on it,
// where a bad bill or a wrong path exits 2.
type IOError = objstore.IOError

// S3API is the part of the S3 client ingest uses, so tests can fake it.
type S3API = s3obj.S3API

// billFile is one export file to read, wherever it lives.
type billFile struct {
	name string
	open func(ctx context.Context) (io.ReadCloser, error)
	// local is set for files on disk, so Parquet can read them in place.
	local string
}

// billExt reports whether a name looks like an export file.
func billExt(name string) bool {
	n := strings.ToLower(name)
	n = strings.TrimSuffix(n, ".gz")
	return strings.HasSuffix(n, ".csv") || strings.HasSuffix(n, ".parquet") || strings.HasSuffix(n, ".snappy.parquet")
}

// listFiles expands paths: a file is itself, a folder is every export
// file under it, a glob (bills/**/*.csv.gz) what it matches, s3://bucket/prefix is every export object under prefix,
// less the files of versions a manifest says are superseded (returned
// apart, by name, so ingest can say what it left out).
func listFiles(ctx context.Context, paths []string, client func(ctx context.Context) (S3API, error)) (out []billFile, superseded []string, err error) {
	for _, p := range paths {
		bucket, prefix, isS3, err := objstore.ParseS3(p)
		if err != nil {
			return nil, nil, err
		}
		if isS3 {
			c, err := client(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", p, err)
			}
			fs, manifests, err := listS3(ctx, c, bucket, prefix)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", p, err)
			}
			if len(fs) == 0 {
				return nil, nil, fmt.Errorf("%s: no .csv, .csv.gz or .parquet objects under that prefix", p)
			}
			current, err := currentVersions(ctx, fs, manifests)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", p, err)
			}
			out, superseded = append(out, current...), append(superseded, leftOut(fs, current)...)
			continue
		}
		if !strings.ContainsAny(p, "*?[") {
			st, err := os.Stat(p)
			if err != nil {
				return nil, nil, i18n.Wrap(i18n.Say("cost.err.export"), err)
			}
			if !st.IsDir() {
				out = append(out, localFile(p))
				continue
			}
		}
		// A folder or a glob (with ** for any depth): the export files and
		// the manifests beside them.
		all, err := objstore.Expand(p, "*")
		if err != nil {
			return nil, nil, i18n.Wrap(i18n.Say("cost.err.export"), err)
		}
		var found, manifests []billFile
		for _, path := range all {
			switch name := filepath.Base(path); {
			case billExt(name):
				found = append(found, localFile(path))
			case isManifest(name):
				manifests = append(manifests, localFile(path))
			}
		}
		if len(found) == 0 {
			return nil, nil, fmt.Errorf("%s: no .csv, .csv.gz or .parquet files there", p)
		}
		current, err := currentVersions(ctx, found, manifests)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		out, superseded = append(out, current...), append(superseded, leftOut(found, current)...)
	}
	return out, superseded, nil
}

// leftOut names the files of all that are not in kept.
func leftOut(all, kept []billFile) []string {
	in := make(map[string]bool, len(kept))
	for _, f := range kept {
		in[f.name] = true
	}
	var out []string
	for _, f := range all {
		if !in[f.name] {
			out = append(out, f.name)
		}
	}
	return out
}

func localFile(p string) billFile {
	return billFile{name: p, local: p, open: func(ctx context.Context) (io.ReadCloser, error) {
		return objstore.OpenLocal(ctx, p)
	}}
}

// listS3 lists the export files under a prefix, and the report manifests
// beside them.
func listS3(ctx context.Context, c S3API, bucket, prefix string) (out, manifests []billFile, err error) {
	keys, err := s3obj.List(ctx, c, bucket, prefix)
	if err != nil {
		return nil, nil, err
	}
	for _, key := range keys {
		if !billExt(key) && !isManifest(key) {
			continue
		}
		f := billFile{
			name: "s3://" + bucket + "/" + key,
			open: func(ctx context.Context) (io.ReadCloser, error) {
				return s3obj.Open(ctx, c, bucket, key)
			},
		}
		if billExt(key) {
			out = append(out, f)
		} else {
			manifests = append(manifests, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, manifests, nil
}

var parquetMagic = []byte("PAR1")

// readFile aggregates one file, telling gzip, Parquet and CSV apart by
// their first bytes rather than by the name.
func (a *Aggregator) readFile(ctx context.Context, f billFile) error {
	rc, err := f.open(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	defer rc.Close()
	br, gzipped, err := objstore.Decompress(rc, f.name)
	if err != nil {
		return err
	}
	if gzipped {
		f.local = "" // the bytes on disk are compressed
	}
	head, _ := br.Peek(4)
	var r io.Reader = br
	if bytes.Equal(head, parquetMagic) {
		// Parquet needs random access: read a local file in place, and
		// spool anything else (S3, gzip) to a temporary file.
		if f.local != "" {
			of, err := os.Open(f.local)
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			defer of.Close()
			st, err := of.Stat()
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			_, err = a.ReadParquet(ctx, f.name, of, st.Size())
			return err
		}
		tmp, err := os.CreateTemp("", "steward-cost-*.parquet")
		if err != nil {
			return fmt.Errorf("%s: spool parquet: %w", f.name, &IOError{Err: err})
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		size, err := io.Copy(tmp, r)
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Op == "write" {
			err = &IOError{Err: err} // the disk is full, not the bill bad
		}
		if err != nil {
			return fmt.Errorf("%s: spool parquet: %w", f.name, err)
		}
		_, err = a.ReadParquet(ctx, f.name, tmp, size)
		return err
	}
	_, err = a.ReadCSV(ctx, f.name, r)
	return err
}

// ErrNoFiles is returned when ingest is given nothing to read.
var ErrNoFiles = errors.New("no billing files given (pass paths, folders or s3://bucket/prefix)")
