package aws

import (
	"context"
	"fmt"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	inspectortypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"

	"github.com/steward-sre/steward/internal/inventory"
)

// baselineServices fill the Steward::Account::Region resource: each sets
// its own attr only when it could read the answer.
var baselineServices = []string{"guardduty", "securityhub", "inspector2", "cloudtrail", "config"}

// guardDutyAPI is the GuardDuty calls the collector makes.
type guardDutyAPI interface {
	guardduty.ListDetectorsAPIClient
	GetDetector(ctx context.Context, in *guardduty.GetDetectorInput, optFns ...func(*guardduty.Options)) (*guardduty.GetDetectorOutput, error)
}

func runGuardDuty(ctx context.Context, t *target, out *unitOut) error {
	return collectGuardDuty(ctx, t, out, guardduty.NewFromConfig(t.cfg))
}

func collectGuardDuty(ctx context.Context, t *target, out *unitOut, api guardDutyAPI) error {
	enabled := false
	pg := guardduty.NewListDetectorsPaginator(api, &guardduty.ListDetectorsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list detectors: %w", err)
		}
		for _, id := range page.DetectorIds {
			d, err := api.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: sdkaws.String(id)})
			if err != nil {
				return fmt.Errorf("get detector %s: %w", id, err)
			}
			enabled = enabled || d.Status == gdtypes.DetectorStatusEnabled
			r := inventory.Resource{
				ARN: t.arn("guardduty", "detector/"+id), Account: t.account, Region: t.region, Type: "AWS::GuardDuty::Detector",
				ID: id, State: lower(string(d.Status)), Attrs: inventory.AttrsOf(map[string]any{"status": string(d.Status)}),
			}
			if len(d.Tags) > 0 {
				r.Tags = inventory.TagsOf(d.Tags)
			}
			if at, err := time.Parse(time.RFC3339, str(d.CreatedAt)); err == nil {
				r.Created = at.UTC()
			}
			out.add(r)
		}
	}
	out.setRegionAttr("guardduty_enabled", enabled)
	return nil
}

// securityHubAPI is the Security Hub call the collector makes.
type securityHubAPI interface {
	DescribeHub(ctx context.Context, in *securityhub.DescribeHubInput, optFns ...func(*securityhub.Options)) (*securityhub.DescribeHubOutput, error)
}

func runSecurityHub(ctx context.Context, t *target, out *unitOut) error {
	return collectSecurityHub(ctx, t, out, securityhub.NewFromConfig(t.cfg))
}

func collectSecurityHub(ctx context.Context, t *target, out *unitOut, api securityHubAPI) error {
	_, err := api.DescribeHub(ctx, &securityhub.DescribeHubInput{})
	switch {
	case err == nil:
		out.setRegionAttr("securityhub_enabled", true)
	case isCode(err, "InvalidAccessException", "ResourceNotFoundException"):
		// Security Hub answers "not subscribed" this way: a fact, not a gap.
		out.setRegionAttr("securityhub_enabled", false)
	default:
		return fmt.Errorf("describe hub: %w", err)
	}
	return nil
}

// inspectorAPI is the Inspector call the collector makes.
type inspectorAPI interface {
	BatchGetAccountStatus(ctx context.Context, in *inspector2.BatchGetAccountStatusInput, optFns ...func(*inspector2.Options)) (*inspector2.BatchGetAccountStatusOutput, error)
}

func runInspector(ctx context.Context, t *target, out *unitOut) error {
	return collectInspector(ctx, t, out, inspector2.NewFromConfig(t.cfg))
}

