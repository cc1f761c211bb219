package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/steward-sre/steward/internal/inventory"
)

// logsAPI is the CloudWatch Logs call the collector makes. Tags come from
// the tagging API in bulk rather than one call per group.
type logsAPI interface {
	cloudwatchlogs.DescribeLogGroupsAPIClient
}

func runLogs(ctx context.Context, t *target, out *unitOut) error {
	return collectLogs(ctx, t, out, cloudwatchlogs.NewFromConfig(t.cfg))
}

func collectLogs(ctx context.Context, t *target, out *unitOut, api logsAPI) error {
	pg := cloudwatchlogs.NewDescribeLogGroupsPaginator(api, &cloudwatchlogs.DescribeLogGroupsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe log groups: %w", err)
		}
		for _, g := range page.LogGroups {
			name := str(g.LogGroupName)
			arn := str(g.LogGroupArn)
			if arn == "" {
				arn = strings.TrimSuffix(str(g.Arn), ":*")
			}
			if arn == "" {
				arn = t.arn("logs", "log-group:"+name)
			}
			r := inventory.Resource{
				ARN: arn, Account: t.account, Region: t.region, Type: "AWS::Logs::LogGroup",
				ID: name, Name: name,
				Attrs: inventory.AttrsOf(map[string]any{
					"retention_days": f32(g.RetentionInDays),
					"stored_bytes":   f64(g.StoredBytes),
				}),
			}
			if g.CreationTime != nil {
				r.Created = time.UnixMilli(*g.CreationTime).UTC()
			}
			out.add(r)
		}
	}
	return nil
}
