package bill

import (
	"context"
	"fmt"
	"log/slog"
)

// ReadPaths rolls up every export file under paths (files, folders, globs,
// s3://bucket/prefix; see listFiles) into a, reading each month at the
// version its manifest names; client gives the S3 client when an s3://
// path is met. superseded names the files left out as older versions.
func (a *Aggregator) ReadPaths(ctx context.Context, paths []string, client func(ctx context.Context) (S3API, error), log *slog.Logger) (superseded []string, err error) {
	if len(paths) == 0 {
		return nil, ErrNoFiles
	}
	files, superseded, err := listFiles(ctx, paths, client)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		log.Debug("reading billing file", "file", f.name)
		if err := a.readFile(ctx, f); err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	return superseded, nil
}

// Spill makes a write its rollups, sorted, to temporary files once it
// holds spillRollups of them, so memory stays flat whatever the size of
// the bill; Close removes the files.
func (a *Aggregator) Spill() { a.spillAt = spillRollups }

// Empty reports whether a holds no rollup, in memory or spilled.
func (a *Aggregator) Empty() bool { return len(a.m) == 0 && a.runs == nil }
