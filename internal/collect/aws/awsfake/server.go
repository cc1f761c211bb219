// Package awsfake is a test double of the AWS APIs steward reads, served
// over HTTP on loopback so the real SDK clients talk to it through
// AWS_ENDPOINT_URL or a base endpoint. It renders its answers from
// inventory resources, in each service's own protocol (EC2 query, awsquery
// XML, awsJson1.1, REST-XML, REST-JSON), so a scan of the fake can be
// compared with the estate it was built from. Errors (access denied,
// opt-in regions, throttling, timeouts) and latency are injectable.
//
// It knows the wire formats and the inventory model; it must not know how
// steward's collectors work inside.
package awsfake

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
	"golang.org/x/time/rate"

	"github.com/steward-sre/steward/internal/inventory"
)

// KeyPrefix starts every access key the fake accepts; the account id follows.
const KeyPrefix = "FAKEKEY"

// AccessKey is the static access key id that signs in to an account.
func AccessKey(account string) string { return KeyPrefix + account }

// Fault makes matching requests fail. Empty fields match anything.
type Fault struct {
	Account   string
	Region    string
	Service   string // signing name: ec2, s3, logs, guardduty, tagging ...
	Operation string // DescribeInstances, ListBuckets, GetBucketAcl ...
	// Code is the error code returned (AccessDenied, OptInRequired,
	// Throttling ...). Empty with Hang set means no answer at all.
	Code string
	// Hang holds the request until the client gives up.
	Hang bool
}

// Options shape the fake's behaviour.
type Options struct {
	// PageSize is the items per page of paginated calls; 0 means 3.
	PageSize int
	// Latency is added to every request.
	Latency time.Duration
	// Regions are the enabled regions per account; accounts not listed get
	// the regions their resources are in.
	Regions map[string][]string
	// Now is the time metrics windows end at.
	Now time.Time
	// AccountBlockPublicAccess lists accounts whose account-level S3
	// Block Public Access has all four settings on; others have none.
	AccountBlockPublicAccess map[string]bool
	// TrailEvents are what CloudTrail LookupEvents returns.
	TrailEvents []TrailEvent
	// ConfigAggregator names the AWS Config aggregator the fake serves
	// (from any of its accounts); it holds every account and region of
	// the estate. Empty: no aggregator exists.
	ConfigAggregator string
	// StaleSources are "account/region" sources the aggregator reports
	// as failed to update.
	StaleSources []string
	// ThrottleRate is the share (0 to 1) of calls answered with the
	// service's throttling error, as AWS does to a busy account; STS
	// calls are never throttled. Seed makes the draws repeatable.
	ThrottleRate float64
	Seed         uint64
	// RateLimit is the calls per second each account may make to each
	// service (with a burst of as many), as AWS's per-account quotas; a
	// call over it gets the throttling error. 0: no limit.
	RateLimit float64
}

// Server is a running fake.
type Server struct {
	URL  string
	srv  *httptest.Server
	opts Options

	mu        sync.Mutex
	faults    []Fault
	calls     map[string]int // "service:Operation"
	throttled int
	rnd       *rand.Rand
	limits    map[string]*rate.Limiter // account/service

	byAccount map[string][]*inventory.Resource
}

