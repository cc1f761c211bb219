package iac

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ImportFilter selects the unmanaged resources to print import blocks for.
// Empty fields select all.
type ImportFilter struct {
	System, Env, Account, Type string
}

func (f ImportFilter) match(e *Entry) bool {
	return (f.System == "" || e.System == f.System) && (f.Env == "" || e.Env == f.Env) &&
		(f.Account == "" || e.Account == f.Account) && (f.Type == "" || e.Type == f.Type || typeIs(e.Type, f.Type))
}

func typeIs(cfn, tf string) bool {
	t, ok := byTF[tf]
	return ok && t.cfn == cfn
}

// importWords are the comments of the import file, in one place so they
// can be translated together. Their verbs take the account, the alias,
// the region.
const (
	importUsage = `# Import blocks for resources no Terraform state or CloudFormation stack manages
# (Terraform 1.5+ or OpenTofu). To use them: copy a section into your
# configuration together with its provider block (uncommented, with the
# role or profile that reaches the account), run
#   terraform plan -generate-config-out=generated.tf
# to write the resources' configuration, review it, then terraform apply.

`
	importAccount  = "# ---- account %s ----\n"
	importProvider = "# provider \"aws\" {\n#   alias  = %q\n#   region = %q\n#   assume_role { role_arn = \"arn:aws:iam::%s:role/ROLE\" }\n# }\n\n"
	importUnknown  = "# %s (%s): no Terraform type known to steward\n\n"
)

// WriteImports prints a Terraform `import {}` block (Terraform 1.5+,
// OpenTofu) for each selected unmanaged resource, with a suggested address
// built from its name. Blocks are grouped by account, each with a provider
// alias per account and region (an import goes through the provider of the
// resource's account and region), and the file starts with how to use it.
// Resources of a type the table does not know are listed as comments, so
// nothing is dropped silently. It returns how many blocks it wrote.
func WriteImports(w io.Writer, unmanaged []Entry, f ImportFilter) (int, error) {
	var selected []*Entry
	for i := range unmanaged {
		if f.match(&unmanaged[i]) {
			selected = append(selected, &unmanaged[i])
		}
	}
	// Stable: within an account, the order the report lists them in.
	slices.SortStableFunc(selected, func(a, b *Entry) int { return strings.Compare(a.Account, b.Account) })
	var b strings.Builder
	if len(selected) > 0 {
		b.WriteString(importUsage)
	}
	used := map[string]bool{}
	n := 0
	account := "\x00"
	providers := map[string]bool{}
	for _, e := range selected {
		if e.Account != account {
			account = e.Account
			fmt.Fprintf(&b, importAccount, cmp.Or(account, "unknown"))
		}
		row, ok := byCFN[e.Type]
		if !ok {
			fmt.Fprintf(&b, importUnknown, e.ARN, e.Type)
			continue
		}
		region := e.Region
		if region == "" || region == "global" {
			region = "us-east-1" // global services are reached through us-east-1
		}
		alias := providerAlias(e.Account, region)
		if !providers[alias] {
			providers[alias] = true
			fmt.Fprintf(&b, importProvider, alias, region, cmp.Or(e.Account, "ACCOUNT"))
		}
		addr := row.tf + "." + uniqueName(used, row.tf, suggestName(e))
		id := row.importIDOf(e.ARN, e.ID)
		fmt.Fprintf(&b, "# %s\nimport {\n  provider = aws.%s\n  to       = %s\n  id       = %s\n}\n\n", e.ARN, alias, addr, strconv.Quote(id))
		n++
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return 0, fmt.Errorf("write imports: %w", err)
	}
	return n, nil
}

// providerAlias names the provider of one account and region, as a
// Terraform identifier: a111111111111_ap_northeast_1.
func providerAlias(account, region string) string {
	return "a" + cmp.Or(account, "unknown") + "_" + strings.ReplaceAll(region, "-", "_")
}

// suggestName makes a Terraform name from the Name tag, the name or the id:
// lower case letters, digits and underscores, starting with a letter.
func suggestName(e *Entry) string {
	src := e.Tags["Name"]
	if src == "" {
		src = e.Name
	}
	if src == "" {
		src = e.ID
	}
	var b strings.Builder
	lastUnderscore := false
	for _, r := range strings.ToLower(src) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			lastUnderscore = false
		case !lastUnderscore && b.Len() > 0:
			b.WriteByte('_')
			lastUnderscore = true
		}
	}
	name := strings.TrimRight(b.String(), "_")
	if name == "" {
		return "this"
	}
	if name[0] >= '0' && name[0] <= '9' {
		name = "r_" + name
	}
	return name
}

func uniqueName(used map[string]bool, typ, name string) string {
	cand := name
	for i := 2; used[typ+"."+cand]; i++ {
		cand = name + "_" + strconv.Itoa(i)
	}
	used[typ+"."+cand] = true
	return cand
}
