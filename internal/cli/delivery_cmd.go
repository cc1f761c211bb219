package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/collect/aws"
	"github.com/steward-sre/steward/internal/collect/demo"
	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/delivery"
	"github.com/steward-sre/steward/internal/delivery/awsdeploy"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/report/table"
	"github.com/steward-sre/steward/internal/scan"
	"github.com/steward-sre/steward/internal/store"
)

// DoraCmd shows the Four Keys, or imports delivery history.
type DoraCmd struct {
	Show   DoraShowCmd   `cmd:"" default:"withargs" help:"Show the Four Keys (the default)."`
	Import DoraImportCmd `cmd:"" help:"Import deployments, main-branch commits, merged changes and incidents from CSV or JSON files."`
	GitHub DoraGitHubCmd `cmd:"" name:"github" help:"Record a GitHub webhook payload: deployment_status, pull_request (merged), push (default branch), issues (labelled incident)."`
}

// DoraGitHubCmd records one GitHub webhook payload from a file: in GitHub
// Actions, $GITHUB_EVENT_NAME and $GITHUB_EVENT_PATH; a payload relayed
// from elsewhere is checked against its X-Hub-Signature-256.
type DoraGitHubCmd struct {
	Event     string `help:"The event name (X-GitHub-Event)." required:"" env:"GITHUB_EVENT_NAME" placeholder:"NAME"`
	Payload   string `arg:"" help:"The payload file." env:"GITHUB_EVENT_PATH"`
	Signature string `help:"X-Hub-Signature-256 of the payload, checked with the secret in STEWARD_GITHUB_WEBHOOK_SECRET." placeholder:"sha256=HEX"`
}

