package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/steward-sre/steward/internal/action"
)

// leftovers are what the cleanup test seeds: an unattached volume, an
// unassociated Elastic IP and a protected one, an old manual EBS
// snapshot, an old manual RDS snapshot, and a load balancer with a
// listener and no targets.
type leftovers struct {
	ec2                        *ec2.Client
	rds                        *rds.Client
	elb                        *elbv2.Client
	clb                        *elb.Client
	volume, eip, kept, oldSnap string
	lb                         string
}

func seedLeftovers(t *testing.T, ctx context.Context, cfg sdkaws.Config, region string) leftovers {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	l := leftovers{ec2: ec2.NewFromConfig(cfg), rds: rds.NewFromConfig(cfg), elb: elbv2.NewFromConfig(cfg), clb: elb.NewFromConfig(cfg)}
	vol, err := l.ec2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: sdkaws.String(region + "a"), Size: sdkaws.Int32(10), VolumeType: ec2types.VolumeTypeGp3})
	must(err)
	l.volume = *vol.VolumeId
	other, err := l.ec2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: sdkaws.String(region + "a"), Size: sdkaws.Int32(5)})
	must(err)
	snap, err := l.ec2.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: other.VolumeId, Description: sdkaws.String("before the upgrade")})
	must(err)
	l.oldSnap = *snap.SnapshotId
	_, err = l.ec2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: other.VolumeId})
	must(err)
	eip, err := l.ec2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	must(err)
	l.eip = *eip.AllocationId
	kept, err := l.ec2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc, TagSpecifications: []ec2types.TagSpecification{{
		ResourceType: ec2types.ResourceTypeElasticIp, Tags: []ec2types.Tag{{Key: sdkaws.String(action.ProtectTag), Value: sdkaws.String("true")}}}}})
	must(err)
	l.kept = *kept.AllocationId

	_, err = l.rds.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: sdkaws.String("shop-prod-db"), DBInstanceClass: sdkaws.String("db.t3.micro"),
		Engine: sdkaws.String("postgres"), MasterUsername: sdkaws.String("admin"), MasterUserPassword: sdkaws.String("password1234"), AllocatedStorage: sdkaws.Int32(20)})
	must(err)
	_, err = l.rds.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: sdkaws.String("shop-prod-db"), DBSnapshotIdentifier: sdkaws.String("before-migration")})
	must(err)

	vpc, err := l.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.20.0.0/16")})
	must(err)
	var subnets []string
	for i, az := range []string{"a", "c"} {
		s, err := l.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: sdkaws.String("10.20." + string(rune('1'+i)) + ".0/24"), AvailabilityZone: sdkaws.String(region + az)})
		must(err)
		subnets = append(subnets, *s.Subnet.SubnetId)
	}
	lb, err := l.elb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: sdkaws.String("old-campaign-alb"), Subnets: subnets})
	must(err)
	l.lb = *lb.LoadBalancers[0].LoadBalancerArn
	_, err = l.elb.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: &l.lb, Protocol: elbv2types.ProtocolEnumHttp, Port: sdkaws.Int32(80),
		DefaultActions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbv2types.FixedResponseActionConfig{StatusCode: sdkaws.String("404")}}}})
	must(err)
	_, err = l.clb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{LoadBalancerName: sdkaws.String("legacy-clb"), AvailabilityZones: []string{region + "a"},
		Listeners: []elbtypes.Listener{{Protocol: sdkaws.String("HTTP"), LoadBalancerPort: 80, InstancePort: sdkaws.Int32(8080)}}})
	must(err)
	return l
}

func ec2Tag(ts []ec2types.Tag, k string) string {
	for _, t := range ts {
		if sdkaws.ToString(t.Key) == k {
			return sdkaws.ToString(t.Value)
		}
	}
	return ""
}

