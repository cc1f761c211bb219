package action

import (
	"github.com/steward-sre/steward/internal/i18n"

	"context"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// TestDatabaseSkips: what AWS cannot stop is left alone with the reason,
// and a database in transition waits for a later run.
func TestDatabaseSkips(t *testing.T) {
	c := newCloud()
	c.dbs["replica"] = &rdstypes.DBInstance{DBInstanceStatus: sdkaws.String("available"), ReadReplicaSourceDBInstanceIdentifier: sdkaws.String("main")}
	c.dbs["main"] = &rdstypes.DBInstance{DBInstanceStatus: sdkaws.String("available"), ReadReplicaDBInstanceIdentifiers: []string{"replica"}}
	c.dbs["member"] = &rdstypes.DBInstance{DBInstanceStatus: sdkaws.String("available"), DBClusterIdentifier: sdkaws.String("aurora")}
	c.dbs["starting"] = &rdstypes.DBInstance{DBInstanceStatus: sdkaws.String("starting")}
	c.dbs["plain"] = &rdstypes.DBInstance{DBInstanceStatus: sdkaws.String("stopped")}
	c.clusters["secondary"] = &rdstypes.DBCluster{Status: sdkaws.String("available"), ReplicationSourceIdentifier: sdkaws.String("arn:aws:rds:us-east-1:111111111111:cluster:primary")}
	c.clusters["aurora"] = &rdstypes.DBCluster{Status: sdkaws.String("available")}
	tests := map[string]struct {
		ref  Ref
		skip string
	}{
		"read replica":       {Ref{ARN: arnOf("rds", "db:replica"), Type: TypeDBInstance}, "a read replica (of main)"},
		"source of replicas": {Ref{ARN: arnOf("rds", "db:main"), Type: TypeDBInstance}, "the source of read replicas (replica)"},
		"aurora member":      {Ref{ARN: arnOf("rds", "db:member"), Type: TypeDBInstance}, "an instance of Aurora cluster aurora"},
		"in transition":      {Ref{ARN: arnOf("rds", "db:starting"), Type: TypeDBInstance}, "status starting (in transition"},
		"plain instance":     {Ref{ARN: arnOf("rds", "db:plain"), Type: TypeDBInstance}, ""},
		"replica cluster":    {Ref{ARN: arnOf("rds", "cluster:secondary"), Type: TypeDBCluster}, "a replica cluster"},
		"cluster":            {Ref{ARN: arnOf("rds", "cluster:aurora"), Type: TypeDBCluster}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tg, err := c.Target(acct, region, tc.ref.Type)
			if err != nil {
				t.Fatal(err)
			}
			o, err := tg.Observe(context.Background(), tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if skip := o.Skip.In(i18n.EN); tc.skip == "" && skip != "" || tc.skip != "" && !strings.Contains(skip, tc.skip) {
				t.Errorf("skip %q, want %q", o.Skip, tc.skip)
			}
		})
	}
}
