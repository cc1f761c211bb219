package policy

import (
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
)

// skeletonPolicy and skeletonTest are what `steward policy new NAME` writes:
// a working policy and the fixture that tests it, so the first edit starts
// from something `steward policy test` passes. NAME replaces every "NAME".
const skeletonPolicy = `# A steward policy pack: docs/policies.md describes every key and CEL helper,
# and ` + "`steward policy show ID`" + ` prints any built-in policy to start from.
pack: NAME
policies:
  - id: NAME
    title: EBS volume left unattached
    description: >-
      A volume attached to nothing still costs its full price every month.
    types: [AWS::EC2::Volume]
    severity: medium
    category: waste
    params: {days: 7}
    where: r.state == 'available' && has(r.created) && age(r) > days(params.days)
    waste: price(r)
    message: "${r.name != '' ? r.name : r.id} has been attached to nothing for ${in_days(age(r))} days"
    remediation: Snapshot the volume if its data may be needed, then delete it.
`

const skeletonTest = `# Fixtures for NAME.yaml: ` + "`steward policy test DIR`" + ` evaluates the policies on
# these resources and checks each case. A policy needs a resource it matches and
# one it does not.
now: 2026-03-01T00:00:00Z
resources:
  - arn: arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-old
    type: AWS::EC2::Volume
    id: vol-old
    state: available
    created: 2026-01-01T00:00:00Z
  - arn: arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-attached
    type: AWS::EC2::Volume
    id: vol-attached
    state: in-use
    created: 2026-01-01T00:00:00Z
cases:
  - policy: NAME
    match: [arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-old]
    no_match: [arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-attached]
    message:
      arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-old: vol-old has been attached to nothing for 59 days
`

// Skeleton returns a policy pack file and its test file for a new policy
// named name, which must be a valid policy id.
func Skeleton(name string) (pack, test string, err error) {
	if !idRe.MatchString(name) {
		return "", "", i18n.Say("policy.err.name", name).Err()
	}
	return strings.ReplaceAll(skeletonPolicy, "NAME", name), strings.ReplaceAll(skeletonTest, "NAME", name), nil
}
