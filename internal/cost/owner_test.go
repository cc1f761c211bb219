package cost

import (
	"context"
	"fmt"
	"testing"

	"github.com/steward-sre/steward/internal/inventory"
	"github.com/steward-sre/steward/internal/policy"
)

// TestDemoOwnerAgrees checks that findings and cost attribution name the
// same owner, system and env for every demo resource both see, with the
// demo bill ingested; every other resource gets a CloudTrail creator so the
// creator step is compared too.
func TestDemoOwnerAgrees(t *testing.T) {
	ctx := context.Background()
	c := demoCommon(t)
	for i := range c.Resources {
		if i%2 == 0 {
			c.Resources[i].SetCreator(&inventory.Creator{Principal: fmt.Sprintf("arn:aws:iam::1:user/u%d", i%7)})
		}
	}
	ps, err := policy.Load(ctx, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	e, err := policy.Compile(ps, policy.Options{Now: demoNow, Naming: c.Naming,
		OwnerKey: c.Keys.Owner, SystemKey: c.Keys.System, EnvKey: c.Keys.Env})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Evaluate(ctx, c.Resources)
	if err != nil {
		t.Fatal(err)
	}
	type who struct{ owner, system, env string }
	findings := map[string]who{}
	for _, f := range fs {
		findings[f.ARN] = who{f.Owner, f.System, f.Env}
	}
	at := c.attributor()
	costs := map[string]who{}
	err = c.Store.Scan(ctx, Filter{}, func(r Rollup) error {
		inv := at.Resource(r.Resource)
		if inv == nil || r.Kind != KindUsage {
			return nil
		}
		a := at.Attribute(&r)
		w := who{a.Owner, a.System, a.Env}
		if prev, ok := costs[inv.ARN]; ok && prev != w {
			t.Errorf("%s: cost names %+v and %+v on different lines", inv.ARN, prev, w)
		}
		costs[inv.ARN] = w
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	both, withOwner, fromCreator := 0, 0, 0
	for arn, f := range findings {
		cw, ok := costs[arn]
		if !ok {
			continue
		}
		both++
		if f != cw {
			t.Errorf("%s: findings name %+v, cost %+v", arn, f, cw)
		}
		if f.owner != "" {
			withOwner++
		}
		if len(f.owner) > 1 && f.owner[0] == 'u' && f.owner[1] >= '0' && f.owner[1] <= '9' { // u0..u6, the creators' user names
			fromCreator++
		}
	}
	// The demo has waste on billed resources, some tagged with an owner
	// and some not: the comparison must have covered both kinds.
	if both < 10 || withOwner == 0 || fromCreator == 0 {
		t.Fatalf("compared %d resources (%d with an owner, %d from the creator); the demo should give more", both, withOwner, fromCreator)
	}
	t.Logf("compared %d resources, %d with an owner, %d from the creator", both, withOwner, fromCreator)
}
