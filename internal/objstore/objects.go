package objstore

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// This file is the one place steward lists and opens its inputs: local
// files, folders and globs (with **), and s3://bucket/prefix, gzip or not.
// Cost ingest, Terraform state loading and CloudTrail log reading all use
// it; what the bytes mean is theirs. Objects in S3 are read by the
// subpackage s3obj, so that packages reading only local files (config,
// policies) do not carry the AWS SDK.

// IOError is an input that could not be read for a reason outside it and
// outside the user's paths: the network, the disk, or S3 failing on its
// side. Trying again may help; the CLI exits 4 on it, where bad input or a
// wrong path exits 2.
type IOError struct{ Err error }

func (e *IOError) Error() string { return e.Err.Error() }
func (e *IOError) Unwrap() error { return e.Err }

// ParseS3 splits s3://bucket/key; ok is false for anything else. An
// s3:// URL with no bucket is an error.
func ParseS3(url string) (bucket, key string, ok bool, err error) {
	rest, ok := strings.CutPrefix(url, "s3://")
	if !ok {
		return "", "", false, nil
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", true, fmt.Errorf("%s: want s3://bucket/prefix", url)
	}
	return bucket, key, true, nil
}

// OpenLocal opens a local file for reading, giving way to ctx. A missing
// or forbidden file is the user's to fix; any other failure, and a read
// that fails part way, is an IOError.
func OpenLocal(ctx context.Context, name string) (io.ReadCloser, error) {
	f, err := Open(ctx, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || ctx.Err() != nil {
			return nil, err
		}
		return nil, &IOError{Err: err}
	}
	return ioReader{f}, nil
}

// IOReader marks r's read errors as IOErrors (a body or a file failing
// part way), as OpenLocal's reader does; for readers of other stores.
func IOReader(r io.ReadCloser) io.ReadCloser { return ioReader{r} }

// ioReader marks its reader's errors as IOErrors: a body or a file that
// fails part way is the network's or the disk's doing, not the input's.
type ioReader struct{ io.ReadCloser }

func (r ioReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, context.Canceled) {
		var tl *TooLargeError
		if !errors.As(err, &tl) {
			err = &IOError{Err: err}
		}
	}
	return n, err
}

// ReadLocal reads a whole local file, inflating it when it is gzip,
// refusing more than max bytes (DefaultMaxBytes when max <= 0) either way.
func ReadLocal(ctx context.Context, name string, max int64) ([]byte, error) {
	data, err := ReadFile(ctx, name, max)
	if err != nil {
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return nil, err
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return MaybeGunzip(data, name, max)
}

// MaybeGunzip inflates data when it starts with the gzip magic number and
// returns it as it is otherwise.
func MaybeGunzip(data []byte, name string, max int64) ([]byte, error) {
	if !IsGzip(data) {
		return data, nil
	}
	return Gunzip(data, name, max)
}

// Decompress returns a buffered reader of r's content, inflating it when
// it is gzip (told by its first bytes, not its name), and whether it was.
// The caller closes r; closing the gzip reader is not needed.
func Decompress(r io.Reader, name string) (br *bufio.Reader, gzipped bool, err error) {
	br = bufio.NewReaderSize(r, 1<<20)
	head, _ := br.Peek(2)
	if !IsGzip(head) {
		return br, false, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, fmt.Errorf("%s: gzip: %w", name, err)
	}
	return bufio.NewReaderSize(zr, 1<<20), true, nil
}

// Expand turns a local path into files, sorted: a file is itself, a folder
// is every file below it whose name matches dirPattern, and a glob (with
// ** for any number of folders) is what it matches. A glob or folder that
// matches nothing is an error: a typo must not read as "no input".
func Expand(spec, dirPattern string) ([]string, error) {
	if !strings.ContainsAny(spec, "*?[") {
		fi, err := os.Stat(spec)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec, err)
		}
		if !fi.IsDir() {
			return []string{spec}, nil
		}
		spec = filepath.Join(spec, "**", dirPattern)
	}
	pattern := filepath.ToSlash(spec)
	root := globRoot(pattern)
	var files []string
	err := filepath.WalkDir(filepath.FromSlash(root), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && MatchGlob(pattern, filepath.ToSlash(p)) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no files match", spec)
	}
	sort.Strings(files)
	return files, nil
}

// globRoot is the directory part of a pattern before its first wildcard.
func globRoot(pattern string) string {
	segs := strings.Split(pattern, "/")
	var root []string
	for _, s := range segs[:len(segs)-1] {
		if strings.ContainsAny(s, "*?[") {
			break
		}
		root = append(root, s)
	}
	switch {
	case len(root) == 0:
		return "."
	case len(root) == 1 && root[0] == "":
		return "/"
	}
	return strings.Join(root, "/")
}

// MatchGlob matches slash-separated paths; "**" matches any number of
// directories, other segments follow path.Match. It runs in time
// proportional to pattern x path segments, however many ** there are.
func MatchGlob(pattern, name string) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	name = strings.TrimPrefix(name, "./")
	pat, segs := strings.Split(pattern, "/"), strings.Split(name, "/")
	// ok[j] says whether pat[i:] matches segs[j:], filled from the end.
	ok := make([]bool, len(segs)+1)
	ok[len(segs)] = true // an empty pattern matches the empty rest only
	next := make([]bool, len(segs)+1)
	for i := len(pat) - 1; i >= 0; i-- {
		if pat[i] == "**" {
			// ** matches segs[j:k] for any k >= j.
			next[len(segs)] = ok[len(segs)]
			for j := len(segs) - 1; j >= 0; j-- {
				next[j] = ok[j] || next[j+1]
			}
		} else {
			next[len(segs)] = false
			for j := len(segs) - 1; j >= 0; j-- {
				m, err := path.Match(pat[i], segs[j])
				next[j] = err == nil && m && ok[j+1]
			}
		}
		ok, next = next, ok
	}
	return ok[0]
}
