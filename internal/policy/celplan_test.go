package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/steward-sre/steward/internal/inventory"
)

// planEnv is the policy environment of these tests: two required tags,
// one scoped to instances, so missing_tags() has work to do.
func planEnv(t testing.TB) *cel.Env {
	t.Helper()
	_, fn, _, err := prepare(Options{
		Now:        time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Required:   map[string][]string{"owner": nil, "env": {"prod", "dev"}},
		RequiredOn: map[string][]string{"env": {"AWS::EC2::Instance"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	env, err := fn.env()
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// planEstate is a few resources with the edge cases of the planned shapes:
// attrs absent altogether, an attr that is null, an empty string, a bool, a
// number where a string is compared, a list, a map; tags missing, empty,
// blank, and present under another case; no name; relations both ways.
func planEstate() []inventory.Resource {
	mk := func(arn, typ, name, state string, tags map[string]string, attrs map[string]any, rel ...inventory.Relation) inventory.Resource {
		return inventory.Resource{
			ARN: arn, Account: "111111111111", Region: "eu-west-1", Type: typ, ID: arn[strings.LastIndex(arn, "/")+1:],
			Name: name, State: state, Tags: inventory.TagsOf(tags), Attrs: inventory.AttrsOf(attrs), Relations: rel,
		}
	}
	rs := []inventory.Resource{
		mk("arn:x:vol/none", "AWS::EC2::Volume", "", "", nil, nil),
		mk("arn:x:vol/gp2", "AWS::EC2::Volume", "pay-prod-data", "available",
			map[string]string{"owner": "ann", "env": "prod", "Name": "pay-prod-data"},
			map[string]any{"volume_type": "gp2", "encrypted": false, "size_gb": 100.0, "public": true, "nan": math.NaN(), "big": 1e300},
			inventory.Relation{Kind: "attached-to", Target: "arn:x:i/one"}),
		mk("arn:x:vol/odd", "AWS::EC2::Volume", "odd", "in-use",
			map[string]string{"owner": "", "name": "lower", "env": "  "},
			map[string]any{"volume_type": "", "encrypted": "false", "size_gb": 0.0, "public": nil, "k": []any{"a"}}),
		mk("arn:x:vol/num", "AWS::EC2::Volume", "num", "in-use",
			map[string]string{"owner": " ", "Name": ""},
			map[string]any{"volume_type": 2.0, "encrypted": true, "public": false, "k": map[string]any{"a": 1.0}, "nan": 1.0, "big": -1e300, "size_gb": 50.0}),
		mk("arn:x:i/one", "AWS::EC2::Instance", "web-1", "running",
			map[string]string{"owner": "bob", "env": "test"},
			map[string]any{"listeners": []any{map[string]any{"protocol": "HTTP"}}, "instance_type": "m4.large"},
			inventory.Relation{Kind: "in-subnet", Target: "arn:x:subnet/a"}),
		mk("arn:x:subnet/a", "AWS::EC2::Subnet", "sub", "available", nil,
			map[string]any{"public": true}),
	}
	rs[1].Created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return rs
}

// planExprs are expressions made of the planned shapes, alone and as the
// packs combine them, and some the planner must leave as they are.
var planExprs = []string{
	// attrs
	"r.attrs.volume_type",
	"has(r.attrs.volume_type)",
	"r.attrs.volume_type == 'gp2'",
	"'gp2' == r.attrs.volume_type",
	"r.attrs.volume_type != 'gp2'",
	"r.attrs.volume_type == ''",
	"r.attrs.volume_type == 2",
	"has(r.attrs.volume_type) && r.attrs.volume_type == 'gp2'",
	"r.attrs.encrypted == false",
	"r.attrs.encrypted != false",
	"has(r.attrs.encrypted) && r.attrs.encrypted == false",
	"r.attrs.public == true",
	"r.attrs.public == null",
	"r.attrs.size_gb == 0",
	"r.attrs.size_gb > 50.0",
	"r.attrs.size_gb > 50",
	"r.attrs.size_gb <= 100",
	"100.0 >= r.attrs.size_gb",
	"0 < r.attrs.size_gb",
	"r.attrs.size_gb >= 0 && r.attrs.size_gb < 1",
	"r.attrs.volume_type < 3",
	"r.attrs.size_gb == 100",
	"r.attrs.size_gb != 0.0",
	"r.attrs.nan > 1",
	"r.attrs.nan == 1.0",
	"r.attrs.big > 9223372036854775807",
	"r.name < 'm'",
	"r.attrs.k == 'a'",
	"r.attrs.k.size()",
	"has(r.attrs.k.a)",
	"r.attrs.k.a",
	"r.attrs.listeners.exists(l, l.protocol == 'HTTP')",
	"r.attrs.volume_type in ['gp2', 'io1']",
	// tags
	"r.tags.owner",
	"has(r.tags.owner)",
	"r.tags.owner == ''",
	"r.tags.env != 'prod'",
	"r.tags.Name == 'pay-prod-data'",
	"has(r.tags.name) || has(r.tags.Name)",
	"r.tags['env'] == 'prod'",
	"r.attrs.k[0] == 'a'",
	// fields
	"r.name",
	"r.name == ''",
	"r.name != '' ? r.name : r.id",
	"r.state == 'available'",
	"r.type == 'AWS::EC2::Volume' && r.state != 'in-use'",
	"r.id.startsWith('vol')",
	// r as an argument
	"has_tag(r, 'Name')",
	"has_tag(r, 'owner')",
	"has_tag(r, dyn(1))",
	"has_tag(dyn(r), 'owner')",
	"!aws_default(r) && size(missing_tags(r)) > 0",
	"size(invalid_tags(r)) > 0",
	"missing_tags(r).join(', ')",
	"tag(r, 'env')",
	"size(missing_tags(r)) == 1",
	"size(tag_problems(r)) >= 1",
	"missing_tags(r).size() > 0",
	"age(r) > duration('1h')",
	"age(r) <= duration('1h')",
	"duration('1h') < age(r)",
	"age(r) == duration('1h')",
	"price(r) > 1",
	"price(r) != 0.0",
	"tag(r, 'env') == 'prod'",
	"tag(r, 'env') > 'a'",
	"has_tag(r, 'owner') == true",
	"!has_tag(r, 'Name')",
	"!has(r.attrs.encrypted)",
	"!(r.attrs.volume_type == 'gp2')",
	"!r.attrs.encrypted",
	"!r.attrs.public",
	"!aws_default(r) && !name_ok(r)",
	"in_days(age(r)) > 3",
	"r.name == '' && !aws_default(r) && !has_tag(r, 'Name')",
	// resources other than r
	"related(r, 'in-subnet').exists(s, has(s.attrs.public) && s.attrs.public == true)",
	"referrers(r, 'attached-to').filter(x, x.type == 'AWS::EC2::Volume').size()",
	"referrers(r, 'attached-to').filter(x, x.type == 'AWS::EC2::Volume')",
	"referrers(r, 'attached-to').filter(x, 'AWS::EC2::Instance' == x.type)",
	"related(r, 'in-subnet').filter(s, s.type == 'AWS::EC2::Subnet').all(s, s.attrs.public)",
	"related(r, 'in-subnet').filter(s, s.type == 'AWS::EC2::Subnet' && s.name != '')",
	"cel.bind(tgs, referrers(r, 'attached-to').filter(x, x.type == 'AWS::EC2::Volume'), tgs.exists(t, has(t.attrs.size_gb)) && tgs.all(t, t.attrs.volume_type == 'gp2'))",
	"r.type == 'AWS::EC2::Instance' ? referrers(r, 'attached-to').filter(x, x.type == 'AWS::EC2::Volume').size() > 0 : r.attrs.encrypted == false",
	"referrers(r, 'attached-to').exists(x, x.attrs.volume_type == 'gp2' && has_tag(x, 'owner'))",
	"[r].exists(r, r.name == 'web-1')",
	"[1].exists(r, r == 1)",
	"cel.bind(x, r, x.state == 'running')",
	"r == r",
}

// unplanned are the expressions of planExprs the planner must leave as
// they are.
var unplanned = map[string]bool{
	"has(r.attrs.k.a)":        true,
	"r.attrs.k.a":             true,
	"r.tags['env'] == 'prod'": true,
	"r.attrs.k[0] == 'a'":     true,
	"[1].exists(r, r == 1)":   true,
	"r == r":                  true,
}

// evalBoth evaluates a planned and an unplanned program of src over
// every resource of the estate and fails on any difference in value,
// error or (for metered programs) cost. It returns how many nodes were
// planned.
func evalBoth(t testing.TB, env *cel.Env, src string, rs []inventory.Resource, metered bool) (int, error) {
	t.Helper()
	checked, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return 0, iss.Err()
	}
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(interruptEvery)}
	if metered {
		opts = append(opts, cel.CostLimit(MaxEvalCost))
	}
	plain, err := env.Program(checked, opts...)
	if err != nil {
		return 0, err
	}
	nplanned := 0
	pl := newPlanner(findShapes(checked.NativeRep()), resourceHelpers(env))
	count := cel.CustomDecoratorV2(func(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
		out, err := pl.decorate(i)
		if out != i {
			nplanned++
		}
		return out, err
	})
	planned, err := env.Program(checked, append(opts, count)...)
	if err != nil {
		t.Fatalf("%s: planned: %v", src, err)
	}
	ev := newEvalState(rs)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range rs {
		run := func(prg cel.Program) (ref.Val, uint64, error) {
			act := &activation{
				r:      &resVal{r: &rs[i], ev: ev},
				params: types.DefaultTypeAdapter.NativeToValue(map[string]any{}),
				now:    types.Timestamp{Time: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
			}
			frame, err := interpreter.NewExecutionFrame(act)
			if err != nil {
				t.Fatal(err)
			}
			defer frame.Close()
			if err := frame.SetContext(ctx, interruptEvery); err != nil {
				t.Fatal(err)
			}
			out, det, err := prg.Eval(frame)
			var cost uint64
			if det != nil && det.ActualCost() != nil {
				cost = *det.ActualCost()
			}
			return out, cost, err
		}
		want, wantCost, wantErr := run(plain)
		got, gotCost, gotErr := run(planned)
		if ctx.Err() != nil {
			return nplanned, ctx.Err()
		}
		if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
			t.Errorf("%s on %s: error %v, interpreted %v", src, rs[i].ARN, gotErr, wantErr)
			continue
		}
		if !sameVal(want, got) {
			t.Errorf("%s on %s: %v (%T), interpreted %v (%T)", src, rs[i].ARN, got, got, want, want)
		}
		if wantCost != gotCost {
			t.Errorf("%s on %s: cost %d, interpreted %d", src, rs[i].ARN, gotCost, wantCost)
		}
	}
	return nplanned, nil
}

// sameVal is CEL equality of the same type, or the same error.
func sameVal(a, b ref.Val) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if types.IsError(a) || types.IsError(b) {
		return fmt.Sprint(a) == fmt.Sprint(b)
	}
	return a.Type() == b.Type() && a.Equal(b) == types.True
}

// TestPlannedAgrees holds every planned shape to the interpreter: the
// same value, the same error (an absent key, a value of another type) and,
// metered, the same cost.
func TestPlannedAgrees(t *testing.T) {
	env := planEnv(t)
	rs := planEstate()
	for _, src := range planExprs {
		for _, metered := range []bool{false, true} {
			n, err := evalBoth(t, env, src, rs, metered)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			// An expression with a shape that plans nothing tests
			// nothing.
			if n == 0 && !unplanned[src] {
				t.Errorf("%s: nothing planned", src)
			}
		}
	}
}

// TestPlannedShapes checks what is planned: the shape's node, not what
// merely looks like it.
func TestPlannedShapes(t *testing.T) {
	env := planEnv(t)
	for _, tc := range []struct {
		src  string
		want int
	}{
		{"r.attrs.volume_type == 'gp2'", 2},                                        // the attr, then the comparison
		{"has(r.attrs.volume_type)", 1},                                            // the presence test
		{"r.attrs.k.a", 0},                                                         // three qualifiers: not a shape
		{"has_tag(r, 'Name')", 2},                                                  // the argument, then the call
		{"r.name != '' && r.state == 'available'", 4},                              // two fields, two comparisons
		{"r.attrs.size_gb > 1.0", 2},                                               // the attr, then the comparison
		{"r.attrs.size_gb > r.attrs.nan", 2},                                       // two attrs; > stays
		{"size(missing_tags(r)) > 0", 4},                                           // the argument, the call, size(), the comparison
		{"size(missing_tags(r)) > 0.5", 3},                                         // a double: > stays
		{"missing_tags(r).size() > 0", 4},                                          // the same, size() as a method
		{"referrers(r, 'attached-to').filter(x, x.type == 'AWS::EC2::Volume')", 5}, // r, the helper, x.type and == inside, the filter
		{"[r].filter(x, x.type == 'AWS::EC2::Volume')", 2},                         // x.type and ==; the list is not a helper's
		{"related(r, 'in-subnet').filter(s, s.type == 'X' && s.name != '')", 6},    // r, the helper, two fields and comparisons; not a type filter
		{"!has_tag(r, 'Name')", 3},                                                 // r, the call, !
		{"!r.attrs.encrypted", 2},                                                  // the attr, !
		{"age(r) > duration('1h')", 3},                                             // r, age(), >
		{"size(r.tags)", 0},                                                        // r.tags alone is not planned
		{"[1].exists(r, r == 1)", 0},                                               // r is not a resource there
	} {
		n, err := evalBoth(t, env, tc.src, planEstate(), false)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if n != tc.want {
			t.Errorf("%s: %d nodes planned, want %d", tc.src, n, tc.want)
		}
	}
}

// FuzzPlannedAgrees compiles generated expressions and evaluates them
// planned and interpreted over the edge-case estate and a resource whose
// attrs and tags come from the input.
func FuzzPlannedAgrees(f *testing.F) {
	for _, src := range planExprs {
		f.Add(src, `{"volume_type":"gp2","encrypted":false}`, "owner", "")
	}
	f.Add("r.attrs.x == 'y' || has(r.tags.y)", `{"x":null}`, "y", " ")
	f.Add("r.attrs.x != true", `{"x":1}`, "x", "x")
	env := planEnv(f)
	f.Fuzz(func(t *testing.T, src, attrsJSON, tagKey, tagVal string) {
		if len(src) > 512 {
			return
		}
		var attrs map[string]any
		if json.Unmarshal([]byte(attrsJSON), &attrs) != nil {
			attrs = nil
		}
		rs := planEstate()
		rs = append(rs, inventory.Resource{
			ARN: "arn:x:vol/fuzz", Type: "AWS::EC2::Volume", ID: "fuzz", Name: tagVal,
			Tags: inventory.TagsOf(map[string]string{tagKey: tagVal}), Attrs: inventory.AttrsOf(attrs),
		})
		for _, metered := range []bool{false, true} {
			if _, err := evalBoth(t, env, src, rs, metered); err != nil {
				return // does not compile, or runs too long to compare
			}
		}
	})
}
