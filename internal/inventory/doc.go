// Package inventory owns steward's model of an estate: the Resource (keyed by
// ARN, typed with CloudFormation type names, carrying normalized attrs and
// typed relations), the Scan with its per account x region x service coverage,
// and the Source interface every collector implements.
//
// It must not know about any SDK, policy, store or report: collectors translate
// into this model, everything downstream reads only from it. The attribute
// contract between collectors and policies lives in types.go.
package inventory
