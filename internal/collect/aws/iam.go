package aws

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/steward-sre/steward/internal/inventory"
)

// iamAPI is the IAM calls the collector makes. The credential report would
// take fewer calls, but generating it is a write; steward stays read-only.
type iamAPI interface {
	iam.ListUsersAPIClient
	iam.ListMFADevicesAPIClient
	iam.ListAccessKeysAPIClient
	GetLoginProfile(ctx context.Context, in *iam.GetLoginProfileInput, optFns ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
	ListAccountAliases(ctx context.Context, in *iam.ListAccountAliasesInput, optFns ...func(*iam.Options)) (*iam.ListAccountAliasesOutput, error)
	GetAccountSummary(ctx context.Context, in *iam.GetAccountSummaryInput, optFns ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error)
	iam.ListUserTagsAPIClient
}

const iamUserConcurrency = 8

func runIAM(ctx context.Context, t *target, out *unitOut) error {
	return collectIAM(ctx, t, out, iam.NewFromConfig(t.cfg))
}

func collectIAM(ctx context.Context, t *target, out *unitOut, api iamAPI) error {
	var errs []error
	acct := inventory.Resource{
		ARN: fmt.Sprintf("arn:%s:iam::%s:root", t.partition, t.account), Account: t.account, Region: "global",
		Type: "AWS::::Account", ID: t.account, Name: t.account, Attrs: map[string]any{},
	}
	if al, err := api.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{}); err != nil {
		errs = append(errs, fmt.Errorf("list account aliases: %w", err))
	} else if len(al.AccountAliases) > 0 {
		acct.Attrs["alias"] = al.AccountAliases[0]
		acct.Name = al.AccountAliases[0]
	}
	if sum, err := api.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}); err != nil {
		errs = append(errs, fmt.Errorf("get account summary: %w", err))
	} else {
		acct.Attrs["root_mfa_enabled"] = sum.SummaryMap[string(iamtypes.SummaryKeyTypeAccountMFAEnabled)] == 1
		if n, ok := sum.SummaryMap[string(iamtypes.SummaryKeyTypeAccountAccessKeysPresent)]; ok {
			acct.Attrs["root_access_keys"] = n > 0
		}
	}
	out.add(acct)

	var users []iamtypes.User
	pg := iam.NewListUsersPaginator(api, &iam.ListUsersInput{})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("list users: %w", err))...)
		}
		users = append(users, page.Users...)
	}
	rs := make([]inventory.Resource, len(users))
	uerrs := make([]error, len(users))
	parallel(ctx, len(users), iamUserConcurrency, func(i int) {
		rs[i], uerrs[i] = iamUser(ctx, t, api, users[i])
	})
	for _, r := range rs {
		out.add(r)
	}
	errs = append(errs, joinFew(uerrs, 3))
	return errors.Join(errs...)
}

func iamUser(ctx context.Context, t *target, api iamAPI, u iamtypes.User) (inventory.Resource, error) {
	name := str(u.UserName)
	r := inventory.Resource{
		ARN: str(u.Arn), Account: t.account, Region: "global", Type: "AWS::IAM::User",
		ID: str(u.UserId), Name: name, Attrs: map[string]any{},
	}
	if u.CreateDate != nil {
		r.Created = u.CreateDate.UTC()
	}
	putTime(r.Attrs, "password_last_used", u.PasswordLastUsed)
	var errs []error
	mfa, err := api.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: u.UserName})
	if err != nil {
		errs = append(errs, fmt.Errorf("user %s: list mfa devices: %w", name, err))
	} else {
		r.Attrs["mfa_enabled"] = len(mfa.MFADevices) > 0
	}
	if _, err := api.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: u.UserName}); err == nil {
		r.Attrs["console_access"] = true
	} else if isCode(err, "NoSuchEntity") {
		r.Attrs["console_access"] = false
	} else {
		errs = append(errs, fmt.Errorf("user %s: get login profile: %w", name, err))
	}
	// IAM tags are not in the tagging API; a user holds at most 50.
	tpg := iam.NewListUserTagsPaginator(api, &iam.ListUserTagsInput{UserName: u.UserName})
	for tpg.HasMorePages() {
		page, err := tpg.NextPage(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("user %s: list user tags: %w", name, err))
			break
		}
		for k, v := range tagMap(page.Tags, func(t iamtypes.Tag) (*string, *string) { return t.Key, t.Value }) {
			if r.Tags == nil {
				r.Tags = map[string]string{}
			}
			r.Tags[k] = v
		}
	}
	keys, err := api.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: u.UserName})
	if err != nil {
		errs = append(errs, fmt.Errorf("user %s: list access keys: %w", name, err))
	} else if age, ok := oldestActiveKeyDays(keys.AccessKeyMetadata, t.now); ok {
		r.Attrs["access_key_max_age_days"] = age
	}
	return r, errors.Join(errs...)
}

func oldestActiveKeyDays(keys []iamtypes.AccessKeyMetadata, now time.Time) (float64, bool) {
	age, found := 0.0, false
	for _, k := range keys {
		if k.Status != iamtypes.StatusTypeActive || k.CreateDate == nil {
			continue
		}
		found = true
		age = math.Max(age, math.Floor(now.Sub(*k.CreateDate).Hours()/24))
	}
	return age, found
}
