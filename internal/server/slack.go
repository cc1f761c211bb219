package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/store"
)

// maxSlackBody bounds what steward reads of a request from Slack.
const maxSlackBody = 1 << 20

func (s *Server) slackRoutes() {
	s.mux.HandleFunc("POST /slack/commands", s.slackCommands)
	s.mux.HandleFunc("POST /slack/events", s.slackEvents)
	s.mux.HandleFunc("POST /slack/interactions", s.slackInteractions)
}

// slackBody reads a request from Slack and checks its signature:
// v0:{timestamp}:{body} signed with the app's signing secret, compared in
// constant time, the timestamp within five minutes. It answers the
// request itself when it fails.
func (s *Server) slackBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	env := s.cfg.Slack.SigningSecretEnv
	if env == "" {
		env = config.DefaultSlackSigningSecretEnv
	}
	secret := s.getenv(env)
	if secret == "" {
		writeError(w, http.StatusServiceUnavailable, "the Slack app is off: set "+env+" to its signing secret")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSlackBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "request too large")
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, secret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		s.log.Warn("slack: request refused", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusUnauthorized, "not signed by Slack")
		return nil, false
	}
	return body, true
}

// seen remembers the ids of what Slack sent for ten minutes, so a retry
// (X-Slack-Retry-Num) of a command, event or button press is acknowledged
// without being done twice.
type seen struct {
	mu  sync.Mutex
	ids map[string]time.Time
}

const seenFor = 10 * time.Minute

