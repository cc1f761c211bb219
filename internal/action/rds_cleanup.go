package action

import (
	"github.com/steward-sre/steward/internal/i18n"

	"context"
	"fmt"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// RDSCleanupAPI is the RDS calls marking, snapshotting and deleting
// databases and snapshots make.
type RDSCleanupAPI interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	CreateDBSnapshot(ctx context.Context, in *rds.CreateDBSnapshotInput, optFns ...func(*rds.Options)) (*rds.CreateDBSnapshotOutput, error)
	DescribeDBSnapshots(ctx context.Context, in *rds.DescribeDBSnapshotsInput, optFns ...func(*rds.Options)) (*rds.DescribeDBSnapshotsOutput, error)
	DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, optFns ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
	DeleteDBSnapshot(ctx context.Context, in *rds.DeleteDBSnapshotInput, optFns ...func(*rds.Options)) (*rds.DeleteDBSnapshotOutput, error)
	DescribeDBClusterSnapshots(ctx context.Context, in *rds.DescribeDBClusterSnapshotsInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotsOutput, error)
	DeleteDBClusterSnapshot(ctx context.Context, in *rds.DeleteDBClusterSnapshotInput, optFns ...func(*rds.Options)) (*rds.DeleteDBClusterSnapshotOutput, error)
	AddTagsToResource(ctx context.Context, in *rds.AddTagsToResourceInput, optFns ...func(*rds.Options)) (*rds.AddTagsToResourceOutput, error)
	RemoveTagsFromResource(ctx context.Context, in *rds.RemoveTagsFromResourceInput, optFns ...func(*rds.Options)) (*rds.RemoveTagsFromResourceOutput, error)
}

// tagRDS sets and removes the tags of a change's After on an RDS resource.
func tagRDS(ctx context.Context, api RDSCleanupAPI, arn string, after map[string]string) error {
	set, remove := splitTags(after)
	if len(set) > 0 {
		in := &rds.AddTagsToResourceInput{ResourceName: &arn}
		for k, v := range set {
			in.Tags = append(in.Tags, rdstypes.Tag{Key: sdkaws.String(k), Value: sdkaws.String(v)})
		}
		if _, err := api.AddTagsToResource(ctx, in); err != nil {
			return fmt.Errorf("tag %s: %w", arn, err)
		}
	}
	if len(remove) > 0 {
		if _, err := api.RemoveTagsFromResource(ctx, &rds.RemoveTagsFromResourceInput{ResourceName: &arn, TagKeys: remove}); err != nil {
			return fmt.Errorf("untag %s: %w", arn, err)
		}
	}
	return nil
}

// cleanupAPI is the instance target's client as the cleanup calls need
// it; the SDK's client (and the tests' fake) has them all.
func (t *DBInstance) cleanupAPI() (RDSCleanupAPI, error) {
	api, ok := t.RDS.(RDSCleanupAPI)
	if !ok {
		return nil, fmt.Errorf("db instance: %w", errNotCleaner)
	}
	return api, nil
}

// Make marks, unmarks or deletes an RDS instance. snapshot-then-delete
// takes a manual snapshot named in the plan, waits until it is available,
// then deletes the instance without a final snapshot (the snapshot is
// it); automated backups are kept. An instance with deletion protection
// is refused before anything is made.
func (t *DBInstance) Make(ctx context.Context, c Change) (map[string]string, error) {
	api, err := t.cleanupAPI()
	if err != nil {
		return nil, err
	}
	id, err := dbID(c.Ref)
	if err != nil {
		return nil, err
	}
	out, err := api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
	if err != nil {
		return nil, fmt.Errorf("describe db instance: %w", err)
	}
	if len(out.DBInstances) == 0 {
		return nil, fmt.Errorf("db instance %s not found", id)
	}
	d := out.DBInstances[0]
	tags := map[string]string{}
	for _, tg := range d.TagList {
		tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	prev := map[string]string{"status": sdkaws.ToString(d.DBInstanceStatus), "id": id}
	switch c.Action {
	case Mark, Unmark:
		return markValues(tags), tagRDS(ctx, api, c.ARN, c.After)
	case Delete, SnapshotDelete:
	default:
		return nil, noStopStart(c.Ref, c.Action)
	}
	if sdkaws.ToBool(d.DeletionProtection) {
		return prev, fmt.Errorf("db instance %s has deletion protection on: turn it off to delete it (nothing was changed)", id)
	}
	if c.Action == SnapshotDelete {
		snap := c.After["snapshot"]
		if snap == "" {
			return prev, fmt.Errorf("db instance %s: the plan names no snapshot (nothing was changed)", id)
		}
		if _, err := api.CreateDBSnapshot(ctx, &rds.CreateDBSnapshotInput{DBInstanceIdentifier: &id, DBSnapshotIdentifier: &snap,
			Tags: []rdstypes.Tag{{Key: sdkaws.String(SnapshotOfTag), Value: sdkaws.String(c.ID)}}}); err != nil {
			return prev, fmt.Errorf("snapshot %s (nothing was deleted): %w", id, err)
		}
		prev["snapshot"] = snap
		err := t.Wait.until(ctx, "wait for snapshot "+snap+" of "+id, func(ctx context.Context) (bool, string, error) {
			o, err := api.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: &snap})
			if err != nil || len(o.DBSnapshots) == 0 {
				return false, "", err
			}
			s := sdkaws.ToString(o.DBSnapshots[0].Status)
			if s == "failed" || s == "deleting" {
				return false, "", fmt.Errorf("snapshot %s is %s", snap, s)
			}
			return s == "available", "status " + s, nil
		})
		if err != nil {
			return prev, fmt.Errorf("%w (the database was not deleted)", err)
		}
	}
	_, err = api.DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{DBInstanceIdentifier: &id, SkipFinalSnapshot: sdkaws.Bool(true),
		DeleteAutomatedBackups: sdkaws.Bool(false)})
	return prev, err
}

