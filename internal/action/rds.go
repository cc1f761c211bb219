package action

import (
	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/schedule"
)

// RDSAPI is the RDS calls the database targets make.
type RDSAPI interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	StopDBInstance(ctx context.Context, in *rds.StopDBInstanceInput, optFns ...func(*rds.Options)) (*rds.StopDBInstanceOutput, error)
	StartDBInstance(ctx context.Context, in *rds.StartDBInstanceInput, optFns ...func(*rds.Options)) (*rds.StartDBInstanceOutput, error)
	StopDBCluster(ctx context.Context, in *rds.StopDBClusterInput, optFns ...func(*rds.Options)) (*rds.StopDBClusterOutput, error)
	StartDBCluster(ctx context.Context, in *rds.StartDBClusterInput, optFns ...func(*rds.Options)) (*rds.StartDBClusterOutput, error)
}

// dbID is the identifier at the end of an RDS ARN (db:ID, cluster:ID).
func dbID(r Ref) (string, error) {
	_, _, res, err := r.arnParts()
	if err != nil {
		return "", err
	}
	_, id, ok := strings.Cut(res, ":")
	if !ok || id == "" {
		return "", fmt.Errorf("%s: not an RDS ARN", r.ARN)
	}
	return id, nil
}

// dbPower maps an RDS status to on or off; other statuses are in transition.
func dbPower(status string) (on bool, skip i18n.Phrase) {
	switch status {
	case "available":
		return true, i18n.Phrase{}
	case "stopped":
		return false, i18n.Phrase{}
	}
	return false, i18n.Say("target.skip.statustransition", status)
}

// DBInstance stops and starts an RDS instance. A read replica, and an
// instance with read replicas, is skipped: AWS cannot stop either. An
// Aurora instance is skipped: its cluster is stopped instead. A start
// waits until the instance is available, so what uses it starts after.
type DBInstance struct {
	RDS  RDSAPI
	Wait Wait
}

func (t *DBInstance) Observe(ctx context.Context, r Ref) (Observed, error) {
	id, err := dbID(r)
	if err != nil {
		return Observed{}, err
	}
	out, err := t.RDS.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
	if err != nil {
		return Observed{}, fmt.Errorf("describe db instance: %w", err)
	}
	if len(out.DBInstances) == 0 {
		return Observed{}, fmt.Errorf("db instance %s not found", id)
	}
	d := out.DBInstances[0]
	status := sdkaws.ToString(d.DBInstanceStatus)
	on, skip := dbPower(status)
	o := Observed{Power: power(on), State: map[string]string{"status": status}, Tags: map[string]string{}, Skip: skip}
	for _, tg := range d.TagList {
		o.Tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	switch {
	case sdkaws.ToString(d.ReadReplicaSourceDBInstanceIdentifier) != "":
		o.Skip = i18n.Say("target.skip.replica", sdkaws.ToString(d.ReadReplicaSourceDBInstanceIdentifier))
	case len(d.ReadReplicaDBInstanceIdentifiers) > 0:
		o.Skip = i18n.Say("target.skip.replicasource", strings.Join(d.ReadReplicaDBInstanceIdentifiers, ", "))
	case sdkaws.ToString(d.DBClusterIdentifier) != "":
		o.Skip = i18n.Say("target.skip.aurora", sdkaws.ToString(d.DBClusterIdentifier))
	}
	return o, nil
}

func (t *DBInstance) After(_ Observed, v Verb) map[string]string {
	if v == Stop {
		return map[string]string{"status": "stopped"}
	}
	return map[string]string{"status": "available"}
}

func (t *DBInstance) Apply(ctx context.Context, r Ref, v Verb) (map[string]string, error) {
	o, err := t.Observe(ctx, r)
	if err != nil {
		return nil, err
	}
	id, _ := dbID(r)
	switch {
	case v == Stop && o.Power == schedule.Off, v == Start && o.Power == schedule.On:
		return o.State, nil
	case v == Stop:
		_, err = t.RDS.StopDBInstance(ctx, &rds.StopDBInstanceInput{DBInstanceIdentifier: &id})
		return o.State, err
	}
	if _, err := t.RDS.StartDBInstance(ctx, &rds.StartDBInstanceInput{DBInstanceIdentifier: &id}); err != nil {
		return o.State, err
	}
	return o.State, t.Wait.until(ctx, "wait for "+id+" to be available", func(ctx context.Context) (bool, string, error) {
		out, err := t.RDS.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
		if err != nil || len(out.DBInstances) == 0 {
			return false, "", err
		}
		s := sdkaws.ToString(out.DBInstances[0].DBInstanceStatus)
		return s == "available", "status " + s, nil
	})
}

// DBCluster stops and starts an Aurora cluster. A cluster that replicates
// from another is skipped. A start waits until it is available.
type DBCluster struct {
	RDS  RDSAPI
	Wait Wait
}

func (t *DBCluster) Observe(ctx context.Context, r Ref) (Observed, error) {
	id, err := dbID(r)
	if err != nil {
		return Observed{}, err
	}
	out, err := t.RDS.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &id})
	if err != nil {
		return Observed{}, fmt.Errorf("describe db cluster: %w", err)
	}
	if len(out.DBClusters) == 0 {
		return Observed{}, fmt.Errorf("db cluster %s not found", id)
	}
	c := out.DBClusters[0]
	status := sdkaws.ToString(c.Status)
	on, skip := dbPower(status)
	o := Observed{Power: power(on), State: map[string]string{"status": status}, Tags: map[string]string{}, Skip: skip}
	for _, tg := range c.TagList {
		o.Tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	if src := sdkaws.ToString(c.ReplicationSourceIdentifier); src != "" {
		o.Skip = i18n.Say("target.skip.replicacluster", src)
	}
	return o, nil
}

func (t *DBCluster) After(_ Observed, v Verb) map[string]string {
	if v == Stop {
		return map[string]string{"status": "stopped"}
	}
	return map[string]string{"status": "available"}
}

func (t *DBCluster) Apply(ctx context.Context, r Ref, v Verb) (map[string]string, error) {
	o, err := t.Observe(ctx, r)
	if err != nil {
		return nil, err
	}
	id, _ := dbID(r)
	switch {
	case v == Stop && o.Power == schedule.Off, v == Start && o.Power == schedule.On:
		return o.State, nil
	case v == Stop:
		_, err = t.RDS.StopDBCluster(ctx, &rds.StopDBClusterInput{DBClusterIdentifier: &id})
		return o.State, err
	}
	if _, err := t.RDS.StartDBCluster(ctx, &rds.StartDBClusterInput{DBClusterIdentifier: &id}); err != nil {
		return o.State, err
	}
	return o.State, t.Wait.until(ctx, "wait for "+id+" to be available", func(ctx context.Context) (bool, string, error) {
		out, err := t.RDS.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &id})
		if err != nil || len(out.DBClusters) == 0 {
			return false, "", err
		}
		s := sdkaws.ToString(out.DBClusters[0].Status)
		return s == "available", "status " + s, nil
	})
}
