package schedule

import (
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// Decision is what a run does with one resource.
type Decision struct {
	// Act: put the resource in state Want.
	Act  bool
	Want State
	// Reason is why, said in the planner's language when the plan is
	// made (Reason.In(lang)).
	Reason i18n.Phrase
}

// StateWord is a state as people read it, in any language.
func StateWord(s State) i18n.Phrase { return i18n.Say("schedule.state." + string(s)) }

// Decide applies a schedule's status to a resource that is in state
// current (On or Off) and was last changed by hand at manual (zero when
// it was not, or steward made its last change). A resource already in the
// desired state is left alone; so is one changed by hand after the last
// transition, until the next one, unless the schedule is enforced.
func Decide(st Status, enforced bool, current State, manual time.Time) Decision {
	switch {
	case st.State == None:
		return Decision{Want: None, Reason: i18n.Say("sched.decide.none")}
	case current == st.State:
		return Decision{Want: st.State, Reason: i18n.Say("sched.decide.already", StateWord(current))}
	case !enforced && !manual.IsZero() && manual.After(st.Since):
		at := manual.In(st.Since.Location()).Format(time.RFC3339)
		if st.Next != nil {
			return Decision{Want: st.State, Reason: i18n.Say("sched.decide.byhand.next", StateWord(current), at,
				StateWord(st.State), st.Since.Format(time.RFC3339), st.Next.At.Format(time.RFC3339))}
		}
		return Decision{Want: st.State, Reason: i18n.Say("sched.decide.byhand", StateWord(current), at,
			StateWord(st.State), st.Since.Format(time.RFC3339))}
	}
	if enforced && !manual.IsZero() && manual.After(st.Since) {
		return Decision{Act: true, Want: st.State, Reason: i18n.Say("sched.decide.enforced", StateWord(st.State),
			st.Since.Format(time.RFC3339), manual.In(st.Since.Location()).Format(time.RFC3339))}
	}
	return Decision{Act: true, Want: st.State, Reason: i18n.Say("sched.decide.scheduled", StateWord(st.State), st.Since.Format(time.RFC3339))}
}
