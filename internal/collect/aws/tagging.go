package aws

import (
	"context"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	taggingtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
)

// taggingAPI is the Resource Groups Tagging API call that reads the tags of
// every resource of a region, 100 per page, for services whose describe
// calls return none (log groups, functions, repositories, trails ...).
type taggingAPI interface {
	tagging.GetResourcesAPIClient
}

var taggingCollector = collector{service: "tagging", run: runTagging}

func runTagging(ctx context.Context, t *target, out *unitOut) error {
	return collectTags(ctx, t, out, tagging.NewFromConfig(t.cfg))
}

func collectTags(ctx context.Context, t *target, out *unitOut, api taggingAPI) error {
	out.tags = map[string]map[string]string{}
	pg := tagging.NewGetResourcesPaginator(api, &tagging.GetResourcesInput{ResourcesPerPage: sdkaws.Int32(100)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("get resources: %w", err)
		}
		for _, m := range page.ResourceTagMappingList {
			if tags := tagMap(m.Tags, func(t taggingtypes.Tag) (*string, *string) { return t.Key, t.Value }); tags != nil {
				out.tags[str(m.ResourceARN)] = tags
			}
		}
	}
	return nil
}
