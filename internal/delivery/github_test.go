package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVerifySignature(t *testing.T) {
	// The example of GitHub's "Validating webhook deliveries" page.
	secret := []byte("It's a Secret to Everybody")
	body := []byte("Hello, World!")
	const good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if err := VerifySignature(secret, body, good); err != nil {
		t.Errorf("GitHub's documented example: %v", err)
	}
	tests := map[string]struct {
		secret []byte
		body   []byte
		header string
	}{
		"other body":      {secret, []byte("Hello, World?"), good},
		"other secret":    {[]byte("guess"), body, good},
		"sha1 header":     {secret, body, "sha1=0a0a"},
		"not hex":         {secret, body, "sha256=zz"},
		"truncated":       {secret, body, good[:len(good)-2]},
		"empty header":    {secret, body, ""},
		"no secret set":   {nil, body, good},
		"upper-case name": {secret, body, "SHA256=" + good[len("sha256="):]},
	}
	for name, tc := range tests {
		if err := VerifySignature(tc.secret, tc.body, tc.header); err == nil {
			t.Errorf("%s: accepted", name)
		} else if name != "no secret set" && !errors.Is(err, ErrSignature) {
			t.Errorf("%s: err = %v, want ErrSignature", name, err)
		}
	}
}

func payload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "github", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseGitHub(t *testing.T) {
	tests := map[string]struct {
		event, file string
		want        Data
	}{
		"deployment succeeded": {"deployment_status", "deployment_status_success.json", Data{Deployments: []Deployment{{
			ID: "gh-hanamaru/api-1234567", Service: "api", Environment: "production",
			Started: ts("2026-03-02T11:48:30Z"), Finished: ts("2026-03-02T12:00:00Z"), Result: Success,
			CommitSHA: "a10f5c2e9b7d4e3f8a6b1c0d2e4f6a8b0c1d3e5f", Version: "v1.42.0", Actor: "alice", Tool: "github",
			Link: "https://github.com/hanamaru/api/actions/runs/555/job/777",
		}}}},
		"deployment failed": {"deployment_status", "deployment_status_failure.json", Data{Deployments: []Deployment{{
			ID: "gh-hanamaru/api-1234570", Service: "api", Environment: "production",
			Started: ts("2026-03-02T11:48:30Z"), Finished: ts("2026-03-03T11:00:00Z"), Result: Failure,
			CommitSHA: "a10f5c2e9b7d4e3f8a6b1c0d2e4f6a8b0c1d3e5f", Version: "v1.42.0", Actor: "alice", Tool: "github",
			Link: "https://github.com/hanamaru/api/actions/runs/555/job/777",
		}}}},
		"deployment in progress": {"deployment_status", "deployment_status_in_progress.json", Data{}},
		"pull request merged": {"pull_request", "pull_request_merged.json", Data{Changes: []Change{{
			Service: "api", ID: "#128", MergeSHA: "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3",
			FirstCommitAt: ts("2026-02-27T12:00:00Z"), MergedAt: ts("2026-03-02T06:00:00Z"),
		}}}},
		"pull request closed unmerged": {"pull_request", "pull_request_closed_unmerged.json", Data{}},
		"push to main": {"push", "push_main.json", Data{Commits: []Commit{
			{Service: "api", SHA: "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", ParentSHA: "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0", CommittedAt: ts("2026-03-01T09:00:00Z")},
			{Service: "api", SHA: "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2", ParentSHA: "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1", CommittedAt: ts("2026-03-01T12:00:00Z")},
			{Service: "api", SHA: "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3", ParentSHA: "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2", CommittedAt: ts("2026-03-02T06:00:00Z")},
		}}},
		"push to a branch": {"push", "push_branch.json", Data{}},
		"incident opened": {"issues", "issues_labeled_incident.json", Data{Incidents: []Incident{{
			ID: "gh-hanamaru/api#131", Service: "api", CreatedAt: ts("2026-03-06T18:00:00Z"),
		}}}},
		"incident closed": {"issues", "issues_closed_incident.json", Data{Incidents: []Incident{{
			ID: "gh-hanamaru/api#131", Service: "api", CreatedAt: ts("2026-03-06T18:00:00Z"), ResolvedAt: ts("2026-03-06T20:30:00Z"),
		}}}},
		"issue with another label": {"issues", "issues_labeled_other.json", Data{}},
		"another event":            {"star", "push_main.json", Data{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseGitHub(tc.event, payload(t, tc.file))
			if err != nil {
				t.Fatalf("ParseGitHub: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseGitHubErrors(t *testing.T) {
	tests := map[string]struct {
		event, body, want string
	}{
		"not json":      {"push", "{", "github push: payload: unexpected EOF"},
		"wrong type":    {"pull_request", `{"action":"closed","number":"12"}`, "github pull_request: payload: number: must be a int64, got a JSON string"},
		"no sha":        {"deployment_status", `{"deployment_status":{"state":"success","created_at":"2026-01-01T00:00:00Z"},"deployment":{"id":1,"environment":"prod"},"repository":{"name":"api","full_name":"o/api"}}`, `github deployment_status: deployment "gh-o/api-1": commit_sha: "" is not a commit sha (4 to 64 lower-case hex digits)`},
		"no repository": {"issues", `{"action":"opened","issue":{"number":1,"created_at":"2026-01-01T00:00:00Z","labels":[{"name":"incident"}]}}`, `github issues: incident "gh-#1": service: is required`},
		"too big":       {"push", strings.Repeat(" ", MaxWebhookBytes+1), "github push: payload larger than 25 MiB"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseGitHub(tc.event, []byte(tc.body))
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// FuzzParseGitHub: no payload crashes the parsers; whatever they accept is
// valid; a body only passes the signature check with the secret's HMAC.
func FuzzParseGitHub(f *testing.F) {
	events := []string{"deployment_status", "pull_request", "push", "issues"}
	for _, name := range []string{"deployment_status_success.json", "pull_request_merged.json", "push_main.json", "issues_closed_incident.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "github", name))
		if err != nil {
			f.Fatal(err)
		}
		for i := range events {
			f.Add(i, b)
		}
	}
	f.Fuzz(func(t *testing.T, e int, body []byte) {
		event := events[uint(e)%uint(len(events))]
		d, err := ParseGitHub(event, body)
		if err == nil {
			if err := d.Validate(); err != nil {
				t.Fatalf("accepted an invalid record: %v", err)
			}
		}
		secret := []byte("s3cret")
		mac := hmac.New(sha256.New, secret)
		mac.Write(body)
		sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if err := VerifySignature(secret, body, sig); err != nil {
			t.Fatalf("the body's own signature is refused: %v", err)
		}
		if len(body) > 0 {
			if err := VerifySignature(secret, body[1:], sig); err == nil {
				t.Fatalf("a changed body passed the signature check")
			}
		}
	})
}
