package awsconfig

import (
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/awspolicy"
)

// routeTable is what a route table says about the subnets it serves.
type routeTable struct {
	vpc     string
	main    bool     // the VPC's main table: serves subnets with no explicit association
	subnets []string // explicitly associated subnets
	igw     bool     // routes 0.0.0.0/0 or ::/0 to an internet gateway
}

func readRouteTable(r *reader, it *item) routeTable {
	c := it.conf
	rt := routeTable{}
	rt.vpc, _ = r.str(c, "vpcId")
	routes, _ := r.objects(c, "routes")
	for _, ro := range routes {
		v4, _ := r.str(ro, "destinationCidrBlock")
		v6, _ := r.str(ro, "destinationIpv6CidrBlock")
		gw, _ := r.str(ro, "gatewayId")
		state, _ := r.str(ro, "state")
		if (v4 == "0.0.0.0/0" || v6 == "::/0") && strings.HasPrefix(gw, "igw-") && !strings.EqualFold(state, "blackhole") {
			rt.igw = true
		}
	}
	assocs, _ := r.objects(c, "associations")
	for _, a := range assocs {
		if main, _ := r.boolean(a, "main"); main {
			rt.main = true
		}
		if s, _ := r.str(a, "subnetId"); s != "" {
			rt.subnets = append(rt.subnets, s)
		}
	}
	return rt
}

// subnetPublic tells whether a subnet routes to an internet gateway, from
// its explicitly associated table or else its VPC's main table. ok is false
// when the files hold neither, so public stays unknown.
func (e *estate) subnetPublic(account, region, vpc, subnet string) (public, ok bool) {
	tables := e.routeTables[account+"|"+region+"|"+vpc]
	for _, rt := range tables {
		if slices.Contains(rt.subnets, subnet) {
			return rt.igw, true
		}
	}
	for _, rt := range tables {
		if rt.main {
			return rt.igw, true
		}
	}
	return false, false
}

// allBlocked reads a public access block configuration: whether all four
// settings are on. A setting that is absent is off.
func allBlocked(r *reader, o obj) (on, known bool) {
	if !o.present() {
		return false, false
	}
	on = true
	for _, k := range []string{"blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"} {
		if b, _ := r.boolean(o, k); !b {
			on = false
		}
	}
	return on, true
}

func (m *mapping) bucket(c obj) {
	m.created(c, "creationDate")
	s := m.it.supp
	if len(s.m) == 0 {
		return // Config recorded no bucket settings: all unknown
	}

	// Public access block: on at either level protects the bucket. Config
	// lists the bucket-level block in the supplementary configuration when
	// the bucket has one, and records the account-level block as an
	// AWS::S3::AccountPublicAccessBlock item only when the account has one
	// (its managed rule reads INSUFFICIENT_DATA otherwise). So with the
	// bucket's settings recorded and no account-level item anywhere in the
	// files, a block missing at both levels (or with a setting off) is off.
	// This reads the whole delivery: files of some regions only may lack
	// the region that holds the account-level item.
	bucketOn := false
	if pab, ok := m.r.object(s, "PublicAccessBlockConfiguration"); ok {
		bucketOn, _ = allBlocked(m.r, pab)
	}
	acctOn := m.e.accountBlock[m.it.account]
	m.set("public_access_block", bucketOn || acctOn)

	// As with encryption below: with the settings recorded, no policy
	// means none, which grants nothing.
	doc := &awspolicy.Doc{}
	if bp, ok := m.r.object(s, "BucketPolicy"); ok {
		text, _ := m.r.str(bp, "policyText")
		if strings.TrimSpace(text) != "" {
			d, err := awspolicy.Parse(text)
			if err != nil {
				m.r.failf(join(bp.path, "policyText"), "%v", err)
			} else {
				doc = d
			}
		}
	}
	m.set("policy_public", doc.Public())
	m.set("policy_denies_http", doc.DeniesInsecureTransport())
	m.set("policy_cross_account_control", doc.GrantsOtherAccounts(m.it.account, awspolicy.BucketControlActions))

	// Config records the notification configuration with every bucket;
	// an empty set of configurations means none.
	if n, ok := m.r.object(s, "BucketNotificationConfiguration"); ok {
		confs, _ := m.r.object(n, "configurations")
		m.set("event_notifications", len(confs.m) > 0)
	}

	acl, ok := m.r.object(s, "AccessControlList")
	if !ok {
		acl, ok = m.r.object(s, "BucketAcl")
	}
	if ok {
		grants, _ := m.r.objects(acl, "grantList")
		owner := ""
		if o, ok := m.r.object(acl, "owner"); ok {
			owner, _ = m.r.str(o, "id")
		} else if o, ok := m.r.object(c, "owner"); ok {
			owner, _ = m.r.str(o, "id")
		}
		public, others := false, false
		for _, g := range grants {
			_, grantee, _ := g.lookup("grantee")
			if mentionsPublicGroup(grantee) {
				public = true
			}
			gm, _ := grantee.(map[string]any)
			if id, _ := gm["id"].(string); id == "" || id != owner {
				others = true
			}
		}
		m.set("acl_public", public)
		m.set("acl_grants_others", others)
	}

	// Config lists the encryption and lifecycle settings only when the
	// bucket has them, so with supplementary configuration recorded their
	// absence means none.
	encryption := ""
	if sse, ok := m.r.object(s, "ServerSideEncryptionConfiguration"); ok {
		rules, _ := m.r.objects(sse, "rules")
		for _, rule := range rules {
			if def, ok := m.r.object(rule, "applyServerSideEncryptionByDefault"); ok {
				if alg, _ := m.r.str(def, "sseAlgorithm"); alg != "" && encryption == "" {
					encryption = alg
				}
			}
		}
	}
	m.set("encryption", encryption)

	if v, ok := m.r.object(s, "BucketVersioningConfiguration"); ok {
		status, _ := m.r.str(v, "status")
		if strings.EqualFold(status, "Off") {
			status = "" // never enabled
		}
		m.set("versioning", status)
	}

	if l, ok := m.r.object(s, "BucketLoggingConfiguration"); ok {
		dest, _ := m.r.str(l, "destinationBucketName")
		m.set("logging_enabled", dest != "")
	}

	rules := 0
	if lc, ok := m.r.object(s, "BucketLifecycleConfiguration"); ok {
		l, _, _ := m.r.list(lc, "rules")
		rules = len(l)
	}
	m.set("lifecycle_rules", float64(rules))
}

// mentionsPublicGroup reports whether an ACL grantee is the AllUsers or
// AuthenticatedUsers group, however Config spelled it ("AllUsers", a URI,
// or an object holding either).
func mentionsPublicGroup(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, "AllUsers") || strings.Contains(v, "AuthenticatedUsers")
	case map[string]any:
		for _, x := range v {
			if mentionsPublicGroup(x) {
				return true
			}
		}
	}
	return false
}
