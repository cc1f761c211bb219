package aws

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// rdsAPI is the RDS calls the collector makes.
type rdsAPI interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBSnapshotsAPIClient
	rds.DescribeDBClusterSnapshotsAPIClient
	rds.DescribeEventSubscriptionsAPIClient
	DescribeDBSnapshotAttributes(ctx context.Context, in *rds.DescribeDBSnapshotAttributesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBSnapshotAttributesOutput, error)
	DescribeDBClusterSnapshotAttributes(ctx context.Context, in *rds.DescribeDBClusterSnapshotAttributesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClusterSnapshotAttributesOutput, error)
}

// connectionsLookbackDays is the window idle databases are judged on.
const connectionsLookbackDays = 30

func runRDS(ctx context.Context, t *target, out *unitOut) error {
	return collectRDS(ctx, t, out, rds.NewFromConfig(t.cfg), cloudwatch.NewFromConfig(t.cfg))
}

func rdsTags(tags []rdstypes.Tag) map[string]string {
	return tagMap(tags, func(t rdstypes.Tag) (*string, *string) { return t.Key, t.Value })
}

func collectRDS(ctx context.Context, t *target, out *unitOut, api rdsAPI, cw metricsAPI) error {
	var errs []error
	var dbs []inventory.Resource
	pg := rds.NewDescribeDBInstancesPaginator(api, &rds.DescribeDBInstancesInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("describe db instances: %w", err))
			break
		}
		for _, d := range page.DBInstances {
			dbs = append(dbs, dbInstance(t, d))
		}
	}
	cpg := rds.NewDescribeDBClustersPaginator(api, &rds.DescribeDBClustersInput{})
	for cpg.HasMorePages() {
		page, err := cpg.NextPage(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("describe db clusters: %w", err))
			break
		}
		for _, c := range page.DBClusters {
			dbs = append(dbs, dbCluster(t, c))
		}
	}
	dbConnections(ctx, t, out, cw, dbs)
	for _, d := range dbs {
		out.add(d)
	}
	if err := regionEventSubscriptions(ctx, out, api, len(dbs) > 0); err != nil {
		errs = append(errs, err)
	}
	if err := rdsSnapshots(ctx, t, out, api); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// dbConnections fills connections_max and connections_lookback_days of
// database instances and clusters from CloudWatch, in batches; a failed
// read leaves them out and shows as a cloudwatch gap.
func dbConnections(ctx context.Context, t *target, out *unitOut, cw metricsAPI, dbs []inventory.Resource) {
	if len(dbs) == 0 {
		return
	}
	qs := make([]metricQuery, len(dbs))
	for i, d := range dbs {
		dim := "DBInstanceIdentifier"
		if d.Type == "AWS::RDS::DBCluster" {
			dim = "DBClusterIdentifier"
		}
		qs[i] = metricQuery{namespace: "AWS/RDS", metric: "DatabaseConnections", dims: map[string]string{dim: d.ID}, stat: "Maximum"}
	}
	vals, err := getMetrics(ctx, cw, qs, lookbackStart(t.now, connectionsLookbackDays), t.now)
	out.sideRead(t, "cloudwatch", err)
	if err != nil {
		return
	}
	for i := range dbs {
		dbs[i].Attrs.Set("connections_lookback_days", lookbackDays(dbs[i].Created, t.now))
		dbs[i].Attrs.Set("connections_max", maxOf(vals[i]))
	}
}

// rdsEventSubscriptions lists the region's event subscriptions: the kind
// of source each hears about, its categories (none listed means all) and
// whether it is on.
func rdsEventSubscriptions(ctx context.Context, api rdsAPI) ([]any, error) {
	subs := []any{}
	pg := rds.NewDescribeEventSubscriptionsPaginator(api, &rds.DescribeEventSubscriptionsInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe event subscriptions: %w", err)
		}
		for _, e := range page.EventSubscriptionsList {
			subs = append(subs, map[string]any{
				"source_type": str(e.SourceType),
				"categories":  stringList(e.EventCategoriesList),
				"enabled":     boolv(e.Enabled),
			})
		}
	}
	return subs, nil
}

