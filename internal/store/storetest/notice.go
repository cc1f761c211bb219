package storetest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// testNotices: a notice key is claimed once, however many claim it at
// the same time; forgotten, it can be claimed again.
func testNotices(t *testing.T, open Opener) {
	ctx := context.Background()
	s := newStore(t, open)
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ok, err := s.ClaimNotice(ctx, "digest/shop/2025-W02", at(0))
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Fatalf("%d claims of one notice succeeded, want 1", n)
	}
	if ok, err := s.ClaimNotice(ctx, "digest/api/2025-W02", at(0)); err != nil || !ok {
		t.Errorf("another key: %v %v", ok, err)
	}
	if err := s.ForgetNotice(ctx, "digest/shop/2025-W02"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.ClaimNotice(ctx, "digest/shop/2025-W02", at(1)); err != nil || !ok {
		t.Errorf("claim after forgetting: %v %v", ok, err)
	}
	if _, err := s.ClaimNotice(ctx, "", at(0)); err == nil {
		t.Error("an empty key was claimed")
	}
}
