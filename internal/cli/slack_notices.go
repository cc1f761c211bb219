package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/cost"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/notify"
	"github.com/steward-sre/steward/internal/store"
)

// SlackAPIURLEnv names the variable that replaces Slack's Web API
// address: a proxy in front of Slack, or a test's fake.
const SlackAPIURLEnv = "STEWARD_SLACK_API_URL"

// slackPoster posts as the bot; nil when no bot token is set.
func slackPoster(cfg *config.Config, getenv func(string) string) *notify.Slack {
	tok := cfg.Slack.BotToken(getenv)
	if tok == "" {
		return nil
	}
	return notify.NewSlack(tok, getenv(SlackAPIURLEnv))
}

// runSummaryShown bounds the changes a Slack summary names.
const runSummaryShown = 10

// slackRunSummary is a schedule run's summary as slack.channel reads it:
// how many resources were stopped and started, what failed, and the
// first changes by name.
func slackRunSummary(sum runSummary, lang i18n.Lang) string {
	counts := map[action.Verb]int{}
	for _, c := range sum.Planned {
		counts[c.Action]++
	}
	head := lang.T("notice.schedule.head", counts[action.Stop], counts[action.Start], sum.Failed)
	if sum.DryRun {
		head = lang.T("notice.schedule.dryrun", counts[action.Stop], counts[action.Start])
	}
	lines := []string{head}
	failed := map[string]string{}
	for _, o := range sum.Outcomes {
		if o.Status != store.JournalDone {
			failed[o.Change.ID] = o.Error
		}
	}
	for i, c := range sum.Planned {
		if i == runSummaryShown {
			lines = append(lines, lang.T("notice.schedule.more", len(sum.Planned)-runSummaryShown))
			break
		}
		name := c.Name
		if name == "" {
			name = c.ARN
		}
		line := fmt.Sprintf("• %s %s (%s): %s", c.Action, slackEscape(name), c.Type, slackEscape(c.Why))
		if e, bad := failed[c.ID]; bad {
			line += " " + lang.T("notice.schedule.failed", slackEscape(e))
		}
		lines = append(lines, line)
	}
	if sum.Error != "" {
		lines = append(lines, lang.T("notice.schedule.error", slackEscape(sum.Error)))
	}
	return strings.Join(lines, "\n")
}

// slackEscape keeps text from being read as Slack markup.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// postRunSummary tells slack.channel what a schedule run changed, when
// it changed something or failed and a bot token is set.
func (r *runner) postRunSummary(ctx context.Context, cfg *config.Config, sum runSummary, applyErr error) {
	sl := slackPoster(cfg, r.env.Getenv)
	if sl == nil || cfg.Slack.Channel == "" || (len(sum.Planned) == 0 && applyErr == nil) {
		return
	}
	if _, err := sl.Post(ctx, cfg.Slack.Channel, slackRunSummary(sum, r.lang)); err != nil {
		r.log.Warn("run summary not posted to Slack", "err", err)
		fmt.Fprintf(r.env.Stderr, "steward: %v\n", err)
	}
}

// postCostAlerts tells each budget breach and cost anomaly (cost check's
// failures) to the team of its system, else slack.channel, once: the
// same budget over its limit this month, or the same anomaly, is not
// told again after the next ingest. The server runs it after each cost
// ingest.
func (r *runner) postCostAlerts(ctx context.Context, cfg *config.Config) error {
	sl := slackPoster(cfg, r.env.Getenv)
	if sl == nil {
		return nil
	}
	o, closeCommon, err := r.costCommon(ctx)
	if err != nil {
		return err
	}
	defer closeCommon()
	res, err := cost.Check(ctx, o)
	if err != nil {
		return err
	}
	if len(res.Alerts()) == 0 {
		return nil
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var errs []error
	for _, a := range res.Alerts() {
		channel := cfg.SlackChannelOf(cfg.TeamOf(a.System))
		if channel == "" {
			continue
		}
		key := "cost/" + a.Key
		ok, err := st.ClaimNotice(ctx, key, r.env.Now())
		if err != nil || !ok {
			errs = append(errs, err)
			continue
		}
		if _, err := sl.Post(ctx, channel, ":money_with_wings: "+slackEscape(a.Text(r.lang))); err != nil {
			errs = append(errs, err, st.ForgetNotice(context.WithoutCancel(ctx), key))
		}
	}
	return errors.Join(errs...)
}
