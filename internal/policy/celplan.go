package policy

import (
	"cmp"
	"math"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/decls"
	"cel.dev/cel-go/common/functions"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/overloads"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
)

// Planning the common shapes natively.
//
// CEL's interpreter reads r.attrs.volume_type by resolving r in the
// activation, qualifying it with the attrs field (the field accessor, the
// map value), qualifying that with the key and converting the result; a
// call such as has_tag(r, 'Name') first evaluates its argument the same
// way. Most of the packs' expressions are made of a few such shapes, and
// over a million resources the walk costs more than the work. The shapes
// below are recognised in the checked expression and their nodes replaced,
// when the program is planned, by nodes that read the resource directly:
//
//	r                     as a function's argument
//	r.F                   a scalar field (name, state, type, ...)
//	r.attrs.K, r.tags.K   a value of the map
//	has(r.attrs.K), has(r.tags.K)
//	X op lit              X one of the two above, lit a literal
//	H(r, lit)             a resource helper: has_tag, missing_tags, ...
//	size(H(r)) op n       the size of a helper's list
//	H(r, lit).filter(x, x.type == T)
//
// (any variable of the resource type, not only r: a comprehension's
// element of related() or referrers() is planned alike). A planned node
// keeps the node it replaces and hands over to it whenever its own path
// does not apply: the value is not a resource, a key is absent (CEL's
// error for it is the interpreter's own), or a value's type is not the
// one the fast comparison knows. A metered evaluation (a user's policy,
// under CEL's cost limit) reads r, r.F, r.attrs.K, r.tags.K and has() of
// them the planned way and charges each the steps the interpreter would;
// the nodes fused over them (comparisons, helper calls, size, !, filter)
// run the nodes they replace there, so a metered evaluation's cost, and
// every evaluation's result, are exactly what they were.
// TestPlannedAgrees holds every shape to the interpreter on edge cases,
// FuzzPlannedAgrees on generated expressions and resources.

// shapeKind is one of the shapes above.
type shapeKind uint8

const (
	shapeResource   shapeKind = iota + 1 // r, as a call argument
	shapeField                           // r.F, F boxed per resource
	shapeAttr                            // r.attrs.K
	shapeTag                             // r.tags.K
	shapeHasAttr                         // has(r.attrs.K)
	shapeHasTag                          // has(r.tags.K)
	shapeFilterType                      // H(r, ...).filter(x, x.type == T)
)

// shape is what the checked expression says about the node of one id.
type shape struct {
	kind shapeKind
	// name is the variable (r, or a comprehension's element).
	name string
	// key is the attr or tag key.
	key string
	// field is r.F's field, for shapeField.
	field resourceField
	// quals is how many qualifiers the interpreter's attribute has.
	quals int
	// from is the id of a filter's list (a helper's call).
	from int64
}

// planShapes returns the program option that plans the shapes found in
// the checked expression, or nil when it has none.
func planShapes(env *cel.Env, checked *cel.Ast) cel.ProgramOption {
	shapes := findShapes(checked.NativeRep())
	if len(shapes) == 0 {
		return nil
	}
	var helpers map[string]boundHelper
	for _, s := range shapes {
		if s.kind == shapeResource {
			helpers = lastHelpers.of(env)
			break
		}
	}
	return cel.CustomDecoratorV2(newPlanner(shapes, helpers).decorate)
}

// lastHelpers keeps the resource helpers of the last environment asked
// about: an engine compiles all its expressions in one environment, and
// listing the bindings (half a millisecond) for each of some 400
// expressions would add a fifth of a second to compiling the packs.
var lastHelpers helperCache

type helperCache struct {
	mu      sync.Mutex
	env     *cel.Env
	helpers map[string]boundHelper
}

func (c *helperCache) of(env *cel.Env) map[string]boundHelper {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.env != env {
		c.env, c.helpers = env, resourceHelpers(env)
	}
	return c.helpers
}

