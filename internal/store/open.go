package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
)

// Open opens the store a DSN names, creating it when it does not exist, and
// brings its schema up to date. A new SQLite file is readable by its owner
// only (0600, and so are its -wal and -shm files), in folders made 0700:
// it holds the estate's inventory and weak spots.
//
//	/path/to/steward.db, sqlite:/path/to/steward.db   SQLite
//	postgres://..., postgresql://...                 PostgreSQL (pgx)
//
// A PostgreSQL DSN is a libpq URL as pgx reads it: user, password, host,
// port, database, and parameters such as sslmode; search_path=NAME keeps
// the store in that schema (it must exist) instead of public. Errors and
// logs show the DSN with its password replaced by xxxxx.
//
// A store that cannot be written fails with ErrReadOnly, naming the file
// and why; OpenReadOnly still reads it.
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
		if err := createPrivate(path); err != nil {
			return nil, err
		}
		return openSQLite(ctx, path, false, logger.With("component", "store"))
	case "postgres":
		return openPostgres(ctx, path, false, logger.With("component", "store"))
	default:
		return nil, fmt.Errorf("store %q: %s backend is %w (use a file path, sqlite:PATH or postgres://...)", redact(dsn), backend, ErrNotSupported)
	}
}

// OpenReadOnly opens an existing store for reading only, for commands that
// never write (findings, history, cost reports): it works on a store whose
// file or folder is read-only to this user, never creates anything, and
// refuses every write with ErrReadOnly. A store written by an older
// steward is first upgraded when this user may write it, and refused
// (saying how to upgrade it) when not. A store that does not exist yet is
// ErrNotFound.
func OpenReadOnly(ctx context.Context, dsn string, logger *slog.Logger) (Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	backend, path, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch backend {
	case "sqlite":
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("store %s: %w (nothing has been saved there yet)", path, ErrNotFound)
		}
		return openSQLite(ctx, path, true, logger.With("component", "store"))
	case "postgres":
		return openPostgres(ctx, path, true, logger.With("component", "store"))
	default:
		return nil, fmt.Errorf("store %q: %s backend is %w (use a file path, sqlite:PATH or postgres://...)", redact(dsn), backend, ErrNotSupported)
	}
}

// createPrivate makes a missing database file 0600 and its missing folders
// 0700 before SQLite opens it: SQLite would create it 0644 (less the
// umask), and gives the -wal and -shm files the database file's mode.
// Existing files and folders keep the mode their owner gave them.
func createPrivate(path string) error {
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil // exists, or SQLite will say what is wrong with it
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create store folder: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil // another steward made it first
	case err != nil:
		return fmt.Errorf("create store: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("create store: %w", err)
	}
	return nil
}

// parseDSN splits a DSN into the backend name and what the backend needs.
func parseDSN(dsn string) (backend, rest string, err error) {
	dsn = strings.TrimSpace(dsn)
	lower := strings.ToLower(dsn)
	switch {
	case dsn == "":
		return "", "", i18n.Say("store.err.dsn.empty").Err()
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

// redact hides the password of a URL-shaped DSN, in its user info or in a
// password parameter, so the DSN can be shown in errors and logs.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		// Not a URL Go reads: keep only the scheme and the host.
		scheme, rest, ok := strings.Cut(dsn, "://")
		if !ok {
			return dsn
		}
		if _, host, ok := strings.Cut(rest, "@"); ok {
			return scheme + "://xxxxx@" + host
		}
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// dsnPassword is the password a URL-shaped DSN carries, or "".
func dsnPassword(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		return pw
	}
	return u.Query().Get("password")
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
