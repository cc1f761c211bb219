package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/steward-sre/steward/internal/i18n"
	"github.com/steward-sre/steward/internal/inventory"
)

type celExpr = ast.Expr

// walk visits every expression under e.
func walk(e ast.Expr, visit func(ast.Expr)) {
	ast.PostOrderVisit(e, ast.NewExprVisitor(visit))
}

// selectOn recognises r.attrs.KEY and params.KEY, returning the operand
// path ("r.attrs" or "params") and the key.
func selectOn(e ast.Expr) (operand, key string, ok bool) {
	if e.Kind() != ast.SelectKind {
		return "", "", false
	}
	sel := e.AsSelect()
	op := sel.Operand()
	switch op.Kind() {
	case ast.IdentKind:
		if op.AsIdent() == "params" {
			return "params", sel.FieldName(), true
		}
	case ast.SelectKind:
		inner := op.AsSelect()
		if inner.FieldName() == "attrs" && inner.Operand().Kind() == ast.IdentKind && inner.Operand().AsIdent() == "r" {
			return "r.attrs", sel.FieldName(), true
		}
	}
	return "", "", false
}

// splitMessage cuts a message into literal text and ${expression} parts.
// Braces inside an expression nest and quoted strings are skipped, so
// ${ {'a': 1}['a'] } and ${'}'} work. It returns the parts and, for each,
// its byte offset in msg.
func splitMessage(msg string) (parts []string, exprs []bool, offsets []int, err error) {
	i, lit := 0, 0
	for i < len(msg) {
		if !strings.HasPrefix(msg[i:], "${") {
			i++
			continue
		}
		if i > lit {
			parts, exprs, offsets = append(parts, msg[lit:i]), append(exprs, false), append(offsets, lit)
		}
		start := i + 2
		depth, j := 1, start
		var quote byte
		for j < len(msg) && depth > 0 {
			c := msg[j]
			switch {
			case quote != 0:
				if c == '\\' {
					j++
				} else if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				quote = c
			case c == '{':
				depth++
			case c == '}':
				depth--
			}
			j++
		}
		if depth > 0 {
			return nil, nil, nil, i18n.Say("policy.err.msg.open", i).Err()
		}
		expr := msg[start : j-1]
		if strings.TrimSpace(expr) == "" {
			return nil, nil, nil, i18n.Say("policy.err.msg.empty", i).Err()
		}
		parts, exprs, offsets = append(parts, expr), append(exprs, true), append(offsets, start)
		i, lit = j, j
	}
	if lit < len(msg) {
		parts, exprs, offsets = append(parts, msg[lit:]), append(exprs, false), append(offsets, lit)
	}
	return parts, exprs, offsets, nil
}

// compileMessage compiles a message in one language; size is a guess at
// its rendered length, so that most messages are built in one allocation.
func compileMessage(env *cel.Env, p *Policy, field, msg string, limit uint64) (segs []segment, size int, err error) {
	parts, exprs, offsets, err := splitMessage(msg)
	if err != nil {
		var why any = err.Error()
		if ph, ok := i18n.PhraseOf(err); ok {
			why = ph
		}
		return nil, 0, p.exprError(field, msg, 0, 1, 0, why)
	}
	segs = make([]segment, len(parts))
	for i, part := range parts {
		if !exprs[i] {
			segs[i].text = part
			size += len(part)
			continue
		}
		// An interpolation is guessed at 24 bytes. The guess is the
		// capacity a message is built with, which the finding keeps.
		size += 24
		prg, err := compileExpr(env, p, field, part, offsets[i], nil, limit)
		if err != nil {
			return nil, 0, err
		}
		segs[i].prog, segs[i].src = prg, strings.TrimSpace(part)
	}
	return segs, size, nil
}

// render builds a finding's message in lang from segs, one of c's
// messages. vals are the English message's values: rendering the English
// message fills them (when not nil), a translation reads those its
// segments share. An interpolation that fails shows as <error: ...> in the
// text and in the log: the finding itself stands.
func (e *Engine) render(c *compiled, field string, segs []segment, size int, lang i18n.Lang, r *inventory.Resource, act cel.Activation, vals []ref.Val) string {
	var b strings.Builder
	b.Grow(size)
	english := lang == i18n.EN
	for i, s := range segs {
		if s.prog == nil {
			b.WriteString(s.text)
			continue
		}
		var v ref.Val
		if !english && s.same > 0 && vals != nil {
			v = vals[s.same-1]
		}
		if v == nil {
			var err error
			if v, err = eval(s.prog, act); err != nil {
				e.evalFailed(c, field, r, err)
				b.WriteString("<error: " + err.Error() + ">")
				continue
			}
		}
		if english && vals != nil {
			vals[i] = v
		}
		b.WriteString(display(v, lang))
	}
	return b.String()
}

// display prints a CEL value the way a person reads it in a message.
func display(v ref.Val, lang i18n.Lang) string {
	switch t := v.(type) {
	case types.String:
		return string(t)
	case types.Int:
		return strconv.FormatInt(int64(t), 10)
	case types.Uint:
		return strconv.FormatUint(uint64(t), 10)
	case types.Double:
		f := float64(t)
		if f == float64(int64(f)) && f < 1e15 && f > -1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'f', 2, 64)
	case types.Bool:
		return strconv.FormatBool(bool(t))
	case types.Duration:
		d := t.Duration
		if d >= 48*time.Hour {
			return lang.T("policy.days", int64(d/(24*time.Hour)))
		}
		return d.Round(time.Minute).String()
	case types.Timestamp:
		return t.UTC().Format("2006-01-02")
	case types.Null:
		return "null"
	case *resVal:
		if t.r.Name != "" {
			return t.r.Name
		}
		return t.r.ID
	case traits.Lister:
		n := int(t.Size().(types.Int))
		items := make([]string, n)
		for i := range n {
			items[i] = display(t.Get(types.Int(i)), lang)
		}
		return strings.Join(items, ", ")
	}
	return fmt.Sprint(v.Value())
}
