package awsconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/objstore"
)

// item is one configuration item with its envelope read and checked. The
// configuration documents stay as JSON objects until the type's mapper
// reads them.
type item struct {
	file  string // as given or walked, for errors
	index int    // position in configurationItems
	seq   int    // order across all files, to break capture-time ties

	typ      string
	status   string
	arn      string
	id       string
	name     string
	account  string
	region   string
	az       string
	captured time.Time
	created  time.Time
	tags     map[string]string
	rels     []relationship
	conf     obj
	supp     obj
}

// relationship is one entry of an item's relationships list.
type relationship struct {
	name         string // "Is attached to Instance"
	resourceType string
	resourceID   string
	resourceName string
}

func (it *item) where() string { return fmt.Sprintf("configurationItems[%d]", it.index) }

// Statuses of items that describe no live resource.
var goneStatuses = map[string]bool{
	"ResourceDeleted":            true,
	"ResourceNotRecorded":        true,
	"ResourceDeletedNotRecorded": true,
}

// notConfigError says a file is JSON but not a Config delivery.
func notConfigError(name, found string) error {
	return fmt.Errorf("%s: not an AWS Config snapshot or history file: %s; expected a JSON object with a \"configurationItems\" list, as AWS Config delivers to S3 (ConfigSnapshot or ConfigHistory, .json or .json.gz)", name, found)
}

// decompress returns the file's JSON text, gunzipping it when it starts
// with the gzip magic number (the name is not trusted: S3 downloads lose
// or keep .gz unpredictably). The text may be at most maxBytes
// (objstore.DefaultMaxBytes when 0): Config splits snapshots far below
// that, so a larger file is a mistake or a gzip bomb, refused before it is
// held in memory.
func decompress(name string, data []byte, maxBytes int64) ([]byte, error) {
	if !objstore.IsGzip(data) {
		return data, nil
	}
	return objstore.Gunzip(data, name, maxBytes)
}

// parseFile decodes one Config file (plain or gzipped JSON) into items.
// Items of every type are returned, deleted ones too: deciding what to keep
// needs the whole history.
func parseFile(name string, data []byte, maxBytes int64) ([]item, error) {
	text, err := decompress(name, data, maxBytes)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, notConfigError(name, "the file is empty")
		}
		return nil, jsonError(name, text, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, notConfigError(name, fmt.Sprintf("it starts with %s", tokenKind(tok)))
	}
	var items []item
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(name, text, dec, err)
		}
		key, _ := tok.(string)
		if key != "configurationItems" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, jsonError(name, text, dec, err)
			}
			continue
		}
		found = true
		tok, err = dec.Token()
		if err != nil {
			return nil, jsonError(name, text, dec, err)
		}
		if tok == nil {
			continue // "configurationItems": null, an empty delivery
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return nil, fmt.Errorf("%s: configurationItems: expected a list, got %s", name, tokenKind(tok))
		}
		for i := 0; dec.More(); i++ {
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, fmt.Errorf("%w (in configurationItems[%d])", jsonError(name, text, dec, err), i)
			}
			it, err := readItem(name, i, v)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
		if _, err := dec.Token(); err != nil { // ]
			return nil, jsonError(name, text, dec, err)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, jsonError(name, text, dec, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: unexpected data after the JSON object", name)
	}
	if !found {
		return nil, notConfigError(name, "it has no \"configurationItems\" key")
	}
	return items, nil
}

func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "a list"
		}
		return "an object"
	case nil:
		return "null"
	default:
		return kindOf(t)
	}
}

// jsonError turns a decoding error into one naming the line and column.
func jsonError(name string, text []byte, dec *json.Decoder, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: invalid JSON: the file ends early (truncated download?)", name)
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// A streaming decoder's offsets are relative to its buffer; the
		// error path can afford one whole-text pass for an exact place.
		var v any
		var whole *json.SyntaxError
		if errors.As(json.Unmarshal(text, &v), &whole) {
			off = whole.Offset - 1 // Offset counts the offending byte
		}
	}
	line, col := lineCol(text, off)
	return fmt.Errorf("%s:%d:%d: invalid JSON: %w", name, line, col, err)
}

func lineCol(text []byte, off int64) (int, int) {
	if off > int64(len(text)) {
		off = int64(len(text))
	}
	if off < 0 {
		off = 0
	}
	before := text[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// readItem checks one item's envelope.
func readItem(file string, index int, v any) (item, error) {
	it := item{file: file, index: index}
	path := it.where()
	m, ok := v.(map[string]any)
	if !ok {
		return it, fmt.Errorf("%s: %s: expected an object, got %s", file, path, kindOf(v))
	}
	o := obj{m: m, path: path}
	var r reader
	it.typ, _ = r.str(o, "resourceType")
	it.status, _ = r.str(o, "configurationItemStatus")
	it.arn, _ = r.str(o, "ARN")
	it.id, _ = r.str(o, "resourceId")
	it.name, _ = r.str(o, "resourceName")
	if acct, ok := r.str(o, "awsAccountId"); ok {
		it.account = acct
	} else {
		it.account, _ = r.str(o, "accountId")
	}
	it.region, _ = r.str(o, "awsRegion")
	it.az, _ = r.str(o, "availabilityZone")
	it.captured, _ = r.time(o, "configurationItemCaptureTime")
	it.created, _ = r.time(o, "resourceCreationTime")
	it.tags = r.tags(o, "tags")
	it.conf, _ = r.object(o, "configuration")
	it.supp, _ = r.object(o, "supplementaryConfiguration")
	rels, _ := r.objects(o, "relationships")
	for _, ro := range rels {
		var rel relationship
		if n, ok := r.str(ro, "name"); ok {
			rel.name = n
		} else {
			rel.name, _ = r.str(ro, "relationshipName")
		}
		rel.resourceType, _ = r.str(ro, "resourceType")
		rel.resourceID, _ = r.str(ro, "resourceId")
		rel.resourceName, _ = r.str(ro, "resourceName")
		it.rels = append(it.rels, rel)
	}
	if r.err != nil {
		return it, fmt.Errorf("%s: %w", file, r.err)
	}
	if it.typ == "" {
		return it, fmt.Errorf("%s: %s.resourceType: required (a CloudFormation type name such as AWS::EC2::Instance)", file, path)
	}
	if !strings.Contains(it.typ, "::") {
		return it, fmt.Errorf("%s: %s.resourceType: %q is not a resource type name (expected AWS::Service::Resource)", file, path, it.typ)
	}
	return it, nil
}

// tags reads tags written as a map (the envelope) or as a list of
// {key, value} (describe output inside configuration).
func (r *reader) tags(o obj, key string) map[string]string {
	k, v, ok := o.lookup(key)
	if !ok {
		return nil
	}
	path := join(o.path, k)
	out := map[string]string{}
	switch v := v.(type) {
	case map[string]any:
		for tk, tv := range v {
			switch tv := tv.(type) {
			case string:
				out[tk] = tv
			case nil:
				out[tk] = ""
			default:
				r.fail(join(path, tk), "a string", tv)
				return nil
			}
		}
	case []any:
		for i, e := range v {
			em, isMap := e.(map[string]any)
			if !isMap {
				r.fail(fmt.Sprintf("%s[%d]", path, i), "an object with key and value", e)
				return nil
			}
			eo := obj{m: em, path: fmt.Sprintf("%s[%d]", path, i)}
			tk, _ := r.str(eo, "key")
			tv, _ := r.str(eo, "value")
			if tk != "" {
				out[tk] = tv
			}
		}
	default:
		r.fail(path, "an object of tags", v)
		return nil
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
