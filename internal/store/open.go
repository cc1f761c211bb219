package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Open opens the store a DSN names, creating it (and its parent directories)
// when it does not exist, and brings its schema up to date.
//
//	/path/to/steward.db, sqlite:/path/to/steward.db   SQLite
//	postgres://..., postgresql://...                 not supported yet
func Open(ctx context.Context, dsn string, logger *slog.Logger) (Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	backend, path, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch backend {
	case "sqlite":
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create store directory: %w", err)
			}
		}
		return openSQLite(ctx, path, logger.With("component", "store"))
	default:
		return nil, fmt.Errorf("store %q: %s backend is %w (use a file path or sqlite:PATH)", redact(dsn), backend, ErrNotSupported)
	}
}

// parseDSN splits a DSN into the backend name and what the backend needs.
func parseDSN(dsn string) (backend, rest string, err error) {
	dsn = strings.TrimSpace(dsn)
	lower := strings.ToLower(dsn)
	switch {
	case dsn == "":
		return "", "", errors.New("store DSN is empty (want a file path, sqlite:PATH or postgres://...)")
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return "postgres", dsn, nil
	case strings.HasPrefix(lower, "sqlite:"):
		rest = dsn[len("sqlite:"):]
		rest = strings.TrimPrefix(rest, "//")
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return "", "", fmt.Errorf("store %q: unknown scheme %q (want a file path, sqlite:PATH or postgres://...)", redact(dsn), scheme)
	default:
		rest = dsn
	}
	if rest == "" {
		return "", "", fmt.Errorf("store %q: sqlite path is empty", dsn)
	}
	if strings.ContainsAny(rest, "?#") {
		// The driver reads everything after '?' as connection options.
		return "", "", fmt.Errorf("store %q: sqlite path may not contain '?' or '#'", dsn)
	}
	return "sqlite", rest, nil
}

// redact hides a password in a URL-shaped DSN so it can be shown in errors.
func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return dsn
	}
	user, _, hasPass := strings.Cut(creds, ":")
	if !hasPass {
		return dsn
	}
	return scheme + "://" + user + ":xxxxx@" + host
}

// DefaultPath is where steward keeps its database when none is configured:
// $XDG_DATA_HOME/steward/steward.db when XDG_DATA_HOME is set, else
// ~/Library/Application Support/steward/steward.db on macOS and
// ~/.local/share/steward/steward.db elsewhere.
func DefaultPath() (string, error) {
	return defaultPath(runtime.GOOS, os.Getenv, os.UserHomeDir)
}

func defaultPath(goos string, getenv func(string) string, home func() (string, error)) (string, error) {
	// The XDG spec says a relative value is invalid and must be ignored.
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "steward", "steward.db"), nil
	}
	h, err := home()
	if err != nil {
		return "", fmt.Errorf("find home directory for the default store path: %w", err)
	}
	if h == "" {
		return "", errors.New("find home directory for the default store path: HOME is empty")
	}
	if goos == "darwin" {
		return filepath.Join(h, "Library", "Application Support", "steward", "steward.db"), nil
	}
	return filepath.Join(h, ".local", "share", "steward", "steward.db"), nil
}
