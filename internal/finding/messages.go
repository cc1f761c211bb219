package finding

import (
	"strings"

	"github.com/steward-sre/steward/internal/i18n"
)

// A finding is read in the reader's language, whatever language the scan
// that made it ran under: its Message is the English text (the policy's
// own), and Messages holds it in every other language the policy has a
// text in, rendered from the same data when the finding was made. The
// stored body (and its hash) is the same whichever language a scan or a
// reader uses. In picks the text for a reader.

// Messages are a finding's message in the languages other than English
// its policy has a text in: one field per language steward speaks
// besides English (i18n.Langs), empty when the policy has no text in it.
// A struct rather than a map or a slice: nothing to allocate per finding,
// and its JSON ({"ja": "..."}) costs no more than a string's.
type Messages struct {
	JA string `json:"ja,omitempty"`
}

// Get returns the message in lang, if there is one.
func (m *Messages) Get(lang i18n.Lang) (string, bool) {
	if p := m.field(lang); p != nil && *p != "" {
		return *p, true
	}
	return "", false
}

// Set keeps text as the message in lang; false when lang is English or
// not a language steward speaks.
func (m *Messages) Set(lang i18n.Lang, text string) bool {
	p := m.field(lang)
	if p != nil {
		*p = text
	}
	return p != nil
}

func (m *Messages) field(lang i18n.Lang) *string {
	switch lang {
	case i18n.JA:
		return &m.JA
	}
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
	f.Messages = Messages{}
	return f
}
