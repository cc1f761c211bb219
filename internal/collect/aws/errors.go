package aws

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/aws/smithy-go"
)

// Error kinds written to inventory.Coverage.ErrorKind.
const (
	KindAccessDenied  = "access-denied"
	KindOptIn         = "opt-in-required"
	KindThrottled     = "throttled"
	KindTimeout       = "timeout"
	KindNotFound      = "not-found"
	KindError         = "error"
	KindNotConfigured = "" // the service answered "nothing configured": not a failure
)

var errorCodes = map[string]string{
	"AccessDenied":                  KindAccessDenied,
	"AccessDeniedException":         KindAccessDenied,
	"UnauthorizedOperation":         KindAccessDenied,
	"UnauthorizedAccess":            KindAccessDenied,
	"AuthorizationError":            KindAccessDenied,
	"AuthorizationErrorException":   KindAccessDenied,
	"Forbidden":                     KindAccessDenied,
	"ForbiddenException":            KindAccessDenied,
	"AccessDeniedFault":             KindAccessDenied,
	"OptInRequired":                 KindOptIn,
	"SubscriptionRequiredException": KindOptIn,
	"InvalidClientTokenId":          KindOptIn, // what STS-signed calls get in a region not enabled
	"UnrecognizedClientException":   KindOptIn,
	"AuthFailure":                   KindOptIn,
	"Throttling":                    KindThrottled,
	"ThrottlingException":           KindThrottled,
	"ThrottledException":            KindThrottled,
	"RequestLimitExceeded":          KindThrottled,
	"TooManyRequestsException":      KindThrottled,
	"RequestThrottled":              KindThrottled,
	"RequestThrottledException":     KindThrottled,
	"SlowDown":                      KindThrottled,
	"ProvisionedThroughputExceeded": KindThrottled,
	"LimitExceededException":        KindThrottled,
	"RequestTimeout":                KindTimeout,
	"RequestTimeoutException":       KindTimeout,
	"ResourceNotFoundException":     KindNotFound,
	"NotFoundException":             KindNotFound,
	"NoSuchEntity":                  KindNotFound,
	"InvalidAccessException":        KindNotFound, // Security Hub: not subscribed
}

// Classify names the kind of a collection failure, as coverage rows record it.
func Classify(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindTimeout
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if k, ok := errorCodes[ae.ErrorCode()]; ok {
			return k
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return KindError
}

// errorCode is the service's error code, or "" for errors that are not API errors.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isCode reports whether err is an API error with one of the codes.
func isCode(err error, codes ...string) bool {
	c := errorCode(err)
	if c == "" {
		return false
	}
	for _, want := range codes {
		if strings.EqualFold(c, want) {
			return true
		}
	}
	return false
}
