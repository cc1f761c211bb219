package iac

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/objstore"
	"github.com/steward-sre/steward/internal/objstore/s3obj"
)

// S3API is the part of the S3 client IaC sources use: state objects of the
// S3 backend and CloudTrail log files.
type S3API = s3obj.S3API

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
				return nil, i18n.Wrap(i18n.Say("iac.err.state"), err)
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
	return objstore.ReadLocal(ctx, name, maxBytes)
}

// expandLocal turns a path, a directory (dirPattern below it) or a glob
// into files, sorted, leaving out Terraform's .backup files.
func expandLocal(spec, dirPattern string) ([]string, error) {
	files, err := objstore.Expand(spec, dirPattern)
	if err != nil || len(files) == 1 && files[0] == spec {
		return files, err // a file named on its own is read whatever its name
	}
	kept := files[:0]
	for _, f := range files {
		if !strings.HasSuffix(f, ".backup") {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("%s: no files match", spec)
	}
	return kept, nil
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
	keys, err := s3obj.List(ctx, c, bucket, prefix)
	if err != nil {
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, prefix, err)
	}
	return keys, nil
}

// getObject reads an object, gunzipping it when it is gzip (trail logs),
// refusing more than maxBytes either way.
func getObject(ctx context.Context, c S3API, bucket, key string, maxBytes int64) ([]byte, error) {
	return s3obj.Read(ctx, c, bucket, key, maxBytes)
}
