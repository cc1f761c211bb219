package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/notify"
)

// Tell delivers lease notices in people's words: on a terminal (Out), to
// Slack (the holder by direct message when MemberOf knows them, else
// Channel) and to a webhook as JSON. Each is optional; the command line
// and the server both tell people through it.
type Tell struct {
	Out      io.Writer
	Slack    *notify.Slack
	MemberOf func(holder string) string
	Channel  string
	Webhook  string
	Lang     i18n.Lang
	Loc      *time.Location
}

// webhookNotice is what the webhook receives.
type webhookNotice struct {
	Event  string `json:"event"`
	Text   string `json:"text"`
	Notice Notice `json:"notice"`
}

// Notify tells the notice everywhere it is set up to go, and returns what
// could not be delivered.
func (t Tell) Notify(ctx context.Context, n Notice) error {
	text := NoticeText(n, t.Lang, t.Loc)
	if t.Out != nil {
		fmt.Fprintln(t.Out, text)
	}
	var errs []error
	if t.Slack != nil {
		to := t.Channel
		if t.MemberOf != nil {
			if id := t.MemberOf(n.To); id != "" {
				to = id
			}
		}
		if to != "" {
			if _, err := t.Slack.Post(ctx, to, text); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if t.Webhook != "" {
		if err := notify.Webhook(ctx, nil, t.Webhook, webhookNotice{Event: "lease." + n.Kind, Text: text, Notice: n}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
