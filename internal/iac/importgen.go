package iac

import (
	"fmt"
	"io"
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

// WriteImports prints a Terraform `import {}` block (Terraform 1.5+,
// OpenTofu) for each selected unmanaged resource, with a suggested address
// built from its name. Resources of a type the table does not know are
// listed as comments, so nothing is dropped silently. It returns how many
// blocks it wrote.
func WriteImports(w io.Writer, unmanaged []Entry, f ImportFilter) (int, error) {
	used := map[string]bool{}
	n := 0
	for i := range unmanaged {
		e := &unmanaged[i]
		if !f.match(e) {
			continue
		}
		row, ok := byCFN[e.Type]
		if !ok {
			if _, err := fmt.Fprintf(w, "# %s (%s): no Terraform type known to steward\n\n", e.ARN, e.Type); err != nil {
				return n, fmt.Errorf("write imports: %w", err)
			}
			continue
		}
		addr := row.tf + "." + uniqueName(used, row.tf, suggestName(e))
		id := row.importIDOf(e.ARN, e.ID)
		if _, err := fmt.Fprintf(w, "# %s\nimport {\n  to = %s\n  id = %s\n}\n\n", e.ARN, addr, strconv.Quote(id)); err != nil {
			return n, fmt.Errorf("write imports: %w", err)
		}
		n++
	}
	return n, nil
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
