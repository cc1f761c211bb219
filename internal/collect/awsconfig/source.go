package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/objstore"
)

// Source reads AWS Config snapshot and history files from a file or a
// folder walked recursively.
type Source struct {
	path     string
	maxBytes int64
	logger   *slog.Logger
}

// NewSource returns a source reading the Config files at path: one file,
// or a folder (an `aws s3 sync` of the Config delivery prefix) walked
// recursively for .json and .json.gz files. Each file may be at most
// maxBytes after decompression (0: objstore.DefaultMaxBytes).
func NewSource(path string, maxBytes int64, logger *slog.Logger) inventory.Source {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Source{path: path, maxBytes: maxBytes, logger: logger.With("component", "awsconfig")}
}

// Name is config:PATH, as scans record their source.
func (s *Source) Name() string { return "config:" + s.path }

// Collect reads every file and folds them into one view of the estate.
// A file that cannot be read or is not a Config delivery fails the whole
// collection: a partial read of a snapshot would look like deletions.
func (s *Source) Collect(ctx context.Context, p inventory.Progress) (*inventory.Collection, error) {
	if p == nil {
		p = inventory.NoProgress{}
	}
	files, err := s.files()
	if err != nil {
		return nil, err
	}
	var items []item
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read config files: %w", err)
		}
		data, err := objstore.ReadFile(ctx, f, s.maxBytes)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("read config files: %w", ctx.Err())
			}
			return nil, fmt.Errorf("read config file: %w", err)
		}
		its, err := parseFile(f, data, s.maxBytes)
		if err != nil {
			return nil, err
		}
		for j := range its {
			its[j].seq = len(items) + j
		}
		items = append(items, its...)
		p.Update(i+1, len(files), 0, 0)
		s.logger.Debug("read config file", "file", f, "items", len(its))
	}
	res, err := build(items)
	if err != nil {
		return nil, err
	}
	// Whole deliveries say what an account lacks (no trail anywhere); the
	// aggregator's per-type queries (MapItems) do not, so only files get
	// account-region resources.
	res.resources = append(res.resources, accountRegions(res.live, res.resources)...)
	sort.Slice(res.resources, func(i, j int) bool { return res.resources[i].ARN < res.resources[j].ARN })
	if len(res.skipped) > 0 {
		n := 0
		for _, c := range res.skipped {
			n += c
		}
		s.logger.Info("skipped config items of types steward does not know",
			"items", n, "types", skippedSummary(res.skipped))
	}
	s.logger.Info("read config files", "files", len(files), "items", len(items), "resources", len(res.resources))
	return &inventory.Collection{Resources: res.resources, Coverage: res.coverage}, nil
}

// configFile reports whether a name found in a folder looks like a Config
// delivery. The delivery prefix also holds ConfigWritabilityCheckFile and
// similar markers, which are not read.
func configFile(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".json.gz")
}

// files lists the files to read, sorted so that ties in capture time
// resolve the same way on every run.
func (s *Source) files() ([]string, error) {
	if s.path == "" {
		return nil, errors.New("config source: no path given (expected config:PATH to a Config snapshot file or folder)")
	}
	info, err := os.Stat(s.path)
	if err != nil {
		return nil, fmt.Errorf("config source: %w", err)
	}
	if !info.IsDir() {
		return []string{s.path}, nil
	}
	var files []string
	err = filepath.WalkDir(s.path, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !configFile(d.Name()) {
			return nil
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("config source: walk %s: %w", s.path, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("config source: no AWS Config files (*.json, *.json.gz) under %s", s.path)
	}
	sort.Strings(files)
	return files, nil
}
