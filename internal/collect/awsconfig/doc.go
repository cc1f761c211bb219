// Package awsconfig reads AWS Config snapshot and configuration-history
// files (the JSON, optionally gzipped, that AWS Config delivers to S3) into
// steward's inventory model, so an estate can be scanned without giving
// steward API access.
//
// It owns the shape of configuration items: the envelope fields, the
// per-type `configuration` and `supplementaryConfiguration` documents and
// the relationship names, and their translation into the attrs and
// relations documented in inventory/types.go. It must not know about
// policies, the store or reports, and it never calls AWS: everything it
// knows comes from the files. What Config does not record (metrics, log
// group sizes, IAM credential state) is left out, never written as zero.
package awsconfig