// Run reads, checks and stores the payload's records.
func (c *DoraGitHubCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	f, err := os.Open(c.Payload)
	if err != nil {
		return usageError{i18n.Wrap(i18n.Say("delivery.ctx.payload"), unwrapPathError(err))}
	}
	body, err := io.ReadAll(io.LimitReader(f, delivery.MaxWebhookBytes+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("read payload %s: %w", c.Payload, err)
	}
	if c.Signature != "" {
		if err := delivery.VerifySignature([]byte(r.env.Getenv("STEWARD_GITHUB_WEBHOOK_SECRET")), body, c.Signature); err != nil {
			return usagef("%s: %w", c.Payload, err)
		}
	}
	d, err := delivery.ParseGitHub(c.Event, body)
	if err != nil {
		return usagef("%s: %w", c.Payload, err)
	}
	if d.Len() == 0 {
		_, err := fmt.Fprintln(r.env.Stdout, r.lang.T("dora.rec.nothing", c.Event))
		return err
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SaveDelivery(ctx, d); err != nil {
		return err
	}
	for _, x := range d.Deployments {
		fmt.Fprintln(r.env.Stdout, r.lang.T("dora.rec.deploy", x.ID, x.Service, x.Environment, short(x.CommitSHA), x.Result))
	}
	for _, x := range d.Changes {
		fmt.Fprintln(r.env.Stdout, r.lang.T("dora.rec.change", x.ID, x.Service, short(x.MergeSHA)))
	}
	if n := len(d.Commits); n > 0 {
		fmt.Fprintln(r.env.Stdout, r.lang.T("dora.rec.commits", n, d.Commits[0].Service))
	}
	for _, x := range d.Incidents {
		state := r.lang.T("dora.rec.open")
		if !x.ResolvedAt.IsZero() {
			state = r.lang.T("dora.rec.resolved")
		}
		fmt.Fprintln(r.env.Stdout, r.lang.T("dora.rec.incident", x.ID, x.Service, state))
	}
	return nil
}

// DoraShowCmd prints the Four Keys over a window.
type DoraShowCmd struct {
	From        string `help:"Start of the window: a date (2026-01-31, UTC) or an RFC3339 time (default: 90 days before --to)." placeholder:"DATE"`
	To          string `help:"End of the window; a date includes that day (default: now)." placeholder:"DATE"`
	Service     string `help:"Only this service." placeholder:"NAME"`
	Team        string `help:"Only the services of this team (teams: in steward.yaml)." placeholder:"NAME"`
	Environment string `help:"The environment deployments go to (prod and production are the same)." default:"production" placeholder:"ENV"`
	Format      string `help:"Output: table or json." default:"table" short:"f" enum:"table,json"`
	Explain     bool   `help:"List the deployments, changes and incidents behind each figure."`
}

// Run computes and prints the Four Keys.
func (c *DoraShowCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	from, to, err := delivery.ParseWindow(c.From, c.To, r.env.Now())
	if err != nil {
		return usageError{err}
	}
	q := delivery.Query{From: from, To: to, Environment: c.Environment}
	if c.Service != "" {
		q.Services = []string{c.Service}
	}
	if c.Team != "" {
		svcs, ok := cfg.TeamServices(c.Team)
		if !ok {
			if r.cfgPath == "" {
				return r.usage("cli.team.unknown.noconfig", c.Team)
			}
			return r.usage("cli.team.unknown", c.Team, r.cfgPath)
		}
		if c.Service != "" {
			return usageError{i18n.Say("cli.err.serviceteam").Err()}
		}
		q.Services = svcs
	}
	d, err := r.readDelivery(ctx, cfg)
	if err != nil {
		return err
	}
	teams := map[string][]string{}
	for name, t := range cfg.Teams {
		teams[name] = t.Services
	}
	sum := delivery.Summarize(d, q, teams)
	if !c.Explain {
		sum.Explain = nil
	}
	if c.Format == "json" {
		enc := json.NewEncoder(r.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	return writeFourKeys(r.env.Stdout, sum, r.lang)
}

// readDelivery reads every delivery record; an absent store holds none.
func (r *runner) readDelivery(ctx context.Context, cfg *config.Config) (delivery.Data, error) {
	st, err := r.openStoreForReading(ctx, cfg)
	if errors.Is(err, store.ErrNotFound) {
		return delivery.Data{}, nil
	}
	if err != nil {
		return delivery.Data{}, err
	}
	defer st.Close()
	return st.Delivery(ctx)
}

func levelCell(l delivery.Level) string { return string(l) }

func minutesCell(m *float64, lang i18n.Lang) string {
	if m == nil {
		return "-"
	}
	return delivery.HumanMinutesIn(lang, *m)
}

func writeFourKeys(w io.Writer, s delivery.Summary, lang i18n.Lang) error {
	fmt.Fprint(w, table.Terminal(lang.T("dora.title", s.Environment, s.Window.From.Format(time.DateOnly), s.Window.To.Add(-time.Nanosecond).Format(time.DateOnly), s.Window.Days))+"\n\n")
	level := lang.T("dora.col.level")
	cols := []table.Column{{Title: lang.T("dora.col.scope")}, {Title: lang.T("dora.col.deploys")}, {Title: lang.T("dora.col.frequency")}, {Title: level},
		{Title: lang.T("dora.col.lead")}, {Title: level}, {Title: lang.T("dora.col.cfr")}, {Title: level}, {Title: lang.T("dora.col.recovery")}, {Title: level}}
	var rows [][]string
	row := func(scope string, r delivery.Report) {
		cfr := "-"
		if r.ChangeFailureRate.Ratio != nil {
			cfr = fmt.Sprintf("%.1f%% (%d/%d)", *r.ChangeFailureRate.Ratio*100, r.ChangeFailureRate.Failed, r.ChangeFailureRate.Total)
		}
		lead := minutesCell(r.LeadTime.MedianMinutes, lang) + " / " + minutesCell(r.LeadTime.P90Minutes, lang)
		rows = append(rows, []string{scope, fmt.Sprint(r.Deployments),
			lang.T("dora.frequency", r.DeploymentFrequency.PerDay, r.DeploymentFrequency.PerWeek), levelCell(r.DeploymentFrequency.Level),
			lang.T("dora.lead", lead, r.LeadTime.Changes), levelCell(r.LeadTime.Level), cfr, levelCell(r.ChangeFailureRate.Level),
			fmt.Sprintf("%s (%d)", minutesCell(r.RecoveryTime.MedianMinutes, lang), r.RecoveryTime.Recoveries), levelCell(r.RecoveryTime.Level)})
	}
	row(lang.T("dora.scope.all"), s.Report)
	for _, b := range s.ByTeam {
		row(lang.T("dora.scope.team", b.Name), b.Report)
	}
	for _, b := range s.ByService {
		row(lang.T("dora.scope.service", b.Name), b.Report)
	}
	if err := table.Render(w, table.FormatTable, table.Rows("", cols, rows), table.Options{}); err != nil {
		return err
	}
	if len(s.Services) == 0 {
		fmt.Fprintln(w, "\n"+lang.T("dora.none"))
	}
	if s.Explain == nil {
		return nil
	}
	return writeExplain(w, s.Explain, lang)
}

func writeExplain(w io.Writer, ex *delivery.Explanation, lang i18n.Lang) error {
	const stamp = "2006-01-02 15:04"
	cols := func(keys ...string) []table.Column {
		out := make([]table.Column, len(keys))
		for i, k := range keys {
			out[i] = table.Column{Title: lang.T("dora.ex.col." + k)}
		}
		return out
	}
	var deploys [][]string
	for _, d := range ex.Deployments {
		failed := "-"
		if d.Failed {
			failed = lang.T("dora.ex.failed", d.Why)
		}
		deploys = append(deploys, []string{d.Finished.Format(stamp), d.ID, d.Service, string(d.Result), dash(d.Tool), short(d.CommitSHA),
			failed, dash(strings.Join(d.Changes, " "))})
	}
	var changes [][]string
	for _, c := range ex.Changes {
		changes = append(changes, []string{c.Service, c.ID, string(c.Kind), short(c.SHA), c.FirstCommitAt.Format(stamp), c.DeploymentID,
			c.DeployedAt.Format(stamp), delivery.HumanMinutesIn(lang, c.LeadMinutes)})
	}
	var incidents [][]string
	for _, i := range ex.Incidents {
		resolved := lang.T("dora.ex.open")
		if !i.ResolvedAt.IsZero() {
			resolved = i.ResolvedAt.Format(stamp)
		}
		counted := lang.T("dora.ex.notcounted")
		if i.Counted {
			counted = lang.T("dora.ex.counted")
		}
		incidents = append(incidents, []string{i.CreatedAt.Format(stamp), i.ID, i.Service, resolved, dash(i.LinkedTo), i.Link, counted})
	}
	var recoveries [][]string
	for _, rc := range ex.Recoveries {
		to := lang.T("dora.ex.notrecovered")
		if !rc.To.IsZero() {
			to = rc.To.Format(stamp)
		}
		recoveries = append(recoveries, []string{rc.DeploymentID, rc.From.Format(stamp), to, minutesCell(rc.Minutes, lang), rc.Via})
	}
	for _, t := range []*table.Table{
		table.Rows(lang.T("dora.ex.deploys", len(ex.Deployments)), cols("finished", "id", "service", "result", "tool", "commit", "failed", "shipped"), deploys),
		table.Rows(lang.T("dora.ex.changes", len(ex.Changes)), cols("service", "change", "kind", "commit", "firstcommit", "deployment", "deployed", "lead"), changes),
		table.Rows(lang.T("dora.ex.incidents", len(ex.Incidents)), cols("created", "id", "service", "resolved", "deployment", "link", "counted"), incidents),
		table.Rows(lang.T("dora.ex.recoveries", len(ex.Recoveries)), cols("deployment", "from", "to", "time", "via"), recoveries),
	} {
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		if err := table.Render(w, table.FormatTable, t, table.Options{}); err != nil {
			return err
		}
	}
	for _, n := range ex.Notes {
		if _, err := fmt.Fprintln(w, table.Terminal(lang.T("dora.ex.note", n))); err != nil {
			return err
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func short(sha string) string { return delivery.ShortSHA(sha) }

// DoraImportCmd imports delivery records.
type DoraImportCmd struct {
	Deployments string `help:"deployments.csv or .json: id,service,environment,finished_at,result,commit_sha (started_at,version,actor,tool,link,leased_by optional)." placeholder:"FILE"`
	Commits     string `help:"commits.csv or .json: service,sha,parent_sha,committed_at (each service's main-branch first-parent history)." placeholder:"FILE"`
	Changes     string `help:"changes.csv or .json: service,id,merge_sha,first_commit_at,merged_at (one row per merged pull request)." placeholder:"FILE"`
	Incidents   string `help:"incidents.csv or .json: id,service,created_at,resolved_at,deployment_id." placeholder:"FILE"`
	Demo        bool   `help:"Import the demo estate's three months of deliveries instead of files."`
}

// Run reads every file given and stores their records in one go: all or
// none.
func (c *DoraImportCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	var d delivery.Data
	if c.Demo {
		if c.Deployments+c.Commits+c.Changes+c.Incidents != "" {
			return usageError{i18n.Say("cli.err.demofiles").Err()}
		}
		d = demoDelivery(r.env.Now())
	}
	files := []struct {
		path string
		kind delivery.Kind
	}{{c.Deployments, delivery.KindDeployments}, {c.Commits, delivery.KindCommits}, {c.Changes, delivery.KindChanges}, {c.Incidents, delivery.KindIncidents}}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		part, err := readImportFile(f.path, f.kind)
		if err != nil {
			return err
		}
		d.Deployments = append(d.Deployments, part.Deployments...)
		d.Commits = append(d.Commits, part.Commits...)
		d.Changes = append(d.Changes, part.Changes...)
		d.Incidents = append(d.Incidents, part.Incidents...)
	}
	if !c.Demo && d.Len() == 0 && c.Deployments+c.Commits+c.Changes+c.Incidents == "" {
		return usageError{i18n.Say("cli.err.noimport").Err()}
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SaveDelivery(ctx, d); err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "imported %d deployments, %d commits, %d changes, %d incidents\n",
		len(d.Deployments), len(d.Commits), len(d.Changes), len(d.Incidents))
	return err
}

func readImportFile(path string, kind delivery.Kind) (delivery.Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return delivery.Data{}, usagef("--%s: %w", kind, unwrapPathError(err))
	}
	defer f.Close()
	d, err := delivery.ReadImport(path, kind, f)
	if err != nil {
		return delivery.Data{}, usageError{err}
	}
	return d, nil
}

// DeployCmd records deployments.
type DeployCmd struct {
	Record  DeployRecordCmd  `cmd:"" help:"Record one deployment (from any CI, ecspresso in GitHub Actions, or by hand)."`
	Collect DeployCollectCmd `cmd:"" help:"Record deployments AWS knows of, read-only: ECS deployments of the latest AWS scan's services, CodeDeploy deployments and CodePipeline executions."`
}

// DeployCollectCmd reads ECS service deployments, for the ECS services the
// latest live scan found, and CodeDeploy deployments, with the scan's
// credentials.
type DeployCollectCmd struct {
	Since string `help:"CodeDeploy deployments and CodePipeline executions started since: a date or an RFC3339 time (default: 7 days ago)." placeholder:"DATE"`
}

// Run collects and stores the deployments.
func (c *DeployCollectCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	sc, err := st.LatestScan(ctx)
	if errors.Is(err, store.ErrNotFound) || (err == nil && strings.TrimPrefix(sc.Source, scan.EventSourcePrefix) != "aws") {
		return usageError{i18n.Say("cli.err.deploycollect").Err()}
	}
	if err != nil {
		return fmt.Errorf("read latest scan: %w", err)
	}
	rs, err := st.Resources(ctx, sc.ID)
	if err != nil {
		return fmt.Errorf("read resources of scan %s: %w", sc.ID, err)
	}
	byAccount := awsdeploy.ECSServicesOf(rs, cfg.Tags.SystemKey, cfg.Tags.EnvKey)
	src, err := r.awsSource(ctx, cfg)
	if err != nil {
		return err
	}
	clients, err := aws.Clients(src)
	if err != nil {
		return err
	}
	now := r.env.Now().UTC()
	since := now.AddDate(0, 0, -7)
	if c.Since != "" {
		if since, _, err = delivery.ParseWindow(c.Since, now.Format(time.RFC3339), now); err != nil {
			// ParseWindow names the flag it read --since as: --from.
			if u := errors.Unwrap(err); u != nil && strings.HasPrefix(err.Error(), "--from: ") {
				err = u
			}
			return usagef("--since: %w", err)
		}
	}
	var d delivery.Data
	var fromECS, fromCodeDeploy int
	var pipelines []delivery.Deployment
	for _, cl := range clients {
		logSkipped := func(source string, skipped []awsdeploy.Skipped) {
			for _, s := range skipped {
				r.log.Info(source+" deployment not recorded", "account", cl.Account, "region", cl.Region, "deployment", s.ID, "reason", s.Reason)
			}
		}
		if svcs := byAccount[cl.Account][cl.Region]; len(svcs) > 0 {
			deps, skipped, err := awsdeploy.ECSDeployments(ctx, cl.Deployments, svcs)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", cl.Account, cl.Region, err)
			}
			logSkipped("ecs", skipped)
			d.Deployments = append(d.Deployments, deps...)
			fromECS += len(deps)
		}
		groups, err := awsdeploy.CodeDeployGroups(ctx, cl.CodeDeploy)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", cl.Account, cl.Region, err)
		}
		deps, skipped, err := awsdeploy.CodeDeployDeployments(ctx, cl.CodeDeploy, cl.Deployments, groups, since, now)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", cl.Account, cl.Region, err)
		}
		logSkipped("codedeploy", skipped)
		d.Deployments = append(d.Deployments, deps...)
		fromCodeDeploy += len(deps)
		piped, skipped, err := awsdeploy.CodePipelineDeployments(ctx, cl.CodePipeline, pipelineEnvs(cfg, rs), since, now)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", cl.Account, cl.Region, err)
		}
		logSkipped("codepipeline", skipped)
		pipelines = append(pipelines, piped...)
	}
	fromPipeline, err := r.keepNewPipelineDeployments(ctx, st, &d, pipelines)
	if err != nil {
		return err
	}
	if err := st.SaveDelivery(ctx, d); err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "recorded %d ECS deployments, %d CodeDeploy deployments and %d CodePipeline executions\n", fromECS, fromCodeDeploy, fromPipeline)
	return err
}

