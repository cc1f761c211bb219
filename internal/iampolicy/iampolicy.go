// Package iampolicy owns the IAM policy `steward iam-policy` prints: the
// read-only actions each feature needs, worked out from the small SDK
// interfaces the packages doing the reading declare (collect/aws for the
// scan, cost for bills and Cost Explorer, iac for stacks, creators, states
// and trail logs, jobs for the queue of events), so a call added to one of them cannot be forgotten
// here. It knows those interfaces' method names, nothing of what the
// features do with the answers.
package iampolicy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/iac"
	"github.com/steward-sre/steward/internal/jobs"
)

// Feature names, as --feature takes them.
const (
	Scan         = "scan"          // the AWS collectors
	Cost         = "cost"          // billing exports in S3
	CostExplorer = "cost-explorer" // cost ingest --cost-explorer
	IaC          = "iac"           // CloudFormation stacks, CloudTrail creators, states and trail logs in S3
	Events       = "events"        // steward serve's SQS queue of EventBridge events (serve.events)
)

// Features lists every feature, in the order their statements print.
var Features = []string{Scan, Cost, CostExplorer, IaC, Events}

// surface is one SDK interface a feature calls through.
type surface struct {
	service string // the SDK's service as call counts name it (aws.IAMAction)
	iface   reflect.Type
}

// surfaces are the interfaces of each feature but the scan (whose are
// collect/aws's). objects read bills, states and trail logs in S3: their
// actions are scoped to the prefixes given, apart from api's.
var surfaces = map[string]struct {
	api     []surface
	objects []surface
}{
	Cost:         {objects: []surface{{"s3", reflect.TypeFor[cost.S3API]()}}},
	CostExplorer: {api: []surface{{"costexplorer", reflect.TypeFor[cost.CostExplorerAPI]()}}},
	IaC: {
		api: []surface{
			{"cloudformation", reflect.TypeFor[iac.CloudFormationAPI]()},
			{"cloudtrail", reflect.TypeFor[iac.CloudTrailAPI]()},
		},
		objects: []surface{{"s3", reflect.TypeFor[iac.S3API]()}},
	},
	// Receiving and deleting the queue's messages changes nothing in the
	// estate: it is the queue steward is the consumer of.
	Events: {api: []surface{{"sqs", reflect.TypeFor[jobs.SQS]()}}},
}

// Options choose what the policy allows.
type Options struct {
	// Features to allow; empty means the scan only.
	Features []string
	// Bills (feature cost), States and TrailLogs (feature iac) are the
	// s3://bucket/prefix URLs steward reads them from: object reads are
	// scoped to them. A feature given none may read any object, which
	// only a trusted role should hold.
	Bills, States, TrailLogs []string
	// Partition of the ARNs: aws (default), aws-cn, aws-us-gov.
	Partition string
}

// Validate names the bad feature or URL.
func (o *Options) Validate() error {
	for _, f := range o.Features {
		if !slices.Contains(Features, f) {
			return i18n.Say("iam.err.feature", f, strings.Join(Features, ", ")).Err()
		}
	}
	for _, u := range slices.Concat(o.Bills, o.States, o.TrailLogs) {
		if _, _, err := splitS3(u); err != nil {
			return err
		}
	}
	if len(o.Bills) > 0 && !slices.Contains(o.Features, Cost) {
		return i18n.Say("iam.err.bills").Err()
	}
	if len(o.States)+len(o.TrailLogs) > 0 && !slices.Contains(o.Features, IaC) {
		return i18n.Say("iam.err.states").Err()
	}
	switch o.Partition {
	case "", "aws", "aws-cn", "aws-us-gov":
	default:
		return i18n.Say("iam.err.partition", o.Partition).Err()
	}
	return nil
}

func splitS3(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	bucket, prefix, _ = strings.Cut(rest, "/")
	if !ok || bucket == "" || strings.ContainsAny(u, "*?") {
		return "", "", i18n.Say("iam.err.s3url", u).Err()
	}
	return bucket, prefix, nil
}

// place is where a feature reads objects: keys and listed prefixes, as
// IAM globs, in one bucket.
type place struct {
	bucket       string
	keys, prefix []string
}

