package schedule

import (
	"fmt"
	"time"
)

// Decision is what a run does with one resource.
type Decision struct {
	// Act: put the resource in state Want.
	Act    bool
	Want   State
	Reason string
}

// Decide applies a schedule's status to a resource that is in state
// current (On or Off) and was last changed by hand at manual (zero when
// it was not, or steward made its last change). A resource already in the
// desired state is left alone; so is one changed by hand after the last
// transition, until the next one, unless the schedule is enforced.
func Decide(st Status, enforced bool, current State, manual time.Time) Decision {
	switch {
	case st.State == None:
		return Decision{Want: None, Reason: "the schedule has no transition in the last 7 days"}
	case current == st.State:
		return Decision{Want: st.State, Reason: fmt.Sprintf("already %s", current)}
	case !enforced && !manual.IsZero() && manual.After(st.Since):
		reason := fmt.Sprintf("turned %s by hand at %s, after the schedule's %s at %s; respected until the next transition",
			current, manual.In(st.Since.Location()).Format(time.RFC3339), st.State, st.Since.Format(time.RFC3339))
		if st.Next != nil {
			reason += " at " + st.Next.At.Format(time.RFC3339)
		}
		return Decision{Want: st.State, Reason: reason}
	}
	reason := fmt.Sprintf("scheduled %s since %s", st.State, st.Since.Format(time.RFC3339))
	if enforced && !manual.IsZero() && manual.After(st.Since) {
		reason += fmt.Sprintf("; the schedule is enforced, so the change by hand at %s is undone", manual.In(st.Since.Location()).Format(time.RFC3339))
	}
	return Decision{Act: true, Want: st.State, Reason: reason}
}
