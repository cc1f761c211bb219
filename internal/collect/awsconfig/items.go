package awsconfig

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/steward-sre/steward/internal/inventory"
)

// MapItems maps configuration items given one by one as JSON objects (the
// results of an AWS Config advanced query, which have the shape of
// configuration items) into resources, by the same rules as snapshot
// files. Items of types steward does not know are skipped; route tables and
// the account-level public access block are read for what they say about
// subnets and buckets. An item that cannot be read fails the whole call,
// named by its index, so a caller never gets a silently partial estate.
func MapItems(items []json.RawMessage) ([]inventory.Resource, error) {
	const name = "config query results"
	its := make([]item, 0, len(items))
	for i, raw := range items {
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: results[%d]: invalid JSON: %w", name, i, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s: results[%d]: unexpected data after the JSON object", name, i)
		}
		it, err := readItem(name, i, v)
		if err != nil {
			return nil, err
		}
		it.seq = i
		its = append(its, it)
	}
	res, err := build(its)
	if err != nil {
		return nil, err
	}
	return res.resources, nil
}