// lookbackDays is how many days of metrics exist: the whole window, or
// fewer for a database younger than it.
func lookbackDays(created, now time.Time) float64 {
	if created.IsZero() {
		return connectionsLookbackDays
	}
	return math.Min(connectionsLookbackDays, math.Floor(now.Sub(created).Hours()/24))
}

func dbInstance(t *target, d rdstypes.DBInstance) inventory.Resource {
	id := str(d.DBInstanceIdentifier)
	attrs := map[string]any{
		"engine":              str(d.Engine),
		"engine_version":      str(d.EngineVersion),
		"instance_class":      str(d.DBInstanceClass),
		"storage_type":        str(d.StorageType),
		"allocated_gb":        f32(d.AllocatedStorage),
		"storage_encrypted":   boolv(d.StorageEncrypted),
		"publicly_accessible": boolv(d.PubliclyAccessible),
		"multi_az":            boolv(d.MultiAZ),
	}
	r := inventory.Resource{
		ARN: str(d.DBInstanceArn), Account: t.account, Region: t.region, Type: "AWS::RDS::DBInstance",
		ID: id, Name: id, Tags: inventory.TagsOf(rdsTags(d.TagList)), State: lower(str(d.DBInstanceStatus)), Attrs: inventory.AttrsOf(attrs),
	}
	if r.ARN == "" {
		r.ARN = t.arn("rds", "db:"+id)
	}
	if d.InstanceCreateTime != nil {
		r.Created = d.InstanceCreateTime.UTC()
	}
	r.Attrs.Update(func(attrs map[string]any) {
		setBool(attrs, "deletion_protection", d.DeletionProtection)
		setBool(attrs, "auto_minor_version_upgrade", d.AutoMinorVersionUpgrade)
		setBool(attrs, "iam_auth_enabled", d.IAMDatabaseAuthenticationEnabled)
		setBool(attrs, "copy_tags_to_snapshot", d.CopyTagsToSnapshot)
		setNum(attrs, "backup_retention_days", d.BackupRetentionPeriod)
		setNum(attrs, "monitoring_interval", d.MonitoringInterval)
	})
	// The automatic-upgrade flag is in every DescribeDBInstances answer;
	// when it is there, an empty export list or subnet group means none,
	// rather than "not told".
	if d.AutoMinorVersionUpgrade != nil {
		r.Attrs.Set("log_exports", stringList(d.EnabledCloudwatchLogsExports))
		vpc := ""
		if d.DBSubnetGroup != nil {
			vpc = str(d.DBSubnetGroup.VpcId)
		}
		r.Attrs.Set("vpc_id", vpc)
	}
	if d.MasterUsername != nil {
		r.Attrs.Set("master_username", *d.MasterUsername)
	}
	if d.Endpoint != nil && d.Endpoint.Port != nil {
		r.Attrs.Set("port", float64(*d.Endpoint.Port))
	}
	if c := str(d.DBClusterIdentifier); c != "" {
		r.Attrs.Set("cluster_id", c)
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelMemberOf, Target: t.arn("rds", "cluster:"+c)})
	}
	if d.DBSubnetGroup != nil {
		for _, s := range d.DBSubnetGroup.Subnets {
			r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelInSubnet, Target: t.arn("ec2", "subnet/"+str(s.SubnetIdentifier))})
		}
	}
	for _, sg := range d.VpcSecurityGroups {
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUsesSG, Target: t.arn("ec2", "security-group/"+str(sg.VpcSecurityGroupId))})
	}
	return r
}