// planner decorates the nodes of one expression as they are planned.
type planner struct {
	shapes  map[int64]shape
	helpers map[string]boundHelper
	// lists holds the planned lists that filters read (their ids are the
	// shapes' from), planned before the filters are.
	lists map[int64]interpreter.InterpretableV2
}

func newPlanner(shapes map[int64]shape, helpers map[string]boundHelper) *planner {
	pl := &planner{shapes: shapes, helpers: helpers, lists: map[int64]interpreter.InterpretableV2{}}
	for _, s := range shapes {
		if s.kind == shapeFilterType {
			pl.lists[s.from] = nil
		}
	}
	return pl
}

func (pl *planner) decorate(i interpreter.InterpretableV2) (interpreter.InterpretableV2, error) {
	out := planNode(pl, i)
	if _, ok := pl.lists[i.ID()]; ok {
		pl.lists[i.ID()] = out
	}
	return out, nil
}

// boundHelper is a resource helper's binding, called without its argument
// guards, and its declared argument types.
type boundHelper struct {
	call *functions.Overload
	args []*types.Type
}

// resourceHelpers are the overloads of the environment's functions whose
// first argument is a resource (has_tag, missing_tags, name_ok ...), by
// overload id. A planned call passes a resource (checked when it runs)
// and a literal of the declared type (checked when it is planned), which
// is what the bindings' argument guards check, so the planned call goes
// without them.
func resourceHelpers(env *cel.Env) map[string]boundHelper {
	out := map[string]boundHelper{}
	onResource := func(o *decls.OverloadDecl) bool {
		args := o.ArgTypes()
		return len(args) > 0 && len(args) <= 2 && args[0].TypeName() == resourceTypeName
	}
	for _, fn := range env.Functions() {
		sub := fn.Subset(onResource) // a copy: the environment's stays guarded
		if sub == nil {
			continue
		}
		if _, err := decls.DisableTypeGuards(true)(sub); err != nil {
			continue
		}
		bound, err := sub.Bindings()
		if err != nil {
			continue
		}
		for _, o := range sub.OverloadDecls() {
			for _, b := range bound {
				if b.Operator == o.ID() && !b.NonStrict && b.OperandTrait == 0 {
					out[o.ID()] = boundHelper{call: b, args: o.ArgTypes()}
				}
			}
		}
	}
	return out
}

// findShapes maps the id of each node of a known shape to the shape.
func findShapes(a *ast.AST) map[int64]shape {
	out := map[int64]shape{}
	isResource := func(e ast.Expr) bool {
		if e.Kind() != ast.IdentKind {
			return false
		}
		t := a.GetType(e.ID())
		return t != nil && t.Kind() == types.StructKind && t.TypeName() == resourceTypeName
	}
	// An attribute selected from or indexed further (r.attrs.K.x,
	// r.attrs.K[0]) is one attribute to the interpreter, with more
	// qualifiers, and so are the branches of c ? r.name : r.id: planning
	// a part would split it in two, which costs a metered evaluation more.
	qualified := map[int64]bool{}
	walk(a.Expr(), func(e ast.Expr) {
		switch e.Kind() {
		case ast.SelectKind:
			qualified[e.AsSelect().Operand().ID()] = true
		case ast.CallKind:
			switch e.AsCall().FunctionName() {
			case operators.Index, operators.OptIndex, operators.OptSelect:
				qualified[e.AsCall().Args()[0].ID()] = true
			case operators.Conditional:
				qualified[e.AsCall().Args()[1].ID()] = true
				qualified[e.AsCall().Args()[2].ID()] = true
			}
		}
	})
	walk(a.Expr(), func(e ast.Expr) {
		if qualified[e.ID()] {
			return
		}
		switch e.Kind() {
		case ast.CallKind:
			call := e.AsCall()
			args := call.Args()
			if call.IsMemberFunction() {
				args = append([]ast.Expr{call.Target()}, args...)
			}
			for _, arg := range args {
				if isResource(arg) {
					out[arg.ID()] = shape{kind: shapeResource, name: arg.AsIdent()}
				}
			}
		case ast.ComprehensionKind:
			if typ, ok := filterByType(e.AsComprehension()); ok {
				out[e.ID()] = shape{kind: shapeFilterType, key: typ, from: e.AsComprehension().IterRange().ID()}
			}
		case ast.SelectKind:
			sel := e.AsSelect()
			op := sel.Operand()
			if isResource(op) {
				f, ok := resourceFields[sel.FieldName()]
				if ok && f.slot > 0 && !sel.IsTestOnly() && sel.FieldName() != "attrs" && sel.FieldName() != "tags" {
					out[e.ID()] = shape{kind: shapeField, name: op.AsIdent(), field: f, quals: 1}
				}
				return
			}
			if op.Kind() != ast.SelectKind || !isResource(op.AsSelect().Operand()) {
				return
			}
			s := shape{name: op.AsSelect().Operand().AsIdent(), key: sel.FieldName(), quals: 2}
			switch op.AsSelect().FieldName() {
			case "attrs":
				s.kind = shapeAttr
				if sel.IsTestOnly() {
					s.kind = shapeHasAttr
				}
			case "tags":
				s.kind = shapeTag
				if sel.IsTestOnly() {
					s.kind = shapeHasTag
				}
			default:
				return
			}
			out[e.ID()] = s
		}
	})
	return out
}

