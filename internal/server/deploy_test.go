package server

import (
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// The deployment examples in deploy/ point at routes the server has and
// keep secrets out of plain environment variables.
func TestDeployExamples(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command, URL string
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		Settings struct {
			Events struct {
				URL string `yaml:"request_url"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				URL string `yaml:"request_url"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("slack-app-manifest.yaml: %v", err)
	}
	s := newServer(t, openStore(t))
	paths := map[string]string{"events": m.Settings.Events.URL, "interactivity": m.Settings.Interactivity.URL}
	for _, c := range m.Features.SlashCommands {
		paths[c.Command] = c.URL
	}
	want := map[string]string{"/steward": "/slack/commands", "events": "/slack/events", "interactivity": "/slack/interactions"}
	for k, w := range want {
		u, err := url.Parse(paths[k])
		if err != nil || u.Path != w || u.Scheme != "https" {
			t.Errorf("manifest %s URL %q, want https://.../%s", k, paths[k], w)
		}
		// The route exists: unsigned requests are refused, not 404.
		if code, _ := post(t, s.Handler(), w, ""); code == 404 || code == 405 {
			t.Errorf("POST %s = %d: no such route", w, code)
		}
	}

	raw, err = os.ReadFile("../../deploy/ecs-task-definition.json")
	if err != nil {
		t.Fatal(err)
	}
	var td struct {
		Containers []struct {
			Command     []string `json:"command"`
			Environment []struct {
				Name, Value string
			} `json:"environment"`
			Secrets []struct {
				Name      string
				ValueFrom string `json:"valueFrom"`
			} `json:"secrets"`
			StopTimeout int `json:"stopTimeout"`
		} `json:"containerDefinitions"`
	}
	if err := json.Unmarshal(raw, &td); err != nil {
		t.Fatalf("ecs-task-definition.json: %v", err)
	}
	if len(td.Containers) != 1 || !slices.Equal(td.Containers[0].Command[:1], []string{"serve"}) {
		t.Fatalf("task definition does not run steward serve: %+v", td.Containers)
	}
	c := td.Containers[0]
	for _, e := range c.Environment {
		if strings.Contains(e.Name, "SECRET") || strings.Contains(e.Name, "TOKEN") || strings.Contains(e.Name, "KEY") || e.Name == "STEWARD_STORE" {
			t.Errorf("%s is a plain environment variable: secrets come from Secrets Manager", e.Name)
		}
	}
	var secrets []string
	for _, sec := range c.Secrets {
		secrets = append(secrets, sec.Name)
	}
	for _, w := range []string{"STEWARD_SESSION_KEY", "STEWARD_SLACK_SIGNING_SECRET", "STEWARD_SLACK_BOT_TOKEN"} {
		if !slices.Contains(secrets, w) {
			t.Errorf("task definition lacks the secret %s", w)
		}
	}
	if c.StopTimeout < 30 {
		t.Errorf("stopTimeout %d: the server needs time to finish jobs in flight", c.StopTimeout)
	}
}
