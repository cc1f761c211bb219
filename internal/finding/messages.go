package finding

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
)

// A finding is read in the reader's language, whatever language the scan
// that made it ran under: its Message is the English text (the policy's
// own), and Messages holds it in every other language the policy has a
// text in, rendered from the same data when the finding was made. The
// stored body (and its hash) is the same whichever language a scan or a
// reader uses. In picks the text for a reader.

// LangMessage is a finding's message in one language other than English.
type LangMessage struct {
	Lang i18n.Lang
	Text string
}

// Messages are a finding's message in the languages other than English
// its policy has a text in, ordered by language. A slice, not a map: a
// million findings each with a map would cost some 300 bytes apiece.
// Its JSON is an object, {"ja": "..."}.
type Messages []LangMessage

// Get returns the message in lang, if there is one.
func (ms Messages) Get(lang i18n.Lang) (string, bool) {
	for _, m := range ms {
		if m.Lang == lang {
			return m.Text, true
		}
	}
	return "", false
}

// MarshalJSON writes the messages as an object keyed by language, in
// language order, so that the same messages always make the same bytes.
func (ms Messages) MarshalJSON() ([]byte, error) {
	if len(ms) == 0 {
		return []byte("{}"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(string(m.Lang))
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.Text)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object keyed by language; a key that names no
// language steward speaks is an error.
func (ms *Messages) UnmarshalJSON(data []byte) error {
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	out := make(Messages, 0, len(m))
	for k, v := range m {
		if !slices.Contains(i18n.Langs, i18n.Lang(k)) {
			return fmt.Errorf("messages: %q is not a language steward speaks", k)
		}
		out = append(out, LangMessage{Lang: i18n.Lang(k), Text: v})
	}
	slices.SortFunc(out, func(a, b LangMessage) int { return strings.Compare(string(a.Lang), string(b.Lang)) })
	if len(out) == 0 {
		out = nil
	}
	*ms = out
	return nil
}

// MessageIn is the finding's message in lang: its own text in lang when
// it has one, else Message (English; for a finding stored before steward
// kept other languages, the language its scan ran in).
func (f *Finding) MessageIn(lang i18n.Lang) string {
	if m, ok := f.Messages.Get(lang); ok {
		return m
	}
	return f.Message
}

// Said is the finding's message as a phrase's argument
// (i18n.Sayer): said in the language the phrase is.
func (f *Finding) Said() Said { return Said{en: f.Message, other: f.Messages} }

// Said is a finding's message in each language it has.
type Said struct {
	en    string
	other Messages
}

// In is the message in lang, trimmed (see MessageIn).
func (s Said) In(lang i18n.Lang) string {
	if m, ok := s.other.Get(lang); ok {
		return strings.TrimSpace(m)
	}
	return strings.TrimSpace(s.en)
}

// In returns f as a reader of lang reads it: Message in lang (see
// MessageIn) and no Messages, which are for the store, not for output.
func (f Finding) In(lang i18n.Lang) Finding {
	f.Message = f.MessageIn(lang)
	f.Messages = nil
	return f
}
