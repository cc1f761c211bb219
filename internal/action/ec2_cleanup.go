package action

import (
	"github.com/steward-sre/steward/internal/i18n"

	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EC2CleanupAPI is the EC2 calls the volume, address and snapshot
// targets make.
type EC2CleanupAPI interface {
	DescribeVolumes(ctx context.Context, in *ec2.DescribeVolumesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeVolumesOutput, error)
	DeleteVolume(ctx context.Context, in *ec2.DeleteVolumeInput, optFns ...func(*ec2.Options)) (*ec2.DeleteVolumeOutput, error)
	CreateSnapshot(ctx context.Context, in *ec2.CreateSnapshotInput, optFns ...func(*ec2.Options)) (*ec2.CreateSnapshotOutput, error)
	DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, optFns ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
	DeleteSnapshot(ctx context.Context, in *ec2.DeleteSnapshotInput, optFns ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
	DescribeAddresses(ctx context.Context, in *ec2.DescribeAddressesInput, optFns ...func(*ec2.Options)) (*ec2.DescribeAddressesOutput, error)
	ReleaseAddress(ctx context.Context, in *ec2.ReleaseAddressInput, optFns ...func(*ec2.Options)) (*ec2.ReleaseAddressOutput, error)
	CreateTags(ctx context.Context, in *ec2.CreateTagsInput, optFns ...func(*ec2.Options)) (*ec2.CreateTagsOutput, error)
	DeleteTags(ctx context.Context, in *ec2.DeleteTagsInput, optFns ...func(*ec2.Options)) (*ec2.DeleteTagsOutput, error)
}

// ec2ID is the id after prefix in an EC2 ARN's resource (volume/vol-1).
func ec2ID(r Ref, prefix string) (string, error) {
	_, _, res, err := r.arnParts()
	if err != nil {
		return "", err
	}
	id, ok := strings.CutPrefix(res, prefix)
	if !ok || id == "" {
		return "", fmt.Errorf("%s: not an ARN of %s", r.ARN, strings.TrimSuffix(prefix, "/"))
	}
	return id, nil
}

func ec2TagMap(ts []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
	}
	return m
}

// tagEC2 sets and removes the tags of a change's After on an EC2 resource.
func tagEC2(ctx context.Context, api EC2CleanupAPI, id string, after map[string]string) error {
	set, remove := splitTags(after)
	if len(set) > 0 {
		in := &ec2.CreateTagsInput{Resources: []string{id}}
		for k, v := range set {
			in.Tags = append(in.Tags, ec2types.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
		}
		if _, err := api.CreateTags(ctx, in); err != nil {
			return fmt.Errorf("tag %s: %w", id, err)
		}
	}
	if len(remove) > 0 {
		in := &ec2.DeleteTagsInput{Resources: []string{id}}
		for _, k := range remove {
			in.Tags = append(in.Tags, ec2types.Tag{Key: sdkaws.String(k)})
		}
		if _, err := api.DeleteTags(ctx, in); err != nil {
			return fmt.Errorf("untag %s: %w", id, err)
		}
	}
	return nil
}

// Volume marks and deletes an EBS volume; snapshot-then-delete snapshots
// it and waits until the snapshot is complete first. A volume in use is
// never deleted: it is skipped when planning, and its attachment is part
// of the state an apply compares.
type Volume struct {
	EC2  EC2CleanupAPI
	Wait Wait
}

func (t *Volume) Observe(ctx context.Context, r Ref) (Observed, error) {
	id, err := ec2ID(r, "volume/")
	if err != nil {
		return Observed{}, err
	}
	out, err := t.EC2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
	if err != nil {
		return Observed{}, fmt.Errorf("describe volume: %w", err)
	}
	if len(out.Volumes) == 0 {
		return Observed{}, fmt.Errorf("volume %s not found", id)
	}
	v := out.Volumes[0]
	o := Observed{Tags: ec2TagMap(v.Tags), State: map[string]string{
		"state": string(v.State), "attachments": itoa(len(v.Attachments)), "availability_zone": sdkaws.ToString(v.AvailabilityZone)}}
	switch {
	case len(v.Attachments) > 0:
		o.Skip = i18n.Say("target.skip.attached", sdkaws.ToString(v.Attachments[0].InstanceId))
	case v.State != ec2types.VolumeStateAvailable:
		o.Skip = i18n.Say("target.skip.state", string(v.State))
	}
	return o, nil
}

func (t *Volume) After(Observed, Verb) map[string]string {
	return map[string]string{"state": "deleted"}
}

func (t *Volume) Apply(_ context.Context, r Ref, v Verb) (map[string]string, error) {
	return nil, noStopStart(r, v)
}

func (t *Volume) Make(ctx context.Context, c Change) (map[string]string, error) {
	id, err := ec2ID(c.Ref, "volume/")
	if err != nil {
		return nil, err
	}
	o, err := t.Observe(ctx, c.Ref)
	if err != nil {
		return nil, err
	}
	switch c.Action {
	case Mark, Unmark:
		return markValues(o.Tags), tagEC2(ctx, t.EC2, id, c.After)
	case Delete:
		_, err := t.EC2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: &id})
		return o.State, err
	case SnapshotDelete:
		prev := o.State
		snap, err := t.snapshot(ctx, id, c)
		if snap != "" {
			prev["snapshot"] = snap
		}
		if err != nil {
			return prev, err
		}
		_, err = t.EC2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: &id})
		return prev, err
	}
	return nil, noStopStart(c.Ref, c.Action)
}