// New starts a fake serving the resources. Close it when done.
func New(resources []inventory.Resource, opts Options) *Server {
	if opts.PageSize == 0 {
		opts.PageSize = 3
	}
	s := &Server{opts: opts, calls: map[string]int{}, byAccount: map[string][]*inventory.Resource{},
		rnd: rand.New(rand.NewPCG(opts.Seed, 1)), limits: map[string]*rate.Limiter{}}
	for i := range resources {
		r := &resources[i]
		s.byAccount[r.Account] = append(s.byAccount[r.Account], r)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AddFault makes matching requests fail from now on.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// Calls returns how many requests each "service:Operation" received.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// Throttled returns how many calls were answered with a throttling error
// by ThrottleRate.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// req is one decoded request.
type req struct {
	*http.Request
	account, region, service, op string
	form                         url.Values
	body                         map[string]any
	cbor                         cbor.Value
	w                            http.ResponseWriter
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	q := &req{Request: r, w: w}
	q.parseAuth()
	raw, _ := io.ReadAll(r.Body)
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		q.form, _ = url.ParseQuery(string(raw))
		q.op = q.form.Get("Action")
	case r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor":
		q.op = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		if len(raw) > 0 {
			q.cbor, _ = cbor.Decode(raw)
		}
	case r.Header.Get("X-Amz-Target") != "":
		t := r.Header.Get("X-Amz-Target")
		q.op = t[strings.LastIndexByte(t, '.')+1:]
		_ = json.Unmarshal(raw, &q.body)
	default:
		_ = json.Unmarshal(raw, &q.body)
	}
	if q.service == "s3" {
		q.op = s3Operation(r)
	} else if q.op == "" {
		q.op = restOperation(q.service, r)
	}
	if q.service == "elasticloadbalancing" && q.form.Get("Version") == "2015-12-01" {
		q.service = "elasticloadbalancingv2"
	}
	s.mu.Lock()
	s.calls[q.service+":"+q.op]++
	var fault *Fault
	for i := range s.faults {
		f := &s.faults[i]
		if match(f.Account, q.account) && match(f.Region, q.region) && match(f.Service, q.service) && match(f.Operation, q.op) {
			fault = f
			break
		}
	}
	throttle := s.opts.ThrottleRate > 0 && q.service != "sts" && s.rnd.Float64() < s.opts.ThrottleRate
	if s.opts.RateLimit > 0 && q.service != "sts" && !throttle {
		l := s.limits[q.account+"/"+q.service]
		if l == nil {
			l = rate.NewLimiter(rate.Limit(s.opts.RateLimit), max(int(s.opts.RateLimit), 1))
			s.limits[q.account+"/"+q.service] = l
		}
		throttle = !l.Allow()
	}
	if throttle {
		s.throttled++
	}
	s.mu.Unlock()
	if _, ok := s.byAccount[q.account]; !ok {
		q.fail(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
		return
	}
	if throttle && fault == nil {
		code := "ThrottlingException"
		if q.service == "ec2" {
			code = "RequestLimitExceeded"
		}
		q.fail(400, code, "Rate exceeded")
		return
	}
	if fault != nil {
		if fault.Hang {
			<-r.Context().Done()
			return
		}
		status := 400
		if strings.Contains(fault.Code, "Denied") || fault.Code == "UnauthorizedOperation" {
			status = 403
		}
		q.fail(status, fault.Code, "injected by the fake")
		return
	}
	h, ok := handlers[q.service]
	if !ok {
		q.fail(400, "UnknownOperationException", "the fake does not serve "+q.service)
		return
	}
	h(s, q)
}

func match(want, got string) bool { return want == "" || want == got }

// parseAuth reads account, region and service from the SigV4 credential
// scope: Credential=KEY/DATE/REGION/SERVICE/aws4_request.
func (q *req) parseAuth() {
	a := q.Header.Get("Authorization")
	i := strings.Index(a, "Credential=")
	if i < 0 {
		return
	}
	cred := a[i+len("Credential="):]
	if j := strings.IndexByte(cred, ','); j >= 0 {
		cred = cred[:j]
	}
	parts := strings.Split(cred, "/")
	if len(parts) < 4 {
		return
	}
	q.account = strings.TrimPrefix(parts[0], KeyPrefix)
	q.region, q.service = parts[2], parts[3]
}

// restOperation names REST calls by method and path.
func restOperation(service string, r *http.Request) string {
	p := r.URL.Path
	switch service {
	case "guardduty":
		if p == "/detector" {
			return "ListDetectors"
		}
		return "GetDetector"
	case "securityhub":
		return "DescribeHub"
	case "inspector2":
		return "BatchGetAccountStatus"
	case "lambda":
		if strings.HasPrefix(p, "/2015-03-31/functions/") && strings.HasSuffix(p, "/policy") && r.Method == http.MethodGet {
			return "GetPolicy"
		}
		if strings.HasPrefix(p, "/2015-03-31/functions") && r.Method == http.MethodGet {
			return "ListFunctions"
		}
	case "cloudfront":
		if strings.HasSuffix(p, "/config") {
			return "GetDistributionConfig"
		}
		if strings.HasSuffix(p, "/distribution") {
			return "ListDistributions"
		}
	}
	return r.Method + " " + p
}

func s3Operation(r *http.Request) string {
	if r.URL.Path == "/v20180820/configuration/publicAccessBlock" {
		return "GetAccountPublicAccessBlock" // S3 Control, signed as s3
	}
	if r.URL.Path == "/" || r.URL.Path == "" {
		return "ListBuckets"
	}
	q := r.URL.Query()
	for _, k := range []struct{ param, op string }{
		{"location", "GetBucketLocation"}, {"tagging", "GetBucketTagging"}, {"publicAccessBlock", "GetPublicAccessBlock"},
		{"policyStatus", "GetBucketPolicyStatus"}, {"acl", "GetBucketAcl"}, {"encryption", "GetBucketEncryption"},
		{"logging", "GetBucketLogging"}, {"versioning", "GetBucketVersioning"}, {"lifecycle", "GetBucketLifecycleConfiguration"},
		{"policy", "GetBucketPolicy"}, {"notification", "GetBucketNotificationConfiguration"},
	} {
		if q.Has(k.param) {
			return k.op
		}
	}
	return r.Method + " object"
}

// fail writes an error in the protocol of the request's service.
func (q *req) fail(status int, code, msg string) {
	switch protocols[q.service] {
	case "ec2":
		q.xml(status, fmt.Sprintf("<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>fake</RequestID></Response>", code, esc(msg)))
	case "query":
		q.xml(status, fmt.Sprintf("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>", code, esc(msg)))
	case "restxml":
		if q.op == "GetAccountPublicAccessBlock" {
			// S3 Control wraps its errors as the query protocols do.
			q.xml(status, fmt.Sprintf("<ErrorResponse><Error><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>", code, esc(msg)))
			return
		}
		q.xml(status, fmt.Sprintf("<Error><Code>%s</Code><Message>%s</Message><RequestId>fake</RequestId></Error>", code, esc(msg)))
	case "cbor":
		q.w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		q.w.Header().Set("Content-Type", "application/cbor")
		q.w.WriteHeader(status)
		q.w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String(msg)}))
	case "restjson":
		q.w.Header().Set("X-Amzn-Errortype", code)
		q.json(status, map[string]any{"message": msg, "Message": msg})
	default:
		q.json(status, map[string]any{"__type": code, "message": msg})
	}
}

