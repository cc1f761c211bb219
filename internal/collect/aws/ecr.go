package aws

import (
	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"github.com/steward-sre/steward/internal/inventory"
)

// ecrAPI is the ECR calls the collector makes. Tags come from the tagging
// API in bulk.
type ecrAPI interface {
	ecr.DescribeRepositoriesAPIClient
	ecr.DescribeImagesAPIClient
	GetLifecyclePolicy(ctx context.Context, in *ecr.GetLifecyclePolicyInput, optFns ...func(*ecr.Options)) (*ecr.GetLifecyclePolicyOutput, error)
}

func runECR(ctx context.Context, t *target, out *unitOut) error {
	return collectECR(ctx, t, out, ecr.NewFromConfig(t.cfg))
}

// collectECR reads repositories, whether each has a lifecycle policy and
// how many images it holds (counted by digest, 1,000 per page).
func collectECR(ctx context.Context, t *target, out *unitOut, api ecrAPI) error {
	var errs []error
	pg := ecr.NewDescribeRepositoriesPaginator(api, &ecr.DescribeRepositoriesInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe repositories: %w", err)
		}
		for _, repo := range page.Repositories {
			name := str(repo.RepositoryName)
			attrs := map[string]any{}
			if c := repo.ImageScanningConfiguration; c != nil {
				attrs["scan_on_push"] = c.ScanOnPush
			}
			if m := string(repo.ImageTagMutability); m != "" {
				attrs["tag_immutable"] = strings.HasPrefix(m, "IMMUTABLE")
			}
			r := inventory.Resource{
				ARN: str(repo.RepositoryArn), Account: t.account, Region: t.region, Type: "AWS::ECR::Repository",
				ID: name, Name: name, Attrs: inventory.AttrsOf(attrs),
			}
			if r.ARN == "" {
				r.ARN = t.arn("ecr", "repository/"+name)
			}
			if repo.CreatedAt != nil {
				r.Created = repo.CreatedAt.UTC()
			}
			_, err := api.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: repo.RepositoryName, RegistryId: repo.RegistryId})
			switch {
			case err == nil:
				r.Attrs.Set("lifecycle_policy", true)
			case isCode(err, "LifecyclePolicyNotFoundException"):
				r.Attrs.Set("lifecycle_policy", false)
			default:
				errs = append(errs, fmt.Errorf("get lifecycle policy %s: %w", name, err))
			}
			if n, err := ecrImages(ctx, api, repo.RepositoryName, repo.RegistryId); err != nil {
				errs = append(errs, fmt.Errorf("describe images %s: %w", name, err))
			} else {
				r.Attrs.Set("image_count", float64(n))
			}
			out.add(r)
		}
	}
	return joinFew(errs, 3)
}

func ecrImages(ctx context.Context, api ecrAPI, repo, registry *string) (int, error) {
	n := 0
	pg := ecr.NewDescribeImagesPaginator(api, &ecr.DescribeImagesInput{RepositoryName: repo, RegistryId: registry, MaxResults: sdkaws.Int32(1000)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		n += len(page.ImageDetails)
	}
	return n, nil
}
