package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/steward-sre/steward/internal/config"
	"github.com/steward-sre/steward/internal/finding"
	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

// TestFindingsInReadersLanguage: the findings page, a resource's page and
// the API show each finding's message in the reader's language (?lang=,
// the language cookie, Accept-Language, else the server's), whatever
// language the scan ran in; a finding stored with one message (saved
// before steward kept others, or a user's policy with no Japanese text)
// shows that message in every language.
func TestFindingsInReadersLanguage(t *testing.T) {
	st := openStore(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r := inventory.Resource{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-a", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1", Name: "shop-prod-data"}
	fs := []finding.Finding{
		{Policy: "ebs-unattached", ARN: r.ARN, Severity: finding.Low, Category: finding.Waste, Owner: "team-shop",
			Message: "shop-prod-data is attached to nothing", Messages: finding.Messages{JA: "shop-prod-data はどこにもアタッチされていません"}},
		{Policy: "mine-volume", ARN: r.ARN, Severity: finding.Info, Category: finding.Cost, Owner: "team-shop", Message: "vol-a holds 500 GB"},
	}
	cov := []inventory.Coverage{{Account: "111111111111", Region: "ap-northeast-1", Service: "ec2", OK: true, Resources: 1}}
	if _, err := st.SaveScan(context.Background(), &inventory.Scan{ID: "s1", Source: "demo", Started: at, Finished: at.Add(time.Minute), Coverage: cov}, []inventory.Resource{r}, fs); err != nil {
		t.Fatal(err)
	}
	const en, ja = "shop-prod-data is attached to nothing", "shop-prod-data はどこにもアタッチされていません"
	resource := "/resource?arn=" + url.QueryEscape(r.ARN)
	tests := map[string]struct {
		server       i18n.Lang
		path, header string // header: Accept-Language
		cookie       string
		want         string
	}{
		"page, server's language":  {path: "/findings", want: en},
		"page, ?lang=ja":           {path: "/findings?lang=ja", want: ja},
		"page, cookie":             {path: "/findings", cookie: "ja", want: ja},
		"page, Accept-Language":    {path: "/findings", header: "ja-JP,ja;q=0.9", want: ja},
		"page, Japanese server":    {server: i18n.JA, path: "/findings", want: ja},
		"page, reader picks en":    {server: i18n.JA, path: "/findings?lang=en", want: en},
		"resource page":            {path: resource + "&lang=ja", want: ja},
		"API, server's language":   {path: "/api/findings", want: en},
		"API, ?lang=ja":            {path: "/api/findings?lang=ja", want: ja},
		"API, Accept-Language":     {path: "/api/findings", header: "ja", want: ja},
		"API, Japanese server":     {server: i18n.JA, path: "/api/findings", want: ja},
		"API resource, ?lang=ja":   {path: "/api/resource?lang=ja&arn=" + url.QueryEscape(r.ARN), want: ja},
		"API resource, in English": {server: i18n.JA, path: "/api/resource?lang=en&arn=" + url.QueryEscape(r.ARN), want: en},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := New(Options{Config: config.Default(), Store: st, Dev: true, Lang: tc.server})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.header != "" {
				req.Header.Set("Accept-Language", tc.header)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: langCookie, Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %.300s", tc.path, rec.Code, body)
			}
			other := map[string]string{en: ja, ja: en}[tc.want]
			if !strings.Contains(body, tc.want) || strings.Contains(body, other) {
				t.Errorf("%s: want %q and not %q in:\n%.2000s", tc.path, tc.want, other, body)
			}
			// The finding with one message shows it whatever the language.
			if !strings.Contains(body, "vol-a holds 500 GB") {
				t.Errorf("%s: the finding stored with one message is not shown as it is", tc.path)
			}
			if strings.Contains(body, `"messages"`) {
				t.Errorf("%s: the API shows the stored messages of every language", tc.path)
			}
		})
	}
}

// TestPolicyTextsInReadersLanguage: with the policies' texts at hand, the
// findings page (the policy's title), a resource's page (its remediation)
// and the API show a finding's title and remediation in the reader's
// language, not the language they were stored in; a policy the server
// does not know, and a text the finding was stored without, stay as
// stored.
func TestPolicyTextsInReadersLanguage(t *testing.T) {
	st := openStore(t)
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r := inventory.Resource{ARN: "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-a", Type: "AWS::EC2::Volume", Account: "111111111111", Region: "ap-northeast-1", Name: "shop-prod-data"}
	fs := []finding.Finding{
		{Policy: "ebs-unattached", ARN: r.ARN, Severity: finding.Low, Category: finding.Waste, Message: "shop-prod-data is attached to nothing",
			Title: "Unattached EBS volume", Remediation: "Snapshot it, then delete it."},
		{Policy: "mine-volume", ARN: r.ARN, Severity: finding.Info, Category: finding.Cost, Message: "vol-a holds 500 GB",
			Title: "Big volume", Remediation: "Ask the owner."},
		{Policy: "no-remediation", ARN: r.ARN, Severity: finding.Info, Category: finding.Cost, Message: "vol-a is old", Title: "Old volume"},
	}
	if _, err := st.SaveScan(context.Background(), &inventory.Scan{ID: "s1", Source: "demo", Started: at, Finished: at.Add(time.Minute)}, []inventory.Resource{r}, fs); err != nil {
		t.Fatal(err)
	}
	texts := func(id string, lang i18n.Lang) (string, string) {
		ja := lang == i18n.JA
		switch {
		case id == "ebs-unattached" && ja:
			return "アタッチされていない EBS ボリューム", "スナップショットを取ってから削除してください。"
		case id == "ebs-unattached":
			return "Unattached EBS volume", "Snapshot it, then delete it."
		case id == "no-remediation" && ja:
			return "古いボリューム", "手順"
		}
		return "", ""
	}
	get := func(path string) string {
		t.Helper()
		s, err := New(Options{Config: config.Default(), Store: st, Dev: true, PolicyTexts: texts})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body.String())
		}
		return rec.Body.String()
	}
	resource := "/resource?arn=" + url.QueryEscape(r.ARN)
	tests := []struct {
		path          string
		want, notWant []string
	}{
		{"/findings?lang=ja", []string{`title="アタッチされていない EBS ボリューム"`, `title="Big volume"`, `title="古いボリューム"`}, []string{"Unattached EBS volume"}},
		{"/findings?lang=en", []string{`title="Unattached EBS volume"`}, []string{"アタッチされていない"}},
		{resource + "&lang=ja", []string{"スナップショットを取ってから削除してください。", "Ask the owner."}, []string{"Snapshot it", "手順"}},
		{"/api/findings?lang=ja", []string{`"title": "アタッチされていない EBS ボリューム"`, `"remediation": "スナップショットを取ってから削除してください。"`, `"title": "Big volume"`, `"remediation": "Ask the owner."`, `"title": "古いボリューム"`}, []string{"Snapshot it", "手順"}},
	}
	for _, tc := range tests {
		body := get(tc.path)
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: want %s in:\n%.3000s", tc.path, w, body)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(body, w) {
				t.Errorf("%s: %s should not be there:\n%.3000s", tc.path, w, body)
			}
		}
	}
}
