package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const scheduleConfig = `time_zone: Asia/Tokyo
schedules:
  office-hours:
    windows: ["mon-fri 09:00-20:00"]
    holidays: jp
    closed: ["12-29", "12-30", "12-31"]
    env: [dev*, qa*]
  la-support:
    windows: ["mon-fri 08:00-17:00"]
    time_zone: America/Los_Angeles
    enforced: true
`

func TestScheduleCommands(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "steward.yaml")
	if err := os.WriteFile(cfg, []byte(scheduleConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		args []string
		code int
		out  []string // lines or fragments stdout must hold
		err  string   // fragment of stderr
	}{
		"eval a tag, json": {
			args: []string{"schedule", "eval", "--tag", "off=(M-F,19);on=(M-F,7);tz=jst", "--default-tz", "Asia/Tokyo", "--at", "2026-12-07T19:30:00+09:00", "--format", "json"},
			out:  []string{`"state": "off"`, `"since": "2026-12-07T19:00:00+09:00"`, `"state": "on"`, `"at": "2026-12-08T07:00:00+09:00"`},
		},
		"eval a tag, table": {
			args: []string{"schedule", "eval", "--tag", "off=(M-F,19);on=(M-F,7);tz=jst", "--at", "2026-12-05T12:00:00+09:00"},
			out:  []string{"STATE     off", "SINCE     2026-12-04 19:00 JST (Fri)", "NEXT      on at 2026-12-07 07:00 JST (Mon)"},
		},
		"default-tz takes an alias": {
			args: []string{"schedule", "eval", "--tag", "off=(M-F,19)", "--default-tz", "pt", "--at", "2026-12-07T12:00:00-08:00"},
			out:  []string{"(America/Los_Angeles)", "STATE     on", "NEXT      off at 2026-12-07 19:00 PST (Mon)"},
		},
		"an empty tag takes the config's zone": {
			args: []string{"--config", cfg, "schedule", "eval", "--tag", "", "--at", "2026-12-07T19:30:00+09:00", "--format", "json"},
			out:  []string{`"state": "off"`, `"since": "2026-12-07T19:00:00+09:00"`},
		},
		"opted out": {
			args: []string{"schedule", "eval", "--tag", "off", "--format", "json"},
			out:  []string{`"state": "none"`},
		},
		"malformed tag exits 2 naming the part": {
			args: []string{"schedule", "eval", "--tag", "off=(M-F,19);on=(M-F,25)", "--at", "2026-12-07T19:30:00+09:00"},
			code: 2, err: `"on=(m-f,25)": hour "25" is not 0 to 23`,
		},
		"bad default-tz": {
			args: []string{"schedule", "eval", "--tag", "", "--default-tz", "Tokyo"},
			code: 2, err: `--default-tz: "Tokyo" is not a time zone`,
		},
		"bad --at": {
			args: []string{"schedule", "eval", "--tag", "", "--at", "2026-12-07 19:30"},
			code: 2, err: `--at "2026-12-07 19:30" is not an RFC 3339 time`,
		},
		"neither tag nor schedule": {
			args: []string{"schedule", "eval"},
			code: 2, err: "give --tag VALUE or --schedule NAME",
		},
		"eval a named schedule on a holiday": {
			args: []string{"--config", cfg, "schedule", "eval", "--schedule", "office-hours", "--at", "2026-11-03T10:00:00+09:00", "--format", "json"},
			out:  []string{`"state": "off"`, `"since": "2026-11-02T20:00:00+09:00"`, `"at": "2026-11-04T09:00:00+09:00"`},
		},
		"eval an enforced schedule": {
			args: []string{"--config", cfg, "schedule", "eval", "--schedule", "la-support", "--at", "2026-03-09T08:30:00-07:00"},
			out:  []string{"SINCE     2026-03-09 08:00 PDT (Mon)", "ENFORCED  yes"},
		},
		"unknown schedule": {
			args: []string{"--config", cfg, "schedule", "eval", "--schedule", "nights"},
			code: 2, err: `no schedule "nights" (known: la-support, office-hours)`,
		},
		"preview marks holidays and closed days": {
			args: []string{"--config", cfg, "schedule", "preview", "office-hours", "--days", "3", "--from", "2026-12-28T08:00:00+09:00"},
			out: []string{
				"office-hours: mon-fri 09:00-20:00 Asia/Tokyo, jp holidays off, closed 12-29,12-30,12-31",
				"2026-12-28  Mon  on 09:00 JST, off 20:00 JST",
				"2026-12-29  Tue  -                            closed day (off all day)",
			},
		},
		"preview a public holiday by name": {
			args: []string{"--config", cfg, "schedule", "preview", "office-hours", "--days", "1", "--from", "2026-11-03T08:00:00+09:00"},
			out:  []string{"2026-11-03  Tue  -            holiday: Culture Day (off all day)"},
		},
		"preview days out of range": {
			args: []string{"--config", cfg, "schedule", "preview", "office-hours", "--days", "0"},
			code: 2, err: "--days 0: want 1 to 366",
		},
		"list": {
			args: []string{"--config", cfg, "schedule", "list"},
			out:  []string{"office-hours  mon-fri 09:00-20:00", "tag steward:schedule=office-hours; env dev*,qa*", "A resource tagged maid_offhours"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			env, out, errb := testEnv()
			if code := Main(context.Background(), tc.args, env); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errb)
			}
			for _, want := range tc.out {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(errb.String(), tc.err) {
				t.Errorf("stderr %q lacks %q", errb, tc.err)
			}
		})
	}
}

