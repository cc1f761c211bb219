package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// cloudFrontAPI is the CloudFront calls the collector makes. The listing
// carries the WAF web ACL; standard logging is only in each distribution's
// config. Tags come from the tagging API in the home region.
type cloudFrontAPI interface {
	cloudfront.ListDistributionsAPIClient
	GetDistributionConfig(ctx context.Context, in *cloudfront.GetDistributionConfigInput, optFns ...func(*cloudfront.Options)) (*cloudfront.GetDistributionConfigOutput, error)
}

func runCloudFront(ctx context.Context, t *target, out *unitOut) error {
	return collectCloudFront(ctx, t, out, cloudfront.NewFromConfig(t.cfg))
}

// collectCloudFront reads every distribution of the account. CloudFront
// does not say when a distribution was created, and its name is the Name
// tag (filled in when tags are merged), not the free-text comment.
func collectCloudFront(ctx context.Context, t *target, out *unitOut, api cloudFrontAPI) error {
	var errs []error
	pg := cloudfront.NewListDistributionsPaginator(api, &cloudfront.ListDistributionsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list distributions: %w", err)
		}
		if page.DistributionList == nil {
			continue
		}
		for _, d := range page.DistributionList.Items {
			id := str(d.Id)
			r := inventory.Resource{
				ARN: str(d.ARN), Account: t.account, Region: "global", Type: "AWS::CloudFront::Distribution",
				ID: id, State: lower(str(d.Status)),
				Attrs: inventory.AttrsOf(map[string]any{"web_acl_id": str(d.WebACLId), "enabled": boolv(d.Enabled)}),
			}
			if r.ARN == "" {
				r.ARN = fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", t.partition, t.account, id)
			}
			c, err := api.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: d.Id})
			if err != nil {
				errs = append(errs, fmt.Errorf("get distribution config %s: %w", id, err))
			} else if c.DistributionConfig != nil {
				r.Attrs.Set("logging_enabled", c.DistributionConfig.Logging != nil && boolv(c.DistributionConfig.Logging.Enabled))
				r.Attrs.Update(func(m map[string]any) { distributionSettings(m, c.DistributionConfig) })
			}
			out.add(r)
		}
	}
	return joinFew(errs, 3)
}

// distributionSettings records what the security controls judge of a
// distribution's config. Each part goes in only when the config holds it:
// a reader that leaves a part out must not read as "none".
func distributionSettings(attrs map[string]any, c *cftypes.DistributionConfig) {
	if c.DefaultRootObject != nil {
		attrs["default_root_object"] = *c.DefaultRootObject
	}
	if c.DefaultCacheBehavior != nil {
		allowsHTTP := c.DefaultCacheBehavior.ViewerProtocolPolicy == cftypes.ViewerProtocolPolicyAllowAll
		if c.CacheBehaviors != nil {
			for _, b := range c.CacheBehaviors.Items {
				allowsHTTP = allowsHTTP || b.ViewerProtocolPolicy == cftypes.ViewerProtocolPolicyAllowAll
			}
		}
		attrs["allows_http"] = allowsHTTP
	}
	if c.Origins != nil {
		origins := []any{}
		for _, o := range c.Origins.Items {
			m := map[string]any{"id": str(o.Id), "domain": str(o.DomainName), "type": "custom"}
			switch {
			case o.S3OriginConfig != nil:
				m["type"] = "s3"
				m["access_control"] = str(o.S3OriginConfig.OriginAccessIdentity) != "" || str(o.OriginAccessControlId) != ""
			case o.VpcOriginConfig != nil:
				m["type"] = "vpc"
			case o.CustomOriginConfig != nil:
				m["protocol_policy"] = string(o.CustomOriginConfig.OriginProtocolPolicy)
				ssl := []string{}
				if p := o.CustomOriginConfig.OriginSslProtocols; p != nil {
					for _, v := range p.Items {
						ssl = append(ssl, string(v))
					}
				}
				m["ssl_protocols"] = stringList(ssl)
			}
			origins = append(origins, m)
		}
		attrs["origins"] = origins
	}
	if c.Origins != nil {
		groups := 0.0
		if c.OriginGroups != nil {
			groups = float64(len(c.OriginGroups.Items))
		}
		attrs["origin_groups"] = groups
	}
	if v := c.ViewerCertificate; v != nil {
		attrs["default_certificate"] = boolv(v.CloudFrontDefaultCertificate)
		attrs["ssl_support_method"] = string(v.SSLSupportMethod)
	}
}