// snapshot takes a snapshot of the volume and waits until it is complete;
// it returns the snapshot's id as soon as there is one.
func (t *Volume) snapshot(ctx context.Context, id string, c Change) (string, error) {
	name := c.After["snapshot"]
	out, err := t.EC2.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: &id,
		Description: sdkaws.String("steward: " + name + ", taken before deleting " + id),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSnapshot, Tags: []ec2types.Tag{
			{Key: sdkaws.String("Name"), Value: sdkaws.String(name)},
			{Key: sdkaws.String(SnapshotOfTag), Value: sdkaws.String(c.ID)}}}}})
	if err != nil {
		return "", fmt.Errorf("snapshot %s (nothing was deleted): %w", id, err)
	}
	snap := sdkaws.ToString(out.SnapshotId)
	err = t.Wait.until(ctx, "wait for snapshot "+snap+" of "+id, func(ctx context.Context) (bool, string, error) {
		d, err := t.EC2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}})
		if err != nil || len(d.Snapshots) == 0 {
			return false, "", err
		}
		s := d.Snapshots[0]
		switch s.State {
		case ec2types.SnapshotStateCompleted:
			return true, "", nil
		case ec2types.SnapshotStateError, ec2types.SnapshotStateRecoverable:
			return false, "", fmt.Errorf("snapshot %s is %s: %s", snap, s.State, sdkaws.ToString(s.StateMessage))
		}
		return false, "state " + string(s.State) + " " + sdkaws.ToString(s.Progress), nil
	})
	if err != nil {
		return snap, fmt.Errorf("%w (the volume was not deleted)", err)
	}
	return snap, nil
}

// Address marks and releases an Elastic IP. An associated address is
// never released.
type Address struct {
	EC2 EC2CleanupAPI
}

func (t *Address) Observe(ctx context.Context, r Ref) (Observed, error) {
	id, err := ec2ID(r, "elastic-ip/")
	if err != nil {
		return Observed{}, err
	}
	if !strings.HasPrefix(id, "eipalloc-") {
		return Observed{}, fmt.Errorf("%s: not a VPC address (no allocation id)", id)
	}
	out, err := t.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{id}})
	if err != nil {
		return Observed{}, fmt.Errorf("describe address: %w", err)
	}
	if len(out.Addresses) == 0 {
		return Observed{}, fmt.Errorf("address %s not found", id)
	}
	a := out.Addresses[0]
	assoc := sdkaws.ToString(a.AssociationId)
	o := Observed{Tags: ec2TagMap(a.Tags), State: map[string]string{"state": "allocated", "public_ip": sdkaws.ToString(a.PublicIp), "association": assoc}}
	if assoc != "" {
		o.Skip = i18n.Say("target.skip.associated", assoc)
	}
	return o, nil
}

func (t *Address) After(Observed, Verb) map[string]string {
	return map[string]string{"state": "released"}
}

func (t *Address) Apply(_ context.Context, r Ref, v Verb) (map[string]string, error) {
	return nil, noStopStart(r, v)
}

func (t *Address) Make(ctx context.Context, c Change) (map[string]string, error) {
	id, err := ec2ID(c.Ref, "elastic-ip/")
	if err != nil {
		return nil, err
	}
	o, err := t.Observe(ctx, c.Ref)
	if err != nil {
		return nil, err
	}
	switch c.Action {
	case Mark, Unmark:
		return markValues(o.Tags), tagEC2(ctx, t.EC2, id, c.After)
	case Delete:
		_, err := t.EC2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: &id})
		return o.State, err
	}
	return nil, noStopStart(c.Ref, c.Action)
}

// EBSSnapshot marks and deletes an EBS snapshot.
type EBSSnapshot struct {
	EC2 EC2CleanupAPI
}

func (t *EBSSnapshot) Observe(ctx context.Context, r Ref) (Observed, error) {
	id, err := ec2ID(r, "snapshot/")
	if err != nil {
		return Observed{}, err
	}
	out, err := t.EC2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
	if err != nil {
		return Observed{}, fmt.Errorf("describe snapshot: %w", err)
	}
	if len(out.Snapshots) == 0 {
		return Observed{}, fmt.Errorf("snapshot %s not found", id)
	}
	s := out.Snapshots[0]
	o := Observed{Tags: ec2TagMap(s.Tags), State: map[string]string{"state": string(s.State)}}
	if s.State != ec2types.SnapshotStateCompleted {
		o.Skip = i18n.Say("target.skip.state", string(s.State))
	}
	return o, nil
}

func (t *EBSSnapshot) After(Observed, Verb) map[string]string {
	return map[string]string{"state": "deleted"}
}

func (t *EBSSnapshot) Apply(_ context.Context, r Ref, v Verb) (map[string]string, error) {
	return nil, noStopStart(r, v)
}

func (t *EBSSnapshot) Make(ctx context.Context, c Change) (map[string]string, error) {
	id, err := ec2ID(c.Ref, "snapshot/")
	if err != nil {
		return nil, err
	}
	o, err := t.Observe(ctx, c.Ref)
	if err != nil {
		return nil, err
	}
	switch c.Action {
	case Mark, Unmark:
		return markValues(o.Tags), tagEC2(ctx, t.EC2, id, c.After)
	case Delete:
		_, err := t.EC2.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: &id})
		return o.State, err
	}
	return nil, noStopStart(c.Ref, c.Action)
}
