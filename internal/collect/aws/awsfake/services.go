package awsfake

import (
	"fmt"
	"sort"
	"strings"

	"github.com/steward-sre/steward/internal/inventory"
)

func init() {
	handlers["s3"] = (*Server).s3
	handlers["logs"] = (*Server).logs
	handlers["tagging"] = (*Server).tagging
	handlers["organizations"] = (*Server).organizations
	handlers["guardduty"] = (*Server).guardduty
	handlers["securityhub"] = (*Server).securityhub
	handlers["inspector2"] = (*Server).inspector
	handlers["cloudtrail"] = (*Server).cloudtrail
	handlers["config"] = (*Server).config
	handlers["iam"] = (*Server).iam
}

// s3 serves buckets path-style: GET / lists, GET /bucket?sub reads one setting.
func (s *Server) s3(q *req) {
	if q.op == "GetAccountPublicAccessBlock" {
		if !s.opts.AccountBlockPublicAccess[q.account] {
			q.fail(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
			return
		}
		q.xml(200, "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>")
		return
	}
	if q.op == "ListBuckets" {
		var bs []*inventory.Resource
		for _, r := range s.byAccount[q.account] {
			if r.Type == "AWS::S3::Bucket" {
				bs = append(bs, r)
			}
		}
		sort.Slice(bs, func(i, j int) bool { return bs[i].ID < bs[j].ID })
		lo, hi, next := s.page(len(bs), q.URL.Query().Get("continuation-token"))
		var b strings.Builder
		b.WriteString("<ListAllMyBucketsResult><Owner><ID>owner</ID></Owner><Buckets>")
		for _, r := range bs[lo:hi] {
			fmt.Fprintf(&b, "<Bucket><Name>%s</Name><CreationDate>%s</CreationDate><BucketRegion>%s</BucketRegion></Bucket>", r.ID, ts(r.Created), r.Region)
		}
		b.WriteString("</Buckets>" + opt("ContinuationToken", next) + "</ListAllMyBucketsResult>")
		q.xml(200, b.String())
		return
	}
	name := strings.Trim(q.URL.Path, "/")
	r := s.find(q.account, "AWS::S3::Bucket", func(r *inventory.Resource) bool { return r.ID == name })
	if r == nil {
		q.fail(404, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	switch q.op {
	case "GetBucketLocation":
		q.xml(200, "<LocationConstraint>"+r.Region+"</LocationConstraint>")
	case "GetBucketTagging":
		if r.Tags.Len() == 0 {
			q.fail(404, "NoSuchTagSet", "The TagSet does not exist")
			return
		}
		var b strings.Builder
		for _, k := range sortedKeys(r.Tags.Map()) {
			fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", esc(k), esc(r.Tags.Value(k)))
		}
		q.xml(200, "<Tagging><TagSet>"+b.String()+"</TagSet></Tagging>")
	case "GetPublicAccessBlock":
		if !abool(r, "public_access_block") {
			q.fail(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
			return
		}
		q.xml(200, "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>")
	case "GetBucketPolicyStatus":
		if !abool(r, "policy_public") {
			q.fail(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
			return
		}
		q.xml(200, "<PolicyStatus><IsPublic>true</IsPublic></PolicyStatus>")
	case "GetBucketAcl":
		grant := ""
		if abool(r, "acl_public") {
			grant = `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>`
		}
		q.xml(200, `<AccessControlPolicy><Owner><ID>owner</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>owner</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>`+grant+`</AccessControlList></AccessControlPolicy>`)
	case "GetBucketPolicy":
		var stmts []string
		if abool(r, "policy_public") {
			stmts = append(stmts, `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"`+r.ARN+`/*"}`)
		}
		if abool(r, "policy_denies_http") {
			stmts = append(stmts, `{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["`+r.ARN+`","`+r.ARN+`/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`)
		}
		if abool(r, "policy_cross_account_control") {
			stmts = append(stmts, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"s3:PutBucketPolicy","Resource":"`+r.ARN+`"}`)
		}
		if len(stmts) == 0 {
			q.fail(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
			return
		}
		q.raw(200, "application/json", `{"Version":"2012-10-17","Statement":[`+strings.Join(stmts, ",")+`]}`)
	case "GetBucketNotificationConfiguration":
		n := ""
		if abool(r, "event_notifications") {
			n = "<TopicConfiguration><Id>events</Id><Topic>arn:aws:sns:" + r.Region + ":" + q.account + ":bucket-events</Topic><Event>s3:ObjectRemoved:*</Event></TopicConfiguration>"
		}
		q.xml(200, "<NotificationConfiguration>"+n+"</NotificationConfiguration>")
	case "GetBucketEncryption":
		enc := astr(r, "encryption")
		if enc == "" {
			q.fail(404, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found")
			return
		}
		q.xml(200, "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>"+enc+"</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>")
	case "GetBucketLogging":
		le := ""
		if abool(r, "logging_enabled") {
			le = "<LoggingEnabled><TargetBucket>logs</TargetBucket><TargetPrefix>" + r.ID + "/</TargetPrefix></LoggingEnabled>"
		}
		q.xml(200, "<BucketLoggingStatus>"+le+"</BucketLoggingStatus>")
	case "GetBucketVersioning":
		q.xml(200, "<VersioningConfiguration>"+opt("Status", astr(r, "versioning"))+"</VersioningConfiguration>")
	case "GetBucketLifecycleConfiguration":
		n := int(anum(r, "lifecycle_rules"))
		if n == 0 {
			q.fail(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
			return
		}
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "<Rule><ID>r%d</ID><Status>Enabled</Status><Filter><Prefix></Prefix></Filter><Expiration><Days>30</Days></Expiration></Rule>", i)
		}
		q.xml(200, "<LifecycleConfiguration>"+b.String()+"</LifecycleConfiguration>")
	default:
		q.fail(400, "NotImplemented", "the fake does not serve s3 "+q.op)
	}
}

func (s *Server) logs(q *req) {
	if q.op != "DescribeLogGroups" {
		q.fail(400, "UnknownOperationException", "the fake does not serve logs "+q.op)
		return
	}
	gs := s.resources(q, "AWS::Logs::LogGroup")
	tok, _ := q.body["nextToken"].(string)
	lo, hi, next := s.page(len(gs), tok)
	var out []map[string]any
	for _, r := range gs[lo:hi] {
		g := map[string]any{
			"logGroupName": r.ID, "arn": r.ARN + ":*", "logGroupArn": r.ARN,
			"creationTime": r.Created.UnixMilli(), "storedBytes": int64(anum(r, "stored_bytes")),
		}
		if d := anum(r, "retention_days"); d > 0 {
			g["retentionInDays"] = int(d)
		}
		out = append(out, g)
	}
	resp := map[string]any{"logGroups": out}
	if next != "" {
		resp["nextToken"] = next
	}
	q.json(200, resp)
}

func (s *Server) tagging(q *req) {
	var rs []*inventory.Resource
	for _, r := range s.byAccount[q.account] {
		// CloudFront's tags are read in us-east-1, its home region.
		home := r.Region == "global" && r.Type == "AWS::CloudFront::Distribution" && q.region == "us-east-1"
		if (r.Region == q.region || home) && r.Tags.Len() > 0 {
			rs = append(rs, r)
		}
	}
	tok, _ := q.body["PaginationToken"].(string)
	lo, hi, next := s.page(len(rs), tok)
	var list []map[string]any
	for _, r := range rs[lo:hi] {
		var tags []map[string]string
		for _, k := range sortedKeys(r.Tags.Map()) {
			tags = append(tags, map[string]string{"Key": k, "Value": r.Tags.Value(k)})
		}
		list = append(list, map[string]any{"ResourceARN": r.ARN, "Tags": tags})
	}
	q.json(200, map[string]any{"ResourceTagMappingList": list, "PaginationToken": next})
}

func (s *Server) organizations(q *req) {
	var ids []string
	for a := range s.byAccount {
		ids = append(ids, a)
	}
	sort.Strings(ids)
	tok, _ := q.body["NextToken"].(string)
	lo, hi, next := s.page(len(ids), tok)
	var accts []map[string]any
	for _, id := range ids[lo:hi] {
		accts = append(accts, map[string]any{"Id": id, "Arn": "arn:aws:organizations::" + ids[0] + ":account/o-fake/" + id, "Name": id, "Status": "ACTIVE", "State": "ACTIVE"})
	}
	resp := map[string]any{"Accounts": accts}
	if next != "" {
		resp["NextToken"] = next
	}
	q.json(200, resp)
}

// regionAttr reads an attr of the account's Steward::Account::Region resource.
func (s *Server) regionAttr(q *req, k string) (bool, bool) {
	r := s.find(q.account, "Steward::Account::Region", func(r *inventory.Resource) bool { return r.Region == q.region })
	if r == nil || !ahas(r, k) {
		return false, false
	}
	return abool(r, k), true
}

func (s *Server) guardduty(q *req) {
	ds := s.resources(q, "AWS::GuardDuty::Detector")
	if q.op == "ListDetectors" {
		ids := []string{}
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		q.json(200, map[string]any{"detectorIds": ids})
		return
	}
	id := q.URL.Path[strings.LastIndexByte(q.URL.Path, '/')+1:]
	for _, d := range ds {
		if d.ID == id {
			out := map[string]any{"status": astr(d, "status"), "serviceRole": "role", "createdAt": ts(d.Created)}
			if d.Tags.Len() > 0 {
				out["tags"] = d.Tags
			}
			q.json(200, out)
			return
		}
	}
	q.fail(400, "BadRequestException", "no detector "+id)
}

func (s *Server) securityhub(q *req) {
	on, _ := s.regionAttr(q, "securityhub_enabled")
	if !on {
		q.fail(401, "InvalidAccessException", "Account is not subscribed to AWS Security Hub")
		return
	}
	q.json(200, map[string]any{"HubArn": "arn:aws:securityhub:" + q.region + ":" + q.account + ":hub/default"})
}

func (s *Server) inspector(q *req) {
	on, _ := s.regionAttr(q, "inspector_enabled")
	st := "DISABLED"
	if on {
		st = "ENABLED"
	}
	state := map[string]any{"status": st}
	q.json(200, map[string]any{"accounts": []any{map[string]any{
		"accountId": q.account, "state": state,
		"resourceState": map[string]any{"ec2": state, "ecr": state},
	}}, "failedAccounts": []any{}})
}

// cloudtrail answers with the account's trails that cover the region: those
// homed in it and multi-region trails homed elsewhere.
func (s *Server) cloudtrail(q *req) {
	var covering []*inventory.Resource
	for _, r := range s.byAccount[q.account] {
		if r.Type == "AWS::CloudTrail::Trail" && (r.Region == q.region || abool(r, "multi_region")) {
			covering = append(covering, r)
		}
	}
	switch q.op {
	case "DescribeTrails":
		var list []map[string]any
		for _, r := range covering {
			list = append(list, map[string]any{"Name": r.ID, "TrailARN": r.ARN, "HomeRegion": r.Region,
				"IsMultiRegionTrail": abool(r, "multi_region"), "S3BucketName": astr(r, "s3_bucket")})
		}
		q.json(200, map[string]any{"trailList": list})
	case "GetTrailStatus":
		name, _ := q.body["Name"].(string)
		for _, r := range covering {
			if r.ARN == name || r.ID == name {
				q.json(200, map[string]any{"IsLogging": abool(r, "logging")})
				return
			}
		}
		q.fail(400, "TrailNotFoundException", "no trail "+name)
	case "LookupEvents":
		s.lookupEvents(q)
	default:
		q.fail(400, "UnknownOperationException", "the fake does not serve cloudtrail "+q.op)
	}
}

func (s *Server) configRecorder(q *req) {
	on, known := s.regionAttr(q, "config_recorder_enabled")
	var st []map[string]any
	if known {
		st = append(st, map[string]any{"name": "default", "recording": on})
	}
	q.json(200, map[string]any{"ConfigurationRecordersStatus": st})
}

// iam serves users from AWS::IAM::User resources and the account summary
// from the AWS::::Account resource.
func (s *Server) iam(q *req) {
	acct := s.find(q.account, "AWS::::Account", func(*inventory.Resource) bool { return true })
	user := func() *inventory.Resource {
		name := q.form.Get("UserName")
		return s.find(q.account, "AWS::IAM::User", func(r *inventory.Resource) bool { return r.Name == name })
	}
	result := func(body string) {
		q.xml(200, "<"+q.op+"Response><"+q.op+"Result>"+body+"</"+q.op+"Result></"+q.op+"Response>")
	}
	switch q.op {
	case "ListAccountAliases":
		alias := ""
		if acct != nil && astr(acct, "alias") != "" {
			alias = "<member>" + astr(acct, "alias") + "</member>"
		}
		result("<AccountAliases>" + alias + "</AccountAliases><IsTruncated>false</IsTruncated>")
	case "GetAccountSummary":
		mfa := 0
		if acct != nil && abool(acct, "root_mfa_enabled") {
			mfa = 1
		}
		keys := ""
		if acct != nil && ahas(acct, "root_access_keys") {
			n := 0
			if abool(acct, "root_access_keys") {
				n = 1
			}
			keys = fmt.Sprintf("<entry><key>AccountAccessKeysPresent</key><value>%d</value></entry>", n)
		}
		result(fmt.Sprintf("<SummaryMap><entry><key>AccountMFAEnabled</key><value>%d</value></entry>%s<entry><key>Users</key><value>1</value></entry></SummaryMap>", mfa, keys))
	case "ListVirtualMFADevices":
		dev := ""
		if acct != nil && abool(acct, "root_mfa_enabled") && ahas(acct, "root_hardware_mfa") && !abool(acct, "root_hardware_mfa") {
			dev = "<member><SerialNumber>arn:aws:iam::" + q.account + ":mfa/root-account-mfa-device</SerialNumber><User><Arn>arn:aws:iam::" + q.account +
				":root</Arn><UserId>" + q.account + "</UserId><UserName>root</UserName><Path>/</Path><CreateDate>2024-01-01T00:00:00Z</CreateDate></User></member>"
		}
		result("<VirtualMFADevices>" + dev + "</VirtualMFADevices><IsTruncated>false</IsTruncated>")
	case "GetAccountPasswordPolicy":
		if acct == nil || anum(acct, "password_min_length") == 0 {
			q.fail(404, "NoSuchEntity", "The Password Policy with domain name "+q.account+" cannot be found.")
			return
		}
		c := abool(acct, "password_complexity")
		result(fmt.Sprintf("<PasswordPolicy><MinimumPasswordLength>%d</MinimumPasswordLength><PasswordReusePrevention>%d</PasswordReusePrevention>"+
			"<RequireUppercaseCharacters>%t</RequireUppercaseCharacters><RequireLowercaseCharacters>%t</RequireLowercaseCharacters><RequireNumbers>%t</RequireNumbers><RequireSymbols>%t</RequireSymbols>"+
			"<AllowUsersToChangePassword>true</AllowUsersToChangePassword><ExpirePasswords>false</ExpirePasswords></PasswordPolicy>",
			int(anum(acct, "password_min_length")), int(anum(acct, "password_reuse_prevention")), c, c, c, c))
	case "ListUsers":
		var us []*inventory.Resource
		for _, r := range s.byAccount[q.account] {
			if r.Type == "AWS::IAM::User" {
				us = append(us, r)
			}
		}
		lo, hi, next := s.page(len(us), q.form.Get("Marker"))
		var b strings.Builder
		for _, u := range us[lo:hi] {
			fmt.Fprintf(&b, "<member><UserName>%s</UserName><UserId>%s</UserId><Arn>%s</Arn><Path>/</Path><CreateDate>%s</CreateDate>%s</member>",
				u.Name, u.ID, u.ARN, ts(u.Created), opt("PasswordLastUsed", astr(u, "password_last_used")))
		}
		result(fmt.Sprintf("<Users>%s</Users><IsTruncated>%t</IsTruncated>%s", b.String(), next != "", opt("Marker", next)))
	case "ListMFADevices":
		u := user()
		dev := ""
		if u != nil && abool(u, "mfa_enabled") {
			dev = "<member><UserName>" + u.Name + "</UserName><SerialNumber>arn:aws:iam::" + q.account + ":mfa/" + u.Name + "</SerialNumber><EnableDate>2024-01-01T00:00:00Z</EnableDate></member>"
		}
		result("<MFADevices>" + dev + "</MFADevices><IsTruncated>false</IsTruncated>")
	case "GetLoginProfile":
		u := user()
		if u == nil || !abool(u, "console_access") {
			q.fail(404, "NoSuchEntity", "Login Profile cannot be found")
			return
		}
		result("<LoginProfile><UserName>" + u.Name + "</UserName><CreateDate>2024-01-01T00:00:00Z</CreateDate></LoginProfile>")
	case "ListUserTags":
		u := user()
		var b strings.Builder
		if u != nil {
			for _, k := range sortedKeys(u.Tags.Map()) {
				fmt.Fprintf(&b, "<member><Key>%s</Key><Value>%s</Value></member>", esc(k), esc(u.Tags.Value(k)))
			}
		}
		result("<Tags>" + b.String() + "</Tags><IsTruncated>false</IsTruncated>")
	case "ListAttachedUserPolicies":
		var b strings.Builder
		if u := user(); u != nil {
			list, _ := u.Attrs.Value("attached_policies").([]any)
			for _, p := range list {
				fmt.Fprintf(&b, "<member><PolicyName>%v</PolicyName><PolicyArn>arn:aws:iam::aws:policy/%v</PolicyArn></member>", p, p)
			}
		}
		result("<AttachedPolicies>" + b.String() + "</AttachedPolicies><IsTruncated>false</IsTruncated>")
	case "ListUserPolicies":
		var b strings.Builder
		if u := user(); u != nil {
			for i := 0; i < int(anum(u, "inline_policies")); i++ {
				fmt.Fprintf(&b, "<member>inline-%d</member>", i)
			}
		}
		result("<PolicyNames>" + b.String() + "</PolicyNames><IsTruncated>false</IsTruncated>")
	case "ListAccessKeys":
		u := user()
		key := ""
		if u != nil && ahas(u, "access_key_max_age_days") {
			created := s.opts.Now.AddDate(0, 0, -int(anum(u, "access_key_max_age_days")))
			key = fmt.Sprintf("<member><UserName>%s</UserName><AccessKeyId>AKIA%s</AccessKeyId><Status>Active</Status><CreateDate>%s</CreateDate></member>", u.Name, u.ID, ts(created))
		}
		result("<AccessKeyMetadata>" + key + "</AccessKeyMetadata><IsTruncated>false</IsTruncated>")
	case "GetAccessKeyLastUsed":
		id := strings.TrimPrefix(q.form.Get("AccessKeyId"), "AKIA")
		u := s.find(q.account, "AWS::IAM::User", func(r *inventory.Resource) bool { return r.ID == id })
		if u == nil {
			q.fail(404, "NoSuchEntity", "no access key "+q.form.Get("AccessKeyId"))
			return
		}
		used := ""
		if ahas(u, "access_key_unused_days") && anum(u, "access_key_unused_days") < anum(u, "access_key_max_age_days") {
			used = "<LastUsedDate>" + ts(s.opts.Now.AddDate(0, 0, -int(anum(u, "access_key_unused_days")))) + "</LastUsedDate>"
		}
		result("<UserName>" + u.Name + "</UserName><AccessKeyLastUsed>" + used + "<ServiceName>s3</ServiceName><Region>us-east-1</Region></AccessKeyLastUsed>")
	default:
		q.fail(400, "InvalidAction", "the fake does not serve iam "+q.op)
	}
}
