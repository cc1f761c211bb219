package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/store"
)

// managedEstate is resources of several accounts, types and systems,
// managed every way a scan records: by Terraform, by nothing, by a
// service (its default resource or not), or unknown (no IaC source read).
func managedEstate(n, generation int) []inventory.Resource {
	types := []string{"AWS::EC2::Instance", "AWS::S3::Bucket", "AWS::EC2::SecurityGroup"}
	systems := []string{"shop", "", "検索"}
	ways := []inventory.ManagedBy{
		{Kind: "terraform", Ref: "aws_instance.x", Source: "s3://tf/state"},
		{Kind: store.UnmanagedKind},
		{Kind: "service", Ref: "default"},
		{Kind: "service", Ref: "autoscaling"},
		{},
		{Kind: store.UnmanagedKind},
	}
	rs := make([]inventory.Resource, n)
	for i := range rs {
		acct := []string{"222222222222", "111111111111"}[i%2]
		r := instance(acct, "ap-northeast-1", fmt.Sprintf("r-%03d", (i*37)%n)) // ARNs out of order
		r.Type = types[(i/2)%len(types)]
		if s := systems[i%len(systems)]; s != "" {
			r.Tags = inventory.NewTags("System", s) // the tag key in another case: Tag folds it
		}
		r.SetManagedBy(ways[(i+generation)%len(ways)])
		rs[i] = r
	}
	return rs
}

// wantGroups counts rs as ResourceGroups must.
func wantGroups(rs []inventory.Resource) []store.ResourceGroup {
	m := map[store.ResourceGroup]int{}
	for i := range rs {
		r := &rs[i]
		sys, _ := r.Tag(store.SystemTag)
		m[store.ResourceGroup{Account: r.Account, System: sys, Type: r.Type, ManagedKind: r.ManagedBy().Kind, Default: r.ManagedBy().Ref == "default"}]++
	}
	var out []store.ResourceGroup
	for g, n := range m {
		g.Resources = n
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b store.ResourceGroup) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.System, b.System), strings.Compare(a.Type, b.Type),
			strings.Compare(a.ManagedKind, b.ManagedKind), cmp.Compare(boolInt(a.Default), boolInt(b.Default)))
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// wantUnmanaged is the reference page: rs's unmanaged resources of any
// type but q's, by account, type and ARN.
func wantUnmanaged(rs []inventory.Resource, q store.UnmanagedQuery) []inventory.Resource {
	var m []inventory.Resource
	for _, r := range rs {
		if r.ManagedBy().Kind == store.UnmanagedKind && !slices.Contains(q.SkipTypes, r.Type) {
			m = append(m, r)
		}
	}
	slices.SortFunc(m, func(a, b inventory.Resource) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Type, b.Type), strings.Compare(a.ARN, b.ARN))
	})
	lo := min(q.Offset, len(m))
	hi := min(lo+cmp.Or(q.Limit, 50), len(m))
	return m[lo:hi]
}

func testResourcePages(t *testing.T, open Opener) {
	s := newStore(t, open)
	ctx := context.Background()
	cov := []inventory.Coverage{ok("111111111111", "ap-northeast-1", "ec2"), ok("222222222222", "ap-northeast-1", "ec2")}
	// Three scans, each managed differently; the first is no longer
	// among the latest, so its unmanaged pages are built on demand.
	estates := [][]inventory.Resource{managedEstate(60, 0), managedEstate(60, 1), managedEstate(45, 3)}
	for i, rs := range estates {
		save(t, s, scan(fmt.Sprintf("s%d", i+1), i, cov...), rs, nil)
	}
	queries := map[string]store.UnmanagedQuery{
		"first page":   {Limit: 7},
		"middle":       {Offset: 5, Limit: 4},
		"past the end": {Offset: 500, Limit: 4},
		"skip types":   {SkipTypes: []string{"AWS::S3::Bucket", "AWS::EC2::SecurityGroup"}, Limit: 1000},
		"default":      {},
	}
	check := func(t *testing.T, id string, rs []inventory.Resource) {
		t.Helper()
		got, err := s.ResourceGroups(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(wantGroups(rs), got); diff != "" {
			t.Errorf("ResourceGroups (-want +got):\n%s", diff)
		}
		for name, q := range queries {
			page, err := s.UnmanagedPage(ctx, id, q)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := wantUnmanaged(rs, q)
			if diff := gocmp.Diff(want, page, timeEqual); diff != "" && (len(want) > 0 || len(page) > 0) {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}
	}
	for i, rs := range estates {
		id := fmt.Sprintf("s%d", i+1)
		t.Run(id, func(t *testing.T) { check(t, id, rs) })
	}

	// A store written before the index: the scan's resources are read
	// and indexed on first use.
	if db, ok := s.(store.SQLDatabase); ok {
		t.Run("unindexed", func(t *testing.T) {
			for _, tbl := range []string{"unmanaged_pages", "resource_counts", "resource_indexed"} {
				if _, err := db.SQLDB().ExecContext(ctx, `DELETE FROM `+tbl); err != nil {
					t.Fatal(err)
				}
			}
			check(t, "s3", estates[2])
			check(t, "s2", estates[1])
		})
	}

	t.Run("rejects", func(t *testing.T) {
		for name, q := range map[string]store.UnmanagedQuery{"offset": {Offset: -1}, "limit": {Limit: 100_000}} {
			if _, err := s.UnmanagedPage(ctx, "s3", q); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s: UnmanagedPage(%+v) err = %v, want one naming %s", name, q, err, name)
			}
		}
		if _, err := s.ResourceGroups(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ResourceGroups of an unknown scan: err = %v, want ErrNotFound", err)
		}
		if _, err := s.UnmanagedPage(ctx, "nope", store.UnmanagedQuery{}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UnmanagedPage of an unknown scan: err = %v, want ErrNotFound", err)
		}
	})
}
