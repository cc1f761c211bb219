package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// motoAccount is the account moto serves when no other is asked for.
const motoAccount = "123456789012"

// motoEnv points the SDK, and so steward, at the emulator with test
// credentials and no files of the machine's; more overrides env. It
// returns an SDK configuration for the test's own calls.
func motoEnv(t *testing.T, ctx context.Context, dir, url, region string, more map[string]string) sdkaws.Config {
	t.Helper()
	awsConfig := filepath.Join(dir, "aws-config")
	if err := os.WriteFile(awsConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AWS_CONFIG_FILE": awsConfig, "AWS_SHARED_CREDENTIALS_FILE": awsConfig,
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": region,
		"AWS_ENDPOINT_URL": url, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_SESSION_TOKEN": "",
		"AWS_MAX_ATTEMPTS": "3", // moto may close a kept-alive connection; the SDK retries that
	}
	for k, v := range more {
		env[k] = v
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// seedMessyEstate makes, through the AWS SDK, a small estate with the
// problems a hand-run account collects.
func seedMessyEstate(t *testing.T, ctx context.Context, cfg sdkaws.Config) {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	tag := func(k, v string) ec2types.Tag { return ec2types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)} }

	e := ec2.NewFromConfig(cfg)
	vpc, err := e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.20.0.0/16"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{tag("Name", "shop-dev-vpc")}}}})
	must(vpc, err)
	sub, err := e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String("10.20.1.0/24"), AvailabilityZone: sdkaws.String("ap-northeast-1a")})
	must(sub, err)
	sg, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("launch-wizard-1"), Description: sdkaws.String("made by the console"), VpcId: vpc.Vpc.VpcId})
	must(sg, err)
	must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(22), ToPort: sdkaws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: sdkaws.String("0.0.0.0/0")}}}}}))
	must(e.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: sdkaws.String("ap-northeast-1a"), Size: sdkaws.Int32(100), VolumeType: ec2types.VolumeTypeGp2,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: []ec2types.Tag{tag("Name", "old-data")}}}}))
	must(e.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc}))

	lb := elbv2.NewFromConfig(cfg)
	must(lb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: sdkaws.String("api-dev-legacy-alb"), Subnets: []string{*sub.Subnet.SubnetId}}))

	r := rds.NewFromConfig(cfg)
	must(r.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: sdkaws.String("shop-dev-reporting"), DBInstanceClass: sdkaws.String("db.t3.micro"),
		Engine: sdkaws.String("mysql"), MasterUsername: sdkaws.String("admin"), MasterUserPassword: sdkaws.String("password1234"), AllocatedStorage: sdkaws.Int32(20),
		PubliclyAccessible: sdkaws.Bool(true), StorageEncrypted: sdkaws.Bool(false)}))

	s := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	must(s.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdkaws.String("marketing-campaign-2023"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintApNortheast1}}))

	must(cloudwatchlogs.NewFromConfig(cfg).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: sdkaws.String("/ecs/shop-dev-web")}))

	ic := iam.NewFromConfig(cfg)
	must(ic.CreateUser(ctx, &iam.CreateUserInput{UserName: sdkaws.String("tanaka")}))
	must(ic.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: sdkaws.String("tanaka"), Password: sdkaws.String("Passw0rd!Passw0rd")}))

	ec := ecs.NewFromConfig(cfg)
	must(ec.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: sdkaws.String("shop-dev")}))
}

