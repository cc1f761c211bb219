package env

import (
	"testing"

	"github.com/steward-sre/steward/internal/i18n"
)

// TestDetailPhrase: an event's detail, stored as steward wrote it, is
// said in the reader's language with its time, holder and words kept; a
// detail of another shape is said as it is.
func TestDetailPhrase(t *testing.T) {
	tests := map[string]struct {
		e      Event
		ja, en string
	}{
		"claimed":  {Event{Kind: EventClaimed, Detail: "until 2026-12-06T12:03:32Z: PR #127: facets"}, "2026-12-06T12:03:32Z まで: PR #127: facets", "until 2026-12-06T12:03:32Z: PR #127: facets"},
		"extended": {Event{Kind: EventExtended, Detail: "until 2026-12-06T12:03:32+09:00"}, "2026-12-06T12:03:32+09:00 まで", "until 2026-12-06T12:03:32+09:00"},
		"stolen":   {Event{Kind: EventStolen, Detail: "from alice: hotfix"}, "alice から引き継ぎ: hotfix", "from alice: hotfix"},
		"reminded": {Event{Kind: EventReminded, Detail: "ends 2026-12-06T12:03:32Z"}, "2026-12-06T12:03:32Z に終了", "ends 2026-12-06T12:03:32Z"},
		"other":    {Event{Kind: EventReleased, Detail: "done early"}, "done early", "done early"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := tc.e.DetailPhrase()
			if got := p.In(i18n.JA); got != tc.ja {
				t.Errorf("ja %q, want %q", got, tc.ja)
			}
			if got := p.In(i18n.EN); got != tc.en {
				t.Errorf("en %q, want %q", got, tc.en)
			}
		})
	}
}