// places turns URLs into what IAM scopes: a bill or trail log prefix is
// itself; a state is also read in every Terraform workspace, under the
// S3 backend's env:/NAME/ (see iac.LoadStates).
func places(urls []string, workspaces bool) []place {
	var out []place
	for _, u := range urls {
		bucket, prefix, _ := splitS3(u)
		p := place{bucket: bucket, keys: []string{prefix + "*"}, prefix: []string{prefix + "*"}}
		if workspaces && !strings.HasPrefix(prefix, "env:/") {
			p.keys = append(p.keys, "env:/*/"+prefix+"*")
			p.prefix = append(p.prefix, "env:/*")
		}
		out = append(out, p)
	}
	return out
}

// Statement is one statement of the policy document.
type Statement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Action    []string       `json:"Action"`
	Resource  []string       `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// actions lists the IAM actions of the surfaces' methods, sorted.
func actions(ss []surface) []string {
	var out []string
	for _, s := range ss {
		for i := range s.iface.NumMethod() {
			if a, ok := aws.IAMAction(s.service, s.iface.Method(i).Name); ok && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Build returns the policy for the features chosen.
func Build(o Options) (*Document, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	features := o.Features
	if len(features) == 0 {
		features = []string{Scan}
	}
	partition := o.Partition
	if partition == "" {
		partition = "aws"
	}
	doc := &Document{Version: "2012-10-17"}
	var objects []surface
	var where []place
	anywhere := false
	sid := map[string]string{Scan: "StewardReadOnlyScan", CostExplorer: "StewardCostExplorer", IaC: "StewardIaC", Events: "StewardEventQueue"}
	for _, f := range Features {
		if !slices.Contains(features, f) {
			continue
		}
		if f == Scan {
			doc.Statement = append(doc.Statement, Statement{Sid: sid[f], Effect: "Allow", Action: aws.Actions(), Resource: []string{"*"}})
			continue
		}
		if as := actions(surfaces[f].api); len(as) > 0 {
			doc.Statement = append(doc.Statement, Statement{Sid: sid[f], Effect: "Allow", Action: as, Resource: []string{"*"}})
		}
		objects = append(objects, surfaces[f].objects...)
		switch {
		case f == Cost && len(o.Bills) > 0:
			where = append(where, places(o.Bills, false)...)
		case f == IaC && len(o.States)+len(o.TrailLogs) > 0:
			where = append(where, places(o.States, true)...)
			where = append(where, places(o.TrailLogs, false)...)
		case f == Cost || f == IaC:
			anywhere = true
		}
	}
	if len(objects) > 0 {
		if anywhere {
			where = nil
		}
		doc.Statement = append(doc.Statement, objectStatements(actions(objects), where, partition)...)
	}
	return doc, nil
}

// objectStatements allow reading objects in the places, and listing
// their buckets only below them; with no places, any object.
func objectStatements(acts []string, where []place, partition string) []Statement {
	if len(where) == 0 {
		return []Statement{{Sid: "StewardReadObjects", Effect: "Allow", Action: acts, Resource: []string{"*"}}}
	}
	var get, list []string
	for _, a := range acts {
		if a == "s3:ListBucket" {
			list = append(list, a)
		} else {
			get = append(get, a)
		}
	}
	var objects, buckets []string
	prefixes := map[string][]string{}
	for _, p := range where {
		for _, k := range p.keys {
			if arn := fmt.Sprintf("arn:%s:s3:::%s/%s", partition, p.bucket, k); !slices.Contains(objects, arn) {
				objects = append(objects, arn)
			}
		}
		if _, ok := prefixes[p.bucket]; !ok {
			buckets = append(buckets, p.bucket)
		}
		for _, pre := range p.prefix {
			if !slices.Contains(prefixes[p.bucket], pre) {
				prefixes[p.bucket] = append(prefixes[p.bucket], pre)
			}
		}
	}
	var out []Statement
	if len(get) > 0 {
		out = append(out, Statement{Sid: "StewardReadObjects", Effect: "Allow", Action: get, Resource: objects})
	}
	if len(list) == 0 {
		return out
	}
	for i, b := range buckets {
		st := Statement{Sid: fmt.Sprintf("StewardListObjects%d", i+1), Effect: "Allow", Action: list, Resource: []string{fmt.Sprintf("arn:%s:s3:::%s", partition, b)}}
		if !slices.Contains(prefixes[b], "*") {
			st.Condition = map[string]any{"StringLike": map[string]any{"s3:prefix": prefixes[b]}}
		}
		out = append(out, st)
	}
	return out
}

// JSON is the document, indented, with a final newline.
func (d *Document) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode iam policy: %w", err)
	}
	return append(b, '\n'), nil
}