func dbCluster(t *target, c rdstypes.DBCluster) inventory.Resource {
	id := str(c.DBClusterIdentifier)
	r := inventory.Resource{
		ARN: str(c.DBClusterArn), Account: t.account, Region: t.region, Type: "AWS::RDS::DBCluster",
		ID: id, Name: id, Tags: inventory.TagsOf(rdsTags(c.TagList)), State: lower(str(c.Status)),
		Attrs: inventory.AttrsOf(map[string]any{
			"engine":            str(c.Engine),
			"engine_version":    str(c.EngineVersion),
			"storage_encrypted": boolv(c.StorageEncrypted),
			"members":           float64(len(c.DBClusterMembers)),
		}),
	}
	if r.ARN == "" {
		r.ARN = t.arn("rds", "cluster:"+id)
	}
	if c.ClusterCreateTime != nil {
		r.Created = c.ClusterCreateTime.UTC()
	}
	r.Attrs.Update(func(m map[string]any) {
		setBool(m, "deletion_protection", c.DeletionProtection)
		setBool(m, "iam_auth_enabled", c.IAMDatabaseAuthenticationEnabled)
		setBool(m, "copy_tags_to_snapshot", c.CopyTagsToSnapshot)
		setBool(m, "multi_az", c.MultiAZ)
	})
	if c.MasterUsername != nil {
		r.Attrs.Set("master_username", *c.MasterUsername)
	}
	// Backtracking exists for Aurora MySQL only; the deletion protection
	// flag, in every answer, tells that a missing window means none.
	if c.DeletionProtection != nil {
		r.Attrs.Set("backtrack_window", f64(c.BacktrackWindow))
	}
	for _, sg := range c.VpcSecurityGroups {
		r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelUsesSG, Target: t.arn("ec2", "security-group/"+str(sg.VpcSecurityGroupId))})
	}
	return r
}

// rdsSnapshots reads manual snapshots only: automated ones expire by
// themselves and cost nothing beyond the retention the owner chose.
func rdsSnapshots(ctx context.Context, t *target, out *unitOut, api rdsAPI) error {
	var errs []error
	pg := rds.NewDescribeDBSnapshotsPaginator(api, &rds.DescribeDBSnapshotsInput{SnapshotType: strp("manual")})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe db snapshots: %w", err)
		}
		for _, s := range page.DBSnapshots {
			id := str(s.DBSnapshotIdentifier)
			r := inventory.Resource{
				ARN: str(s.DBSnapshotArn), Account: t.account, Region: t.region, Type: "AWS::RDS::DBSnapshot",
				ID: id, Name: id, Tags: inventory.TagsOf(rdsTags(s.TagList)), State: lower(str(s.Status)),
				Attrs: inventory.AttrsOf(map[string]any{
					"snapshot_type": str(s.SnapshotType),
					"allocated_gb":  f32(s.AllocatedStorage),
					"encrypted":     boolv(s.Encrypted),
					"db_instance":   str(s.DBInstanceIdentifier),
				}),
			}
			if s.SnapshotCreateTime != nil {
				r.Created = s.SnapshotCreateTime.UTC()
			}
			if db := str(s.DBInstanceIdentifier); db != "" {
				r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelSnapshotOf, Target: t.arn("rds", "db:"+db)})
			}
			errs = append(errs, snapshotRestorers(ctx, api, &r))
			out.add(r)
		}
	}
	cpg := rds.NewDescribeDBClusterSnapshotsPaginator(api, &rds.DescribeDBClusterSnapshotsInput{SnapshotType: strp("manual")})
	for cpg.HasMorePages() {
		page, err := cpg.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe db cluster snapshots: %w", err)
		}
		for _, s := range page.DBClusterSnapshots {
			id := str(s.DBClusterSnapshotIdentifier)
			r := inventory.Resource{
				ARN: str(s.DBClusterSnapshotArn), Account: t.account, Region: t.region, Type: "AWS::RDS::DBClusterSnapshot",
				ID: id, Name: id, Tags: inventory.TagsOf(rdsTags(s.TagList)), State: lower(str(s.Status)),
				Attrs: inventory.AttrsOf(map[string]any{
					"snapshot_type": str(s.SnapshotType),
					"allocated_gb":  f32(s.AllocatedStorage),
					"encrypted":     boolv(s.StorageEncrypted),
					"db_cluster":    str(s.DBClusterIdentifier),
				}),
			}
			if s.SnapshotCreateTime != nil {
				r.Created = s.SnapshotCreateTime.UTC()
			}
			if c := str(s.DBClusterIdentifier); c != "" {
				r.Relations = append(r.Relations, inventory.Relation{Kind: inventory.RelSnapshotOf, Target: t.arn("rds", "cluster:"+c)})
			}
			errs = append(errs, snapshotRestorers(ctx, api, &r))
			out.add(r)
		}
	}
	return joinFew(errs, 3)
}