// filterByType recognises list.filter(x, x.type == T) (or T == x.type) as
// the filter macro expands it, and returns T.
func filterByType(c ast.ComprehensionExpr) (string, bool) {
	if c.HasIterVar2() || c.IterRange().Kind() != ast.CallKind {
		return "", false
	}
	x, accu := c.IterVar(), c.AccuVar()
	isIdent := func(e ast.Expr, name string) bool { return e.Kind() == ast.IdentKind && e.AsIdent() == name }
	if init := c.AccuInit(); init.Kind() != ast.ListKind || len(init.AsList().Elements()) != 0 {
		return "", false
	}
	if cond := c.LoopCondition(); cond.Kind() != ast.LiteralKind || cond.AsLiteral() != types.True {
		return "", false
	}
	if !isIdent(c.Result(), accu) {
		return "", false
	}
	step := c.LoopStep()
	if step.Kind() != ast.CallKind || step.AsCall().FunctionName() != operators.Conditional {
		return "", false
	}
	args := step.AsCall().Args()
	if !isIdent(args[2], accu) || args[1].Kind() != ast.CallKind {
		return "", false
	}
	add := args[1].AsCall()
	if add.FunctionName() != operators.Add || len(add.Args()) != 2 || !isIdent(add.Args()[0], accu) {
		return "", false
	}
	if l := add.Args()[1]; l.Kind() != ast.ListKind || len(l.AsList().Elements()) != 1 || !isIdent(l.AsList().Elements()[0], x) {
		return "", false
	}
	pred := args[0]
	if pred.Kind() != ast.CallKind || pred.AsCall().FunctionName() != operators.Equals {
		return "", false
	}
	a, b := pred.AsCall().Args()[0], pred.AsCall().Args()[1]
	if a.Kind() == ast.LiteralKind {
		a, b = b, a
	}
	if a.Kind() != ast.SelectKind || a.AsSelect().IsTestOnly() || a.AsSelect().FieldName() != "type" || !isIdent(a.AsSelect().Operand(), x) {
		return "", false
	}
	if b.Kind() != ast.LiteralKind {
		return "", false
	}
	typ, ok := b.AsLiteral().(types.String)
	return string(typ), ok
}

