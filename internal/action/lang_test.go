package action

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/schedule"
	"github.com/steward-sre/steward/internal/store"
)

// english are words of the reasons steward writes in English; none may
// show in a plan made in Japanese.
var english = []string{"scheduled ", "already ", "by hand", "override ", "lease ", "leased by", "idle since",
	"no transition", "follows no schedule", "opted out", "could not read", "someone", "undo of", "starts it again",
	"manages it", "schedule ", "(none)", "ended at", "no lease", "AWS cannot", "service is", "state ", "group is",
	"the cluster is", "steward only", "excluded"}

// TestReasonsInThePlannersLanguage plans the same estate in English and
// in Japanese: a schedule's stops, a timed override, a lease hold, an
// idle hold, a bastion lease that ended, an override of a resource with
// no schedule, an IaC warning, a resource already in the state asked for
// an excluded resource and an undo. Every reason of the Japanese plans is Japanese and keeps
// the data (ids, who, why); the English ones keep their words.
func TestReasonsInThePlannersLanguage(t *testing.T) {
	for _, lang := range i18n.Langs {
		t.Run(string(lang), func(t *testing.T) {
			ctx := context.Background()
			c := newCloud()
			rs := estate(c)
			for i := range rs {
				if rs[i].Name == "web" {
					rs[i].Attrs = inventory.AttrsOf(map[string]any{"iac_desired_count": float64(2)})
					rs[i].SetManagedBy(inventory.ManagedBy{Kind: "terraform", Ref: "aws_ecs_service.web"})
				}
			}
			adhoc := c.addService("dev", "adhoc", 1, nil)
			rs = append(rs, inventory.Resource{ARN: adhoc, Type: TypeECSService, Name: "adhoc", Account: acct, Region: region})
			bastionARN := c.addService("ops", "jump", 1, nil)
			bastion := Ref{ARN: bastionARN, Type: TypeECSService, Name: "jump", Cluster: "ops", Count: 1}
			e, _ := newEngine(t, c)
			e.Lang = lang
			e.Exclude = Exclusions{Patterns: []string{"dev-nightly"}}
			ovs := []schedule.Override{
				{ID: "o1", Target: "dev-aurora", Kind: schedule.OverrideResource, State: schedule.On, Reason: "restore test",
					Actor: "bob", Created: evening.Add(-time.Hour), Until: evening.Add(2 * time.Hour)},
				{ID: "o9", Target: adhoc, Kind: schedule.OverrideResource, State: schedule.Off, Reason: "r",
					Created: evening.Add(-time.Hour), Until: evening.Add(time.Hour)},
				{ID: "b1", Target: bastionARN, Kind: schedule.OverrideResource, State: schedule.On, Reason: "orders",
					Actor: "alice", Created: evening.Add(-2 * time.Hour), Until: evening.Add(-time.Hour)},
			}
			holds := map[string]Hold{
				arnOf("ec2", "instance/i-1"): {Status: schedule.Status{State: schedule.On, Since: evening.Add(-3 * time.Hour)},
					Why: i18n.Say("env.why.leased", "alice", "2026-11-19T23:00:00+09:00").In(lang)},
			}
			p := planWith(t, e, ScheduleInput{Resources: rs, At: evening, Overrides: ovs, Holds: holds, Bastion: &bastion, Lang: lang})
			var texts []string
			for _, ch := range p.Changes {
				texts = append(texts, ch.Name+": "+ch.Why)
				texts = append(texts, ch.Warnings...)
			}
			for _, s := range p.Skipped {
				texts = append(texts, s.Name+": "+s.Reason)
			}
			one, err := e.PlanOne(ctx, bastion, Start, "up")
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range one.Skipped {
				texts = append(texts, s.Name+": "+s.Reason)
			}
			if _, err := e.Apply(ctx, p); err != nil {
				t.Fatal(err)
			}
			u, err := e.Undo(ctx, p.Changes[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, u.Change.Why)
			all := strings.Join(texts, "\n")
			for _, data := range []string{"o1", "bob", "restore test", "o9", "b1", "alice", "aws_ecs_service.web", p.Changes[0].ID, "2026-11-19T23:00:00+09:00"} {
				if !strings.Contains(all, data) {
					t.Errorf("the reasons lack %q:\n%s", data, all)
				}
			}
			found := 0
			for _, w := range english {
				if strings.Contains(all, w) {
					found++
					if lang == i18n.JA {
						t.Errorf("Japanese reasons hold English %q:\n%s", w, all)
					}
				}
			}
			if lang == i18n.EN && found < len(english)/2 {
				t.Errorf("English reasons have only %d of the words looked for, the check would miss English:\n%s", found, all)
			}
			if lang == i18n.JA {
				for _, x := range texts {
					if !strings.ContainsFunc(x, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) }) {
						t.Errorf("reason %q is not Japanese", x)
					}
				}
			}
		})
	}
}

