package delivery

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// Import files are bounded: a history of a few years of a few dozen
// services is well under these; anything bigger is a wrong file.
const (
	MaxImportBytes = 64 << 20
	MaxImportRows  = 1_000_000
)

// Kind names one import file's record type.
type Kind string

const (
	KindDeployments Kind = "deployments"
	KindCommits     Kind = "commits"
	KindChanges     Kind = "changes"
	KindIncidents   Kind = "incidents"
)

// column is one column of an import file: required columns must be in the
// header (their values may still be optional, as an incident's resolved_at).
type column[T any] struct {
	name     string
	required bool
	set      func(r *T, v string) error
}

func text[T any](name string, required bool, field func(*T) *string) column[T] {
	return column[T]{name, required, func(r *T, v string) error { *field(r) = v; return nil }}
}

func timeCol[T any](name string, required bool, field func(*T) *time.Time) column[T] {
	return column[T]{name, required, func(r *T, v string) error {
		t, err := parseTime(name, v)
		*field(r) = t
		return err
	}}
}

// parseTime reads an RFC3339 time; empty is the zero time (Validate says
// whether the field may be empty).
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fieldErr(field, "delivery.err.rfc3339", v)
	}
	return t.UTC(), nil
}

var deploymentColumns = []column[Deployment]{
	text("id", true, func(r *Deployment) *string { return &r.ID }),
	text("service", true, func(r *Deployment) *string { return &r.Service }),
	text("environment", true, func(r *Deployment) *string { return &r.Environment }),
	timeCol("finished_at", true, func(r *Deployment) *time.Time { return &r.Finished }),
	{"result", true, func(r *Deployment, v string) error {
		res, err := ParseResult(v)
		if err != nil {
			return &FieldError{Field: "result", Err: err}
		}
		r.Result = res
		return nil
	}},
	text("commit_sha", true, func(r *Deployment) *string { return &r.CommitSHA }),
	timeCol("started_at", false, func(r *Deployment) *time.Time { return &r.Started }),
	text("version", false, func(r *Deployment) *string { return &r.Version }),
	text("actor", false, func(r *Deployment) *string { return &r.Actor }),
	text("tool", false, func(r *Deployment) *string { return &r.Tool }),
	text("link", false, func(r *Deployment) *string { return &r.Link }),
	text("leased_by", false, func(r *Deployment) *string { return &r.LeasedBy }),
}

var commitColumns = []column[Commit]{
	text("service", true, func(r *Commit) *string { return &r.Service }),
	text("sha", true, func(r *Commit) *string { return &r.SHA }),
	text("parent_sha", true, func(r *Commit) *string { return &r.ParentSHA }),
	timeCol("committed_at", true, func(r *Commit) *time.Time { return &r.CommittedAt }),
}

var changeColumns = []column[Change]{
	text("service", true, func(r *Change) *string { return &r.Service }),
	text("id", true, func(r *Change) *string { return &r.ID }),
	text("merge_sha", true, func(r *Change) *string { return &r.MergeSHA }),
	timeCol("first_commit_at", true, func(r *Change) *time.Time { return &r.FirstCommitAt }),
	timeCol("merged_at", true, func(r *Change) *time.Time { return &r.MergedAt }),
}

var incidentColumns = []column[Incident]{
	text("id", true, func(r *Incident) *string { return &r.ID }),
	text("service", true, func(r *Incident) *string { return &r.Service }),
	timeCol("created_at", true, func(r *Incident) *time.Time { return &r.CreatedAt }),
	timeCol("resolved_at", true, func(r *Incident) *time.Time { return &r.ResolvedAt }),
	text("deployment_id", true, func(r *Incident) *string { return &r.DeploymentID }),
}

// ReadImport reads one import file of the given kind, CSV with a header row
// or a JSON array of objects with the same fields, into Data. name is the
// file's name in messages: every error names it, and the line (CSV) or
// element (JSON) and field of a bad record.
func ReadImport(name string, kind Kind, r io.Reader) (Data, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return Data{}, i18n.Wrap(i18n.Say("delivery.import.read", name), err)
	}
	if len(data) > MaxImportBytes {
		return Data{}, i18n.Say("delivery.import.toobig", name, MaxImportBytes>>20).Err()
	}
	var d Data
	switch kind {
	case KindDeployments:
		d.Deployments, err = readRecords(name, data, deploymentColumns, func(x *Deployment) (string, error) {
			if res, err := ParseResult(string(x.Result)); err == nil {
				x.Result = res
			}
			utc(&x.Started, &x.Finished)
			return x.ID, x.Validate()
		})
	case KindCommits:
		d.Commits, err = readRecords(name, data, commitColumns, func(x *Commit) (string, error) {
			utc(&x.CommittedAt)
			return x.Service + " " + x.SHA, x.Validate()
		})
	case KindChanges:
		d.Changes, err = readRecords(name, data, changeColumns, func(x *Change) (string, error) {
			utc(&x.FirstCommitAt, &x.MergedAt)
			return x.Service + " " + x.ID, x.Validate()
		})
	case KindIncidents:
		d.Incidents, err = readRecords(name, data, incidentColumns, func(x *Incident) (string, error) {
			utc(&x.CreatedAt, &x.ResolvedAt)
			return x.ID, x.Validate()
		})
	default:
		return Data{}, i18n.Say("delivery.import.kind", name, string(kind)).Err()
	}
	return d, err
}