// planNode replaces a node of a known shape, when the interpreter planned
// it as expected (an attribute of the variable with the shape's
// qualifiers), and fuses a comparison of a planned value with a literal.
// Anything else is left as planned.
func planNode(pl *planner, i interpreter.InterpretableV2) interpreter.InterpretableV2 {
	shapes := pl.shapes
	if s, ok := shapes[i.ID()]; ok && s.kind == shapeFilterType {
		if h, ok := pl.lists[s.from].(*helperCall); ok {
			return &filtered{list: h, typ: s.key, orig: i}
		}
		return i
	}
	if call, ok := i.(interpreter.InterpretableCall); ok {
		if h := planHelper(pl.helpers, call); h != nil {
			return h
		}
		if s := planSize(call); s != nil {
			return s
		}
		if n := planNot(call); n != nil {
			return n
		}
		return planCompare(call)
	}
	s, ok := shapes[i.ID()]
	if !ok {
		return i
	}
	attr, ok := i.(interpreter.InterpretableAttribute)
	if !ok {
		return i
	}
	ns, ok := attr.Attr().(interpreter.NamespacedAttribute)
	if !ok {
		return i
	}
	if names := ns.CandidateVariableNames(); len(names) != 1 || names[0] != s.name {
		return i
	}
	want := 0
	if s.kind != shapeResource {
		want = s.quals
	}
	if len(ns.Qualifiers()) != want {
		return i
	}
	return &planned{shape: s, orig: i}
}

// planned is a node of a known shape and the node it replaces.
type planned struct {
	shape
	orig interpreter.InterpretableV2
}

func (n *planned) ID() int64 { return n.orig.ID() }

// Eval is Exec in a frame, as the interpreter's own nodes do it: a
// conditional's condition is evaluated through Eval.
func (n *planned) Eval(a interpreter.Activation) ref.Val {
	return interpreter.EvalActivation(a, n.Exec)
}

func (n *planned) Exec(f *interpreter.ExecutionFrame) ref.Val {
	costs := f.CostTracker()
	if costs == nil {
		if v, ok := n.value(f, n.resource(f)); ok {
			return v
		}
		return n.orig.Exec(f)
	}
	// Metered: the value read the same way, charged as the interpreter's
	// attribute charges it (a step per qualifier, then the attribute or
	// presence test), so a user's policy gets the read and keeps its cost.
	v, ok := n.value(f, n.resolve(f))
	if !ok {
		return n.orig.Exec(f)
	}
	for range n.quals {
		costs.Qualify(n.ID())
	}
	costs.EvalAttribute(n.ID(), n.kind == shapeHasAttr || n.kind == shapeHasTag, v)
	return v
}

// resource is the variable's value, when it is a resource and the
// evaluation is unmetered: the fused nodes built on a planned node
// (comparisons, helper calls) are not charged as the interpreter's, so
// a metered evaluation runs the nodes they replace.
func (n *planned) resource(f *interpreter.ExecutionFrame) *resVal {
	if f.CostTracker() != nil {
		return nil
	}
	return n.resolve(f)
}

// resolve is the variable's value when it is a resource.
func (n *planned) resolve(f *interpreter.ExecutionFrame) *resVal {
	v, _ := f.ResolveName(n.name)
	rv, _ := v.(*resVal)
	return rv
}

// value is the node's value on rv, or false where the replaced node must
// say.
func (n *planned) value(f *interpreter.ExecutionFrame, rv *resVal) (ref.Val, bool) {
	if rv == nil {
		return nil, false
	}
	switch n.kind {
	case shapeResource:
		return rv, true
	case shapeField:
		return rv.field(n.field), true
	case shapeAttr:
		val, ok := rv.r.Attrs.Get(n.key)
		if !ok {
			return nil, false
		}
		return types.DefaultTypeAdapter.NativeToValue(val), true
	case shapeTag:
		s, ok := rv.r.Tags.Get(n.key)
		if !ok {
			return nil, false
		}
		return types.String(s), true
	case shapeHasAttr:
		return types.Bool(rv.r.Attrs.Has(n.key)), true
	case shapeHasTag:
		_, ok := rv.r.Tags.Get(n.key)
		return types.Bool(ok), true
	}
	return nil, false
}

