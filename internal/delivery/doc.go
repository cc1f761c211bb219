// Package delivery owns what steward knows of shipping software: deployment
// records from every tool, each service's main-branch history (commits),
// the merged pull requests (changes), incidents, and the Four Keys computed
// from them (deployment frequency, lead time for changes, change failure
// rate, failed deployment recovery time).
//
// It reads import files and webhook payloads into its model and computes
// from plain slices; it knows nothing of the store, the CLI or how figures
// are printed, and nothing of the AWS SDK beyond the small interfaces its
// read-only sources declare.
package delivery
