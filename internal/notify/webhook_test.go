package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWebhook(t *testing.T) {
	var got map[string]any
	var ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctype = r.Header.Get("Content-Type")
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Error(err)
		}
		if r.URL.Path == "/fail" {
			http.Error(w, "no such channel", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	if err := Webhook(context.Background(), srv.Client(), srv.URL+"/ok", map[string]int{"stopped": 3}); err != nil {
		t.Fatal(err)
	}
	if got["stopped"] != float64(3) || ctype != "application/json" {
		t.Errorf("received %v (%s)", got, ctype)
	}
	err := Webhook(context.Background(), srv.Client(), srv.URL+"/fail", map[string]int{})
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "no such channel") {
		t.Errorf("a 404 answer: %v", err)
	}
}