// first says whether id is new, and remembers it.
func (sn *seen) first(id string, now time.Time) bool {
	if id == "" {
		return true
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.ids == nil {
		sn.ids = map[string]time.Time{}
	}
	for k, at := range sn.ids {
		if now.Sub(at) > seenFor {
			delete(sn.ids, k)
		}
	}
	if _, ok := sn.ids[id]; ok {
		return false
	}
	sn.ids[id] = now
	return true
}

// slackUser is the steward user behind a Slack user: by slack.users, then
// slack.default_role.
func (s *Server) slackUser(id, name string) User {
	if email, ok := s.cfg.Slack.Users[id]; ok {
		// The workspace vouches for the address it maps.
		return User{Name: email, Email: email, Role: s.auth.roleOf(email, true), Via: "slack"}
	}
	return User{Name: name, Role: ParseRole(s.cfg.Slack.DefaultRole), Via: "slack"}
}

// slackCommand is one /steward subcommand.
type slackCommand struct {
	role Role
	help string // catalogue key of its line in /steward help
	run  func(ctx context.Context, u User, args []string) (*slack.WebhookMessage, error)
}

func (s *Server) slackCommandTable() map[string]slackCommand {
	t := map[string]slackCommand{
		"help":     {RoleNone, "slack.help.help", s.slackHelp},
		"env":      {RoleViewer, "slack.help.env", s.slackEnv},
		"findings": {RoleViewer, "slack.help.findings", s.slackFindings},
		"dora":     {RoleViewer, "slack.help.dora", s.slackDora},
	}
	if s.run != nil {
		t["bastion"] = slackCommand{RoleViewer, "slack.help.bastion", s.slackBastion}
		t["schedule"] = slackCommand{RoleViewer, "slack.help.schedule", s.slackSchedule}
		t["cost"] = slackCommand{RoleViewer, "slack.help.cost", s.slackCost}
	}
	return t
}

// slackHelpOrder is the order of /steward help.
var slackHelpOrder = []string{"env", "bastion", "schedule", "findings", "cost", "dora", "help"}

// slackCommands answers a slash command: at once with an acknowledgement
// (Slack gives up after 3 seconds), then with the result through the
// command's response_url.
func (s *Server) slackCommands(w http.ResponseWriter, r *http.Request) {
	body, ok := s.slackBody(w, r)
	if !ok {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "not a slash command")
		return
	}
	if msg := s.slashCommand(cmd); msg != nil {
		writeJSON(w, http.StatusOK, msg)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// slashCommand does a slash command, from the HTTP endpoint or Socket
// Mode alike: it returns the answer Slack gets at once (nil for a retry
// already taken), and finishes in the background through the command's
// response_url.
func (s *Server) slashCommand(cmd slack.SlashCommand) *slack.WebhookMessage {
	if !s.slackSeen.first("cmd:"+cmd.TriggerID, s.now()) {
		return nil
	}
	text := strings.TrimSpace(cmd.Text)
	args := strings.Fields(text)
	name := "help"
	if len(args) > 0 {
		name, args = strings.ToLower(args[0]), args[1:]
	}
	u := s.slackUser(cmd.UserID, cmd.UserName)
	c, known := s.slackCommandTable()[name]
	switch {
	case !known:
		return ephemeral(s.lang.T("slack.unknown", text))
	case c.role > RoleNone && u.Role == RoleNone:
		return ephemeral(s.lang.T("slack.norole", cmd.UserID))
	case u.Role < c.role:
		return ephemeral(s.lang.T("slack.forbidden", text, c.role, u.Role))
	}
	s.log.Info("slack command", "user", u.Name, "slack_user", cmd.UserID, "command", name)
	respondTo := cmd.ResponseURL
	s.background(func(ctx context.Context) {
		msg, err := c.run(ctx, u, args)
		if err != nil {
			s.log.Error("slack command failed", "command", name, "err", err)
			msg = ephemeral(s.lang.T("slack.failed", text, err))
		}
		msg.ReplaceOriginal = true
		if err := slack.PostWebhookContext(ctx, respondTo, msg); err != nil {
			s.log.Warn("slack: response not delivered", "command", name, "err", err)
		}
	})
	return ephemeral(s.lang.T("slack.ack", text))
}

func ephemeral(text string) *slack.WebhookMessage {
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: text}
}

func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

func (s *Server) slackHelp(_ context.Context, _ User, _ []string) (*slack.WebhookMessage, error) {
	var lines []string
	table := s.slackCommandTable()
	for _, name := range slackHelpOrder {
		if c, ok := table[name]; ok {
			lines = append(lines, s.lang.T(c.help))
		}
	}
	return ephemeral(s.lang.T("slack.help", strings.Join(lines, "\n"))), nil
}

// mineLimit is how many findings `/steward findings mine` lists.
const mineLimit = 10

// slackFindings is `/steward findings mine`: the open findings whose
// owner is the user (their address or its local part).
func (s *Server) slackFindings(ctx context.Context, u User, args []string) (*slack.WebhookMessage, error) {
	if len(args) != 1 || args[0] != "mine" {
		return ephemeral(s.lang.T("slack.help.findings")), nil
	}
	sc, err := s.store.LatestScan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return ephemeral(s.lang.T("slack.noscan")), nil
	}
	if err != nil {
		return nil, err
	}
	fs, err := s.store.Findings(ctx, sc.ID)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{strings.ToLower(u.Name): true}
	if u.Email != "" {
		local, _, _ := strings.Cut(u.Email, "@")
		names[strings.ToLower(u.Email)], names[strings.ToLower(local)] = true, true
	}
	var mine []finding.Finding
	for _, f := range fs {
		if names[strings.ToLower(f.Owner)] {
			mine = append(mine, f)
		}
	}
	finding.SortWorstFirst(mine)
	if len(mine) == 0 {
		return ephemeral(s.lang.T("slack.mine.none", u.Name)), nil
	}
	blocks := []slack.Block{section(s.lang.T("slack.mine.head", len(mine), u.Name, sc.ID))}
	for _, f := range mine[:min(len(mine), mineLimit)] {
		blocks = append(blocks, section(fmt.Sprintf("%s *%s* `%s`\n%s", severityEmoji(f.Severity), escapeSlack(f.Name), f.Policy, escapeSlack(f.MessageIn(s.lang)))))
	}
	if n := len(mine) - mineLimit; n > 0 {
		blocks = append(blocks, section(s.lang.T("slack.mine.more", n, mine[0].Owner)))
	}
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: s.lang.T("slack.mine.head", len(mine), u.Name, sc.ID), Blocks: &slack.Blocks{BlockSet: blocks}}, nil
}

func severityEmoji(sev finding.Severity) string {
	switch sev {
	case finding.Critical:
		return ":red_circle:"
	case finding.High:
		return ":large_orange_circle:"
	case finding.Medium:
		return ":large_yellow_circle:"
	}
	return ":white_circle:"
}