// readRecords reads CSV or, when the first non-space byte is '[', JSON.
// check validates a record and returns its key: a key twice in one file is
// an error (across files and imports, the later record replaces).
func readRecords[T any](name string, data []byte, cols []column[T], check func(*T) (string, error)) ([]T, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return readJSON(name, trimmed, columnNames(cols), check)
	}
	return readCSV(name, data, cols, check)
}

func columnNames[T any](cols []column[T]) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

func readCSV[T any](name string, data []byte, cols []column[T], check func(*T) (string, error)) ([]T, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, i18n.Say("delivery.import.empty", name, columnNames(cols)).Err()
	}
	if err != nil {
		return nil, csvError(name, 0, nil, err)
	}
	idx := make([]int, len(header)) // header position -> column
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		ci := slices.IndexFunc(cols, func(c column[T]) bool { return c.name == h })
		if ci < 0 {
			return nil, i18n.Say("delivery.import.column", name, h, columnNames(cols)).Err()
		}
		if seen[h] {
			return nil, i18n.Say("delivery.import.twice", name, h).Err()
		}
		seen[h] = true
		idx[i] = ci
	}
	for _, c := range cols {
		if c.required && !seen[c.name] {
			return nil, i18n.Say("delivery.import.missing", name, c.name, columnNames(requiredOnly(cols))).Err()
		}
	}
	var out []T
	keys := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, csvError(name, len(header), rec, err)
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= MaxImportRows {
			return nil, i18n.Say("delivery.import.rows", name, line, MaxImportRows).Err()
		}
		var x T
		for i, v := range rec {
			if err := cols[idx[i]].set(&x, strings.TrimSpace(v)); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, err)
			}
		}
		key, err := check(&x)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if first, dup := keys[key]; dup {
			return nil, i18n.Say("delivery.import.dupline", name, line, key, first).Err()
		}
		keys[key] = line
		out = append(out, x)
	}
}

func requiredOnly[T any](cols []column[T]) []column[T] {
	return slices.DeleteFunc(slices.Clone(cols), func(c column[T]) bool { return !c.required })
}

// csvError says where and why a CSV record cannot be read; header is the
// header's field count and rec the record read, for a record of another
// count. A quote error names the line its record starts on, where the
// quote to fix is (the reader may stop lines later).
func csvError(name string, header int, rec []string, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return i18n.Say("delivery.import.fields", name, pe.StartLine, len(rec), header).Err()
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return i18n.Say("delivery.import.quote", name, pe.StartLine).Err()
	case errors.Is(pe.Err, csv.ErrQuote):
		return i18n.Say("delivery.import.unquote", name, pe.StartLine).Err()
	}
	return fmt.Errorf("%s:%d: %w", name, pe.Line, pe.Err)
}

// readJSON reads a JSON array of records; fields are the names a record
// may have, for the error that names one it may not.
func readJSON[T any](name string, data []byte, fields string, check func(*T) (string, error)) ([]T, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if _, err := dec.Token(); err != nil { // the '['
		return nil, fmt.Errorf("%s: %w", name, jsonMessage(err))
	}
	var out []T
	keys := map[string]int{}
	for i := 0; dec.More(); i++ {
		at := i18n.Say("delivery.import.element", name, i)
		if i >= MaxImportRows {
			return nil, i18n.Say("delivery.import.records", name, i, MaxImportRows).Err()
		}
		var x T
		if err := dec.Decode(&x); err != nil {
			// The decoder words an unknown field in English only, and
			// does not say which fields there are.
			if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
				return nil, i18n.Wrap(at, i18n.Say("delivery.err.jsonfield", f, fields).Err())
			}
			return nil, i18n.Wrap(at, jsonMessage(err))
		}
		key, err := check(&x)
		if err != nil {
			return nil, i18n.Wrap(at, err)
		}
		if first, dup := keys[key]; dup {
			return nil, i18n.Say("delivery.import.dupelement", name, i, key, first).Err()
		}
		keys[key] = i
		out = append(out, x)
	}
	if _, err := dec.Token(); err != nil { // the ']'
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the array is not closed
		}
		return nil, fmt.Errorf("%s: %w", name, jsonMessage(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, i18n.Say("delivery.import.trailing", name).Err()
	}
	return out, nil
}

// jsonMessage says which field a type error is about, in the file's terms.
func jsonMessage(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fieldErr(te.Field, "delivery.err.jsontype", te.Type.String(), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return i18n.Say("delivery.err.json", se.Error(), se.Offset).Err()
	}
	switch err {
	case io.EOF:
		return i18n.Say("delivery.err.eof").Err()
	case io.ErrUnexpectedEOF:
		return i18n.Say("delivery.err.eofmid").Err()
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return i18n.Say("delivery.err.rfc3339", pe.Value).Err()
	}
	return err
}

// utc puts times read from JSON (any offset) in UTC, as CSV times are.
func utc(ts ...*time.Time) {
	for _, t := range ts {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
}