// planHelper plans a call of a resource helper on a planned resource and,
// for a second argument, a literal.
func planHelper(helpers map[string]boundHelper, call interpreter.InterpretableCall) interpreter.InterpretableV2 {
	hp, ok := helpers[call.OverloadID()]
	if !ok {
		return nil
	}
	b := hp.call
	args := call.Args()
	r, ok := args[0].(*planned)
	if !ok || r.kind != shapeResource {
		return nil
	}
	h := &helperCall{r: r, orig: call}
	switch {
	case len(args) == 1 && b.Unary != nil:
		h.unary = b.Unary
	case len(args) == 2 && b.Binary != nil:
		c, ok := args[1].(interpreter.InterpretableConst)
		if !ok || !hp.args[1].IsAssignableRuntimeType(c.Value()) {
			return nil // a folded param of another type: the guard's error
		}
		h.binary, h.arg = b.Binary, c.Value()
	default:
		return nil
	}
	return h
}

// helperCall is a resource helper called on a planned resource.
type helperCall struct {
	r      *planned
	unary  functions.UnaryOp
	binary functions.BinaryOp
	arg    ref.Val
	orig   interpreter.InterpretableCall
}

func (n *helperCall) ID() int64 { return n.orig.ID() }
func (n *helperCall) Eval(a interpreter.Activation) ref.Val {
	return interpreter.EvalActivation(a, n.Exec)
}

func (n *helperCall) Exec(f *interpreter.ExecutionFrame) ref.Val {
	if v, ok := n.value(f); ok {
		return v
	}
	return n.orig.Exec(f)
}

func (n *helperCall) value(f *interpreter.ExecutionFrame) (ref.Val, bool) {
	rv := n.r.resource(f)
	if rv == nil {
		return nil, false
	}
	if n.unary != nil {
		return types.LabelErrNode(n.ID(), n.unary(rv)), true
	}
	return types.LabelErrNode(n.ID(), n.binary(rv, n.arg)), true
}

// planSize plans size() of a planned helper's list (missing_tags(r) ...).
func planSize(call interpreter.InterpretableCall) interpreter.InterpretableV2 {
	if call.Function() != overloads.Size {
		return nil
	}
	args := call.Args()
	if len(args) != 1 {
		return nil
	}
	h, ok := args[0].(*helperCall)
	if !ok {
		return nil
	}
	return &sizeOf{h: h, orig: call}
}

// sizeOf is the size of a list a planned helper returns.
type sizeOf struct {
	h    *helperCall
	orig interpreter.InterpretableCall
}

func (n *sizeOf) ID() int64                             { return n.orig.ID() }
func (n *sizeOf) Eval(a interpreter.Activation) ref.Val { return interpreter.EvalActivation(a, n.Exec) }

func (n *sizeOf) Exec(f *interpreter.ExecutionFrame) ref.Val {
	if size, ok := n.size(f); ok {
		return types.Int(size)
	}
	return n.orig.Exec(f)
}

// size is the list's size, or false where the interpreter must say (the
// helper failed, or returned what is not a list).
func (n *sizeOf) size(f *interpreter.ExecutionFrame) (int64, bool) {
	v, ok := n.h.value(f)
	if !ok {
		return 0, false
	}
	l, ok := v.(traits.Lister)
	if !ok {
		return 0, false
	}
	size, ok := l.Size().(types.Int)
	return int64(size), ok
}

