package server

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
)

// Slack commands that act or read a report run the steward command line
// itself (Options.RunCommand), so a button in Slack and a command in a
// terminal do the same thing, journaled with the same who and why.

// maxCodeBlock keeps a command's output inside one Slack message.
const maxCodeBlock = 2800

// codeBlock is a command's output as Slack shows it, cut when too long.
func codeBlock(out string) string {
	out = strings.TrimRight(out, "\n")
	if len(out) > maxCodeBlock {
		cut := strings.LastIndexByte(out[:maxCodeBlock], '\n')
		if cut < 0 {
			cut = maxCodeBlock
		}
		out = out[:cut] + "\n…"
	}
	return "```\n" + strings.ReplaceAll(out, "```", "'''") + "\n```"
}

// runFor runs a command line for u and answers with its output.
func (s *Server) runFor(ctx context.Context, u User, args []string, inChannel bool) (*slack.WebhookMessage, error) {
	out, err := s.run(ctx, u.Name, args)
	if err != nil {
		// A refusal prints why; that is the answer, to the asker only.
		if strings.TrimSpace(out) != "" {
			return ephemeral(codeBlock(out)), nil
		}
		return nil, err
	}
	msg := &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: codeBlock(out)}
	if inChannel {
		msg.ResponseType = slack.ResponseTypeInChannel
	}
	return msg, nil
}

// slackBastion is `/steward bastion up [TTL] REASON...`, `bastion down
// [REASON...]` and `bastion status`. Up and down are told in
// slack.channel too, for the audit.
func (s *Server) slackBastion(ctx context.Context, u User, args []string) (*slack.WebhookMessage, error) {
	if len(args) == 0 {
		return ephemeral(s.lang.T("slack.help.bastion")), nil
	}
	var cmd []string
	switch op := strings.ToLower(args[0]); op {
	case "status":
		return s.runFor(ctx, u, []string{"bastion", "status"}, false)
	case "up":
		rest := args[1:]
		cmd = []string{"bastion", "up"}
		if len(rest) > 0 && looksLikeDuration(rest[0]) {
			cmd, rest = append(cmd, "--ttl", rest[0]), rest[1:]
		}
		if len(rest) == 0 {
			return ephemeral(s.lang.T("slack.bastion.reason")), nil
		}
		cmd = append(cmd, "--reason", strings.Join(rest, " "))
	case "down":
		cmd = []string{"bastion", "down"}
		if len(args) > 1 {
			cmd = append(cmd, "--reason", strings.Join(args[1:], " "))
		}
	default:
		return ephemeral(s.lang.T("slack.help.bastion")), nil
	}
	if u.Role < RoleOperator {
		return ephemeral(s.lang.T("slack.forbidden", "bastion "+args[0], RoleOperator, u.Role)), nil
	}
	msg, err := s.runFor(ctx, u, cmd, false)
	if err == nil && msg.ResponseType == slack.ResponseTypeEphemeral && !strings.HasPrefix(msg.Text, "```\nsteward:") {
		s.audit(ctx, s.lang.T("slack.bastion.audit", escapeSlack(u.Name), strings.Join(cmd[1:], " ")))
	}
	return msg, err
}

// audit tells slack.channel what someone did, when a channel and a bot
// token are set up.
func (s *Server) audit(ctx context.Context, text string) {
	sl := s.slackPoster()
	if sl == nil || s.cfg.Slack.Channel == "" {
		return
	}
	if _, err := sl.Post(ctx, s.cfg.Slack.Channel, text); err != nil {
		s.log.Warn("slack: audit post not delivered", "err", err)
	}
}

func looksLikeDuration(v string) bool {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return false
	}
	last := v[len(v)-1]
	return last == 'h' || last == 'm' || last == 'd'
}

// slackSchedule is `/steward schedule override TARGET [on|off] until
// WHEN [REASON...]` (on by default), `schedule override list` and
// `schedule override cancel ID`.
func (s *Server) slackSchedule(ctx context.Context, u User, args []string) (*slack.WebhookMessage, error) {
	if len(args) < 2 || strings.ToLower(args[0]) != "override" {
		return ephemeral(s.lang.T("slack.help.schedule")), nil
	}
	args = args[1:]
	switch strings.ToLower(args[0]) {
	case "list":
		return s.runFor(ctx, u, []string{"schedule", "override", "list"}, false)
	case "cancel":
		if len(args) != 2 {
			return ephemeral(s.lang.T("slack.help.schedule")), nil
		}
		if u.Role < RoleOperator {
			return ephemeral(s.lang.T("slack.forbidden", "schedule override cancel", RoleOperator, u.Role)), nil
		}
		return s.runFor(ctx, u, []string{"schedule", "override", "cancel", args[1]}, true)
	}
	target, rest := args[0], args[1:]
	state := "--on"
	if len(rest) > 0 && (strings.EqualFold(rest[0], "on") || strings.EqualFold(rest[0], "off")) {
		state, rest = "--"+strings.ToLower(rest[0]), rest[1:]
	}
	if len(rest) < 2 || !strings.EqualFold(rest[0], "until") {
		return ephemeral(s.lang.T("slack.help.schedule")), nil
	}
	until, rest := rest[1], rest[2:]
	reason := strings.Join(rest, " ")
	if reason == "" {
		reason = s.lang.T("slack.override.reason")
	}
	if u.Role < RoleOperator {
		return ephemeral(s.lang.T("slack.forbidden", "schedule override", RoleOperator, u.Role)), nil
	}
	return s.runFor(ctx, u, []string{"schedule", "override", "add", target, state, "--until", until, "--reason", reason}, true)
}

// slackCost is `/steward cost [BY]`: the last 30 days of the bill by
// system (or env, owner, service, account, tag:KEY), largest first.
func (s *Server) slackCost(ctx context.Context, u User, args []string) (*slack.WebhookMessage, error) {
	by := "system"
	if len(args) > 0 {
		by = args[0]
	}
	if len(args) > 1 {
		return ephemeral(s.lang.T("slack.help.cost")), nil
	}
	return s.runFor(ctx, u, []string{"cost", "show", "--by", by, "--top", "10"}, true)
}
