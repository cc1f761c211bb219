package iac

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// State is one Terraform or OpenTofu state, reduced to its managed AWS
// resource instances.
type State struct {
	// Source names where the state was read: a file path or s3://bucket/key.
	Source           string
	TerraformVersion string
	Lineage          string
	Serial           int64
	Resources        []StateResource
	// Skipped counts what was left out: data sources and resources of
	// other providers.
	Skipped int
}

// StateResource is one instance of a managed resource in a state.
type StateResource struct {
	// Address is the full instance address, with module path and
	// count/for_each key: module.app.aws_instance.web[0].
	Address string
	Type    string // aws_instance
	// Provider is the provider configuration the instance belongs to,
	// alias included; instances of one configuration share region and account.
	Provider string
	Attrs    map[string]any
}

// ID is the instance's "id" attribute.
func (r *StateResource) ID() string { return attrString(r.Attrs, "id") }

// ErrTooOld marks a state written by a Terraform older than 0.11.
var ErrTooOld = errors.New("state is older than Terraform 0.11")

// ErrNotAWS marks a state whose managed resources all belong to other
// providers.
var ErrNotAWS = errors.New("state has no AWS resources")

// rawState is the union of the state file formats steward reads: format
// version 3 (Terraform 0.11), version 4 (0.12 and later, OpenTofu) and the
// output of `terraform show -json`.
type rawState struct {
	Version          *int            `json:"version"`
	TerraformVersion string          `json:"terraform_version"`
	Serial           int64           `json:"serial"`
	Lineage          string          `json:"lineage"`
	Resources        []rawResourceV4 `json:"resources"`
	Modules          []rawModuleV3   `json:"modules"`
	FormatVersion    string          `json:"format_version"`
	Values           *struct {
		RootModule showModule `json:"root_module"`
	} `json:"values"`
}

type rawResourceV4 struct {
	Module    string `json:"module"`
	Mode      string `json:"mode"`
	Type      string `json:"type"`
	Name      string `json:"name"`
	Provider  string `json:"provider"`
	Instances []struct {
		IndexKey   any            `json:"index_key"`
		Attributes map[string]any `json:"attributes"`
	} `json:"instances"`
}

type rawModuleV3 struct {
	Path      []string `json:"path"`
	Resources map[string]struct {
		Type     string `json:"type"`
		Provider string `json:"provider"`
		Primary  *struct {
			ID         string            `json:"id"`
			Attributes map[string]string `json:"attributes"`
		} `json:"primary"`
	} `json:"resources"`
}

type showModule struct {
	Address   string `json:"address"`
	Resources []struct {
		Address      string         `json:"address"`
		Mode         string         `json:"mode"`
		Type         string         `json:"type"`
		ProviderName string         `json:"provider_name"`
		Values       map[string]any `json:"values"`
	} `json:"resources"`
	ChildModules []showModule `json:"child_modules"`
}

// ParseState reads a state from its JSON. source names it in errors and in
// the result. A state from before Terraform 0.11 is an ErrTooOld error, one
// whose resources all belong to other providers an ErrNotAWS error.
func ParseState(source string, data []byte) (*State, error) {
	var raw rawState
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", source, jsonError(data, err))
	}
	st := &State{Source: source, TerraformVersion: raw.TerraformVersion, Lineage: raw.Lineage, Serial: raw.Serial}
	others := map[string]bool{}
	add := func(addr, typ, provider string, attrs map[string]any) {
		if p := providerType(provider); p != "aws" || !strings.HasPrefix(typ, "aws_") {
			st.Skipped++
			others[p] = true
			return
		}
		st.Resources = append(st.Resources, StateResource{Address: addr, Type: typ, Provider: provider, Attrs: attrs})
	}
	switch {
	case raw.FormatVersion != "" && raw.Version == nil:
		if major, _, _ := strings.Cut(raw.FormatVersion, "."); major != "0" && major != "1" {
			return nil, fmt.Errorf("%s: unknown `terraform show -json` format_version %q (steward reads 0.x and 1.x)", source, raw.FormatVersion)
		}
		if raw.Values != nil {
			if err := walkShow(&raw.Values.RootModule, st, add); err != nil {
				return nil, fmt.Errorf("%s: %w", source, err)
			}
		}
	case raw.Version == nil:
		return nil, fmt.Errorf("%s: no \"version\" field: not a Terraform state (want a .tfstate file or `terraform show -json` output)", source)
	case *raw.Version == 4:
		for i, r := range raw.Resources {
			if r.Mode != "managed" {
				st.Skipped += len(r.Instances)
				continue
			}
			if r.Type == "" || r.Name == "" {
				return nil, fmt.Errorf("%s: resources[%d]: type and name are required", source, i)
			}
			base := r.Type + "." + r.Name
			if r.Module != "" {
				base = r.Module + "." + base
			}
			for _, in := range r.Instances {
				addr, err := instanceAddress(base, in.IndexKey)
				if err != nil {
					return nil, fmt.Errorf("%s: resource %s: %w", source, base, err)
				}
				add(addr, r.Type, r.Provider, in.Attributes)
			}
		}
	case *raw.Version == 3:
		if !atLeast011(raw.TerraformVersion) {
			return nil, fmt.Errorf("%s: written by Terraform %s: %w; apply it once with Terraform 0.11 or later to upgrade it", source, raw.TerraformVersion, ErrTooOld)
		}
		for i, m := range raw.Modules {
			if err := readV3Module(m, add); err != nil {
				return nil, fmt.Errorf("%s: modules[%d]: %w", source, i, err)
			}
		}
	case *raw.Version >= 0 && *raw.Version < 3:
		return nil, fmt.Errorf("%s: state format version %d: %w; apply it once with Terraform 0.11 or later to upgrade it", source, *raw.Version, ErrTooOld)
	default:
		return nil, fmt.Errorf("%s: unknown state format version %d (steward reads 3 from Terraform 0.11, 4 from 0.12 and later and OpenTofu, and `terraform show -json` output)", source, *raw.Version)
	}
	if len(st.Resources) == 0 && len(others) > 0 {
		names := make([]string, 0, len(others))
		for p := range others {
			names = append(names, p)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%s: %w: its %d managed resources belong to providers %s", source, ErrNotAWS, st.Skipped, strings.Join(names, ", "))
	}
	sort.SliceStable(st.Resources, func(i, j int) bool { return st.Resources[i].Address < st.Resources[j].Address })
	return st, nil
}

