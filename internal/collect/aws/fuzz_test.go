package aws

import (
	"math"
	"slices"
	"strings"
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

func TestECSUnits(t *testing.T) {
	tests := map[string]struct {
		in   string
		want float64
		ok   bool
	}{
		"units":      {"512", 512, true},
		"vcpu":       {"0.5 vCPU", 512, true},
		"gb":         {"2 GB", 2048, true},
		"spaces":     {" 1024 ", 1024, true},
		"empty":      {"", 0, false},
		"unit only":  {"vCPU", 0, false},
		"bad number": {"x GB", 0, false},
		"bad unit":   {"2 TB", 0, false},
		"nan":        {"NaN", 0, false},
		"inf":        {"+Inf GB", 0, false},
		"negative":   {"-512", 0, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := ecsUnits(tc.in, 1024)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ecsUnits(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzECSUnits: any task size parses without panic, and a size read from a
// plain number is that number.
func FuzzECSUnits(f *testing.F) {
	for _, s := range []string{"512", "0.5 vCPU", "2 GB", "", " ", "1e3 gb", "NaN", "-512"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ecsUnits(s, 1024)
		if ok && (v < 0 || math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Errorf("ecsUnits(%q) = %v: not a size", s, v)
		}
	})
}

func TestLambdaModified(t *testing.T) {
	tests := map[string]struct {
		in, want string
		ok       bool
	}{
		"lambda form": {"2025-05-01T10:20:30.000+0900", "2025-05-01T01:20:30Z", true},
		"rfc 3339":    {"2025-05-01T10:20:30Z", "2025-05-01T10:20:30Z", true},
		"empty":       {"", "", false},
		"garbled":     {"yesterday", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := lambdaModified(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("lambdaModified(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzLambdaModified: any LastModified parses without panic, and what it
// gives back is RFC 3339 that parses again to the same instant.
func FuzzLambdaModified(f *testing.F) {
	f.Add("2025-05-01T10:20:30.000+0900")
	f.Add("2025-05-01T10:20:30Z")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := lambdaModified(s)
		if !ok {
			return
		}
		if _, err := time.Parse(time.RFC3339, got); err != nil {
			t.Errorf("lambdaModified(%q) = %q, not RFC 3339: %v", s, got, err)
		}
	})
}

// FuzzEventUnit: any ARN an event names gives a unit of three fields, of
// a service read again, or a reason; never a panic.
func FuzzEventUnit(f *testing.F) {
	f.Add("111111111111", "arn:aws:ec2:ap-northeast-1:111111111111:instance/i-1")
	f.Add("111111111111", "arn:aws:s3:::bucket")
	f.Add("", "arn:aws:rds:us-east-1::db:x")
	f.Add("111111111111", "arn:aws:ecs:a/b:111111111111:service/c/s")
	f.Fuzz(func(t *testing.T, account, arn string) {
		unit, ok, why := EventUnit(account, arn)
		if !ok {
			if why == "" || unit != "" {
				t.Fatalf("EventUnit(%q, %q) = %q, false, %q: want a reason and no unit", account, arn, unit, why)
			}
			return
		}
		parts := strings.Split(unit, "/")
		if len(parts) != 3 || !slices.Contains(refreshed, parts[2]) || len(parts[0]) != 12 {
			t.Fatalf("EventUnit(%q, %q) = %q: not account/region/service of a service read again", account, arn, unit)
		}
	})
}
