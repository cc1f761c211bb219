package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/env"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/money"
	"github.com/steward-sre/steward/internal/store"
)

// Notices: what the server tells teams on Slack by itself. Each goes to
// the team's channel (teams.NAME.slack_channel), else slack.channel; a
// notice with neither, or a server with no bot token, is not sent.

// teamOfFinding is the team a finding belongs to: the team named as its
// owner, else the team of its system (config's TeamOf).
func (s *Server) teamOfFinding(f *finding.Finding) string {
	if t := s.cfg.TeamOf(f.Owner); t != "" && strings.EqualFold(t, f.Owner) {
		return t
	}
	return s.cfg.TeamOf(f.System)
}

// teamNames are the configured teams, sorted.
func (s *Server) teamNames() []string { return slices.Sorted(maps.Keys(s.cfg.Teams)) }

// noticeOnce posts a notice once per key across every server on the
// store: the key is claimed first, and given back when the post fails so
// that a later run tries again.
func (s *Server) noticeOnce(ctx context.Context, key, channel, text string, blocks ...slack.Block) error {
	sl := s.slackPoster()
	if sl == nil || channel == "" {
		return nil
	}
	ok, err := s.store.ClaimNotice(ctx, key, s.now())
	if err != nil || !ok {
		return err
	}
	if _, err := sl.Post(ctx, channel, text, blocks...); err != nil {
		if ferr := s.store.ForgetNotice(context.WithoutCancel(ctx), key); ferr != nil {
			err = errors.Join(err, ferr)
		}
		return err
	}
	return nil
}

// link is a dashboard address for Slack, when serve.auth.public_url says
// where the dashboard is; empty otherwise.
func (s *Server) link(path string) string {
	base := strings.TrimSuffix(s.cfg.Serve.Auth.PublicURL, "/")
	if base == "" {
		return ""
	}
	return base + path
}

// digestJob sends the weekly digests; it looks every hour, and each
// team's digest goes out once a week, at the first look after
// serve.digest's day and time.
func (s *Server) digestJob() Job {
	return Job{Name: "digest", Every: time.Hour, Run: s.sendDigests}
}

// digestDue is the latest digest time (day, minute of day, in loc) at or
// before now.
func digestDue(now time.Time, loc *time.Location, day time.Weekday, minute int) time.Time {
	n := now.In(loc)
	back := (int(n.Weekday()) - int(day) + 7) % 7
	due := time.Date(n.Year(), n.Month(), n.Day()-back, 0, minute, 0, 0, loc)
	if due.After(n) {
		due = time.Date(n.Year(), n.Month(), n.Day()-back-7, 0, minute, 0, 0, loc)
	}
	return due
}

// teamDigest is one team's week.
type teamDigest struct {
	team string
	// newOnes are the findings first seen in the week, worst first.
	newOnes []int
	bySev   [finding.Critical + 1]int
	waste   float64
	wasted  int
}

// sendDigests posts each team's digest of the week before the latest
// digest time: the findings first seen in it and the waste of the
// team's open findings. A team with nothing new and no waste gets none.
func (s *Server) sendDigests(ctx context.Context) error {
	day, minute, on, err := s.cfg.Serve.DigestTime()
	if err != nil || !on || s.slackPoster() == nil {
		return err
	}
	loc := s.zone()
	due := digestDue(s.now(), loc, day, minute)
	sc, err := s.dash.latestScan(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// The findings alone: a digest reads none of the scan's resources.
	findings, err := s.store.Findings(ctx, sc.ID)
	if err != nil {
		return fmt.Errorf("findings of scan %s: %w", sc.ID, err)
	}
	since := due.AddDate(0, 0, -7)
	byTeam := map[string]*teamDigest{}
	waste := make([]float64, len(findings))
	for i := range findings {
		f := &findings[i]
		waste[i] = s.findingRow(sc, f, s.lang).Waste
		t := s.teamOfFinding(f)
		d := byTeam[t]
		if d == nil {
			d = &teamDigest{team: t}
			byTeam[t] = d
		}
		if !f.FirstSeen.Before(since) && f.FirstSeen.Before(due) {
			d.newOnes = append(d.newOnes, i)
			d.bySev[f.Severity]++
		}
		if waste[i] > 0 {
			d.waste += waste[i]
			d.wasted++
		}
	}
	teams := append(s.teamNames(), "")
	var errs []error
	for _, t := range teams {
		d := byTeam[t]
		if d == nil || (len(d.newOnes) == 0 && d.wasted == 0) {
			continue
		}
		slices.SortStableFunc(d.newOnes, func(a, b int) int {
			return cmp.Or(cmp.Compare(findings[b].Severity, findings[a].Severity), cmp.Compare(waste[b], waste[a]))
		})
		text, blocks := s.digestMessage(findings, waste, d, since, due)
		key := "digest/" + cmp.Or(t, "-") + "/" + due.Format("2006-01-02")
		if err := s.noticeOnce(ctx, key, s.cfg.SlackChannelOf(t), text, blocks...); err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", cmp.Or(t, "no team"), err))
		}
	}
	return errors.Join(errs...)
}