// planCompare fuses a comparison of a planned field, attr or tag with a
// literal (X == lit, X != lit, X < lit ..., or the literal first) into a
// comparison of the value as the resource holds it, with no CEL value
// built for it.
func planCompare(call interpreter.InterpretableCall) interpreter.InterpretableV2 {
	op, ok := compareOps[call.Function()]
	if !ok {
		return call
	}
	args := call.Args()
	if len(args) != 2 {
		return call
	}
	x, lit := args[0], args[1]
	if _, ok := x.(interpreter.InterpretableConst); ok {
		x, lit = lit, x
		op = op.flipped()
	}
	c, isConst := lit.(interpreter.InterpretableConst)
	if !isConst {
		return call
	}
	if h, ok := x.(*helperCall); ok {
		return &compared{helper: h, lit: c.Value(), op: op, orig: call}
	}
	if sz, ok := x.(*sizeOf); ok {
		if _, isInt := c.Value().(types.Int); isInt {
			return &compared{size: sz, lit: c.Value(), op: op, orig: call}
		}
		return call
	}
	p, ok := x.(*planned)
	if !ok {
		return call
	}
	switch p.kind {
	case shapeField, shapeAttr, shapeTag:
	default:
		return call
	}
	switch v := c.Value().(type) {
	case types.String, types.Bool:
		if op != opEq && op != opNe {
			return call
		}
	case types.Int:
	case types.Double:
		if math.IsNaN(float64(v)) {
			return call
		}
	default:
		return call
	}
	return &compared{x: p, lit: c.Value(), op: op, orig: call}
}

// compareOp is a comparison operator.
type compareOp uint8

