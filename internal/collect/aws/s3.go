package aws

import (
	"context"
	"errors"
	"fmt"

	"net/url"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/steward-sre/steward/internal/awspolicy"
	"github.com/steward-sre/steward/internal/inventory"
)

// s3API is the S3 calls the collector makes.
type s3API interface {
	s3.ListBucketsAPIClient
	GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error)
	GetBucketTagging(ctx context.Context, in *s3.GetBucketTaggingInput, optFns ...func(*s3.Options)) (*s3.GetBucketTaggingOutput, error)
	GetPublicAccessBlock(ctx context.Context, in *s3.GetPublicAccessBlockInput, optFns ...func(*s3.Options)) (*s3.GetPublicAccessBlockOutput, error)
	GetBucketPolicyStatus(ctx context.Context, in *s3.GetBucketPolicyStatusInput, optFns ...func(*s3.Options)) (*s3.GetBucketPolicyStatusOutput, error)
	GetBucketAcl(ctx context.Context, in *s3.GetBucketAclInput, optFns ...func(*s3.Options)) (*s3.GetBucketAclOutput, error)
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, optFns ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	GetBucketLogging(ctx context.Context, in *s3.GetBucketLoggingInput, optFns ...func(*s3.Options)) (*s3.GetBucketLoggingOutput, error)
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	GetBucketLifecycleConfiguration(ctx context.Context, in *s3.GetBucketLifecycleConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
	GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, optFns ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	GetBucketNotificationConfiguration(ctx context.Context, in *s3.GetBucketNotificationConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetBucketNotificationConfigurationOutput, error)
}

// s3BucketConcurrency bounds the per-bucket reads in flight inside one S3 unit.
const s3BucketConcurrency = 8

// s3ControlAPI is the S3 Control call for the account-level Block Public
// Access setting, which overrides every bucket's own.
type s3ControlAPI interface {
	GetPublicAccessBlock(ctx context.Context, in *s3control.GetPublicAccessBlockInput, optFns ...func(*s3control.Options)) (*s3control.GetPublicAccessBlockOutput, error)
}

func runS3(ctx context.Context, t *target, out *unitOut) error {
	api := s3.NewFromConfig(t.cfg, func(o *s3.Options) { o.UsePathStyle = t.pathStyle })
	ctl := s3control.NewFromConfig(t.cfg, func(o *s3control.Options) {
		// S3 Control puts the account id in the host name, which an
		// emulator on an address cannot answer; send it to the endpoint as given.
		if t.pathStyle && o.BaseEndpoint != nil {
			o.EndpointResolverV2 = fixedEndpoint(*o.BaseEndpoint)
		}
	})
	cw := func(region string) metricsAPI {
		return cloudwatch.NewFromConfig(t.cfg, func(o *cloudwatch.Options) { o.Region = region })
	}
	return collectS3(ctx, t, out, api, ctl, cw)
}

// fixedEndpoint resolves every S3 Control call to one URL.
type fixedEndpoint string

func (e fixedEndpoint) ResolveEndpoint(context.Context, s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	u, err := url.Parse(string(e))
	if err != nil {
		return smithyendpoints.Endpoint{}, fmt.Errorf("s3 control endpoint %q: %w", string(e), err)
	}
	return smithyendpoints.Endpoint{URI: *u}, nil
}

// Error codes S3 uses to say "this bucket has none of that": absence is a
// fact about the bucket, not a failed read.
var (
	s3NoTags       = []string{"NoSuchTagSet", "NoSuchTagSetError"}
	s3NoPAB        = []string{"NoSuchPublicAccessBlockConfiguration"}
	s3NoPolicy     = []string{"NoSuchBucketPolicy"}
	s3NoEncryption = []string{"ServerSideEncryptionConfigurationNotFoundError"}
	s3NoLifecycle  = []string{"NoSuchLifecycleConfiguration"}
)

// collectS3 lists buckets once per account and reads each bucket's settings
// in the bucket's own region. A setting that cannot be read is left out of
// attrs and its error fails the unit; the other settings still count.
//
// The account-level Block Public Access setting, when all four are on,
// makes every bucket's public_access_block true. size_bytes comes from
// CloudWatch's daily BucketSizeBytes in each bucket's region, batched.
func collectS3(ctx context.Context, t *target, out *unitOut, api s3API, ctl s3ControlAPI, cw func(region string) metricsAPI) error {
	var buckets []s3types.Bucket
	pg := s3.NewListBucketsPaginator(api, &s3.ListBucketsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list buckets: %w", err)
		}
		buckets = append(buckets, page.Buckets...)
	}
	accountPAB, pabErr := accountBlocksPublicAccess(ctx, t, ctl)
	rs := make([]inventory.Resource, len(buckets))
	errs := make([]error, len(buckets))
	parallel(ctx, len(buckets), s3BucketConcurrency, func(i int) {
		rs[i], errs[i] = bucket(ctx, t, api, buckets[i])
	})
	var kept []inventory.Resource
	for _, r := range rs {
		if r.ARN == "" {
			continue
		}
		if accountPAB {
			r.Attrs.Set("public_access_block", true)
		}
		kept = append(kept, r)
	}
	bucketSizes(ctx, t, out, cw, kept)
	for _, r := range kept {
		out.add(r)
	}
	if pabErr != nil {
		errs = append(errs, pabErr)
	}
	return joinFew(errs, 3)
}

