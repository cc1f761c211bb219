package aws

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
)

// TestInstanceControlAttrs checks the instance settings FSBP controls read:
// present in the response, they become attrs; left out, they stay absent so
// that no policy reads them as a setting.
func TestInstanceControlAttrs(t *testing.T) {
	tgt := &target{account: "111111111111", partition: "aws", region: "ap-northeast-1", now: testNow}
	tests := map[string]struct {
		in   ec2types.Instance
		want map[string]any
	}{
		"described": {
			in: ec2types.Instance{
				MetadataOptions:    &ec2types.InstanceMetadataOptionsResponse{HttpTokens: ec2types.HttpTokensStateOptional},
				VirtualizationType: ec2types.VirtualizationTypeParavirtual,
				NetworkInterfaces:  []ec2types.InstanceNetworkInterface{{}, {}},
			},
			want: map[string]any{"imdsv2_required": false, "virtualization_type": "paravirtual", "network_interfaces": 2.0},
		},
		"imdsv2": {
			in:   ec2types.Instance{MetadataOptions: &ec2types.InstanceMetadataOptionsResponse{HttpTokens: ec2types.HttpTokensStateRequired}},
			want: map[string]any{"imdsv2_required": true},
		},
		"left out": {in: ec2types.Instance{}, want: map[string]any{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.in.InstanceId = sdkaws.String("i-1")
			r := instanceResource(tgt, tc.in)
			got := map[string]any{}
			for _, k := range []string{"imdsv2_required", "virtualization_type", "network_interfaces"} {
				if v, ok := r.Attrs.Get(k); ok {
					got[k] = v
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("attrs (-want +got):\n%s", diff)
			}
		})
	}
}

// pick returns the named attrs a resource has.
func pick(attrs map[string]any, keys ...string) map[string]any {
	got := map[string]any{}
	for _, k := range keys {
		if v, ok := attrs[k]; ok {
			got[k] = v
		}
	}
	return got
}

// TestDBInstanceControlAttrs: exported logs and the subnet group's VPC
// count as "none" only in an answer that describes the instance's settings.
func TestDBInstanceControlAttrs(t *testing.T) {
	tgt := &target{account: "111111111111", partition: "aws", region: "ap-northeast-1", now: testNow}
	keys := []string{"log_exports", "vpc_id", "master_username", "port"}
	tests := map[string]struct {
		in   rdstypes.DBInstance
		want map[string]any
	}{
		"described, nothing exported, no VPC": {
			in:   rdstypes.DBInstance{AutoMinorVersionUpgrade: sdkaws.Bool(true), MasterUsername: sdkaws.String("admin"), Endpoint: &rdstypes.Endpoint{Port: sdkaws.Int32(3306)}},
			want: map[string]any{"log_exports": []any{}, "vpc_id": "", "master_username": "admin", "port": 3306.0},
		},
		"described, exported, in a VPC": {
			in: rdstypes.DBInstance{AutoMinorVersionUpgrade: sdkaws.Bool(false), EnabledCloudwatchLogsExports: []string{"error", "audit"},
				DBSubnetGroup: &rdstypes.DBSubnetGroup{VpcId: sdkaws.String("vpc-1")}},
			want: map[string]any{"log_exports": []any{"error", "audit"}, "vpc_id": "vpc-1"},
		},
		"left out": {in: rdstypes.DBInstance{}, want: map[string]any{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.in.DBInstanceIdentifier = sdkaws.String("db-1")
			r := dbInstance(tgt, tc.in)
			if diff := cmp.Diff(tc.want, pick(r.Attrs.Map(), keys...)); diff != "" {
				t.Errorf("attrs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTaskDefinitionControlAttrs(t *testing.T) {
	tgt := &target{account: "111111111111", partition: "aws", region: "ap-northeast-1", now: testNow}
	keys := []string{"network_mode", "pid_mode", "containers"}
	tests := map[string]struct {
		in   ecstypes.TaskDefinition
		want map[string]any
	}{
		"containers": {
			in: ecstypes.TaskDefinition{NetworkMode: ecstypes.NetworkModeHost, ContainerDefinitions: []ecstypes.ContainerDefinition{{
				Name: sdkaws.String("app"), Privileged: sdkaws.Bool(true), User: sdkaws.String("root"), ReadonlyRootFilesystem: sdkaws.Bool(false),
				Environment: []ecstypes.KeyValuePair{{Name: sdkaws.String("AWS_SECRET_ACCESS_KEY"), Value: sdkaws.String("never-kept")}},
			}}},
			want: map[string]any{"network_mode": "host", "pid_mode": "", "containers": []any{map[string]any{
				"name": "app", "privileged": true, "user": "root", "readonly_root_fs": false, "env_names": []any{"AWS_SECRET_ACCESS_KEY"},
			}}},
		},
		"no containers told": {in: ecstypes.TaskDefinition{NetworkMode: ecstypes.NetworkModeAwsvpc}, want: map[string]any{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tc.in.Family = sdkaws.String("web")
			r := taskDefinition(tgt, tc.in, nil)
			if diff := cmp.Diff(tc.want, pick(r.Attrs.Map(), keys...)); diff != "" {
				t.Errorf("attrs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDistributionSettings(t *testing.T) {
	tests := map[string]struct {
		in   cftypes.DistributionConfig
		want map[string]any
	}{
		"full": {
			in: cftypes.DistributionConfig{
				DefaultRootObject:    sdkaws.String(""),
				DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps},
				CacheBehaviors:       &cftypes.CacheBehaviors{Items: []cftypes.CacheBehavior{{ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll}}},
				Origins: &cftypes.Origins{Items: []cftypes.Origin{
					{Id: sdkaws.String("s3"), DomainName: sdkaws.String("b.s3.amazonaws.com"), S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: sdkaws.String("")}, OriginAccessControlId: sdkaws.String("oac-1")},
					{Id: sdkaws.String("api"), DomainName: sdkaws.String("api.example.com"), CustomOriginConfig: &cftypes.CustomOriginConfig{
						OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly,
						OriginSslProtocols:   &cftypes.OriginSslProtocols{Items: []cftypes.SslProtocol{cftypes.SslProtocolSSLv3}},
					}},
				}},
				ViewerCertificate: &cftypes.ViewerCertificate{CloudFrontDefaultCertificate: sdkaws.Bool(false), SSLSupportMethod: cftypes.SSLSupportMethodVip},
			},
			want: map[string]any{
				"default_root_object": "", "allows_http": true, "origin_groups": 0.0,
				"origins": []any{
					map[string]any{"id": "s3", "domain": "b.s3.amazonaws.com", "type": "s3", "access_control": true},
					map[string]any{"id": "api", "domain": "api.example.com", "type": "custom", "protocol_policy": "http-only", "ssl_protocols": []any{"SSLv3"}},
				},
				"default_certificate": false, "ssl_support_method": "vip",
			},
		},
		"left out": {in: cftypes.DistributionConfig{}, want: map[string]any{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := map[string]any{}
			distributionSettings(got, &tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("attrs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestACLGrantsOthers(t *testing.T) {
	owner := &s3types.Owner{ID: sdkaws.String("me")}
	mine := s3types.Grant{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: sdkaws.String("me")}, Permission: s3types.PermissionFullControl}
	tests := map[string]struct {
		grants []s3types.Grant
		want   bool
	}{
		"owner only": {grants: []s3types.Grant{mine}, want: false},
		"log delivery group": {grants: []s3types.Grant{mine, {Grantee: &s3types.Grantee{Type: s3types.TypeGroup,
			URI: sdkaws.String("http://acs.amazonaws.com/groups/s3/LogDelivery")}, Permission: s3types.PermissionWrite}}, want: true},
		"another account": {grants: []s3types.Grant{mine, {Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: sdkaws.String("them")}}}, want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := aclGrantsOthers(owner, tc.grants); got != tc.want {
				t.Errorf("aclGrantsOthers = %t, want %t", got, tc.want)
			}
		})
	}
}

func TestClassicListeners(t *testing.T) {
	in := []elbtypes.ListenerDescription{
		{Listener: &elbtypes.Listener{Protocol: sdkaws.String("https"), LoadBalancerPort: 443, SSLCertificateId: sdkaws.String("arn:aws:acm:x")}, PolicyNames: []string{"p"}},
		{},
	}
	want := []any{map[string]any{"protocol": "HTTPS", "port": 443.0, "certificate": "arn:aws:acm:x", "policies": []any{"p"}}}
	if diff := cmp.Diff(want, classicListeners(in)); diff != "" {
		t.Errorf("listeners (-want +got):\n%s", diff)
	}
}
