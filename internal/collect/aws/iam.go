package aws

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
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
	iam.ListVirtualMFADevicesAPIClient
	iam.ListAttachedUserPoliciesAPIClient
	iam.ListUserPoliciesAPIClient
	GetAccessKeyLastUsed(ctx context.Context, in *iam.GetAccessKeyLastUsedInput, optFns ...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
	GetAccountPasswordPolicy(ctx context.Context, in *iam.GetAccountPasswordPolicyInput, optFns ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error)
}

const iamUserConcurrency = 8

func runIAM(ctx context.Context, t *target, out *unitOut) error {
	return collectIAM(ctx, t, out, iam.NewFromConfig(t.cfg))
}

func collectIAM(ctx context.Context, t *target, out *unitOut, api iamAPI) error {
	var errs []error
	acct := inventory.Resource{
		ARN: fmt.Sprintf("arn:%s:iam::%s:root", t.partition, t.account), Account: t.account, Region: "global",
		Type: "AWS::::Account", ID: t.account, Name: t.account, Attrs: inventory.AttrsOf(map[string]any{}),
	}
	if al, err := api.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{}); err != nil {
		errs = append(errs, fmt.Errorf("list account aliases: %w", err))
	} else if len(al.AccountAliases) > 0 {
		acct.Attrs.Set("alias", al.AccountAliases[0])
		acct.Name = al.AccountAliases[0]
	}
	if sum, err := api.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}); err != nil {
		errs = append(errs, fmt.Errorf("get account summary: %w", err))
	} else {
		acct.Attrs.Set("root_mfa_enabled", sum.SummaryMap[string(iamtypes.SummaryKeyTypeAccountMFAEnabled)] == 1)
		if n, ok := sum.SummaryMap[string(iamtypes.SummaryKeyTypeAccountAccessKeysPresent)]; ok {
			acct.Attrs.Set("root_access_keys", n > 0)
		}
		if virtual, err := rootVirtualMFA(ctx, api); err != nil {
			errs = append(errs, err)
		} else {
			acct.Attrs.Set("root_hardware_mfa", acct.Attrs.Value("root_mfa_enabled") == true && !virtual)
		}
	}
	var err error
	acct.Attrs.Update(func(m map[string]any) { err = passwordPolicy(ctx, api, m) })
	if err != nil {
		errs = append(errs, err)
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

// rootVirtualMFA reports whether the root user's MFA device is a virtual
// one (an app), which FSBP wants replaced by a hardware key.
func rootVirtualMFA(ctx context.Context, api iamAPI) (bool, error) {
	pg := iam.NewListVirtualMFADevicesPaginator(api, &iam.ListVirtualMFADevicesInput{AssignmentStatus: iamtypes.AssignmentStatusTypeAssigned})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("list virtual mfa devices: %w", err)
		}
		for _, d := range page.VirtualMFADevices {
			if d.User != nil && strings.HasSuffix(str(d.User.Arn), ":root") {
				return true, nil
			}
		}
	}
	return false, nil
}

// passwordPolicy records the account's password rules; an account without
// a policy has the weakest (no minimum beyond IAM's, no reuse limit).
func passwordPolicy(ctx context.Context, api iamAPI, attrs map[string]any) error {
	p, err := api.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if isCode(err, "NoSuchEntity") {
		attrs["password_min_length"], attrs["password_reuse_prevention"], attrs["password_complexity"] = 0.0, 0.0, false
		return nil
	}
	if err != nil {
		return fmt.Errorf("get account password policy: %w", err)
	}
	if pp := p.PasswordPolicy; pp != nil {
		attrs["password_min_length"] = f32(pp.MinimumPasswordLength)
		attrs["password_reuse_prevention"] = f32(pp.PasswordReusePrevention)
		attrs["password_complexity"] = pp.RequireUppercaseCharacters && pp.RequireLowercaseCharacters && pp.RequireNumbers && pp.RequireSymbols
	}
	return nil
}

