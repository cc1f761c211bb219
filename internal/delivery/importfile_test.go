package delivery

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestReadImport(t *testing.T) {
	tests := map[string]struct {
		kind Kind
		in   string
		want Data
	}{
		"deployments csv, columns in any order, optional columns": {
			kind: KindDeployments,
			in: "\ufeffservice,id,environment,finished_at,result,commit_sha,tool\n" +
				"api,d1,production,2026-01-02T03:04:05Z,success,abc1234,ecspresso\n" +
				"api,d2,production,2026-01-03T03:04:05+09:00,Rolled_Back,abc1235,\n",
			want: Data{Deployments: []Deployment{
				{ID: "d1", Service: "api", Environment: "production", Finished: ts("2026-01-02T03:04:05Z"), Result: Success, CommitSHA: "abc1234", Tool: "ecspresso"},
				{ID: "d2", Service: "api", Environment: "production", Finished: ts("2026-01-02T18:04:05Z"), Result: RolledBack, CommitSHA: "abc1235"},
			}},
		},
		"deployments json": {
			kind: KindDeployments,
			in:   ` [{"id":"d1","service":"api","environment":"prod","finished_at":"2026-01-02T03:04:05Z","result":"failure","commit_sha":"abc1234","actor":"bob"}]`,
			want: Data{Deployments: []Deployment{
				{ID: "d1", Service: "api", Environment: "prod", Finished: ts("2026-01-02T03:04:05Z"), Result: Failure, CommitSHA: "abc1234", Actor: "bob"},
			}},
		},
		"commits csv, the root has no parent": {
			kind: KindCommits,
			in:   "service,sha,parent_sha,committed_at\napi,aaaa,,2026-01-01T00:00:00Z\napi,bbbb,aaaa,2026-01-02T00:00:00Z\n",
			want: Data{Commits: []Commit{
				{Service: "api", SHA: "aaaa", CommittedAt: ts("2026-01-01T00:00:00Z")},
				{Service: "api", SHA: "bbbb", ParentSHA: "aaaa", CommittedAt: ts("2026-01-02T00:00:00Z")},
			}},
		},
		"changes csv": {
			kind: KindChanges,
			in:   "service,id,merge_sha,first_commit_at,merged_at\napi,#12,bbbb,2025-12-30T10:00:00Z,2026-01-02T00:00:00Z\n",
			want: Data{Changes: []Change{
				{Service: "api", ID: "#12", MergeSHA: "bbbb", FirstCommitAt: ts("2025-12-30T10:00:00Z"), MergedAt: ts("2026-01-02T00:00:00Z")},
			}},
		},
		"incidents csv, open and without deployment": {
			kind: KindIncidents,
			in:   "id,service,created_at,resolved_at,deployment_id\ni1,api,2026-01-02T00:00:00Z,,\ni2,api,2026-01-03T00:00:00Z,2026-01-03T01:00:00Z,d1\n",
			want: Data{Incidents: []Incident{
				{ID: "i1", Service: "api", CreatedAt: ts("2026-01-02T00:00:00Z")},
				{ID: "i2", Service: "api", CreatedAt: ts("2026-01-03T00:00:00Z"), ResolvedAt: ts("2026-01-03T01:00:00Z"), DeploymentID: "d1"},
			}},
		},
		"header only":      {kind: KindIncidents, in: "id,service,created_at,resolved_at,deployment_id\n", want: Data{}},
		"empty json array": {kind: KindCommits, in: "[]", want: Data{}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ReadImport("f.csv", tc.kind, strings.NewReader(tc.in))
			if err != nil {
				t.Fatalf("ReadImport: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadImportErrors(t *testing.T) {
	const depHeader = "id,service,environment,finished_at,result,commit_sha\n"
	tests := map[string]struct {
		kind Kind
		in   string
		want string // the whole message
	}{
		"empty file": {KindDeployments, "",
			"deployments.csv: empty file: a header row is required (id, service, environment, finished_at, result, commit_sha, started_at, version, actor, tool, link, leased_by)"},
		"no header, data first": {KindCommits, "api,aaaa,,2026-01-01T00:00:00Z\n",
			`deployments.csv: unknown column "api" (valid: service, sha, parent_sha, committed_at)`},
		"unknown column": {KindDeployments, "id,service,environment,finished_at,result,commit_sha,region\n",
			`deployments.csv: unknown column "region" (valid: id, service, environment, finished_at, result, commit_sha, started_at, version, actor, tool, link, leased_by)`},
		"missing column": {KindIncidents, "id,service,created_at,resolved_at\n",
			`deployments.csv: missing column "deployment_id" (the header must have id, service, created_at, resolved_at, deployment_id)`},
		"column twice": {KindCommits, "service,sha,sha,parent_sha,committed_at\n",
			`deployments.csv: column "sha" appears twice in the header`},
		"bad result": {KindDeployments, depHeader + "d1,api,prod,2026-01-02T03:04:05Z,success,abcd\nd2,api,prod,2026-01-02T03:04:05Z,maybe,abcd\n",
			`deployments.csv:3: result: "maybe" is not a result (valid: success, failure, rolled_back)`},
		"bad time": {KindDeployments, depHeader + "d1,api,prod,2026-01-02 03:04,success,abcd\n",
			`deployments.csv:2: finished_at: "2026-01-02 03:04" is not an RFC3339 time (e.g. 2026-01-02T15:04:05Z)`},
		"missing value": {KindDeployments, depHeader + "d1,,prod,2026-01-02T03:04:05Z,success,abcd\n",
			`deployments.csv:2: service: is required`},
		"bad sha": {KindCommits, "service,sha,parent_sha,committed_at\napi,XYZ,,2026-01-01T00:00:00Z\n",
			`deployments.csv:2: sha: "XYZ" is not a commit sha (4 to 64 lower-case hex digits)`},
		"resolved before created": {KindIncidents, "id,service,created_at,resolved_at,deployment_id\ni1,api,2026-01-02T00:00:00Z,2026-01-01T00:00:00Z,\n",
			`deployments.csv:2: created_at: 2026-01-02T00:00:00Z is after resolved_at 2026-01-01T00:00:00Z`},
		"duplicate id": {KindDeployments, depHeader + "d1,api,prod,2026-01-02T03:04:05Z,success,abcd\nd1,api,prod,2026-01-03T03:04:05Z,success,abce\n",
			`deployments.csv:3: d1 is already on line 2`},
		"wrong field count": {KindDeployments, depHeader + "d1,api\n",
			`deployments.csv:2: 2 fields where the header has 6`},
		"bare quote": {KindDeployments, depHeader + "d1,api,pr\"od,2026-01-02T03:04:05Z,success,abcd\n",
			`deployments.csv:2: a quote (") inside a field that is not quoted (quote the whole field and double the quote: "a""b")`},
		"quote not closed": {KindDeployments, depHeader + "d1,api,prod,2026-01-02T03:04:05Z,success,abcd\nd2,\"api,prod,2026-01-02T03:04:05Z,success,abcd\nd3,api\n",
			`deployments.csv:3: a quoted field is not closed, or a quote inside it is not doubled`},
		"json duplicate": {KindIncidents, `[{"id":"i1","service":"api","created_at":"2026-01-02T00:00:00Z"},{"id":"i1","service":"api","created_at":"2026-01-03T00:00:00Z"}]`,
			`deployments.csv: element 1: i1 is already element 0`},
		"json array not closed": {KindIncidents, `[{"id":"i1","service":"api","created_at":"2026-01-02T00:00:00Z"}`,
			`deployments.csv: unexpected EOF`},
		"control character": {KindDeployments, depHeader + "\"d\x1b[31m\",api,prod,2026-01-02T03:04:05Z,success,abcd\n",
			`deployments.csv:2: id: "d\x1b[31m" holds a control character or invalid UTF-8`},
		"json unknown field": {KindIncidents, `[{"id":"i1","service":"api","created_at":"2026-01-02T00:00:00Z","severity":"high"}]`,
			`deployments.csv: element 0: unknown field "severity" (valid: id, service, created_at, resolved_at, deployment_id)`},
		"json bad time": {KindIncidents, `[{"id":"i1","service":"api","created_at":"yesterday"}]`,
			`deployments.csv: element 0: "yesterday" is not an RFC3339 time (e.g. 2026-01-02T15:04:05Z)`},
		"json wrong type": {KindChanges, `[{"service":"api","id":12}]`,
			`deployments.csv: element 0: id: must be a string, got a JSON number`},
		"json trailing data": {KindCommits, `[] []`,
			`deployments.csv: unexpected data after the JSON array`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ReadImport("deployments.csv", tc.kind, strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("ReadImport accepted %q", tc.in)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestReadImportTooBig(t *testing.T) {
	big := strings.NewReader("id,service,created_at,resolved_at,deployment_id\n" + strings.Repeat("x", MaxImportBytes))
	_, err := ReadImport("big.csv", KindIncidents, big)
	if err == nil || !strings.Contains(err.Error(), "big.csv: larger than 64 MiB") {
		t.Errorf("err = %v, want the file named as too large", err)
	}
}

// FuzzReadImport: no input crashes or hangs the reader, and whatever it
// accepts is valid and survives a second trip as JSON.
func FuzzReadImport(f *testing.F) {
	f.Add(0, "id,service,environment,finished_at,result,commit_sha\nd1,api,prod,2026-01-02T03:04:05Z,success,abcd\n")
	f.Add(1, "service,sha,parent_sha,committed_at\napi,aaaa,,2026-01-01T00:00:00Z\n")
	f.Add(2, `[{"service":"api","id":"1","merge_sha":"abcd","first_commit_at":"2026-01-01T00:00:00Z","merged_at":"2026-01-02T00:00:00Z"}]`)
	f.Add(3, "id,service,created_at,resolved_at,deployment_id\ni1,api,2026-01-02T00:00:00Z,,\n")
	f.Add(3, "\"id\",service\n\"a\"\"b\",x")
	kinds := []Kind{KindDeployments, KindCommits, KindChanges, KindIncidents}
	f.Fuzz(func(t *testing.T, k int, in string) {
		kind := kinds[uint(k)%uint(len(kinds))]
		d, err := ReadImport("f", kind, strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("accepted an invalid record: %v", err)
		}
	})
}