// TestRefusalsInJapanese: why apply and undo refuse is said in the
// reader's language (the phrase the error carries), with the names, ARNs,
// keys and values of the drift kept; the error is still the sentinel
// callers classify by, and its English text is unchanged for logs.
func TestRefusalsInJapanese(t *testing.T) {
	ctx := context.Background()
	say := func(t *testing.T, err error) (string, string) {
		t.Helper()
		p, ok := i18n.PhraseOf(err)
		if !ok {
			t.Fatalf("%v: no phrase", err)
		}
		return p.In(i18n.JA), p.In(i18n.EN)
	}
	t.Run("drifted", func(t *testing.T) {
		c := newCloud()
		rs := estate(c)
		e, _ := newEngine(t, c)
		p := plan(t, e, rs, evening)
		c.services["dev/web"].DesiredCount = 3
		err := e.Check(ctx, p)
		if !errors.Is(err, ErrChanged) {
			t.Fatalf("Check = %v, want ErrChanged", err)
		}
		ja, en := say(t, err)
		arn := *c.services["dev/web"].ServiceArn
		if want := "プランの作成後にリソースが変わりました: web（" + arn + "）: desired: 2 → 3。プランを作り直してください"; ja != want {
			t.Errorf("ja %q\nwant %q", ja, want)
		}
		if want := "resources changed since the plan was made: web (" + arn + "): desired: 2 -> 3; make a new plan"; en != want || err.Error() != want {
			t.Errorf("en %q, Error %q\nwant %q", en, err.Error(), want)
		}
	})
	t.Run("over the cap", func(t *testing.T) {
		c := newCloud()
		rs := estate(c)
		e, _ := newEngine(t, c)
		e.MaxChanges = 5
		_, err := e.Apply(ctx, plan(t, e, rs, evening))
		if !errors.Is(err, ErrTooMany) {
			t.Fatalf("Apply = %v, want ErrTooMany", err)
		}
		if ja, _ := say(t, err); ja != "プランの変更が 6件あり、1 回の apply で変更できる上限の 5件を超えています（steward.yaml の policies.actions.max_changes）。プランを分けるか上限を上げてください" {
			t.Errorf("ja %q", ja)
		}
	})
	t.Run("excluded since the plan", func(t *testing.T) {
		c := newCloud()
		rs := estate(c)
		e, _ := newEngine(t, c)
		p := plan(t, e, rs, evening)
		e.Exclude = Exclusions{Patterns: []string{"dev-d?"}}
		err := e.Check(ctx, p)
		ja, _ := say(t, err)
		if !errors.Is(err, ErrChanged) || !strings.Contains(ja, "dev-db（") || !strings.Contains(ja, "policies.actions.exclude の dev-d? により除外") {
			t.Errorf("Check = %v, ja %q", err, ja)
		}
	})
	t.Run("undo of a change that may have happened", func(t *testing.T) {
		c := newCloud()
		rs := estate(c)
		e, st := newEngine(t, c)
		p := plan(t, e, rs, evening)
		crash := errors.New("crash")
		e.afterIntent = func(Change) { panic(crash) }
		func() {
			defer func() { _ = recover() }()
			_, _ = e.Apply(ctx, p)
		}()
		es, err := st.JournalEntries(ctx, store.JournalFilter{})
		if err != nil || len(es) != 1 {
			t.Fatalf("journal: %v, %v", es, err)
		}
		_, err = e.Undo(ctx, es[0].ID)
		if !errors.Is(err, ErrNotReversible) {
			t.Fatalf("Undo = %v, want ErrNotReversible", err)
		}
		ja, _ := say(t, err)
		if want := "変更 " + es[0].ID + " は「実施された可能性あり（steward が予定の記録と結果の記録の間で止まりました）」で完了していないため、取り消せません（リソースを直接確認してください）"; ja != want {
			t.Errorf("ja %q\nwant %q", ja, want)
		}
	})
	t.Run("a plan file of another format", func(t *testing.T) {
		_, err := ReadPlan(strings.NewReader(`{"format": 99}`))
		if ja, _ := say(t, err); !strings.HasPrefix(ja, "プラン: 形式 99 は読めません") {
			t.Errorf("ja %q", ja)
		}
	})
}
