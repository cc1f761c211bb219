package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/yamlfile"
)

// The actions a policy may list: what a person, or steward, may do about
// a finding. steward acts on mark, delete and snapshot-then-delete itself
// (`steward cleanup plan`, then `steward apply`); the others name what a
// person does.
const (
	// ActionMark: steward tags the resource with the day it may be
	// deleted, and deletes it after the grace days if it still matches.
	// A policy that marks lists delete or snapshot-then-delete too.
	ActionMark = "mark"
	// ActionSnapshotDelete: a snapshot is taken, and waited for, before
	// the delete.
	ActionSnapshotDelete = "snapshot-then-delete"
	ActionDelete         = "delete"
	ActionNotify         = "notify"
	ActionTag            = "tag"
	ActionStop           = "stop"
)

// Actions are the action names a policy may list.
var Actions = []string{ActionMark, ActionNotify, ActionSnapshotDelete, ActionDelete, ActionTag, ActionStop}

// renamed are action names that changed, with the name to write now.
var renamed = map[string]string{"snapshot-delete": ActionSnapshotDelete}

// checkActions checks a policy's actions: known names, each once, and a
// mark only with a delete to mark for.
func checkActions(f *yamlfile.File, field, id string, acts []string) error {
	seen := map[string]bool{}
	for i, a := range acts {
		at := fmt.Sprintf("%s.actions[%d]", field, i)
		switch {
		case renamed[a] != "":
			return f.Say(at, "policy.err.action.renamed", id, a, renamed[a])
		case !slices.Contains(Actions, a):
			return f.Say(at, "policy.err.action.unknown", id, a, strings.Join(Actions, ", "))
		case seen[a]:
			return f.Say(at, "policy.err.action.twice", id, a)
		}
		seen[a] = true
	}
	if seen[ActionMark] && !seen[ActionDelete] && !seen[ActionSnapshotDelete] {
		return f.Say(field+".actions", "policy.err.action.mark", id)
	}
	return nil
}

// Marks says whether steward marks and later deletes what p flags, and
// whether it takes a snapshot before the delete.
func (p *Policy) Marks() (marks, snapshot bool) {
	return slices.Contains(p.Actions, ActionMark), slices.Contains(p.Actions, ActionSnapshotDelete)
}
