// Package iac owns infrastructure-as-code coverage: reading Terraform and
// OpenTofu state (local files, globs, S3 backend objects, `terraform show
// -json`), CloudFormation stacks and their physical resources, and CloudTrail
// creation events; matching all of them to inventory resources by ARN; and
// from that, the managed-by and creator of every resource, coverage figures,
// the `iac` findings and Terraform import blocks for what no code manages.
//
// It knows inventory resources, their coverage rows and findings. It must not
// know about policies, the store or report formats beyond its own output, and
// it talks to AWS only through the small interfaces declared here, never by
// building SDK clients itself: the caller passes them in.
package iac