func iamUser(ctx context.Context, t *target, api iamAPI, u iamtypes.User) (inventory.Resource, error) {
	name := str(u.UserName)
	r := inventory.Resource{
		ARN: str(u.Arn), Account: t.account, Region: "global", Type: "AWS::IAM::User",
		ID: str(u.UserId), Name: name, Attrs: inventory.AttrsOf(map[string]any{}),
	}
	if u.CreateDate != nil {
		r.Created = u.CreateDate.UTC()
	}
	r.Attrs.Update(func(m map[string]any) { putTime(m, "password_last_used", u.PasswordLastUsed) })
	var errs []error
	mfa, err := api.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: u.UserName})
	if err != nil {
		errs = append(errs, fmt.Errorf("user %s: list mfa devices: %w", name, err))
	} else {
		r.Attrs.Set("mfa_enabled", len(mfa.MFADevices) > 0)
	}
	if _, err := api.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: u.UserName}); err == nil {
		r.Attrs.Set("console_access", true)
	} else if isCode(err, "NoSuchEntity") {
		r.Attrs.Set("console_access", false)
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
			r.Tags.Set(k, v)
		}
	}
	if attached, inline, err := userPolicies(ctx, api, u.UserName); err != nil {
		errs = append(errs, fmt.Errorf("user %s: %w", name, err))
	} else {
		r.Attrs.Set("attached_policies", stringList(attached))
		r.Attrs.Set("inline_policies", float64(inline))
	}
	keys, err := api.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: u.UserName})
	if err != nil {
		errs = append(errs, fmt.Errorf("user %s: list access keys: %w", name, err))
	} else {
		if age, ok := oldestActiveKeyDays(keys.AccessKeyMetadata, t.now); ok {
			r.Attrs.Set("access_key_max_age_days", age)
		}
		if idle, ok, err := idlestActiveKeyDays(ctx, api, keys.AccessKeyMetadata, t.now); err != nil {
			errs = append(errs, fmt.Errorf("user %s: %w", name, err))
		} else if ok {
			r.Attrs.Set("access_key_unused_days", idle)
		}
	}
	return r, errors.Join(errs...)
}

// userPolicies lists the names of the managed policies attached to a user
// and counts its inline ones: permissions given to the person directly
// rather than through a group or role.
func userPolicies(ctx context.Context, api iamAPI, user *string) (attached []string, inline int, err error) {
	apg := iam.NewListAttachedUserPoliciesPaginator(api, &iam.ListAttachedUserPoliciesInput{UserName: user})
	for apg.HasMorePages() {
		page, err := apg.NextPage(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("list attached user policies: %w", err)
		}
		for _, p := range page.AttachedPolicies {
			attached = append(attached, str(p.PolicyName))
		}
	}
	ipg := iam.NewListUserPoliciesPaginator(api, &iam.ListUserPoliciesInput{UserName: user})
	for ipg.HasMorePages() {
		page, err := ipg.NextPage(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("list user policies: %w", err)
		}
		inline += len(page.PolicyNames)
	}
	return attached, inline, nil
}

// idlestActiveKeyDays is how long the least used active key has gone
// unused: days since its last use, or since its creation if never used.
func idlestActiveKeyDays(ctx context.Context, api iamAPI, keys []iamtypes.AccessKeyMetadata, now time.Time) (float64, bool, error) {
	idle, found := 0.0, false
	for _, k := range keys {
		if k.Status != iamtypes.StatusTypeActive || k.CreateDate == nil {
			continue
		}
		u, err := api.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId})
		if err != nil {
			return 0, false, fmt.Errorf("get access key last used: %w", err)
		}
		since := *k.CreateDate
		if u.AccessKeyLastUsed != nil && u.AccessKeyLastUsed.LastUsedDate != nil {
			since = *u.AccessKeyLastUsed.LastUsedDate
		}
		found = true
		idle = math.Max(idle, math.Floor(now.Sub(since).Hours()/24))
	}
	return idle, found, nil
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
