package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/notify"
	"github.com/steward-sre/steward/internal/store"
)

// envCache keeps the environments defined on the latest scan: a saved
// scan never changes, so they are worked out once per scan.
type envCache struct {
	mu     sync.Mutex
	scanID string
	view   env.View
}

// envView is the latest scan's resources and the environments on them;
// before the first scan, the configured environments with no resources.
func (s *Server) envView(ctx context.Context) (env.View, error) {
	keys := env.Keys{Env: s.cfg.Tags.EnvKey, System: s.cfg.Tags.SystemKey}
	sc, err := s.store.LatestScan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return env.View{Definitions: env.Definitions(s.cfg.EnvDefinitions(), s.cfg.Tags.Required[s.cfg.Tags.EnvKey], nil, keys),
			Keys: keys, Resolver: s.cfg.ScheduleResolver()}, nil
	}
	if err != nil {
		return env.View{}, err
	}
	s.envs.mu.Lock()
	defer s.envs.mu.Unlock()
	if s.envs.scanID == sc.ID {
		return s.envs.view, nil
	}
	rs, err := s.store.Resources(ctx, sc.ID)
	if err != nil {
		return env.View{}, err
	}
	v := env.View{Resources: rs, Keys: keys, Resolver: s.cfg.ScheduleResolver(),
		Definitions: env.Definitions(s.cfg.EnvDefinitions(), s.cfg.Tags.Required[s.cfg.Tags.EnvKey], rs, keys)}
	s.envs.scanID, s.envs.view = sc.ID, v
	return v, nil
}

// leaseManager decides leases for people of the server; notices go to
// Slack (the holder by direct message when slack.users knows them, else
// slack.channel) and to notify.webhook_url.
func (s *Server) leaseManager(v env.View) *env.Leases {
	known := map[string]bool{}
	for _, d := range v.Definitions {
		known[d.Name] = true
	}
	return &env.Leases{Store: s.store, Policy: s.cfg.LeasePolicy(), Now: s.now, Notifier: s.notifier(),
		Known: func(name string) bool { return known[name] }}
}

// notifier tells people of their leases from the server: Slack and the
// webhook, as the command line does.
func (s *Server) notifier() env.Notifier {
	return env.Tell{Slack: s.slackPoster(), MemberOf: s.cfg.Slack.MemberOf, Channel: s.cfg.Slack.Channel,
		Webhook: s.cfg.Notify.WebhookURL, Lang: s.lang, Loc: s.zone()}
}

// slackPoster posts as the bot; nil without a bot token.
func (s *Server) slackPoster() *notify.Slack {
	tok := s.cfg.Slack.BotToken(s.getenv)
	if tok == "" {
		return nil
	}
	return notify.NewSlack(tok, s.slackAPI)
}

// board is every environment's row now.
func (s *Server) board(ctx context.Context) ([]env.Row, error) {
	v, err := s.envView(ctx)
	if err != nil {
		return nil, err
	}
	return s.leaseManager(v).BoardOf(ctx, v, s.store)
}

// leaseRequest is the body of a claim, an extension or a release.
type leaseRequest struct {
	// For is how long: 4h, 90m, 2d; empty takes the default.
	For     string `json:"for,omitempty"`
	Purpose string `json:"purpose,omitempty"`
	Branch  string `json:"branch,omitempty"`
	Steal   bool   `json:"steal,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// leaseOp is a claim, an extension or a release by who.
func (s *Server) leaseOp(ctx context.Context, op, name, who string, req leaseRequest) (env.Lease, error) {
	var d time.Duration
	if req.For != "" {
		var err error
		if d, err = env.ParseDuration(req.For); err != nil {
			return env.Lease{}, badRequestf("for: %v", err)
		}
	}
	v, err := s.envView(ctx)
	if err != nil {
		return env.Lease{}, err
	}
	m := s.leaseManager(v)
	var l env.Lease
	switch op {
	case "claim":
		var res env.Result
		res, err = m.Claim(ctx, env.Claim{Environment: name, Holder: who, For: d, Purpose: req.Purpose, Branch: req.Branch, Steal: req.Steal, Reason: req.Reason})
		l = res.Lease
		if res.NoticeErr != nil {
			s.log.Warn("lease notice not delivered", "err", res.NoticeErr)
		}
	case "extend":
		l, err = m.Extend(ctx, name, who, d)
	case "release":
		l, err = m.Release(ctx, name, who)
	default:
		return env.Lease{}, badRequestf("no such operation %q", op)
	}
	if msg, ok := env.Refusal(err, s.lang, s.zone()); ok {
		return env.Lease{}, refusal{msg}
	}
	if err == nil {
		s.log.Info("lease", "op", op, "env", name, "by", who)
	}
	return l, err
}

// refusal is a lease the rules refuse: 409, with words that say what to do.
type refusal struct{ msg string }

func (e refusal) Error() string { return e.msg }

func (s *Server) envRoutes() {
	s.api("GET", "/api/environments", RoleViewer, func(w http.ResponseWriter, r *http.Request) {
		rows, err := s.board(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"environments": rows})
	})
	for _, op := range []string{"claim", "extend", "release"} {
		s.api("POST", "/api/environments/{name}/"+op, RoleOperator, func(w http.ResponseWriter, r *http.Request) {
			var req leaseRequest
			if r.ContentLength != 0 {
				if err := decodeRecord(w, r, &req); err != nil {
					s.fail(w, r, err)
					return
				}
			}
			l, err := s.leaseOp(r.Context(), op, r.PathValue("name"), UserFrom(r.Context()).Name, req)
			var ref refusal
			if errors.As(err, &ref) {
				writeError(w, http.StatusConflict, ref.msg)
				return
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, l)
		})
	}
}

// slackEnv is `/steward env` (the board with buttons), `env claim qa3 4h
// PURPOSE...`, `env extend qa3 2h`, `env release qa3`.
func (s *Server) slackEnv(ctx context.Context, u User, args []string) (*slack.WebhookMessage, error) {
	if len(args) == 0 {
		return s.slackBoard(ctx)
	}
	op := strings.ToLower(args[0])
	if (op != "claim" && op != "extend" && op != "release") || len(args) < 2 {
		return ephemeral(s.lang.T("slack.help.env")), nil
	}
	if u.Role < RoleOperator {
		return ephemeral(s.lang.T("slack.forbidden", "env "+op, RoleOperator, u.Role)), nil
	}
	req := leaseRequest{}
	if len(args) > 2 {
		req.For = args[2]
	}
	if len(args) > 3 {
		req.Purpose = strings.Join(args[3:], " ")
	}
	return s.slackLease(ctx, u, op, args[1], req)
}

// slackLease does a lease operation for a Slack user and says so in the
// channel (a refusal only to them).
func (s *Server) slackLease(ctx context.Context, u User, op, name string, req leaseRequest) (*slack.WebhookMessage, error) {
	l, err := s.leaseOp(ctx, op, name, u.Name, req)
	var ref refusal
	if errors.As(err, &ref) {
		return ephemeral(ref.msg), nil
	}
	var br badRequest
	if errors.As(err, &br) {
		return ephemeral(br.msg), nil
	}
	if err != nil {
		return nil, err
	}
	until := l.Until.In(s.zone()).Format("01-02 15:04")
	text := s.lang.T("slack.env."+op, escapeSlack(u.Name), escapeSlack(name), until)
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeInChannel, Text: text}, nil
}