// DBSnapshot marks and deletes a manual RDS snapshot, of an instance or
// (Cluster) of an Aurora cluster. Automated snapshots are AWS's to
// expire and are skipped.
type DBSnapshot struct {
	RDS     RDSCleanupAPI
	Cluster bool
}

func (t *DBSnapshot) Observe(ctx context.Context, r Ref) (Observed, error) {
	id, err := dbID(r)
	if err != nil {
		return Observed{}, err
	}
	var status, kind string
	var tags []rdstypes.Tag
	if t.Cluster {
		out, err := t.RDS.DescribeDBClusterSnapshots(ctx, &rds.DescribeDBClusterSnapshotsInput{DBClusterSnapshotIdentifier: &id})
		if err != nil {
			return Observed{}, fmt.Errorf("describe db cluster snapshot: %w", err)
		}
		if len(out.DBClusterSnapshots) == 0 {
			return Observed{}, fmt.Errorf("db cluster snapshot %s not found", id)
		}
		s := out.DBClusterSnapshots[0]
		status, kind, tags = sdkaws.ToString(s.Status), sdkaws.ToString(s.SnapshotType), s.TagList
	} else {
		out, err := t.RDS.DescribeDBSnapshots(ctx, &rds.DescribeDBSnapshotsInput{DBSnapshotIdentifier: &id})
		if err != nil {
			return Observed{}, fmt.Errorf("describe db snapshot: %w", err)
		}
		if len(out.DBSnapshots) == 0 {
			return Observed{}, fmt.Errorf("db snapshot %s not found", id)
		}
		s := out.DBSnapshots[0]
		status, kind, tags = sdkaws.ToString(s.Status), sdkaws.ToString(s.SnapshotType), s.TagList
	}
	o := Observed{State: map[string]string{"status": status, "snapshot_type": kind}, Tags: map[string]string{}}
	for _, tg := range tags {
		o.Tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	switch {
	case kind != "manual":
		o.Skip = i18n.Say("target.skip.autosnapshot", kind)
	case status != "available":
		o.Skip = i18n.Say("target.skip.status", status)
	}
	return o, nil
}

func (t *DBSnapshot) After(Observed, Verb) map[string]string {
	return map[string]string{"status": "deleted"}
}

func (t *DBSnapshot) Apply(_ context.Context, r Ref, v Verb) (map[string]string, error) {
	return nil, noStopStart(r, v)
}

func (t *DBSnapshot) Make(ctx context.Context, c Change) (map[string]string, error) {
	id, err := dbID(c.Ref)
	if err != nil {
		return nil, err
	}
	o, err := t.Observe(ctx, c.Ref)
	if err != nil {
		return nil, err
	}
	switch c.Action {
	case Mark, Unmark:
		return markValues(o.Tags), tagRDS(ctx, t.RDS, c.ARN, c.After)
	case Delete:
		if t.Cluster {
			_, err = t.RDS.DeleteDBClusterSnapshot(ctx, &rds.DeleteDBClusterSnapshotInput{DBClusterSnapshotIdentifier: &id})
		} else {
			_, err = t.RDS.DeleteDBSnapshot(ctx, &rds.DeleteDBSnapshotInput{DBSnapshotIdentifier: &id})
		}
		return o.State, err
	}
	return nil, noStopStart(c.Ref, c.Action)
}