func collectInspector(ctx context.Context, t *target, out *unitOut, api inspectorAPI) error {
	st, err := api.BatchGetAccountStatus(ctx, &inspector2.BatchGetAccountStatusInput{AccountIds: []string{t.account}})
	if err != nil {
		return fmt.Errorf("batch get account status: %w", err)
	}
	for _, f := range st.FailedAccounts {
		if str(f.AccountId) == t.account {
			return fmt.Errorf("batch get account status: %s: %s", f.ErrorCode, str(f.ErrorMessage))
		}
	}
	enabled := false
	for _, a := range st.Accounts {
		if str(a.AccountId) != t.account || a.ResourceState == nil {
			continue
		}
		rs := a.ResourceState
		enabled = (rs.Ec2 != nil && rs.Ec2.Status == inspectortypes.StatusEnabled) ||
			(rs.Ecr != nil && rs.Ecr.Status == inspectortypes.StatusEnabled)
	}
	out.setRegionAttr("inspector_enabled", enabled)
	return nil
}

// cloudTrailAPI is the CloudTrail calls the collector makes.
type cloudTrailAPI interface {
	DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error)
	GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error)
}

func runCloudTrail(ctx context.Context, t *target, out *unitOut) error {
	return collectCloudTrail(ctx, t, out, cloudtrail.NewFromConfig(t.cfg))
}

// collectCloudTrail asks each region which trails cover it (shadow trails
// included, so a multi-region or organization trail counts everywhere) and
// emits each trail once, in its home region.
func collectCloudTrail(ctx context.Context, t *target, out *unitOut, api cloudTrailAPI) error {
	trails, err := api.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: sdkaws.Bool(true)})
	if err != nil {
		return fmt.Errorf("describe trails: %w", err)
	}
	enabled := false
	for _, tr := range trails.TrailList {
		st, err := api.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: tr.TrailARN})
		if err != nil {
			return fmt.Errorf("get trail status %s: %w", str(tr.Name), err)
		}
		logging := boolv(st.IsLogging)
		enabled = enabled || logging
		if str(tr.HomeRegion) != t.region || !sameAccount(str(tr.TrailARN), t.account) {
			continue
		}
		attrs := map[string]any{
			"multi_region": boolv(tr.IsMultiRegionTrail),
			"logging":      logging,
			"s3_bucket":    str(tr.S3BucketName),
		}
		// A response that says whether log files are validated describes
		// the trail's settings; only then does a missing KMS key or log
		// group mean "none" rather than "not told".
		if tr.LogFileValidationEnabled != nil {
			attrs["log_file_validation"] = *tr.LogFileValidationEnabled
			attrs["kms_encrypted"] = str(tr.KmsKeyId) != ""
			attrs["cloudwatch_logs"] = str(tr.CloudWatchLogsLogGroupArn) != ""
		}
		out.add(inventory.Resource{
			ARN: str(tr.TrailARN), Account: t.account, Region: t.region, Type: "AWS::CloudTrail::Trail",
			ID: str(tr.Name), Name: str(tr.Name), Attrs: inventory.AttrsOf(attrs),
		})
	}
	out.setRegionAttr("cloudtrail_enabled", enabled)
	return nil
}

func sameAccount(arn, acct string) bool {
	parts := splitARN(arn)
	return parts[4] == acct
}

// splitARN returns the six fields of an ARN; missing ones are empty.
func splitARN(arn string) [6]string {
	var out [6]string
	i := 0
	start := 0
	for j := 0; j < len(arn) && i < 5; j++ {
		if arn[j] == ':' {
			out[i] = arn[start:j]
			i++
			start = j + 1
		}
	}
	out[i] = arn[start:]
	return out
}

// configAPI is the AWS Config call the collector makes.
type configAPI interface {
	DescribeConfigurationRecorderStatus(ctx context.Context, in *configservice.DescribeConfigurationRecorderStatusInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecorderStatusOutput, error)
}

func runConfig(ctx context.Context, t *target, out *unitOut) error {
	return collectConfig(ctx, t, out, configservice.NewFromConfig(t.cfg))
}

func collectConfig(ctx context.Context, t *target, out *unitOut, api configAPI) error {
	st, err := api.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil {
		return fmt.Errorf("describe configuration recorder status: %w", err)
	}
	recording := false
	for _, r := range st.ConfigurationRecordersStatus {
		recording = recording || r.Recording
	}
	out.setRegionAttr("config_recorder_enabled", recording)
	return nil
}
