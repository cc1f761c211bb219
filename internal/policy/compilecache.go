package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/common/types"
)

// Compiling the built-in packs (parse, check, fold constants, plan) takes
// most of a second, and a process that builds several engines (the server,
// a test binary running the CLI hundreds of times) would pay it each time
// for the same result. The programs a policy compiles to depend on its
// expressions and parameters and on everything the helper functions close
// over (the clock, naming rule, required tags, pricer, currency, language),
// since programs are bound to those functions when planned and constant
// folding calls them. The cache key covers all of it (the clock only for
// policies that read it through a helper), so a program is only shared
// between engines that would have compiled it identically.

// maxCachedPrograms bounds the cache: a long-running process compiling
// under ever new options (a clock that moves) must not grow without limit.
// It holds several full sets of the built-in packs.
const maxCachedPrograms = 2048

var programs = &programCache{m: map[programKey]*compiled{}}

// programCache maps a policy compiled under some options to its programs.
type programCache struct {
	mu     sync.Mutex
	m      map[programKey]*compiled
	hits   int
	misses int
}

type programKey [sha256.Size]byte

// compileCached is compile, sharing the result with every earlier compile
// of the same policy under the same options in this process. Errors are not
// cached: they name the policy's file and line, which the key leaves out.
func compileCached(envs *celEnvs, p *Policy, limit uint64) (*compiled, error) {
	key, ok := keyOf(envs.base, p, limit)
	if !ok {
		return compile(envs, p, limit)
	}
	if c := programs.get(key); c != nil {
		// The programs are shared (they are safe for concurrent use); what
		// is the engine's own (the policy, its rank) is not.
		own := *c
		own.p, own.sev, own.rank = p, p.Severity, 0
		own.params = types.DefaultTypeAdapter.NativeToValue(p.Params)
		return &own, nil
	}
	c, err := compile(envs, p, limit)
	if err != nil {
		return nil, err
	}
	stored := *c
	programs.put(key, &stored)
	return c, nil
}

func (pc *programCache) get(k programKey) *compiled {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	c := pc.m[k]
	if c != nil {
		pc.hits++
	} else {
		pc.misses++
	}
	return c
}

func (pc *programCache) put(k programKey, c *compiled) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if len(pc.m) >= maxCachedPrograms {
		clear(pc.m)
	}
	pc.m[k] = c
}

// stats returns the cache's hits and misses so far.
func (pc *programCache) stats() (hits, misses int) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.hits, pc.misses
}

// keyOf hashes everything compile's result depends on, the cost limit
// of its programs included: the texts of every language, since each is
// compiled. ok is false when
// the options hold something the key cannot capture: a pricer other than
// the built-in list prices may keep state a compile folds in, so such
// engines compile afresh.
func keyOf(fn *funcs, p *Policy, limit uint64) (programKey, bool) {
	switch fn.pricer.(type) {
	case nil, ListPrices:
	default:
		return programKey{}, false
	}
	h := sha256.New()
	w := keyWriter{h: h}
	// The helpers' inputs.
	w.str(fmt.Sprintf("%T", fn.pricer))
	if usesClock(p) {
		w.int(fn.now.UnixNano())
	}
	w.str(fn.rule.String())
	w.str(fn.rule.Pattern())
	w.strs(slices.Sorted(maps.Keys(fn.namingTypes)))
	w.strsMap(fn.required)
	w.strsMap(fn.requiredOn)
	w.strs(fn.requiredExempt)
	w.str(fn.currency)
	w.int(int64(math.Float64bits(fn.rate)))
	// The policy's expressions and what they are checked, folded and
	// metered with.
	w.int(int64(limit))
	w.bool(p.builtin)
	w.strs(p.Types)
	w.str(p.Where)
	w.str(p.Waste)
	w.str(p.Title)
	w.str(p.Message)
	langs := slices.Sorted(maps.Keys(p.Translations))
	w.tag('L', len(langs))
	for _, lang := range langs {
		t := p.Translations[lang]
		w.str(string(lang))
		w.str(t.Title)
		w.str(t.Message)
	}
	if !w.value(p.Params) {
		return programKey{}, false
	}
	var k programKey
	h.Sum(k[:0])
	return k, true
}

// usesClock reports whether the policy may call age() or since(), the
// helpers that read the clock the program is bound to. Other policies'
// programs are shared across clocks: the variable now is bound per
// evaluation. A name found anywhere in the text (in a string, say) only
// costs a cache miss.
func usesClock(p *Policy) bool {
	srcs := []string{p.Where, p.Waste, p.Title, p.Message}
	for _, t := range p.Translations {
		srcs = append(srcs, t.Title, t.Message)
	}
	for _, src := range srcs {
		if strings.Contains(src, "age") || strings.Contains(src, "since") {
			return true
		}
	}
	return false
}

// keyWriter writes values unambiguously: each with its kind and length.
type keyWriter struct {
	h interface{ Write([]byte) (int, error) }
}

func (w keyWriter) tag(b byte, n int) {
	var buf [9]byte
	buf[0] = b
	binary.LittleEndian.PutUint64(buf[1:], uint64(n))
	w.h.Write(buf[:])
}

func (w keyWriter) str(s string) {
	w.tag('s', len(s))
	w.h.Write([]byte(s))
}

func (w keyWriter) int(n int64) { w.tag('i', int(n)) }

func (w keyWriter) bool(b bool) {
	if b {
		w.tag('t', 1)
	} else {
		w.tag('f', 0)
	}
}

func (w keyWriter) strs(ss []string) {
	w.tag('l', len(ss))
	for _, s := range ss {
		w.str(s)
	}
}

func (w keyWriter) strsMap(m map[string][]string) {
	w.tag('m', len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		w.str(k)
		w.strs(m[k])
	}
}

// value writes a parameter value (as normalizeParam leaves them); false
// for a type it does not know.
func (w keyWriter) value(v any) bool {
	switch x := v.(type) {
	case nil:
		w.tag('n', 0)
	case bool:
		w.bool(x)
	case int64:
		w.int(x)
	case float64:
		w.tag('d', int(math.Float64bits(x)))
	case string:
		w.str(x)
	case []any:
		w.tag('l', len(x))
		for _, e := range x {
			if !w.value(e) {
				return false
			}
		}
	case map[string]any:
		w.tag('m', len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			w.str(k)
			if !w.value(x[k]) {
				return false
			}
		}
	default:
		return false
	}
	return true
}