// DeployRecordCmd records one deployment.
type DeployRecordCmd struct {
	Service  string `help:"The service deployed." required:"" placeholder:"NAME"`
	Env      string `help:"The environment deployed to (prod, stg, qa3 ...)." required:"" placeholder:"ENV"`
	SHA      string `name:"sha" help:"The commit deployed (hex)." required:"" placeholder:"SHA"`
	Result   string `help:"success, failure or rolled_back." required:"" placeholder:"RESULT"`
	ID       string `help:"The deployment's id (default: service, env, finish time and commit, so recording it again replaces it)." placeholder:"ID"`
	Version  string `help:"Version or image deployed." placeholder:"V"`
	Actor    string `help:"Who deployed." env:"GITHUB_ACTOR" placeholder:"NAME"`
	Tool     string `help:"What deployed it (ecspresso, codedeploy, genova ...)." default:"cli" placeholder:"NAME"`
	Link     string `help:"A link to the run or log." placeholder:"URL"`
	Started  string `help:"When it started (RFC3339)." placeholder:"TIME"`
	Finished string `help:"When it finished (RFC3339; default: now)." placeholder:"TIME"`
}

// Run stores the deployment.
func (c *DeployRecordCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	res, err := delivery.ParseResult(c.Result)
	if err != nil {
		return usagef("--result: %w", err)
	}
	d := delivery.Deployment{
		ID: c.ID, Service: c.Service, Environment: c.Env, Result: res, CommitSHA: strings.ToLower(c.SHA),
		Version: c.Version, Actor: c.Actor, Tool: c.Tool, Link: c.Link, Finished: r.env.Now().UTC().Truncate(time.Second),
	}
	if d.Started, err = flagTime("--started", c.Started); err != nil {
		return err
	}
	if c.Finished != "" {
		if d.Finished, err = flagTime("--finished", c.Finished); err != nil {
			return err
		}
	}
	if d.ID == "" {
		d.ID = delivery.DeploymentID(d)
	}
	if err := d.Validate(); err != nil {
		return usageError{i18n.Wrap(i18n.Say("delivery.ctx.deployment"), err)}
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	leaseLines, err := r.deployLease(ctx, cfg, st, &d, cmp.Or(d.Actor, r.whoami("")))
	if err != nil {
		return err
	}
	if err := st.SaveDelivery(ctx, delivery.Data{Deployments: []delivery.Deployment{d}}); err != nil {
		return err
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("dora.rec.deploy", d.ID, d.Service, d.Environment, short(d.CommitSHA), d.Result))
	for _, l := range leaseLines {
		fmt.Fprintln(r.env.Stdout, l)
	}
	return err
}

func flagTime(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageError{i18n.Say("cli.err.rfc3339", flag, v).Err()}
	}
	return t.UTC(), nil
}

