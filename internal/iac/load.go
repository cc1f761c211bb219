package iac

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/steward-sre/steward/internal/objstore"
)

// S3API is the part of the S3 client IaC sources use: state objects of the
// S3 backend and CloudTrail log files.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// Loaded is what LoadStates read.
type Loaded struct {
	States []*State
	// Errors are states that were found but are bad input: invalid JSON, an
	// unknown or too old version, another provider. Each names its file.
	Errors []error
	// Gaps are states that could not be read or used; coverage is partial.
	Gaps []Gap
}

// workspacePrefix is the S3 backend's default workspace_key_prefix.
const workspacePrefix = "env:/"

// LoadStates reads the states the specs name: a file, a directory (every
// *.tfstate below it), a glob with ** (states/**/*.tfstate), "-" for stdin,
// or s3://bucket/key (that state and the same key in every workspace) or
// s3://bucket/prefix/ (every .tfstate below it, in every workspace). Files
// ending in .backup are skipped. A bad state does not stop the others. s3
// may be nil when no spec is an s3:// URL. A state larger than maxBytes
// (objstore.DefaultMaxBytes when 0), after decompression, is refused.
func LoadStates(ctx context.Context, specs []string, s3c S3API, stdin io.Reader, maxBytes int64, log *slog.Logger) (*Loaded, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out := &Loaded{}
	read := func(source string, data []byte) {
		st, err := ParseState(source, data)
		if err != nil {
			out.Errors = append(out.Errors, err)
			if !errors.Is(err, ErrNotAWS) {
				out.Gaps = append(out.Gaps, newGap(source, err))
			}
			return
		}
		log.Debug("state read", "source", source, "resources", len(st.Resources), "skipped", st.Skipped)
		out.States = append(out.States, st)
	}
	for _, spec := range specs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("load states: %w", err)
		}
		switch {
		case spec == "":
			return nil, fmt.Errorf("state: empty path (want a file, a directory, a glob such as states/**/*.tfstate, - for stdin, or s3://bucket/key)")
		case spec == "-":
			if stdin == nil {
				return nil, fmt.Errorf("state -: no standard input")
			}
			data, err := objstore.ReadAll(ctx, stdin, "standard input", maxBytes)
			if err != nil {
				if ctx.Err() != nil {
					return nil, fmt.Errorf("state -: read stdin: %w", ctx.Err())
				}
				return nil, fmt.Errorf("state -: %w", err)
			}
			read("-", data)
		case strings.HasPrefix(spec, "s3://"):
			if s3c == nil {
				return nil, fmt.Errorf("state %s: no S3 client (S3 states need AWS credentials)", spec)
			}
			loadS3(ctx, spec, s3c, maxBytes, out, read, log)
		default:
			files, err := expandLocal(spec, "*.tfstate")
			if err != nil {
				return nil, fmt.Errorf("state %w", err)
			}
			for _, f := range files {
				data, err := readFileLimited(ctx, f, maxBytes)
				if err != nil {
					if ctx.Err() != nil {
						return nil, fmt.Errorf("load states: %w", ctx.Err())
					}
					out.Errors = append(out.Errors, err)
					out.Gaps = append(out.Gaps, newGap(f, err))
					continue
				}
				read(f, data)
			}
		}
	}
	return out, nil
}

// newGap records an input that could not be read; the error's own mention
// of the source is dropped, as the gap names it.
func newGap(source string, err error) Gap {
	return Gap{Source: source, Error: strings.TrimPrefix(err.Error(), source+": ")}
}

