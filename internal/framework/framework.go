// Package framework holds the control catalogues teams are audited against
// (AWS Security Hub's Foundational Security Best Practices, the CIS AWS
// Foundations Benchmark) and maps each control to the built-in policies
// that decide it. It judges a scan by controls: passed, failed, not
// applicable or not checked, and why. It knows policies and resources by
// their ids, types and references, never AWS SDK types.
package framework

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"

	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// Framework is one standard: its controls in the order the standard lists
// them.
type Framework struct {
	ID       string    `yaml:"id" json:"id"`
	Name     string    `yaml:"name" json:"name"`
	Version  string    `yaml:"version" json:"version"`
	Source   string    `yaml:"source" json:"source"`
	Controls []Control `yaml:"controls" json:"controls"`
}

// Control is one control of a standard.
type Control struct {
	// ID is what policies name in references: "S3.1" for FSBP, "CIS 2.1.4"
	// for CIS.
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Control is, for a CIS recommendation, the Security Hub control that
	// checks it.
	Control  string           `yaml:"control" json:"control,omitempty"`
	Severity finding.Severity `yaml:"severity" json:"severity"`
	// Types are the resource types the control judges.
	Types []string `yaml:"types" json:"types"`
	// Services are the coverage services whose reads the control needs;
	// empty means the service of each type.
	Services []string `yaml:"services" json:"services,omitempty"`
	// Missing names the data steward does not collect that the control
	// needs; empty when the inventory holds it.
	Missing string `yaml:"missing" json:"missing,omitempty"`
}

// Decidable reports whether steward's inventory holds the data the control
// needs, so that a policy can decide it.
func (c *Control) Decidable() bool { return c.Missing == "" }

// NeededServices are the coverage services the control's data comes from.
func (c *Control) NeededServices() []string {
	if len(c.Services) > 0 {
		return c.Services
	}
	var out []string
	for _, t := range c.Types {
		if s := inventory.ServiceOf(t); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

//go:embed catalogue.yaml
var catalogueYAML []byte

var (
	fsbpID = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*\.[1-9][0-9]*$`)
	cisID  = regexp.MustCompile(`^CIS [1-9][0-9]*(\.[1-9][0-9]*){1,2}$`)
)

// IsControlID reports whether a policy reference names a control in a form
// steward's catalogues use: FSBP "S3.1" or CIS "CIS 2.1.4".
func IsControlID(s string) bool { return fsbpID.MatchString(s) || cisID.MatchString(s) }

var (
	loadOnce sync.Once
	loaded   []Framework
	loadErr  error
)

// All returns the catalogues, fsbp first.
func All() ([]Framework, error) {
	loadOnce.Do(func() { loaded, loadErr = parse(catalogueYAML) })
	return loaded, loadErr
}

// Get returns one catalogue by id (fsbp or cis, case-insensitively).
func Get(id string) (*Framework, error) {
	fws, err := All()
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := range fws {
		if strings.EqualFold(fws[i].ID, strings.TrimSpace(id)) {
			return &fws[i], nil
		}
		ids = append(ids, fws[i].ID)
	}
	return nil, i18n.Say("framework.err.unknown", id, strings.Join(ids, ", ")).Err()
}

// IDs lists the catalogues' ids.
func IDs() []string {
	fws, _ := All()
	ids := make([]string, 0, len(fws))
	for _, f := range fws {
		ids = append(ids, f.ID)
	}
	return ids
}

func parse(data []byte) ([]Framework, error) {
	var doc struct {
		Frameworks []Framework `yaml:"frameworks"`
	}
	if err := yaml.UnmarshalWithOptions(data, &doc, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("framework catalogue: %w", err)
	}
	if err := validate(doc.Frameworks); err != nil {
		return nil, fmt.Errorf("framework catalogue: %w", err)
	}
	return doc.Frameworks, nil
}

func validate(fws []Framework) error {
	seenFW := map[string]bool{}
	for _, fw := range fws {
		if fw.ID == "" || fw.Name == "" || len(fw.Controls) == 0 {
			return fmt.Errorf("framework %q: id, name and controls are required", fw.ID)
		}
		if seenFW[fw.ID] {
			return fmt.Errorf("framework %q listed twice", fw.ID)
		}
		seenFW[fw.ID] = true
		seen := map[string]bool{}
		for _, c := range fw.Controls {
			want := fsbpID
			if fw.ID == "cis" {
				want = cisID
			}
			if !want.MatchString(c.ID) {
				return fmt.Errorf("%s: control id %q is not of the form %s", fw.ID, c.ID, want)
			}
			if seen[c.ID] {
				return fmt.Errorf("%s: control %s listed twice", fw.ID, c.ID)
			}
			seen[c.ID] = true
			if c.Control != "" && !fsbpID.MatchString(c.Control) {
				return fmt.Errorf("%s %s: control %q is not a Security Hub control id", fw.ID, c.ID, c.Control)
			}
			if strings.TrimSpace(c.Title) == "" {
				return fmt.Errorf("%s %s: title is required", fw.ID, c.ID)
			}
			if len(c.Types) == 0 {
				return fmt.Errorf("%s %s: types are required", fw.ID, c.ID)
			}
			if c.Severity < finding.Low {
				return fmt.Errorf("%s %s: severity must be low, medium, high or critical", fw.ID, c.ID)
			}
			if c.Decidable() {
				for _, t := range c.Types {
					if !inventory.KnownType(t) {
						return fmt.Errorf("%s %s: type %s is not collected, so the control cannot be decidable (set missing)", fw.ID, c.ID, t)
					}
				}
			}
		}
	}
	return nil
}
