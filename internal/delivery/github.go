package delivery

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/steward-sre/steward/internal/i18n"
)

// GitHub webhooks: the server's endpoint hands each delivery's event name
// (X-GitHub-Event), signature (X-Hub-Signature-256) and body here; what a
// delivery means for deployments, changes, commits and incidents is decided
// in this file, with no HTTP in it.

// MaxWebhookBytes is GitHub's own cap on a delivery's payload.
const MaxWebhookBytes = 25 << 20

// IncidentLabel marks an issue as an incident.
const IncidentLabel = "incident"

// ErrSignature is a delivery whose signature does not match the secret.
var ErrSignature = errors.New("webhook signature does not match")

// VerifySignature checks X-Hub-Signature-256 ("sha256=" and the hex
// HMAC-SHA256 of the body under the webhook's secret), in constant time.
func VerifySignature(secret, body []byte, header string) error {
	if len(secret) == 0 {
		return i18n.Say("delivery.err.nosecret").Err()
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return i18n.Say("delivery.err.sigprefix").ErrOf(ErrSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return i18n.Say("delivery.err.sighex").ErrOf(ErrSignature)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return i18n.Say("delivery.err.signature").ErrOf(ErrSignature)
	}
	return nil
}

type ghUser struct {
	Login string `json:"login"`
}

type ghRepo struct {
	Name          string `json:"name"`
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
}

type ghDeploymentStatus struct {
	Action           string `json:"action"`
	DeploymentStatus struct {
		State       string    `json:"state"`
		Environment string    `json:"environment"`
		TargetURL   string    `json:"target_url"`
		LogURL      string    `json:"log_url"`
		CreatedAt   time.Time `json:"created_at"`
		UpdatedAt   time.Time `json:"updated_at"`
		Creator     ghUser    `json:"creator"`
	} `json:"deployment_status"`
	Deployment struct {
		ID          int64     `json:"id"`
		SHA         string    `json:"sha"`
		Ref         string    `json:"ref"`
		Environment string    `json:"environment"`
		CreatedAt   time.Time `json:"created_at"`
		Creator     ghUser    `json:"creator"`
	} `json:"deployment"`
	Repository ghRepo `json:"repository"`
}

type ghPullRequest struct {
	Action      string `json:"action"`
	Number      int64  `json:"number"`
	PullRequest struct {
		Merged         bool      `json:"merged"`
		MergeCommitSHA string    `json:"merge_commit_sha"`
		CreatedAt      time.Time `json:"created_at"`
		MergedAt       time.Time `json:"merged_at"`
		Base           struct {
			Ref string `json:"ref"`
		} `json:"base"`
	} `json:"pull_request"`
	Repository ghRepo `json:"repository"`
}

type ghCommit struct {
	ID        string    `json:"id"`
	Timestamp time.Time `json:"timestamp"`
}

type ghPush struct {
	Ref        string     `json:"ref"`
	Before     string     `json:"before"`
	Deleted    bool       `json:"deleted"`
	Commits    []ghCommit `json:"commits"`
	HeadCommit *ghCommit  `json:"head_commit"`
	Repository ghRepo     `json:"repository"`
}

type ghIssues struct {
	Action string `json:"action"`
	Issue  struct {
		Number    int64     `json:"number"`
		State     string    `json:"state"`
		CreatedAt time.Time `json:"created_at"`
		ClosedAt  time.Time `json:"closed_at"`
		Labels    []struct {
			Name string `json:"name"`
		} `json:"labels"`
	} `json:"issue"`
	Repository ghRepo `json:"repository"`
}

// ParseGitHub reads one webhook delivery. Deliveries that say nothing
// about delivery (another event, a pending deployment, a closed but
// unmerged pull request, a push to another branch, an issue not labelled
// incident) give empty Data and no error. Records are keyed so that a
// redelivery replaces what the first delivery stored:
//
//   - deployment_status success, failure or error: a deployment of the
//     repository (its name is the service), id gh-OWNER/REPO-deploymentID;
//   - pull_request closed and merged into the default branch: a change,
//     id #NUMBER. The payload has no commit times, so the pull request's
//     creation stands in for its first commit; an import of changes.csv
//     with the real first commit replaces it;
//   - push to the default branch: its commits, each the first parent of
//     the next and the first's parent the branch's old head (the history
//     squash and rebase merges make; the parents of a merge commit's other
//     side are not in the payload);
//   - issues with the incident label: an incident, id gh-OWNER/REPO#NUMBER,
//     resolved when the issue is closed.
func ParseGitHub(event string, body []byte) (Data, error) {
	if len(body) > MaxWebhookBytes {
		return Data{}, i18n.Wrap(i18n.Say("delivery.ctx.github", event), i18n.Say("delivery.err.toolarge", MaxWebhookBytes>>20).Err())
	}
	var (
		d   Data
		err error
	)
	switch event {
	case "deployment_status":
		d, err = parseDeploymentStatus(body)
	case "pull_request":
		d, err = parsePullRequest(body)
	case "push":
		d, err = parsePush(body)
	case "issues":
		d, err = parseIssues(body)
	default:
		return Data{}, nil
	}
	if err == nil {
		err = d.Validate()
	}
	if err != nil {
		return Data{}, i18n.Wrap(i18n.Say("delivery.ctx.github", event), err)
	}
	return d, nil
}

func decode(body []byte, v any) error {
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(v); err != nil {
		return i18n.Wrap(i18n.Say("delivery.ctx.payload"), jsonMessage(err))
	}
	return nil
}

func parseDeploymentStatus(body []byte) (Data, error) {
	var p ghDeploymentStatus
	if err := decode(body, &p); err != nil {
		return Data{}, err
	}
	s := p.DeploymentStatus
	var res Result
	switch s.State {
	case "success":
		res = Success
	case "failure", "error":
		res = Failure
	default: // pending, queued, in_progress, inactive: not an outcome
		return Data{}, nil
	}
	env := s.Environment
	if env == "" {
		env = p.Deployment.Environment
	}
	finished := s.CreatedAt
	if s.UpdatedAt.After(finished) {
		finished = s.UpdatedAt
	}
	link := s.LogURL
	if link == "" {
		link = s.TargetURL
	}
	actor := p.Deployment.Creator.Login
	if actor == "" {
		actor = s.Creator.Login
	}
	return Data{Deployments: []Deployment{{
		ID:          "gh-" + p.Repository.FullName + "-" + strconv.FormatInt(p.Deployment.ID, 10),
		Service:     p.Repository.Name,
		Environment: env,
		Started:     p.Deployment.CreatedAt.UTC(),
		Finished:    finished.UTC(),
		Result:      res,
		CommitSHA:   p.Deployment.SHA,
		Version:     p.Deployment.Ref,
		Actor:       actor,
		Tool:        "github",
		Link:        link,
	}}}, nil
}

func parsePullRequest(body []byte) (Data, error) {
	var p ghPullRequest
	if err := decode(body, &p); err != nil {
		return Data{}, err
	}
	pr := p.PullRequest
	if p.Action != "closed" || !pr.Merged {
		return Data{}, nil
	}
	if p.Repository.DefaultBranch != "" && pr.Base.Ref != p.Repository.DefaultBranch {
		return Data{}, nil // merged into another branch: not a change on main yet
	}
	return Data{Changes: []Change{{
		Service:       p.Repository.Name,
		ID:            "#" + strconv.FormatInt(p.Number, 10),
		MergeSHA:      pr.MergeCommitSHA,
		FirstCommitAt: pr.CreatedAt.UTC(),
		MergedAt:      pr.MergedAt.UTC(),
	}}}, nil
}

// zeroSHA is GitHub's "before" of a push that made the branch.
const zeroSHA = "0000000000000000000000000000000000000000"

func parsePush(body []byte) (Data, error) {
	var p ghPush
	if err := decode(body, &p); err != nil {
		return Data{}, err
	}
	if p.Deleted || p.Repository.DefaultBranch == "" || p.Ref != "refs/heads/"+p.Repository.DefaultBranch {
		return Data{}, nil
	}
	commits := p.Commits
	if len(commits) == 0 && p.HeadCommit != nil {
		commits = []ghCommit{*p.HeadCommit}
	}
	parent := p.Before
	if parent == zeroSHA {
		parent = ""
	}
	var d Data
	for _, c := range commits {
		d.Commits = append(d.Commits, Commit{Service: p.Repository.Name, SHA: c.ID, ParentSHA: parent, CommittedAt: c.Timestamp.UTC()})
		parent = c.ID
	}
	return d, nil
}

func parseIssues(body []byte) (Data, error) {
	var p ghIssues
	if err := decode(body, &p); err != nil {
		return Data{}, err
	}
	labelled := false
	for _, l := range p.Issue.Labels {
		if strings.EqualFold(l.Name, IncidentLabel) {
			labelled = true
		}
	}
	if !labelled || p.Action == "deleted" {
		return Data{}, nil
	}
	inc := Incident{
		ID:        "gh-" + p.Repository.FullName + "#" + strconv.FormatInt(p.Issue.Number, 10),
		Service:   p.Repository.Name,
		CreatedAt: p.Issue.CreatedAt.UTC(),
	}
	if p.Issue.State == "closed" && !p.Issue.ClosedAt.IsZero() {
		inc.ResolvedAt = p.Issue.ClosedAt.UTC()
	}
	return Data{Incidents: []Incident{inc}}, nil
}