// escapeSlack keeps text from being read as Slack markup: a resource
// named <!channel> must not ping a channel.
func escapeSlack(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackDora is `/steward dora SERVICE [DAYS]`.
func (s *Server) slackDora(ctx context.Context, _ User, args []string) (*slack.WebhookMessage, error) {
	if len(args) == 0 || len(args) > 2 {
		return ephemeral(s.lang.T("slack.dora.usage")), nil
	}
	svc, days := args[0], 30
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 || n > 365 {
			return ephemeral(s.lang.T("slack.dora.days", args[1])), nil
		}
		days = n
	}
	d, err := s.store.Delivery(ctx)
	if err != nil {
		return nil, err
	}
	to := s.now().UTC()
	rep := delivery.Summarize(d, delivery.Query{From: to.AddDate(0, 0, -days), To: to, Environment: "production", Services: []string{svc}}, nil).Report
	if rep.Deployments == 0 {
		return ephemeral(s.lang.T("slack.dora.none", svc, days)), nil
	}
	level := func(l delivery.Level) string {
		if l == delivery.InsufficientData {
			return s.lang.T("slack.dora.insufficient")
		}
		return string(l)
	}
	mins := func(m *float64) string {
		if m == nil {
			return "-"
		}
		return delivery.HumanMinutesIn(s.lang, *m)
	}
	cfr := "-"
	if r := rep.ChangeFailureRate.Ratio; r != nil {
		cfr = fmt.Sprintf("%.0f%% (%d/%d)", *r*100, rep.ChangeFailureRate.Failed, rep.ChangeFailureRate.Total)
	}
	field := func(key, value string, l delivery.Level) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, fmt.Sprintf("*%s*\n%s (%s)", s.lang.T(key), value, level(l)), false, false)
	}
	head := s.lang.T("slack.dora.head", escapeSlack(svc), days)
	fields := []*slack.TextBlockObject{
		field("slack.dora.freq", fmt.Sprintf("%.1f/week", rep.DeploymentFrequency.PerWeek), rep.DeploymentFrequency.Level),
		field("slack.dora.lead", mins(rep.LeadTime.MedianMinutes), rep.LeadTime.Level),
		field("slack.dora.cfr", cfr, rep.ChangeFailureRate.Level),
		field("slack.dora.mttr", mins(rep.RecoveryTime.MedianMinutes), rep.RecoveryTime.Level),
	}
	blocks := []slack.Block{section(head), slack.NewSectionBlock(nil, fields, nil)}
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeInChannel, Text: head, Blocks: &slack.Blocks{BlockSet: blocks}}, nil
}

// slackEvents answers Slack's URL check and takes events once each.
func (s *Server) slackEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := s.slackBody(w, r)
	if !ok {
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		writeError(w, http.StatusBadRequest, "not a Slack event")
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		var c slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &c); err != nil {
			writeError(w, http.StatusBadRequest, "bad challenge")
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(c.Challenge))
		return
	case slackevents.CallbackEvent:
		var outer struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(body, &outer)
		if !s.slackSeen.first("event:"+outer.EventID, s.now()) {
			w.WriteHeader(http.StatusOK)
			return
		}
		s.log.Info("slack event", "type", ev.InnerEvent.Type, "event_id", outer.EventID)
	}
	w.WriteHeader(http.StatusOK)
}

// slackAction is what a button does.
type slackAction struct {
	role Role
	run  func(ctx context.Context, u User, value string) (*slack.WebhookMessage, error)
}

// slackActions are the buttons steward's messages carry, by action id.
func (s *Server) slackActions() map[string]slackAction {
	return s.envSlackActions()
}

// slackInteractions takes button presses: checked like commands,
// acknowledged at once, done in the background, the message updated.
func (s *Server) slackInteractions(w http.ResponseWriter, r *http.Request) {
	body, ok := s.slackBody(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeError(w, http.StatusBadRequest, "not an interaction")
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		writeError(w, http.StatusBadRequest, "not an interaction")
		return
	}
	w.WriteHeader(http.StatusOK)
	s.interaction(cb)
}

// interaction does a button press, from the HTTP endpoint or Socket
// Mode alike, in the background: Slack has already been answered.
func (s *Server) interaction(cb slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	if !s.slackSeen.first("act:"+cb.TriggerID+":"+act.ActionID, s.now()) {
		return
	}
	u := s.slackUser(cb.User.ID, cb.User.Name)
	a, known := s.slackActions()[act.ActionID]
	respondTo := cb.ResponseURL
	s.background(func(ctx context.Context) {
		var msg *slack.WebhookMessage
		switch {
		case !known:
			msg = ephemeral(s.lang.T("slack.unknown", act.ActionID))
		case u.Role == RoleNone:
			msg = ephemeral(s.lang.T("slack.norole", cb.User.ID))
		case u.Role < a.role:
			msg = ephemeral(s.lang.T("slack.forbidden", act.ActionID, a.role, u.Role))
		default:
			s.log.Info("slack action", "user", u.Name, "action", act.ActionID, "value", act.Value)
			var err error
			if msg, err = a.run(ctx, u, act.Value); err != nil {
				msg = ephemeral(s.lang.T("slack.failed", act.ActionID, err))
			}
		}
		if err := slack.PostWebhookContext(ctx, respondTo, msg); err != nil {
			s.log.Warn("slack: response not delivered", "action", act.ActionID, "err", err)
		}
	})
}