// readFileLimited reads a local state or log file, gunzipping it when it
// is gzip, refusing more than maxBytes either way.
func readFileLimited(ctx context.Context, name string, maxBytes int64) ([]byte, error) {
	data, err := objstore.ReadFile(ctx, name, maxBytes)
	if err != nil {
		var tl *objstore.TooLargeError
		if errors.As(err, &tl) {
			return nil, err
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return maybeGunzip(name, data, maxBytes)
}

// expandLocal turns a path, a directory (dirPattern below it) or a glob
// into files, sorted. A glob or directory that matches nothing is an error:
// a typo must not read as "nothing is managed".
func expandLocal(spec, dirPattern string) ([]string, error) {
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
		if d.IsDir() || strings.HasSuffix(p, ".backup") {
			return nil
		}
		if matchGlob(pattern, filepath.ToSlash(p)) {
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

// matchGlob matches slash-separated paths; "**" matches any number of
// directories, other segments follow path.Match.
func matchGlob(pattern, name string) bool {
	pattern = strings.TrimPrefix(pattern, "./")
	name = strings.TrimPrefix(name, "./")
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if matchSegs(pat[1:], name[i:]) {
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

// loadS3 reads the states of one s3:// spec. A listing or object that
// cannot be read is a gap: never "everything unmanaged".
func loadS3(ctx context.Context, spec string, c S3API, maxBytes int64, out *Loaded, read func(string, []byte), log *slog.Logger) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(spec, "s3://"), "/")
	gap := func(source string, err error) {
		// Reported once, with the others, by whoever reads out.Gaps.
		log.Debug("state not read", "source", source, "err", err)
		out.Gaps = append(out.Gaps, newGap(source, err))
	}
	var keys []string
	if strings.HasSuffix(key, ".tfstate") {
		// One state: the default workspace at key, others at env:/NAME/key.
		keys = append(keys, key)
		ws, err := listKeys(ctx, c, bucket, workspacePrefix)
		if err != nil {
			gap(spec, fmt.Errorf("list workspaces: %w", err))
		}
		for _, k := range ws {
			if rest, ok := strings.CutPrefix(k, workspacePrefix); ok {
				if _, tail, ok := strings.Cut(rest, "/"); ok && tail == key {
					keys = append(keys, k)
				}
			}
		}
	} else {
		prefix := key
		found, err := listKeys(ctx, c, bucket, prefix)
		if err != nil {
			gap(spec, fmt.Errorf("list: %w", err))
			return
		}
		keys = append(keys, found...)
		if !strings.HasPrefix(prefix, workspacePrefix) {
			ws, err := listKeys(ctx, c, bucket, workspacePrefix)
			if err != nil {
				gap(spec, fmt.Errorf("list workspaces: %w", err))
			}
			for _, k := range ws {
				rest := strings.TrimPrefix(k, workspacePrefix)
				if _, tail, ok := strings.Cut(rest, "/"); ok && strings.HasPrefix(tail, prefix) {
					keys = append(keys, k)
				}
			}
		}
		// A prefix of "" lists the workspaces too: keep each key once.
		kept, seen := keys[:0], map[string]bool{}
		for _, k := range keys {
			if strings.HasSuffix(k, ".tfstate") && !seen[k] {
				seen[k] = true
				kept = append(kept, k)
			}
		}
		keys = kept
		if len(keys) == 0 {
			gap(spec, fmt.Errorf("no .tfstate objects under s3://%s/%s", bucket, prefix))
			return
		}
	}
	for _, k := range keys {
		source := "s3://" + bucket + "/" + k
		data, err := getObject(ctx, c, bucket, k, maxBytes)
		if err != nil {
			gap(source, err)
			continue
		}
		read(source, data)
	}
}

func listKeys(ctx context.Context, c S3API, bucket, prefix string) ([]string, error) {
	var keys []string
	pg := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

// getObject reads an object, gunzipping it when it is gzip (trail logs),
// refusing more than maxBytes either way.
func getObject(ctx context.Context, c S3API, bucket, key string, maxBytes int64) ([]byte, error) {
	name := "s3://" + bucket + "/" + key
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	defer obj.Body.Close()
	data, err := objstore.ReadAll(ctx, obj.Body, name, maxBytes)
	if err != nil {
		var tl *objstore.TooLargeError
		if errors.As(err, &tl) {
			return nil, err
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return maybeGunzip(name, data, maxBytes)
}

func maybeGunzip(name string, data []byte, maxBytes int64) ([]byte, error) {
	if !objstore.IsGzip(data) {
		return data, nil
	}
	return objstore.Gunzip(data, name, maxBytes)
}
