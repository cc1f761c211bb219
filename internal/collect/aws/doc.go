// Package aws collects a live AWS estate into steward's inventory model:
// it resolves credentials and accounts (default chain, profiles, assumed
// roles, AWS Organizations), lists enabled regions, runs one unit of work per
// account x region x service on a bounded worker pool, and records for each
// unit whether it was read or why not (access denied, opt-in region,
// throttled, timeout).
//
// Each service lives in its own file behind a small interface holding only
// the SDK calls it makes, so tests can fake it and IAMPolicy can list exactly
// what the collectors call. The scanner is read-only: only Describe, List,
// Get, BatchGet, Lookup and Select (AWS Config's advanced query) operations
// appear in those interfaces.
//
// # Config aggregator fast path
//
// With Options.ConfigAggregator set, a scan first asks the aggregator (in
// the account and default region of the first credentials) which accounts
// and regions it holds with a successful last update, then reads each
// service below with one paginated SelectAggregateResourceConfig query
// across all scanned accounts, mapped by internal/collect/awsconfig's
// rules. A unit (account x region x service) is taken from Config only when
// its source is up to date and its service's query succeeded; otherwise its
// API collector reads it as without an aggregator. The split per service:
//
//   - ec2: instances, volumes, Elastic IPs, security groups, VPCs, subnets
//     (public from Config's route tables) and NAT gateways from Config; the
//     EC2 API still reads EBS snapshots (not a Config type) and CloudWatch
//     NAT bytes_out_14d.
//   - rds: instances, clusters and manual snapshots from Config (automated
//     ones are dropped, as the API collector never reads them); CloudWatch
//     still gives connections_max.
//   - every other service is read by its API as before: what Config records
//     of them is either thin (IAM users without MFA or key ages, log groups
//     without stored bytes, target groups without health, classic load
//     balancers without instance health) or already one paginated call per
//     region, and the account baseline (GuardDuty, Security Hub, Inspector,
//     CloudTrail, the Config recorder) is not a Config resource at all.
//
// Two things the snapshot mapping does not say are filled here so the path
// does not change the inventory: names follow the API collectors (an EC2
// resource by its Name tag, a database by its identifier), and a NAT
// gateway's Elastic IPs are attached-to it from the item's addresses.
// Coverage stays honest: a unit read from Config has a "config" row per
// account x region counting what Config gave, while its service row counts
// only what the API read; a failed aggregator call is a "config" gap of the
// aggregator's account and region, and its services fall back to the APIs.
// steward trusts the aggregator's source status: a region that reports a
// successful update while its recorder skips a type would look empty of it.
//
// It knows AWS SDK types and the attrs contract of internal/inventory; it
// must not know about policies, findings, the store or how results are shown.
package aws
