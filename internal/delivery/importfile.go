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
		return Data{}, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxImportBytes {
		return Data{}, fmt.Errorf("%s: larger than %d MiB; split it into several imports", name, MaxImportBytes>>20)
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
		return Data{}, fmt.Errorf("%s: unknown kind of import %q (valid: deployments, commits, changes, incidents)", name, kind)
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
		return readJSON(name, trimmed, check)
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
		return nil, fmt.Errorf("%s: empty file: a header row is required (%s)", name, columnNames(cols))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	idx := make([]int, len(header)) // header position -> column
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		ci := slices.IndexFunc(cols, func(c column[T]) bool { return c.name == h })
		if ci < 0 {
			return nil, fmt.Errorf("%s: unknown column %q (valid: %s)", name, h, columnNames(cols))
		}
		if seen[h] {
			return nil, fmt.Errorf("%s: column %q appears twice in the header", name, h)
		}
		seen[h] = true
		idx[i] = ci
	}
	for _, c := range cols {
		if c.required && !seen[c.name] {
			return nil, fmt.Errorf("%s: missing column %q (the header must have %s)", name, c.name, columnNames(requiredOnly(cols)))
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
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %w", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= MaxImportRows {
			return nil, fmt.Errorf("%s:%d: more than %d rows; split it into several imports", name, line, MaxImportRows)
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
			return nil, fmt.Errorf("%s:%d: %s is already on line %d", name, line, key, first)
		}
		keys[key] = line
		out = append(out, x)
	}
}

func requiredOnly[T any](cols []column[T]) []column[T] {
	return slices.DeleteFunc(slices.Clone(cols), func(c column[T]) bool { return !c.required })
}

func readJSON[T any](name string, data []byte, check func(*T) (string, error)) ([]T, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if _, err := dec.Token(); err != nil { // the '['
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []T
	keys := map[string]int{}
	for i := 0; dec.More(); i++ {
		if i >= MaxImportRows {
			return nil, fmt.Errorf("%s: element %d: more than %d records; split it into several imports", name, i, MaxImportRows)
		}
		var x T
		if err := dec.Decode(&x); err != nil {
			return nil, fmt.Errorf("%s: element %d: %w", name, i, jsonMessage(err))
		}
		key, err := check(&x)
		if err != nil {
			return nil, fmt.Errorf("%s: element %d: %w", name, i, err)
		}
		if first, dup := keys[key]; dup {
			return nil, fmt.Errorf("%s: element %d: %s is already element %d", name, i, key, first)
		}
		keys[key] = i
		out = append(out, x)
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: unexpected data after the JSON array", name)
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
