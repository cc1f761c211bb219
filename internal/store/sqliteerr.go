package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/steward-sre/steward/internal/i18n"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrReadOnly is returned when the store cannot be written: its file or
// its folder is read-only to this user, or it was opened with
// OpenReadOnly. Test with errors.Is.
var ErrReadOnly = errors.New("read-only")

// readOnlyError says plainly which file cannot be written and why.
type readOnlyError struct {
	path string
	why  i18n.Phrase
	err  error
}

func (e *readOnlyError) Error() string { return e.Phrase().In(i18n.EN) }

// Phrase is the error for the reader's language.
func (e *readOnlyError) Phrase() i18n.Phrase {
	if e.why.Key == openedReadOnly.Key {
		return i18n.Say("store.err.readonly.opened", e.path, e.why)
	}
	return i18n.Say("store.err.readonly", e.path, e.why)
}

var openedReadOnly = i18n.Say("store.ro.opened")

func (e *readOnlyError) Unwrap() []error { return []error{ErrReadOnly, e.err} }

// sqliteCode is the primary SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}

func isBusy(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_BUSY }

// pgUniqueViolation is PostgreSQL's unique_violation.
const pgUniqueViolation = "23505"

// isUniqueViolation says whether err is a row refused by a unique key or
// index (SQLite reports it as a constraint failure).
func isUniqueViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT || pgCode(err) == pgUniqueViolation
}

// IsReadOnly says whether err is a write refused because the database is
// read-only, whoever made the write (the store, or a package keeping its
// own tables in the store's database).
func IsReadOnly(err error) bool {
	return errors.Is(err, ErrReadOnly) || sqliteCode(err) == sqlite3.SQLITE_READONLY || pgReadOnly(err)
}

// describe turns a refused write (SQLite's "attempt to write a readonly
// database", PostgreSQL's read-only transaction or missing privilege) into
// an error naming the store and the reason; other errors pass unchanged.
func (s *sqlStore) describe(err error) error {
	switch {
	case err == nil || errors.Is(err, ErrReadOnly):
		return err
	case pgReadOnly(err):
		why := i18n.Say("store.ro.pg", err.Error())
		if s.readOnly {
			why = openedReadOnly
		}
		return &readOnlyError{path: s.path, why: why, err: err}
	case sqliteCode(err) != sqlite3.SQLITE_READONLY:
		return err
	}
	return &readOnlyError{path: s.path, why: readOnlyReason(s.path, s.readOnly), err: err}
}

// causeOf drops the operation and path a *PathError repeats.
func causeOf(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readOnlyReason says why a database cannot be written.
func readOnlyReason(path string, readOnly bool) i18n.Phrase {
	if readOnly {
		return openedReadOnly
	}
	if why, ok := cannotWrite(path); ok {
		return why
	}
	return i18n.Say("store.ro.refused")
}

// cannotWrite says whether this user cannot write the database file or
// the folder SQLite makes its -wal and -shm files in, and why. SQLite
// itself opens a read-only file without complaint and refuses only the
// first write, which for a scan comes after all the collecting.
func cannotWrite(path string) (i18n.Phrase, bool) {
	if err := canWrite(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		if fi, serr := os.Stat(path); serr == nil {
			return i18n.Say("store.ro.mode", fmt.Sprintf("%04o", fi.Mode().Perm()), fmt.Sprint(causeOf(err))), true
		}
		return i18n.Say("store.ro.file", fmt.Sprint(causeOf(err))), true
	}
	dir := filepath.Dir(path)
	if err := canWrite(dir); err != nil {
		return i18n.Say("store.ro.dir", dir, fmt.Sprint(causeOf(err))), true
	}
	return i18n.Phrase{}, false
}