// IncidentCmd opens and resolves incidents.
type IncidentCmd struct {
	Open    IncidentOpenCmd    `cmd:"" help:"Open an incident on a service."`
	Resolve IncidentResolveCmd `cmd:"" help:"Resolve an open incident."`
}

// IncidentOpenCmd opens an incident.
type IncidentOpenCmd struct {
	Service    string `help:"The service failing." required:"" placeholder:"NAME"`
	ID         string `help:"The incident's id (default: inc-SERVICE-TIME)." placeholder:"ID"`
	Deployment string `help:"The deployment that caused it, when known (else the service's latest successful production deployment before it)." placeholder:"ID"`
	At         string `help:"When it began (RFC3339; default: now)." placeholder:"TIME"`
}

// Run stores the incident.
func (c *IncidentOpenCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	at := r.env.Now().UTC().Truncate(time.Second)
	if c.At != "" {
		if at, err = flagTime("--at", c.At); err != nil {
			return err
		}
	}
	inc := delivery.Incident{ID: c.ID, Service: c.Service, CreatedAt: at, DeploymentID: c.Deployment}
	if inc.ID == "" {
		inc.ID = "inc-" + c.Service + "-" + at.Format("20060102T150405Z")
	}
	if err := inc.Validate(); err != nil {
		return usageError{i18n.Wrap(i18n.Say("delivery.ctx.incident"), err)}
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Incident(ctx, inc.ID); err == nil {
		return usageError{i18n.Say("cli.err.incident.dup", inc.ID).Err()}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := st.SaveDelivery(ctx, delivery.Data{Incidents: []delivery.Incident{inc}}); err != nil {
		return err
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("dora.rec.opened", inc.ID, inc.Service, inc.CreatedAt.Format(time.RFC3339)))
	return err
}

// IncidentResolveCmd resolves an incident.
type IncidentResolveCmd struct {
	ID string `arg:"" help:"The incident's id."`
	At string `help:"When it was resolved (RFC3339; default: now)." placeholder:"TIME"`
}

// Run marks the incident resolved.
func (c *IncidentResolveCmd) Run(ctx context.Context, r *runner) error {
	cfg, err := r.config(ctx)
	if err != nil {
		return err
	}
	at := r.env.Now().UTC().Truncate(time.Second)
	if c.At != "" {
		if at, err = flagTime("--at", c.At); err != nil {
			return err
		}
	}
	st, err := r.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	inc, err := st.Incident(ctx, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return usageError{i18n.Say("cli.err.incident.none", c.ID).Err()}
	}
	if err != nil {
		return err
	}
	if !inc.ResolvedAt.IsZero() {
		return usageError{i18n.Say("cli.err.incident.resolved", inc.ID, inc.ResolvedAt.Format(time.RFC3339)).Err()}
	}
	inc.ResolvedAt = at
	if err := inc.Validate(); err != nil {
		return usageError{i18n.Wrap(i18n.Say("delivery.ctx.incidentid", inc.ID), err)}
	}
	if err := st.SaveDelivery(ctx, delivery.Data{Incidents: []delivery.Incident{inc}}); err != nil {
		return err
	}
	_, err = fmt.Fprintln(r.env.Stdout, r.lang.T("dora.rec.resolvedafter", inc.ID, delivery.HumanMinutesIn(r.lang, inc.ResolvedAt.Sub(inc.CreatedAt).Minutes())))
	return err
}

// demoDelivery is the demo estate's delivery history as of now.
func demoDelivery(now time.Time) delivery.Data { return demo.Delivery(now) }