// state is the leftovers as the emulator has them, one line each: gone,
// or the mark tag.
func (l leftovers) state(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var out []string
	vs, err := l.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: sdkaws.String("volume-id"), Values: []string{l.volume}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs.Volumes) == 0 {
		out = append(out, "volume gone")
	} else {
		out = append(out, "volume "+ec2Tag(vs.Volumes[0].Tags, action.MarkTag))
	}
	as, err := l.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: []ec2types.Filter{{Name: sdkaws.String("allocation-id"), Values: []string{l.eip, l.kept}}}})
	if err != nil {
		t.Fatal(err)
	}
	eip, kept := "eip gone", "kept gone"
	for _, a := range as.Addresses {
		switch *a.AllocationId {
		case l.eip:
			eip = "eip " + ec2Tag(a.Tags, action.MarkTag)
		case l.kept:
			kept = "kept " + ec2Tag(a.Tags, action.MarkTag)
		}
	}
	out = append(out, eip, kept)
	ss, err := l.ec2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	if err != nil {
		t.Fatal(err)
	}
	old := "snapshot gone"
	for _, s := range ss.Snapshots {
		if *s.SnapshotId == l.oldSnap {
			old = "snapshot " + ec2Tag(s.Tags, action.MarkTag)
		}
	}
	out = append(out, old)
	dbs, err := l.rds.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{SnapshotType: sdkaws.String("manual")})
	if err != nil {
		t.Fatal(err)
	}
	db := "db snapshot gone"
	for _, s := range dbs.DBSnapshots {
		if *s.DBSnapshotIdentifier == "before-migration" {
			db = "db snapshot "
			for _, tg := range s.TagList {
				if *tg.Key == action.MarkTag {
					db += *tg.Value
				}
			}
		}
	}
	out = append(out, db)
	lbs, err := l.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	lb := "lb gone"
	clb := "clb gone"
	cs, err := l.clb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.LoadBalancerDescriptions) > 0 {
		tags, err := l.clb.DescribeTags(ctx, &elb.DescribeTagsInput{LoadBalancerNames: []string{"legacy-clb"}})
		if err != nil {
			t.Fatal(err)
		}
		clb = "clb "
		for _, tg := range tags.TagDescriptions[0].Tags {
			if *tg.Key == action.MarkTag {
				clb += *tg.Value
			}
		}
	}
	out = append(out, clb)
	if len(lbs.LoadBalancers) > 0 {
		tags, err := l.elb.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{l.lb}})
		if err != nil {
			t.Fatal(err)
		}
		lb = "lb "
		for _, tg := range tags.TagDescriptions[0].Tags {
			if *tg.Key == action.MarkTag {
				lb += *tg.Value
			}
		}
	}
	return append(out, lb)
}