// slackBoard is the board as Block Kit: one section per environment
// with buttons to claim (default length), extend or release it.
func (s *Server) slackBoard(ctx context.Context) (*slack.WebhookMessage, error) {
	rows, err := s.board(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	head := s.lang.T("slack.env.head", len(rows))
	blocks := []slack.Block{section(head)}
	for i, row := range rows {
		// Slack takes at most 50 blocks in a message.
		if len(blocks) > maxBoardBlocks {
			blocks = append(blocks, section(s.lang.T("slack.env.more", len(rows)-i)))
			break
		}
		line := fmt.Sprintf("*%s*  %s  %d/%d", escapeSlack(row.Name), s.lang.T("slack.env.state."+strings.ReplaceAll(row.State, " ", "_")), row.Running, row.Resources)
		var buttons []slack.BlockElement
		switch l := row.Lease; {
		case l != nil:
			line += "\n" + s.lang.T("slack.env.held", escapeSlack(env.HolderText(l, s.lang)), escapeSlack(orDash(l.Purpose)), l.Until.In(s.zone()).Format("01-02 15:04"), env.FormatDurationIn(s.lang, l.Until.Sub(now)))
			buttons = append(buttons,
				slack.NewButtonBlockElement("env.extend", row.Name, slack.NewTextBlockObject(slack.PlainTextType, s.lang.T("slack.env.button.extend"), false, false)),
				slack.NewButtonBlockElement("env.release", row.Name, slack.NewTextBlockObject(slack.PlainTextType, s.lang.T("slack.env.button.release"), false, false)))
		case row.Leasable:
			line += "\n" + s.lang.T("slack.env.free")
			b := slack.NewButtonBlockElement("env.claim", row.Name, slack.NewTextBlockObject(slack.PlainTextType, s.lang.T("slack.env.button.claim"), false, false))
			b.Style = slack.StylePrimary
			buttons = append(buttons, b)
		}
		if d := row.LastDeploy; d != nil {
			line += "\n" + s.lang.T("slack.env.deploy", escapeSlack(d.Service), delivery.ShortSHA(d.CommitSHA), string(d.Result), env.FormatAgoIn(s.lang, now.Sub(d.Finished)))
		}
		blocks = append(blocks, section(line))
		if len(buttons) > 0 {
			blocks = append(blocks, slack.NewActionBlock("env:"+row.Name, buttons...))
		}
	}
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeInChannel, Text: head, Blocks: &slack.Blocks{BlockSet: blocks}}, nil
}

// maxBoardBlocks leaves room under Slack's 50 blocks for the last row
// and the note of what did not fit.
const maxBoardBlocks = 46

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// envSlackActions are the board's buttons. After a press the board is
// posted again, as it is now, in place of the one pressed.
func (s *Server) envSlackActions() map[string]slackAction {
	act := func(op string) slackAction {
		return slackAction{role: RoleOperator, run: func(ctx context.Context, u User, name string) (*slack.WebhookMessage, error) {
			msg, err := s.slackLease(ctx, u, op, name, leaseRequest{})
			if err != nil || msg.ResponseType == slack.ResponseTypeEphemeral {
				return msg, err
			}
			board, err := s.slackBoard(ctx)
			if err != nil {
				return nil, err
			}
			board.Text = msg.Text
			board.Blocks.BlockSet = append([]slack.Block{section(msg.Text)}, board.Blocks.BlockSet...)
			board.ReplaceOriginal = true
			return board, nil
		}}
	}
	return map[string]slackAction{"env.claim": act("claim"), "env.extend": act("extend"), "env.release": act("release")}
}