var protocols = map[string]string{
	"ec2": "ec2", "sts": "query", "iam": "query", "rds": "query", "elasticloadbalancing": "query",
	"elasticloadbalancingv2": "query", "autoscaling": "query", "s3": "restxml",
	"guardduty": "restjson", "securityhub": "restjson", "inspector2": "restjson", "lambda": "restjson",
	"cloudfront": "restxml", "monitoring": "cbor",
}

func (q *req) xml(status int, body string) {
	q.w.Header().Set("Content-Type", "text/xml")
	q.w.WriteHeader(status)
	io.WriteString(q.w, `<?xml version="1.0" encoding="UTF-8"?>`+body)
}

// raw writes a body as it is, for operations whose payload is a document
// (S3's GetBucketPolicy returns the policy JSON itself).
func (q *req) raw(status int, contentType, body string) {
	q.w.Header().Set("Content-Type", contentType)
	q.w.WriteHeader(status)
	io.WriteString(q.w, body)
}

func (q *req) json(status int, v any) {
	q.w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	q.w.WriteHeader(status)
	_ = json.NewEncoder(q.w).Encode(v)
}

func esc(s string) string { return html.EscapeString(s) }

// resources returns the account's resources of a type in the request's region.
func (s *Server) resources(q *req, typ string) []*inventory.Resource {
	var out []*inventory.Resource
	for _, r := range s.byAccount[q.account] {
		if r.Type == typ && (r.Region == q.region || q.region == "") {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) find(account, typ string, ok func(*inventory.Resource) bool) *inventory.Resource {
	for _, r := range s.byAccount[account] {
		if r.Type == typ && ok(r) {
			return r
		}
	}
	return nil
}

// regions lists the enabled regions of an account.
func (s *Server) regions(account string) []string {
	if rs, ok := s.opts.Regions[account]; ok {
		return rs
	}
	var out []string
	for _, r := range s.byAccount[account] {
		if r.Region != "" && r.Region != "global" && !slices.Contains(out, r.Region) {
			out = append(out, r.Region)
		}
	}
	sort.Strings(out)
	return out
}

// page cuts one page out of n items: the token is the offset of the next.
func (s *Server) page(n int, token string) (lo, hi int, next string) {
	lo, _ = strconv.Atoi(token)
	lo = min(max(lo, 0), n)
	hi = min(lo+s.opts.PageSize, n)
	if hi < n {
		next = strconv.Itoa(hi)
	}
	return lo, hi, next
}

// Attr accessors that tolerate missing keys.

func astr(r *inventory.Resource, k string) string { v, _ := r.Attrs.Value(k).(string); return v }
func anum(r *inventory.Resource, k string) float64 {
	v, _ := r.Attrs.Value(k).(float64)
	return v
}
func abool(r *inventory.Resource, k string) bool { v, _ := r.Attrs.Value(k).(bool); return v }
func ahas(r *inventory.Resource, k string) bool  { _, ok := r.Attrs.Get(k); return ok }

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// relTargets lists the ids (last ARN segment) of a resource's relations of a kind.
func relTargets(r *inventory.Resource, kind string) []string {
	var out []string
	for _, rel := range r.Relations {
		if rel.Kind == kind {
			t := rel.Target
			out = append(out, t[strings.LastIndexAny(t, "/:")+1:])
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var _ = context.Background

type handler func(*Server, *req)

var handlers = map[string]handler{}