// TestScanAgainstMoto runs the real AWS collector, through the CLI a user
// runs, against moto: an implementation of the AWS protocols nobody on the
// team wrote. What the seeded estate gets wrong must be found, and a
// service that cannot be read must be a coverage gap, never a pass.
func TestScanAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the moto emulator")
	}
	url := startMoto(t)
	const region = "ap-northeast-1"
	dir := t.TempDir()
	ctx := context.Background()
	cfg := motoEnv(t, ctx, dir, url, region, map[string]string{
		// Nothing listens on port 9: Inspector cannot be read at all.
		"AWS_ENDPOINT_URL_INSPECTOR2": "http://127.0.0.1:9",
	})

	// An account holding only what AWS made (default VPCs, subnets and
	// security groups in every region) has nothing wrong with its names,
	// tags or spending: only account-level baseline findings.
	t.Run("only AWS-made defaults", func(t *testing.T) {
		conf := filepath.Join(dir, "defaults.yaml")
		if err := os.WriteFile(conf, []byte("regions: [ap-northeast-1, us-east-1, eu-west-1]\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env, out, errb := testEnv()
		env.Now = time.Now
		code := Main(ctx, []string{"--store", filepath.Join(dir, "defaults.db"), "--config", conf, "scan", "--source", "aws", "--format", "json"}, env)
		if code != ExitIncomplete { // Inspector is unreadable, as below
			t.Fatalf("scan exit %d; stderr:\n%s", code, errb)
		}
		var rep struct {
			Findings []struct{ Policy, Category, Type, Name string }
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		byPolicy := map[string]int{}
		for _, f := range rep.Findings {
			byPolicy[f.Policy]++
			switch f.Category {
			case "naming", "tagging", "waste", "idle":
				t.Errorf("%s finding on an AWS-made default: %+v", f.Category, f)
			}
		}
		t.Logf("an account of AWS-made defaults in 3 regions: %d findings, by policy %v", len(rep.Findings), byPolicy)
		if byPolicy["vpc-default-unused"] != 3 || byPolicy["guardduty-disabled"] != 3 {
			t.Errorf("want an unused default VPC and GuardDuty off in each of 3 regions, got %v", byPolicy)
		}
	})

	seedMessyEstate(t, ctx, cfg)

	conf := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(conf, []byte("regions: ["+region+"]\n"+
		// The volume was made a moment ago; waste counts from day 0 here.
		"policies:\n  params:\n    ebs-unattached: {days: 0}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, out, errb := testEnv()
	env.Now = time.Now // the emulator stamps resources with the real time
	code := Main(ctx, []string{"--store", filepath.Join(dir, "s.db"), "--config", conf, "scan", "--source", "aws", "--format", "json"}, env)
	if code != ExitIncomplete {
		t.Fatalf("scan exit %d, want %d (Inspector unreadable is a gap); stderr:\n%s", code, ExitIncomplete, errb)
	}
	var rep struct {
		Scan struct {
			Coverage []struct {
				Account, Region, Service string
				OK                       bool
				Error                    string
			}
		}
		Findings []struct{ Policy, Name, Account, Region string }
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("scan --format json: %v\n%s", err, out)
	}

	found := map[string]bool{}
	for _, f := range rep.Findings {
		if f.Account != motoAccount {
			t.Errorf("finding in account %s, want only %s: %+v", f.Account, motoAccount, f)
		}
		found[f.Policy+" "+f.Name] = true
		if f.Policy == "inspector-disabled" {
			t.Errorf("inspector-disabled reported although Inspector could not be read: %+v", f)
		}
	}
	for _, want := range []string{
		"sg-open-admin launch-wizard-1",
		"ebs-unattached old-data",
		"ebs-gp2 old-data",
		"rds-public shop-dev-reporting",
		"rds-unencrypted shop-dev-reporting",
		"s3-public-access-block marketing-campaign-2023",
		"logs-no-retention /ecs/shop-dev-web",
		"iam-user-no-mfa tanaka",
		"lb-no-access-logs api-dev-legacy-alb",
		"guardduty-disabled " + region,
	} {
		if !found[want] {
			t.Errorf("no finding %q", want)
		}
	}
	var eip bool
	for k := range found {
		eip = eip || strings.HasPrefix(k, "eip-unassociated ")
	}
	if !eip {
		t.Error("the unassociated Elastic IP was not found")
	}

	covered := map[string]bool{}
	for _, c := range rep.Scan.Coverage {
		covered[c.Service] = true
		switch c.Service {
		case "inspector2":
			if c.OK || c.Error == "" {
				t.Errorf("inspector2 unreadable but coverage says %+v", c)
			}
		case "ec2", "rds", "s3", "logs", "iam", "elasticloadbalancingv2", "ecs":
			if !c.OK {
				t.Errorf("%s should be readable on the emulator: %+v", c.Service, c)
			}
		}
	}
	for _, s := range []string{"ec2", "rds", "s3", "logs", "iam", "elasticloadbalancingv2", "ecs", "inspector2"} {
		if !covered[s] {
			t.Errorf("no coverage row for %s", s)
		}
	}
}
