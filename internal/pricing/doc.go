// Package pricing owns steward's built-in price table and turns a resource
// into an estimated monthly cost in USD, plus the few savings figures policies
// need (gp2 to gp3, previous to current instance generation).
//
// It knows inventory resources and their attrs (internal/inventory/types.go),
// never AWS SDK types, billing files or policies. Actual spend comes from
// FOCUS/CUR files in internal/cost; this table only answers "roughly what does
// this resource cost per month at list price" when no bill is at hand.
//
// # Source and date
//
// The numbers are AWS public on-demand list prices in USD for us-east-1 (US
// East, N. Virginia) and ap-northeast-1 (Asia Pacific, Tokyo), as published on
// the AWS pricing pages (aws.amazon.com/ec2/pricing/on-demand/,
// /ebs/pricing/, /vpc/pricing/, /elasticloadbalancing/pricing/,
// /rds/mysql/pricing/, /rds/aurora/pricing/, /cloudwatch/pricing/,
// /s3/pricing/, /fargate/pricing/) and in the Price List API offer files
// (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/index.json), as
// published in 2025; on-demand rates of these families rarely change. They
// were transcribed by hand, not fetched at run time, and have not been
// re-checked against the offer file since: treat every figure as an
// approximate list price, and check the offer file before quoting a cent.
// The Tokyo RDS and Aurora rates are the least certain and the first to
// check. Taxes, Savings Plans, Reserved Instances, credits and the free tier
// are all ignored.
//
// # What an estimate covers and leaves out
//
//   - A month is 730 hours (the AWS pricing calculator's month).
//   - EC2: Linux, shared tenancy, on-demand; Windows and other platforms get
//     ok=false. A stopped instance costs 0 for compute (its volumes are priced
//     as volumes).
//   - EBS: storage per GB-month by volume type, plus provisioned IOPS for io1
//     and io2 (io2 tiered) and IOPS above the free 3,000 for gp3. gp3
//     throughput above 125 MB/s and magnetic (standard) I/O requests are not
//     in the attrs and are left out.
//   - Snapshots (EBS, RDS manual, Aurora cluster) are priced at the full size
//     of the source volume or database: an upper bound, since snapshots are
//     incremental and compressed. Automated RDS/Aurora snapshots cost 0: they
//     sit inside the free backup allowance (storage up to the database size).
//   - Elastic IPs: every public IPv4 address costs $0.005 per hour, attached or
//     not, since 1 February 2024 (before that, only idle addresses were
//     charged). An unassociated address therefore wastes exactly that.
//   - NAT gateways: the hourly charge only; data processing ($0.045/GB in
//     us-east-1, $0.062/GB in Tokyo) is left out.
//   - Load balancers: the hourly charge only; LCU/NLCU usage is left out.
//     Gateway load balancers get ok=false.
//   - RDS: MySQL/MariaDB single-AZ list price per instance class, doubled for
//     Multi-AZ, plus allocated storage per GB-month (doubled for Multi-AZ). A
//     stopped instance pays storage only. PostgreSQL is priced from the same
//     table; its list price runs a few percent higher, so its estimate is a
//     little low. Oracle and SQL Server (licence-included) get ok=false.
//     Aurora instances use the Aurora table (compute only; cluster storage and
//     I/O are billed on the cluster, whose size the attrs do not carry, so an
//     Aurora cluster itself gets ok=false).
//   - CloudWatch Logs: stored bytes per GB-month; ingestion is left out.
//   - S3: every byte at the S3 Standard first-50-TB rate; requests, transfer
//     and cheaper storage classes are left out.
//   - ECS services on Fargate: running tasks x (vCPU-hours + GB-hours), Linux
//     x86. Fargate Spot and EC2-backed services get ok=false (EC2-backed tasks
//     are paid for by their instances).
//
// Sizes in GB are binary (GiB), as AWS bills them.
//
// An unknown type, region, instance class or volume type returns ok=false:
// the table never makes a number up.
package pricing