// TestCleanupAgainstMoto runs mark-then-delete end to end through the
// CLI against moto: a scan flags the leftovers, cleanup plan marks them,
// nothing is deleted in the grace days, a scan after them confirms they
// still match, and the deletes are applied, the volume snapshotted
// first. The clock is the env clock, 400 days ahead, so the seeded
// snapshots are "old".
func TestCleanupAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the moto emulator")
	}
	url := startMoto(t)
	const region = "ap-northeast-1"
	dir := t.TempDir()
	ctx := context.Background()
	cfg := motoEnv(t, ctx, dir, url, region, nil)
	l := seedLeftovers(t, ctx, cfg, region)

	conf := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(conf, []byte("regions: ["+region+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := emptyStore(t, dir, "s.db")
	t0 := time.Now().UTC().AddDate(0, 0, 400)
	clock := t0
	run := func(args ...string) (int, string, string) {
		t.Helper()
		env, out, errb := testEnv()
		env.Now = func() time.Time { return clock }
		code := Main(ctx, append([]string{"--store", db, "--config", conf}, args...), env)
		t.Logf("$ steward %s\n%s%s(exit %d)", strings.Join(args, " "), out, errb, code)
		return code, out.String(), errb.String()
	}
	scan := func() {
		t.Helper()
		env, _, errb := testEnv()
		env.Now = func() time.Time { return clock }
		code := Main(ctx, []string{"--store", db, "--config", conf, "scan", "--source", "aws", "--format", "json"}, env)
		t.Logf("$ steward scan --source aws --format json > /dev/null  # at %s\n(exit %d)", clock.Format(time.RFC3339), code)
		if code != ExitOK && code != ExitIncomplete && code != ExitFindings {
			t.Fatalf("scan: exit %d\n%s", code, errb)
		}
	}
	cleanup := func(name string, want int) *action.Plan {
		t.Helper()
		file := filepath.Join(dir, name+".json")
		code, _, errb := run("cleanup", "plan", "--out", file)
		if code != ExitOK {
			t.Fatalf("cleanup plan: exit %d\n%s", code, errb)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var p action.Plan
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != want {
			t.Fatalf("%s: %d changes, want %d: %+v", name, len(p.Changes), want, p.Changes)
		}
		return &p
	}
	apply := func(name string) {
		t.Helper()
		if code, _, errb := run("apply", filepath.Join(dir, name+".json"), "--auto-approve"); code != ExitOK {
			t.Fatalf("apply %s: exit %d\n%s", name, code, errb)
		}
	}
	untouched := []string{"volume ", "eip ", "kept ", "snapshot ", "db snapshot ", "clb ", "lb "}
	if got := l.state(t, ctx); !slices.Equal(got, untouched) {
		t.Fatalf("seeded: %q", got)
	}

	scan()
	marks := cleanup("marks", 6)
	if got := l.state(t, ctx); !slices.Equal(got, untouched) {
		t.Errorf("the plan changed something: %q", got)
	}
	for _, c := range marks.Changes {
		if c.Action != action.Mark {
			t.Errorf("first plan: %s %s", c.Action, c.Name)
		}
	}
	// The marks are made by the unattended form, as cron would.
	code, out, errb := run("cleanup", "run", "--auto-approve", "--format", "json")
	var sum runSummary
	if err := json.Unmarshal([]byte(out), &sum); code != ExitOK || err != nil || len(sum.Outcomes) != 6 || sum.Failed != 0 {
		t.Fatalf("cleanup run: exit %d, %v\n%s%s", code, err, out, errb)
	}
	due := "delete@" + t0.AddDate(0, 0, 7).Format(time.DateOnly)
	marked := []string{"volume " + due, "eip " + due, "kept ", "snapshot " + due, "db snapshot " + due, "clb " + due, "lb " + due}
	if got := l.state(t, ctx); !slices.Equal(got, marked) {
		t.Fatalf("after the marks:\n got %q\nwant %q", got, marked)
	}

	// Three days on: still in the grace days.
	clock = t0.AddDate(0, 0, 3)
	scan()
	cleanup("grace", 0)
	// Eight days on, but the latest scan is from day 3: not confirmed.
	clock = t0.AddDate(0, 0, 8)
	if code, out, _ := run("cleanup", "plan"); code != ExitOK || !strings.Contains(out, "scan again to confirm") || !strings.Contains(out, "0 change(s)") {
		t.Errorf("cleanup plan on a stale scan: exit %d\n%s", code, out)
	}
	scan()
	dels := cleanup("deletes", 6)
	var got []string
	for _, c := range dels.Changes {
		got = append(got, string(c.Action)+" "+c.Type)
	}
	want := []string{"delete AWS::ElasticLoadBalancingV2::LoadBalancer", "delete AWS::ElasticLoadBalancing::LoadBalancer", "snapshot-then-delete AWS::EC2::Volume", "delete AWS::EC2::EIP",
		"delete AWS::EC2::Snapshot", "delete AWS::RDS::DBSnapshot"}
	if !slices.Equal(got, want) {
		t.Errorf("delete plan:\n got %q\nwant %q", got, want)
	}
	// The unattended form: a dry run plans the same and changes nothing;
	// without a terminal it needs --auto-approve.
	code, out, errb = run("cleanup", "run", "--dry-run", "--format", "json")
	sum = runSummary{}
	if err := json.Unmarshal([]byte(out), &sum); code != ExitOK || err != nil || len(sum.Planned) != 6 || len(sum.Outcomes) != 0 || !sum.DryRun {
		t.Errorf("cleanup run --dry-run: exit %d, %v\n%s%s", code, err, out, errb)
	}
	if code, _, errb := run("cleanup", "run"); code != ExitUsage || !strings.Contains(errb, "--auto-approve") {
		t.Errorf("cleanup run without a terminal: exit %d\n%s", code, errb)
	}
	if got := l.state(t, ctx); !slices.Equal(got, marked) {
		t.Errorf("the delete plan changed something: %q", got)
	}
	apply("deletes")
	if got, want := l.state(t, ctx), []string{"volume gone", "eip gone", "kept ", "snapshot gone", "db snapshot gone", "clb gone", "lb gone"}; !slices.Equal(got, want) {
		t.Errorf("after the deletes:\n got %q\nwant %q", got, want)
	}
	// The snapshot of the volume exists, complete, and names the change.
	ss, err := l.ec2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{Filters: []ec2types.Filter{{Name: sdkaws.String("volume-id"), Values: []string{l.volume}}}})
	if err != nil || len(ss.Snapshots) != 1 || ss.Snapshots[0].State != ec2types.SnapshotStateCompleted || ec2Tag(ss.Snapshots[0].Tags, action.SnapshotOfTag) != dels.Changes[2].ID {
		t.Fatalf("the volume's snapshot: %+v, %v", ss, err)
	}
	snap := *ss.Snapshots[0].SnapshotId

	code, out, _ = run("journal", "--format", "json", "--limit", "5")
	if code != ExitOK || !strings.Contains(out, `"snapshot": "`+snap+`"`) {
		t.Errorf("journal does not hold the snapshot %s: exit %d\n%s", snap, code, out)
	}
	code, _, errb = run("undo", dels.Changes[2].ID, "--auto-approve")
	if code != ExitUsage || !strings.Contains(errb, "a delete cannot be undone") || !strings.Contains(errb, "aws ec2 create-volume --snapshot-id "+snap+" --availability-zone "+region+"a") {
		t.Errorf("undo of the volume's delete: exit %d\n%s", code, errb)
	}
	if code, _, errb := run("--lang", "ja", "undo", dels.Changes[2].ID, "--auto-approve"); code != ExitUsage || !strings.Contains(errb, "削除は元に戻せません。データはスナップショット "+snap+" に残っています") {
		t.Errorf("undo of the volume's delete in Japanese: exit %d\n%s", code, errb)
	}
	if code, out, _ := run("--lang", "ja", "cleanup", "plan"); code != ExitOK || !strings.Contains(out, "マークするポリシー: ebs-unattached") {
		t.Errorf("cleanup plan in Japanese: exit %d\n%s", code, out)
	}
}