// restorableByAll reports whether a snapshot's restore attribute names
// "all": any AWS account may copy or restore it.
func restorableByAll[T any](as []T, kv func(T) (*string, []string)) bool {
	for _, a := range as {
		name, values := kv(a)
		if str(name) == "restore" && slices.Contains(values, "all") {
			return true
		}
	}
	return false
}

func strp(s string) *string { return &s }

func runRDSFromConfig(ctx context.Context, t *target, out *unitOut, rs []inventory.Resource) error {
	return collectRDSFromConfig(ctx, t, out, rs, rds.NewFromConfig(t.cfg), cloudwatch.NewFromConfig(t.cfg))
}

// collectRDSFromConfig takes the databases and manual snapshots a
// configuration aggregator gave and reads what Config does not record:
// database connections (CloudWatch) and, where there are databases, the
// region's event subscriptions (Config holds only those that exist).
func collectRDSFromConfig(ctx context.Context, t *target, out *unitOut, rs []inventory.Resource, api rdsAPI, cw metricsAPI) error {
	var dbs []inventory.Resource
	var errs []error
	for _, r := range rs {
		switch r.Type {
		case "AWS::RDS::DBInstance", "AWS::RDS::DBCluster":
			dbs = append(dbs, r)
		case "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot":
			errs = append(errs, snapshotRestorers(ctx, api, &r))
			out.add(r)
		default:
			out.add(r)
		}
	}
	dbConnections(ctx, t, out, cw, dbs)
	for _, d := range dbs {
		out.add(d)
	}
	errs = append(errs, regionEventSubscriptions(ctx, out, api, len(dbs) > 0))
	return errors.Join(errs...)
}

// snapshotRestorers sets public on a manual snapshot: who may restore it
// is an attribute neither the describe call nor a Config item holds.
func snapshotRestorers(ctx context.Context, api rdsAPI, r *inventory.Resource) error {
	if r.Type == "AWS::RDS::DBClusterSnapshot" {
		a, err := api.DescribeDBClusterSnapshotAttributes(ctx, &rds.DescribeDBClusterSnapshotAttributesInput{DBClusterSnapshotIdentifier: &r.ID})
		if err != nil {
			return fmt.Errorf("describe db cluster snapshot attributes %s: %w", r.ID, err)
		}
		if a.DBClusterSnapshotAttributesResult != nil {
			r.Attrs.Set("public", restorableByAll(a.DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes,
				func(x rdstypes.DBClusterSnapshotAttribute) (*string, []string) {
					return x.AttributeName, x.AttributeValues
				}))
		}
		return nil
	}
	a, err := api.DescribeDBSnapshotAttributes(ctx, &rds.DescribeDBSnapshotAttributesInput{DBSnapshotIdentifier: &r.ID})
	if err != nil {
		return fmt.Errorf("describe db snapshot attributes %s: %w", r.ID, err)
	}
	if a.DBSnapshotAttributesResult != nil {
		r.Attrs.Set("public", restorableByAll(a.DBSnapshotAttributesResult.DBSnapshotAttributes,
			func(x rdstypes.DBSnapshotAttribute) (*string, []string) { return x.AttributeName, x.AttributeValues }))
	}
	return nil
}

// regionEventSubscriptions records the region's event subscriptions.
// They matter where there are databases to hear about; a region without
// any is left out rather than flagged, and costs no call.
func regionEventSubscriptions(ctx context.Context, out *unitOut, api rdsAPI, hasDBs bool) error {
	if !hasDBs {
		return nil
	}
	subs, err := rdsEventSubscriptions(ctx, api)
	if err != nil {
		return err
	}
	out.setRegionAttr("rds_event_subscriptions", subs)
	return nil
}

// setBool and setNum record a setting only when the response holds it: a
// reader (an emulator, an older API) that leaves it out must not turn into
// "off" and a finding.
func setBool(attrs map[string]any, key string, p *bool) {
	if p != nil {
		attrs[key] = *p
	}
}

func setNum(attrs map[string]any, key string, p *int32) {
	if p != nil {
		attrs[key] = float64(*p)
	}
}
