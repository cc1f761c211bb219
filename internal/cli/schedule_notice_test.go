package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/action"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/store"
)

func TestSlackRunSummary(t *testing.T) {
	stop := func(id, name string) action.Change {
		return action.Change{ID: id, Ref: action.Ref{ARN: "arn:" + name, Type: "AWS::RDS::DBInstance", Name: name}, Action: action.Stop, Why: "office-hours: off"}
	}
	var many []action.Change
	for i := range 12 {
		many = append(many, stop(string(rune('a'+i)), "db-"+string(rune('a'+i))))
	}
	tests := map[string]struct {
		sum  runSummary
		lang i18n.Lang
		want string
	}{
		"a failure and markup": {
			sum: runSummary{Planned: []action.Change{stop("1", "db-<1>"), stop("2", "db-2")}, Failed: 1,
				Outcomes: []action.Outcome{{Change: stop("1", "db-<1>"), Status: store.JournalDone}, {Change: stop("2", "db-2"), Status: store.JournalFailed, Error: "AccessDenied"}}},
			lang: i18n.EN,
			want: "*Schedule run*: 2 stopped, 0 started, 1 failed\n" +
				"• stop db-&lt;1&gt; (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-2 (AWS::RDS::DBInstance): office-hours: off :x: failed: AccessDenied",
		},
		"japanese dry run": {
			sum:  runSummary{DryRun: true, Planned: []action.Change{stop("1", "db-1")}},
			lang: i18n.JA,
			want: "*スケジュール実行（ドライラン、変更なし）*: 停止予定 1 件、起動予定 0 件\n• stop db-1 (AWS::RDS::DBInstance): office-hours: off",
		},
		"long run is cut": {
			sum:  runSummary{Planned: many, Error: "throttled"},
			lang: i18n.EN,
			want: "*Schedule run*: 12 stopped, 0 started, 0 failed\n" +
				"• stop db-a (AWS::RDS::DBInstance): office-hours: off\n• stop db-b (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-c (AWS::RDS::DBInstance): office-hours: off\n• stop db-d (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-e (AWS::RDS::DBInstance): office-hours: off\n• stop db-f (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-g (AWS::RDS::DBInstance): office-hours: off\n• stop db-h (AWS::RDS::DBInstance): office-hours: off\n" +
				"• stop db-i (AWS::RDS::DBInstance): office-hours: off\n• stop db-j (AWS::RDS::DBInstance): office-hours: off\n" +
				"…and 2 more\n:warning: the run stopped: throttled",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, slackRunSummary(tc.sum, tc.lang)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
