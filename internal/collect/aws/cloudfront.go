package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

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
				Attrs: map[string]any{"web_acl_id": str(d.WebACLId), "enabled": boolv(d.Enabled)},
			}
			if r.ARN == "" {
				r.ARN = fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", t.partition, t.account, id)
			}
			c, err := api.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: d.Id})
			if err != nil {
				errs = append(errs, fmt.Errorf("get distribution config %s: %w", id, err))
			} else if c.DistributionConfig != nil {
				r.Attrs["logging_enabled"] = c.DistributionConfig.Logging != nil && boolv(c.DistributionConfig.Logging.Enabled)
			}
			out.add(r)
		}
	}
	return joinFew(errs, 3)
}
