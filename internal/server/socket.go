package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Socket Mode: for a server with no public address, Slack's commands and
// button presses come over a WebSocket the server opens (slack:
// {socket_mode: true}, the app-level token in STEWARD_SLACK_APP_TOKEN),
// and go to the same handlers as the HTTP endpoints.

// acker acknowledges a Socket Mode request, with the answer Slack shows.
type acker interface {
	Ack(req socketmode.Request, payload ...any) error
}

// socketEvent hands one Socket Mode event to the handler the HTTP
// endpoints use, and acknowledges it.
func (s *Server) socketEvent(a acker, evt socketmode.Event) {
	var payload any
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			s.log.Warn("slack socket mode: a slash command without its data")
			break
		}
		if msg := s.slashCommand(cmd); msg != nil {
			payload = msg
		}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			s.log.Warn("slack socket mode: an interaction without its data")
			break
		}
		s.interaction(cb)
	case socketmode.EventTypeEventsAPI:
		s.log.Info("slack event", "via", "socket mode")
	case socketmode.EventTypeConnected:
		s.log.Info("slack socket mode: connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		s.log.Warn("slack socket mode: connection failed", "event", evt.Type, "data", fmt.Sprint(evt.Data))
	}
	// Only Slack's requests (commands, presses, events) carry an
	// envelope to acknowledge; hello and disconnect notes do not.
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	var err error
	if payload != nil {
		err = a.Ack(*evt.Request, payload)
	} else {
		err = a.Ack(*evt.Request)
	}
	if err != nil {
		s.log.Warn("slack socket mode: acknowledgement not sent", "event", evt.Type, "err", err)
	}
}

// socketMode runs Socket Mode until ctx ends, when slack.socket_mode is
// on; it returns at once otherwise.
func (s *Server) socketMode(ctx context.Context) error {
	if !s.cfg.Slack.SocketMode {
		return nil
	}
	appToken, botToken := s.cfg.Slack.AppToken(s.getenv), s.cfg.Slack.BotToken(s.getenv)
	if appToken == "" || botToken == "" {
		return errors.New("slack.socket_mode needs the app-level token (xapp-..., " + envOr(s.cfg.Slack.AppTokenEnv, "STEWARD_SLACK_APP_TOKEN") +
			") and the bot token (" + envOr(s.cfg.Slack.BotTokenEnv, "STEWARD_SLACK_BOT_TOKEN") + ")")
	}
	opts := []slack.Option{slack.OptionAppLevelToken(appToken)}
	if s.slackAPI != "" {
		opts = append(opts, slack.OptionAPIURL(s.slackAPI))
	}
	client := socketmode.New(slack.New(botToken, opts...))
	done := make(chan error, 1)
	go func() { done <- client.RunContext(ctx) }()
	for {
		select {
		case evt, ok := <-client.Events:
			if !ok {
				return <-done
			}
			s.socketEvent(client, evt)
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		}
	}
}

func envOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
