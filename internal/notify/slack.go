package notify

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// Slack posts messages as the steward app's bot user.
type Slack struct {
	client *slack.Client
}

// NewSlack is a poster with a bot token (xoxb-...). apiURL, when not
// empty, replaces Slack's Web API address (a test's fake Slack).
func NewSlack(token, apiURL string) *Slack {
	var opts []slack.Option
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return &Slack{client: slack.New(token, opts...)}
}

// Post sends text (and blocks, when given; text is then the
// notification's fallback) to a channel, or to a person when channel is
// a member id. It returns the message's timestamp, which Update takes.
func (s *Slack) Post(ctx context.Context, channel, text string, blocks ...slack.Block) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	_, ts, err := s.client.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", fmt.Errorf("slack: post to %s: %w", channel, err)
	}
	return ts, nil
}

// Update replaces a message steward posted.
func (s *Slack) Update(ctx context.Context, channel, ts, text string, blocks ...slack.Block) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if _, _, _, err := s.client.UpdateMessageContext(ctx, channel, ts, opts...); err != nil {
		return fmt.Errorf("slack: update in %s: %w", channel, err)
	}
	return nil
}