// accountBlocksPublicAccess reads the account-level Block Public Access
// setting; an account without one blocks nothing by itself.
func accountBlocksPublicAccess(ctx context.Context, t *target, ctl s3ControlAPI) (bool, error) {
	p, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: &t.account})
	if isCode(err, s3NoPAB...) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get account public access block: %w", err)
	}
	c := p.PublicAccessBlockConfiguration
	return c != nil && boolv(c.BlockPublicAcls) && boolv(c.IgnorePublicAcls) && boolv(c.BlockPublicPolicy) && boolv(c.RestrictPublicBuckets), nil
}

// s3StorageTypes are the BucketSizeBytes storage types summed into
// size_bytes: every class S3 bills storage for, overheads included.
var s3StorageTypes = []string{
	"StandardStorage", "IntelligentTieringFAStorage", "IntelligentTieringIAStorage", "IntelligentTieringAAStorage",
	"IntelligentTieringAIAStorage", "IntelligentTieringDAAStorage", "StandardIAStorage", "StandardIASizeOverhead",
	"OneZoneIAStorage", "OneZoneIASizeOverhead", "ReducedRedundancyStorage", "GlacierInstantRetrievalStorage",
	"GlacierStorage", "GlacierStagingStorage", "GlacierObjectOverhead", "GlacierS3ObjectOverhead",
	"DeepArchiveStorage", "DeepArchiveObjectOverhead", "DeepArchiveS3ObjectOverhead", "DeepArchiveStagingStorage",
}

// s3SizeLookbackDays covers the daily BucketSizeBytes datapoint even when
// the latest one is late.
const s3SizeLookbackDays = 3

// bucketSizes fills size_bytes with the latest daily BucketSizeBytes summed
// over storage types, one batch of GetMetricData calls per region (S3
// metrics live in the bucket's region). A region whose metrics cannot be
// read leaves its buckets' size out and shows as a cloudwatch gap.
func bucketSizes(ctx context.Context, t *target, out *unitOut, cw func(region string) metricsAPI, rs []inventory.Resource) {
	byRegion := map[string][]int{}
	for i := range rs {
		byRegion[rs[i].Region] = append(byRegion[rs[i].Region], i)
	}
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	start := lookbackStart(t.now, s3SizeLookbackDays)
	for _, region := range regions {
		idx := byRegion[region]
		qs := make([]metricQuery, 0, len(idx)*len(s3StorageTypes))
		for _, i := range idx {
			for _, st := range s3StorageTypes {
				qs = append(qs, metricQuery{namespace: "AWS/S3", metric: "BucketSizeBytes", dims: map[string]string{"BucketName": rs[i].ID, "StorageType": st}, stat: "Average"})
			}
		}
		vals, err := getMetrics(ctx, cw(region), qs, start, t.now)
		out.sideRead(&target{account: t.account, region: region}, "cloudwatch", err)
		if err != nil {
			continue
		}
		for k, i := range idx {
			size := 0.0
			for j := range s3StorageTypes {
				size += latest(vals[k*len(s3StorageTypes)+j])
			}
			rs[i].Attrs.Set("size_bytes", size)
		}
	}
}

// latest is the newest of daily values, which CloudWatch returns newest first.
func latest(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	return vs[0]
}