func walkShow(m *showModule, st *State, add func(addr, typ, provider string, attrs map[string]any)) error {
	for i, r := range m.Resources {
		if r.Mode != "managed" {
			st.Skipped++
			continue
		}
		if r.Address == "" || r.Type == "" {
			return fmt.Errorf("module %q: resources[%d]: address and type are required", m.Address, i)
		}
		// show -json names no provider alias; the module path stands in for
		// the configuration, which is the usual granularity of region.
		add(r.Address, r.Type, r.ProviderName, r.Values)
	}
	for i := range m.ChildModules {
		if err := walkShow(&m.ChildModules[i], st, add); err != nil {
			return err
		}
	}
	return nil
}

// readV3Module reads a Terraform 0.11 module, whose resources are keyed
// "aws_instance.web" or "aws_instance.web.1" and whose attributes are
// flattened to strings.
func readV3Module(m rawModuleV3, add func(addr, typ, provider string, attrs map[string]any)) error {
	var prefix strings.Builder
	for _, p := range m.Path {
		if p == "root" {
			continue
		}
		prefix.WriteString("module." + p + ".")
	}
	keys := make([]string, 0, len(m.Resources))
	for k := range m.Resources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		r := m.Resources[k]
		if strings.HasPrefix(k, "data.") || r.Primary == nil {
			continue
		}
		parts := strings.Split(k, ".")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			return fmt.Errorf("resource key %q: want TYPE.NAME or TYPE.NAME.INDEX", k)
		}
		addr := k
		if len(parts) == 3 {
			addr = parts[0] + "." + parts[1] + "[" + parts[2] + "]"
		}
		attrs := make(map[string]any, len(r.Primary.Attributes)+1)
		for a, v := range r.Primary.Attributes {
			attrs[a] = v
		}
		attrs["id"] = r.Primary.ID
		typ := r.Type
		if typ == "" {
			typ = parts[0]
		}
		provider := r.Provider
		if provider == "" {
			provider = "provider." + strings.SplitN(typ, "_", 2)[0]
		}
		add(prefix.String()+addr, typ, provider, attrs)
	}
	return nil
}

// instanceAddress appends a count or for_each key the way Terraform
// prints it: web[0], web["blue"].
func instanceAddress(base string, key any) (string, error) {
	switch k := key.(type) {
	case nil:
		return base, nil
	case float64:
		return base + "[" + strconv.FormatFloat(k, 'f', -1, 64) + "]", nil
	case string:
		b, _ := json.Marshal(k)
		return base + "[" + string(b) + "]", nil
	default:
		return "", fmt.Errorf("index_key %v is neither a number nor a string", key)
	}
}

// providerType extracts the provider type from any of the provider
// address spellings states use:
//
//	provider["registry.terraform.io/hashicorp/aws"].west  (0.13+, OpenTofu)
//	module.app.provider.aws.west                          (0.11, 0.12)
//	registry.opentofu.org/hashicorp/aws                   (show -json)
func providerType(addr string) string {
	if i := strings.LastIndex(addr, "provider["); i >= 0 {
		if q, err := strconv.QuotedPrefix(addr[i+len("provider["):]); err == nil {
			src, _ := strconv.Unquote(q)
			return src[strings.LastIndex(src, "/")+1:]
		}
	}
	if addr == "provider" || strings.HasPrefix(addr, "provider.") || strings.Contains(addr, ".provider.") {
		i := strings.LastIndex(addr, "provider.")
		name, _, _ := strings.Cut(addr[i+len("provider."):], ".")
		return name
	}
	return addr[strings.LastIndex(addr, "/")+1:]
}

// atLeast011 reports whether a Terraform version string is 0.11 or later.
// An empty version is taken as recent: only a known old one is refused.
func atLeast011(v string) bool {
	v = strings.TrimPrefix(v, "v")
	if v == "" {
		return true
	}
	parts := strings.SplitN(v, ".", 3)
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return true
	}
	if major > 0 || len(parts) < 2 {
		return true
	}
	minor, err := strconv.Atoi(parts[1])
	return err != nil || minor >= 11
}

// jsonError adds the line and column to a JSON syntax or type error.
func jsonError(data []byte, err error) error {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset - 1 // Offset is just after the offending byte
		if off < 0 {
			off = 0
		}
	case errors.As(err, &te):
		off = te.Offset
		if te.Field != "" {
			line, col := lineCol(data, off)
			return fmt.Errorf("line %d, column %d: field %s: want %s, got JSON %s: %w", line, col, te.Field, te.Type, te.Value, err)
		}
	default:
		return fmt.Errorf("invalid JSON: %w", err)
	}
	line, col := lineCol(data, off)
	return fmt.Errorf("line %d, column %d: invalid JSON: %w", line, col, err)
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func attrString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}
