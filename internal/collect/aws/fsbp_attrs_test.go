package aws

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
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
				if v, ok := r.Attrs[k]; ok {
					got[k] = v
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("attrs (-want +got):\n%s", diff)
			}
		})
	}
}