func bucket(ctx context.Context, t *target, api s3API, b s3types.Bucket) (inventory.Resource, error) {
	name := str(b.Name)
	region := str(b.BucketRegion)
	var errs []error
	if region == "" {
		loc, err := api.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: b.Name})
		if err != nil {
			return inventory.Resource{}, fmt.Errorf("bucket %s: get location: %w", name, err)
		}
		region = string(loc.LocationConstraint)
		if region == "" {
			region = "us-east-1" // S3 reports the oldest region as no constraint
		}
	}
	inRegion := func(o *s3.Options) { o.Region = region }
	r := inventory.Resource{
		ARN: "arn:" + t.partition + ":s3:::" + name, Account: t.account, Region: region, Type: "AWS::S3::Bucket",
		ID: name, Name: name, Attrs: inventory.AttrsOf(map[string]any{}),
	}
	if b.CreationDate != nil {
		r.Created = b.CreationDate.UTC()
	}
	fail := func(what string, err error) { errs = append(errs, fmt.Errorf("bucket %s: %s: %w", name, what, err)) }

	if tg, err := api.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b.Name}, inRegion); err == nil {
		r.Tags = inventory.TagsOf(tagMap(tg.TagSet, func(t s3types.Tag) (*string, *string) { return t.Key, t.Value }))
	} else if !isCode(err, s3NoTags...) {
		fail("get tagging", err)
	}
	if p, err := api.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b.Name}, inRegion); err == nil {
		c := p.PublicAccessBlockConfiguration
		r.Attrs.Set("public_access_block", c != nil && boolv(c.BlockPublicAcls) && boolv(c.IgnorePublicAcls) && boolv(c.BlockPublicPolicy) && boolv(c.RestrictPublicBuckets))
	} else if isCode(err, s3NoPAB...) {
		r.Attrs.Set("public_access_block", false)
	} else {
		fail("get public access block", err)
	}
	if p, err := api.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: b.Name}, inRegion); err == nil {
		r.Attrs.Set("policy_public", p.PolicyStatus != nil && boolv(p.PolicyStatus.IsPublic))
	} else if isCode(err, s3NoPolicy...) {
		r.Attrs.Set("policy_public", false)
	} else {
		fail("get policy status", err)
	}
	if p, err := api.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b.Name}, inRegion); err == nil {
		if d, err := awspolicy.Parse(str(p.Policy)); err != nil {
			fail("read policy", err)
		} else {
			r.Attrs.Update(func(m map[string]any) { bucketPolicyAttrs(m, d, t.account) })
		}
	} else if isCode(err, s3NoPolicy...) {
		r.Attrs.Update(func(m map[string]any) { bucketPolicyAttrs(m, &awspolicy.Doc{}, t.account) })
	} else {
		fail("get policy", err)
	}
	if n, err := api.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b.Name}, inRegion); err == nil {
		r.Attrs.Set("event_notifications", len(n.TopicConfigurations)+len(n.QueueConfigurations)+len(n.LambdaFunctionConfigurations) > 0 || n.EventBridgeConfiguration != nil)
	} else {
		fail("get notification configuration", err)
	}
	if a, err := api.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b.Name}, inRegion); err == nil {
		r.Attrs.Set("acl_public", aclPublic(a.Grants))
		r.Attrs.Set("acl_grants_others", aclGrantsOthers(a.Owner, a.Grants))
	} else {
		fail("get acl", err)
	}
	if e, err := api.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b.Name}, inRegion); err == nil {
		enc := ""
		if c := e.ServerSideEncryptionConfiguration; c != nil {
			for _, rule := range c.Rules {
				if d := rule.ApplyServerSideEncryptionByDefault; d != nil && enc == "" {
					enc = string(d.SSEAlgorithm)
				}
			}
		}
		r.Attrs.Set("encryption", enc)
	} else if isCode(err, s3NoEncryption...) {
		r.Attrs.Set("encryption", "")
	} else {
		fail("get encryption", err)
	}
	if l, err := api.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b.Name}, inRegion); err == nil {
		r.Attrs.Set("logging_enabled", l.LoggingEnabled != nil)
	} else {
		fail("get logging", err)
	}
	if v, err := api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b.Name}, inRegion); err == nil {
		r.Attrs.Set("versioning", string(v.Status))
	} else {
		fail("get versioning", err)
	}
	if l, err := api.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b.Name}, inRegion); err == nil {
		r.Attrs.Set("lifecycle_rules", float64(len(l.Rules)))
	} else if isCode(err, s3NoLifecycle...) {
		r.Attrs.Set("lifecycle_rules", 0.0)
	} else {
		fail("get lifecycle", err)
	}
	return r, errors.Join(errs...)
}

func aclPublic(grants []s3types.Grant) bool {
	for _, g := range grants {
		if g.Grantee == nil {
			continue
		}
		switch str(g.Grantee.URI) {
		case "http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers":
			return true
		}
	}
	return false
}

// bucketPolicyAttrs records what FSBP asks of a bucket policy: that it
// refuses plain HTTP (S3.5) and keeps other accounts from taking control
// of the bucket's access (S3.6).
func bucketPolicyAttrs(attrs map[string]any, d *awspolicy.Doc, account string) {
	attrs["policy_denies_http"] = d.DeniesInsecureTransport()
	attrs["policy_cross_account_control"] = d.GrantsOtherAccounts(account, awspolicy.BucketControlActions)
}

// aclGrantsOthers reports whether the ACL gives access to anyone but the
// bucket owner: a group, another account, an e-mail address.
func aclGrantsOthers(owner *s3types.Owner, grants []s3types.Grant) bool {
	for _, g := range grants {
		if g.Grantee == nil {
			continue
		}
		if g.Grantee.Type == s3types.TypeCanonicalUser && owner != nil && str(g.Grantee.ID) == str(owner.ID) {
			continue
		}
		return true
	}
	return false
}

// joinFew joins the first n errors and counts the rest, so one coverage
// row stays readable when a policy denies the same call on 500 buckets.
func joinFew(errs []error, n int) error {
	var kept []error
	more := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		if len(kept) < n {
			kept = append(kept, err)
		} else {
			more++
		}
	}
	if more > 0 {
		kept = append(kept, fmt.Errorf("and %d more", more))
	}
	return errors.Join(kept...)
}