// The JSON of schedule eval has exactly the keys scripts read.
func TestScheduleEvalJSONShape(t *testing.T) {
	env, out, errb := testEnv()
	args := []string{"schedule", "eval", "--tag", "off=(M-F,19);on=(M-F,7);tz=jst", "--at", "2026-12-07T19:30:00+09:00", "--format", "json"}
	if code := Main(context.Background(), args, env); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"state": "off", "since": "2026-12-07T19:00:00+09:00",
		"next": map[string]any{"state": "on", "at": "2026-12-08T07:00:00+09:00"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("json (-want +got):\n%s", diff)
	}
}

// TestScanReportsUnreadableScheduleTags: a maid_offhours value Cloud
// Custodian rejects is a finding on its resource, never ignored.
func TestScanReportsUnreadableScheduleTags(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "estate.jsonl")
	lines := []string{
		`{"steward_scan": 1, "scan": {"id":"s1","source":"test","started":"2026-12-01T00:00:00Z","finished":"2026-12-01T00:00:01Z","resources":2,"coverage":[{"account":"111111111111","region":"ap-northeast-1","service":"ecs","ok":true,"resources":2}]}}`,
		`{"resource":{"arn":"arn:aws:ecs:ap-northeast-1:111111111111:service/dev/web","account":"111111111111","region":"ap-northeast-1","type":"AWS::ECS::Service","id":"web","name":"web","tags":{"maid_offhours":"off=(M-X,19);on=(M-F,7)"}}}`,
		`{"resource":{"arn":"arn:aws:ecs:ap-northeast-1:111111111111:service/dev/api","account":"111111111111","region":"ap-northeast-1","type":"AWS::ECS::Service","id":"api","name":"api","tags":{"maid_offhours":"off=(M-F,19);on=(M-F,7);tz=jst"}}}`,
		`{"end":{"resources":2}}`,
	}
	if err := os.WriteFile(snap, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env, out, errb := testEnv()
	code := Main(context.Background(), []string{"scan", "--no-store", "--source", "file:" + snap, "--format", "json"}, env)
	if code != ExitOK && code != ExitFindings {
		t.Fatalf("scan: exit %d\n%s", code, errb)
	}
	var res struct {
		Findings []struct{ Policy, Name, Message string }
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		if f.Policy == "schedule-tag-invalid" {
			got = append(got, f.Name+": "+f.Message)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "web: ") || !strings.Contains(got[0], `"m-x" is not a day`) {
		t.Errorf("schedule findings %q, want one on web naming the wrong part", got)
	}
}