// digestTop is how many new findings a digest names.
const digestTop = 5

// digestMessage is a team's digest as Block Kit, and its text for
// notifications.
func (s *Server) digestMessage(findings []finding.Finding, waste []float64, d *teamDigest, since, due time.Time) (string, []slack.Block) {
	l := s.lang
	who := d.team
	if who == "" {
		who = l.T("notice.digest.noteam")
	}
	cur := cmp.Or(s.cfg.Currency.Code, money.USD)
	head := l.T("notice.digest.title", who, since.Format("01-02"), due.AddDate(0, 0, -1).Format("01-02"))
	blocks := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, head, false, false))}
	var sevs []string
	for sev := finding.Critical; sev >= finding.Info; sev-- {
		if n := d.bySev[sev]; n > 0 {
			sevs = append(sevs, fmt.Sprintf("%s %d", l.T("severity."+sev.String()), n))
		}
	}
	summary := l.T("notice.digest.new", len(d.newOnes))
	if len(sevs) > 0 {
		summary += " (" + strings.Join(sevs, ", ") + ")"
	}
	summary += "\n" + l.T("notice.digest.waste", money.FormatFloat(d.waste, cur), d.wasted)
	blocks = append(blocks, section(summary))
	if len(d.newOnes) > 0 {
		var lines []string
		for _, i := range d.newOnes[:min(digestTop, len(d.newOnes))] {
			f := &findings[i]
			name := escapeSlack(cmp.Or(f.Name, f.ARN))
			if u := s.link("/resource?arn=" + url.QueryEscape(f.ARN)); u != "" {
				name = "<" + u + "|" + name + ">"
			}
			line := fmt.Sprintf("• [%s] %s: %s", l.T("severity."+f.Severity.String()), escapeSlack(s.read(f, l).Title), name)
			if waste[i] > 0 {
				line += " " + l.T("notice.digest.permonth", money.FormatFloat(waste[i], cur))
			}
			lines = append(lines, line)
		}
		if rest := len(d.newOnes) - digestTop; rest > 0 {
			lines = append(lines, l.T("notice.digest.more", rest))
		}
		blocks = append(blocks, section(l.T("notice.digest.top")+"\n"+strings.Join(lines, "\n")))
	}
	if u := s.link("/findings?new=1"); u != "" {
		blocks = append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "<"+u+"|"+l.T("notice.digest.open")+">", false, false)))
	}
	return head + ": " + strings.ReplaceAll(summary, "\n", " · "), blocks
}

// announceDeploys tells each deploy's team that it happened, once per
// deploy and result (a redelivered webhook is not told twice). It runs
// after the request is answered.
func (s *Server) announceDeploys(ds []delivery.Deployment) {
	if len(ds) == 0 || s.slackPoster() == nil {
		return
	}
	s.background(func(ctx context.Context) {
		for _, d := range ds {
			key := "deploy/" + d.ID + "/" + string(d.Result)
			text := s.lang.T("notice.deploy."+deployWord(d.Result), escapeSlack(d.Service), escapeSlack(orDash(d.Environment)),
				delivery.ShortSHA(d.CommitSHA), escapeSlack(orDash(d.Actor)))
			if d.Link != "" {
				text += " <" + d.Link + "|" + s.lang.T("notice.link") + ">"
			}
			if err := s.noticeOnce(ctx, key, s.cfg.SlackChannelOf(s.cfg.TeamOf(d.Service)), text); err != nil {
				s.log.Warn("slack: deploy notice not delivered", "deployment", d.ID, "err", err)
			}
		}
	})
}

// deployWord picks the deploy notice for a result.
func deployWord(r delivery.Result) string {
	if r == delivery.Success {
		return "success"
	}
	return "failure"
}

// announceIncidents tells each incident's team that it opened or was
// resolved, once each.
func (s *Server) announceIncidents(is []delivery.Incident) {
	if len(is) == 0 || s.slackPoster() == nil {
		return
	}
	s.background(func(ctx context.Context) {
		for _, inc := range is {
			key, text := "incident/"+inc.ID+"/opened", s.lang.T("notice.incident.opened", escapeSlack(inc.ID), escapeSlack(orDash(inc.Service)))
			if !inc.ResolvedAt.IsZero() {
				key = "incident/" + inc.ID + "/resolved"
				text = s.lang.T("notice.incident.resolved", escapeSlack(inc.ID), escapeSlack(orDash(inc.Service)), env.FormatDuration(inc.ResolvedAt.Sub(inc.CreatedAt)))
			}
			if err := s.noticeOnce(ctx, key, s.cfg.SlackChannelOf(s.cfg.TeamOf(inc.Service)), text); err != nil {
				s.log.Warn("slack: incident notice not delivered", "incident", inc.ID, "err", err)
			}
		}
	})
}
