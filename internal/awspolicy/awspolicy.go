// Package awspolicy reads AWS resource policy documents (S3 bucket
// policies, Lambda function policies) and answers what security controls
// ask of them: do they let anyone in, do they refuse plain HTTP, do they
// give other accounts control. It knows the IAM policy grammar, not the
// SDK, and is shared by every collector that meets such a document, so
// that the API and AWS Config sources judge a policy the same way.
package awspolicy

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Doc is a parsed policy document.
type Doc struct {
	Statements []Statement
}

// Statement is one statement, its one-or-many fields made lists.
type Statement struct {
	Effect     string
	Principals []string // "*" or the values of AWS, Service, Federated ...
	Actions    []string
	NotAction  bool
	Condition  map[string]map[string][]string
}

// Parse reads a policy document. Statement may be one object or a list;
// Principal, Action and condition values may be a string or a list.
func Parse(text string) (*Doc, error) {
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf("policy document: %w", err)
	}
	var stmts []json.RawMessage
	switch s := strings.TrimSpace(string(raw.Statement)); {
	case s == "" || s == "null":
	case strings.HasPrefix(s, "["):
		if err := json.Unmarshal(raw.Statement, &stmts); err != nil {
			return nil, fmt.Errorf("policy document: Statement: %w", err)
		}
	default:
		stmts = []json.RawMessage{raw.Statement}
	}
	d := &Doc{}
	for i, rs := range stmts {
		var st struct {
			Effect       string
			Principal    json.RawMessage
			NotPrincipal json.RawMessage
			Action       json.RawMessage
			NotAction    json.RawMessage
			Condition    map[string]map[string]json.RawMessage
		}
		if err := json.Unmarshal(rs, &st); err != nil {
			return nil, fmt.Errorf("policy document: Statement %d: %w", i, err)
		}
		s := Statement{Effect: st.Effect, Condition: map[string]map[string][]string{}}
		var err error
		if s.Principals, err = principals(st.Principal); err != nil {
			return nil, fmt.Errorf("policy document: Statement %d: Principal: %w", i, err)
		}
		act := st.Action
		if len(st.NotAction) > 0 {
			act, s.NotAction = st.NotAction, true
		}
		if s.Actions, err = strs(act); err != nil {
			return nil, fmt.Errorf("policy document: Statement %d: Action: %w", i, err)
		}
		for op, kv := range st.Condition {
			s.Condition[op] = map[string][]string{}
			for k, v := range kv {
				vs, err := strs(v)
				if err != nil {
					return nil, fmt.Errorf("policy document: Statement %d: Condition %s %s: %w", i, op, k, err)
				}
				s.Condition[op][strings.ToLower(k)] = vs
			}
		}
		d.Statements = append(d.Statements, s)
	}
	return d, nil
}

// strs reads a string, a list of strings (booleans and numbers as written),
// or nothing.
func strs(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one any
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	list, ok := one.([]any)
	if !ok {
		list = []any{one}
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case bool, float64:
			out = append(out, fmt.Sprint(v))
		default:
			return nil, fmt.Errorf("expected a string or a list of strings")
		}
	}
	return out, nil
}

func principals(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []string{s}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf(`expected "*" or an object of principal kinds`)
	}
	var out []string
	for _, v := range m {
		vs, err := strs(v)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// Public reports whether an Allow statement lets anyone ("*") in without a
// condition to narrow who (source account, organization, VPC, IP ...).
func (d *Doc) Public() bool {
	for _, s := range d.Statements {
		if s.Effect == "Allow" && len(s.Condition) == 0 && s.anyone() {
			return true
		}
	}
	return false
}

func (s *Statement) anyone() bool {
	for _, p := range s.Principals {
		if p == "*" {
			return true
		}
	}
	return false
}

// DeniesInsecureTransport reports whether a Deny statement refuses every
// principal requests made without TLS (aws:SecureTransport false), the
// statement Security Hub's S3.5 looks for.
func (d *Doc) DeniesInsecureTransport() bool {
	for _, s := range d.Statements {
		if s.Effect != "Deny" || !s.anyone() || s.NotAction {
			continue
		}
		all := false
		for _, a := range s.Actions {
			if a == "*" || strings.EqualFold(a, "s3:*") {
				all = true
			}
		}
		if !all {
			continue
		}
		for _, kv := range s.Condition {
			for _, v := range kv["aws:securetransport"] {
				if strings.EqualFold(v, "false") {
					return true
				}
			}
		}
	}
	return false
}

// BucketControlActions are the bucket policy actions FSBP S3.6 keeps from
// other accounts: they change who may read or write the bucket.
var BucketControlActions = []string{"s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration", "s3:PutObjectAcl"}

var accountRe = regexp.MustCompile(`^(?:arn:aws[a-z-]*:iam::)?([0-9]{12})(?::|$)`)

// GrantsOtherAccounts reports whether an Allow statement gives a principal
// outside owner (an account id) any of actions, which may be patterns
// like s3:Put*; a statement's own patterns match too (s3:*).
func (d *Doc) GrantsOtherAccounts(owner string, actions []string) bool {
	for _, s := range d.Statements {
		if s.Effect != "Allow" || s.NotAction {
			continue
		}
		other := false
		for _, p := range s.Principals {
			if p == "*" {
				other = true
			} else if m := accountRe.FindStringSubmatch(p); m != nil && m[1] != owner {
				other = true
			}
		}
		if other && matchesAny(s.Actions, actions) {
			return true
		}
	}
	return false
}

// matchesAny reports whether a pattern of the statement covers one of the
// wanted actions, IAM's way: case-insensitive, * and ? as wildcards.
func matchesAny(patterns, wanted []string) bool {
	for _, p := range patterns {
		for _, w := range wanted {
			if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(w)); ok {
				return true
			}
		}
	}
	return false
}