const (
	opEq compareOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

var compareOps = map[string]compareOp{
	operators.Equals: opEq, operators.NotEquals: opNe,
	operators.Less: opLt, operators.LessEquals: opLe,
	operators.Greater: opGt, operators.GreaterEquals: opGe,
}

// flipped is the operator with its operands swapped: lit < X is X > lit.
func (op compareOp) flipped() compareOp {
	switch op {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return op
}

// holds reports whether a three-way comparison's result satisfies op.
func (op compareOp) holds(cmp int) bool {
	switch op {
	case opEq:
		return cmp == 0
	case opNe:
		return cmp != 0
	case opLt:
		return cmp < 0
	case opLe:
		return cmp <= 0
	case opGt:
		return cmp > 0
	}
	return cmp >= 0
}

// compared is X op lit with X planned and lit a string or a bool (== and
// != only) or a number, or the size of a helper's list and an int, or a
// helper's value (age(r) > duration('168h')) and any literal.
type compared struct {
	x      *planned
	size   *sizeOf
	helper *helperCall
	lit    ref.Val
	op     compareOp
	orig   interpreter.InterpretableV2
}

func (n *compared) ID() int64 { return n.orig.ID() }
func (n *compared) Eval(a interpreter.Activation) ref.Val {
	return interpreter.EvalActivation(a, n.Exec)
}

func (n *compared) Exec(f *interpreter.ExecutionFrame) ref.Val {
	if cmp, ok := n.compare(f); ok {
		return types.Bool(n.op.holds(cmp))
	}
	return n.orig.Exec(f)
}

// compare compares the value with the literal where both are strings,
// both bools (equal or not: 0 or 1) or both numbers, the value a double
// as attrs hold numbers; any other pair (a list, a null, a NaN, an absent
// key, a string against a number) is the interpreter's to compare.
func (n *compared) compare(f *interpreter.ExecutionFrame) (int, bool) {
	if n.helper != nil {
		return n.compareValue(f)
	}
	if n.size != nil {
		size, ok := n.size.size(f)
		if !ok {
			return 0, false
		}
		return cmp.Compare(size, int64(n.lit.(types.Int))), true
	}
	rv := n.x.resource(f)
	if rv == nil {
		return 0, false
	}
	var val any
	switch n.x.kind {
	case shapeField:
		if n.x.field.str != nil {
			val = n.x.field.str(rv.r)
			break
		}
		switch v := rv.field(n.x.field).(type) {
		case types.String:
			val = string(v)
		case types.Double:
			val = float64(v)
		default:
			return 0, false
		}
	case shapeAttr:
		v, ok := rv.r.Attrs.Get(n.x.key)
		if !ok {
			return 0, false
		}
		val = v
	case shapeTag:
		s, ok := rv.r.Tags.Get(n.x.key)
		if !ok {
			return 0, false
		}
		val = s
	}
	switch lit := n.lit.(type) {
	case types.String:
		s, ok := val.(string)
		return differs(s == string(lit)), ok
	case types.Bool:
		b, ok := val.(bool)
		return differs(b == bool(lit)), ok
	case types.Int, types.Double:
		d, ok := val.(float64)
		if !ok || math.IsNaN(d) {
			return 0, false
		}
		cmp, ok := types.Double(d).Compare(lit).(types.Int)
		return int(cmp), ok
	}
	return 0, false
}

// differs is an equality as a three-way comparison's result.
func differs(equal bool) int {
	if equal {
		return 0
	}
	return 1
}

// filtered is a helper's list of resources filtered by type.
type filtered struct {
	list *helperCall
	typ  string
	orig interpreter.InterpretableV2
}

func (n *filtered) ID() int64 { return n.orig.ID() }
func (n *filtered) Eval(a interpreter.Activation) ref.Val {
	return interpreter.EvalActivation(a, n.Exec)
}

func (n *filtered) Exec(f *interpreter.ExecutionFrame) ref.Val {
	if v, ok := n.value(f); ok {
		return v
	}
	return n.orig.Exec(f)
}

// value is the filtered list, or false where the comprehension must run:
// the helper failed or gave what is not a list of resources.
func (n *filtered) value(f *interpreter.ExecutionFrame) (ref.Val, bool) {
	v, ok := n.list.value(f)
	if !ok {
		return nil, false
	}
	l, ok := v.(traits.Lister)
	if !ok {
		return nil, false
	}
	size, ok := l.Size().(types.Int)
	if !ok {
		return nil, false
	}
	var out []ref.Val
	for i := range int64(size) {
		rv, ok := l.Get(types.Int(i)).(*resVal)
		if !ok {
			return nil, false
		}
		if rv.r.Type == n.typ {
			out = append(out, rv)
		}
	}
	return types.NewRefValList(types.DefaultTypeAdapter, out), true
}

// compareValue compares a helper's value with the literal as the
// standard operators do: == and != by CEL equality, the others by the
// value's Compare (what each ordering overload calls). An error, or a
// pair Compare does not order, is the interpreter's to report.
func (n *compared) compareValue(f *interpreter.ExecutionFrame) (int, bool) {
	v, ok := n.helper.value(f)
	if !ok || types.IsUnknownOrError(v) {
		return 0, false
	}
	if n.op == opEq || n.op == opNe {
		return differs(types.Equal(v, n.lit) == types.True), true
	}
	c, ok := v.(traits.Comparer)
	if !ok {
		return 0, false
	}
	cmp, ok := c.Compare(n.lit).(types.Int)
	return int(cmp), ok
}

// planNot plans !X, X a planned node.
func planNot(call interpreter.InterpretableCall) interpreter.InterpretableV2 {
	if call.Function() != operators.LogicalNot || len(call.Args()) != 1 {
		return nil
	}
	switch call.Args()[0].(type) {
	case *planned, *helperCall, *compared:
		return &negated{x: call.Args()[0], orig: call}
	}
	return nil
}

// negated is !X with X planned.
type negated struct {
	x    interpreter.InterpretableV2
	orig interpreter.InterpretableCall
}

func (n *negated) ID() int64 { return n.orig.ID() }
func (n *negated) Eval(a interpreter.Activation) ref.Val {
	return interpreter.EvalActivation(a, n.Exec)
}

// Exec negates a bool; anything else (an error, a value of another type)
// is the interpreter's.
func (n *negated) Exec(f *interpreter.ExecutionFrame) ref.Val {
	if f.CostTracker() == nil {
		if b, ok := n.x.Exec(f).(types.Bool); ok {
			return !b
		}
	}
	return n.orig.Exec(f)
}
