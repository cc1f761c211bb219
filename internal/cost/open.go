package cost

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// IOError is a bill that could not be read for a reason outside it and
// outside the user's paths: the network, the disk, or S3 failing on its
// side. Trying again may help; the CLI exits 4 on it, where a bad bill or
// a wrong path exits 2.
type IOError struct{ Err error }

func (e *IOError) Error() string { return e.Err.Error() }
func (e *IOError) Unwrap() error { return e.Err }

// s3Fault marks an S3 call's error as an IOError unless S3 answered that
// the request is wrong (a 4xx: denied, no such bucket or key), which is
// the user's to fix.
func s3Fault(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return &IOError{Err: err} // no answer: the network
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return &IOError{Err: err}
	}
	return err
}

// ioReader marks its reader's errors as IOErrors: a body or a file that
// fails part way is the network's or the disk's doing, not the bill's.
type ioReader struct{ io.ReadCloser }

func (r ioReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, context.Canceled) {
		err = &IOError{Err: err}
	}
	return n, err
}

// S3API is the part of the S3 client ingest uses, so tests can fake it.
type S3API interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

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
// file under it, s3://bucket/prefix is every export object under prefix,
// less the files of versions a manifest says are superseded (returned
// apart, by name, so ingest can say what it left out).
func listFiles(ctx context.Context, paths []string, client func(ctx context.Context) (S3API, error)) (out []billFile, superseded []string, err error) {
	for _, p := range paths {
		if rest, ok := strings.CutPrefix(p, "s3://"); ok {
			bucket, prefix, _ := strings.Cut(rest, "/")
			if bucket == "" {
				return nil, nil, fmt.Errorf("%s: want s3://bucket/prefix", p)
			}
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
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("billing export: %w", err)
		}
		if !st.IsDir() {
			out = append(out, localFile(p))
			continue
		}
		var found, manifests []billFile
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
			case billExt(d.Name()):
				found = append(found, localFile(path))
			case isManifest(d.Name()):
				manifests = append(manifests, localFile(path))
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("billing export folder: %w", err)
		}
		if len(found) == 0 {
			return nil, nil, fmt.Errorf("%s: no .csv, .csv.gz or .parquet files in that folder", p)
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
	return billFile{name: p, local: p, open: func(context.Context) (io.ReadCloser, error) {
		f, err := os.Open(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				return nil, err
			}
			return nil, &IOError{Err: err}
		}
		return ioReader{f}, nil
	}}
}

// listS3 lists the export files under a prefix, and the report manifests
// beside them.
func listS3(ctx context.Context, c S3API, bucket, prefix string) (out, manifests []billFile, err error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	keys := 0
	for {
		page, err := c.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, nil, fmt.Errorf("list objects: %w", s3Fault(err))
		}
		keys += len(page.Contents)
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !billExt(key) && !isManifest(key) {
				continue
			}
			f := billFile{
				name: "s3://" + bucket + "/" + key,
				open: func(ctx context.Context) (io.ReadCloser, error) {
					res, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
					if err != nil {
						return nil, fmt.Errorf("get object: %w", s3Fault(err))
					}
					return ioReader{res.Body}, nil
				},
			}
			if billExt(key) {
				out = append(out, f)
			} else {
				manifests = append(manifests, f)
			}
		}
		if !aws.ToBool(page.IsTruncated) {
			break
		}
		// Stopping early would read a partial month as a fall in spend.
		tok := aws.ToString(page.NextContinuationToken)
		if tok == "" || tok == aws.ToString(in.ContinuationToken) {
			return nil, nil, fmt.Errorf("list objects: listing is truncated but gives no new continuation token after %d keys", keys)
		}
		in.ContinuationToken = aws.String(tok)
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
	br := bufio.NewReaderSize(rc, 1<<20)
	head, _ := br.Peek(4)
	var r io.Reader = br
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: gzip: %w", f.name, err)
		}
		defer zr.Close()
		zbr := bufio.NewReaderSize(zr, 1<<20)
		head, _ = zbr.Peek(4)
		r = zbr
		f.local = "" // the bytes on disk are compressed
	}
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

// errNoFiles is returned when ingest is given nothing to read.
var errNoFiles = errors.New("no billing files given (pass paths, folders or s3://bucket/prefix)")
