package inventory

import (
	"math"
	"unsafe"
)

// value is an attr's value as Attrs holds it: 16 bytes and no interface
// box for the JSON scalars that make up almost every attr (a string, a
// number, a bool, null). Boxing them cost an allocation each (16 bytes and
// the string's header for a string, 8 for a number) on top of the 16-byte
// interface in the pair, and a type switch at every read.
//
// p says the kind: nil is null; the address of one of the marks is a
// number (n its bits), a bool (n 0 or 1) or the empty string; n with
// the boxed bit is any other value (a list, an object, a value of a type
// of its own a collector set), p pointing at it; otherwise p is the
// first byte of a string of length n. A non-empty string's bytes never
// lie in marks, so the kinds cannot be mistaken for one another.
type value struct {
	p unsafe.Pointer
	n uint64
}

// marks are the addresses p takes for a kind without data of its own.
var marks [3]byte

const (
	markNumber = iota
	markBool
	markEmpty
)

const boxed = 1 << 63

// AttrKind is what an attr value is: a JSON scalar read without
// conversion, or another value (a list, an object) read through Any.
type AttrKind uint8

// The kinds of attr values.
const (
	AttrNull AttrKind = iota
	AttrString
	AttrNumber
	AttrBool
	AttrOther // a list, an object, or a value of another Go type
)

// AttrValue is one attr value, typed: a string, number or bool read with
// no interface boxed. The zero value is null.
type AttrValue struct{ v value }

// Kind says which of the accessors gives the value.
func (a AttrValue) Kind() AttrKind { return a.v.kind() }

// Str is a string value's text ("" for any other kind).
func (a AttrValue) Str() string {
	if a.v.kind() != AttrString {
		return ""
	}
	return a.v.str()
}

// Number is a number's value (0 for any other kind).
func (a AttrValue) Number() float64 {
	if a.v.kind() != AttrNumber {
		return 0
	}
	return math.Float64frombits(a.v.n)
}

// Bool is a bool's value (false for any other kind).
func (a AttrValue) Bool() bool { return a.v.kind() == AttrBool && a.v.n != 0 }

// Any is the value as Attrs.Get gives it: string, float64, bool, nil or
// the value that was set.
func (a AttrValue) Any() any { return a.v.any() }

func mark(i int) unsafe.Pointer { return unsafe.Pointer(&marks[i]) }

// valueOf stores v typed when it is a string, float64, bool or nil, and
// boxed otherwise (named types too, so Get gives back what was set).
func valueOf(v any) value {
	switch v := v.(type) {
	case nil:
		return value{}
	case string:
		return stringValue(v)
	case float64:
		return value{mark(markNumber), math.Float64bits(v)}
	case bool:
		var n uint64
		if v {
			n = 1
		}
		return value{mark(markBool), n}
	default:
		b := new(any)
		*b = v
		return value{unsafe.Pointer(b), boxed}
	}
}

func stringValue(s string) value {
	if len(s) == 0 {
		return value{mark(markEmpty), 0}
	}
	return value{unsafe.Pointer(unsafe.StringData(s)), uint64(len(s))}
}

func (v value) kind() AttrKind {
	switch {
	case v.p == nil:
		return AttrNull
	case v.p == mark(markNumber):
		return AttrNumber
	case v.p == mark(markBool):
		return AttrBool
	case v.p == mark(markEmpty):
		return AttrString
	case v.n&boxed != 0:
		return AttrOther
	}
	return AttrString
}

// str is the string of a value of kind AttrString.
func (v value) str() string {
	if v.p == mark(markEmpty) {
		return ""
	}
	return unsafe.String((*byte)(v.p), int(v.n))
}

// any boxes the value as Attrs.Get returns it.
func (v value) any() any {
	switch v.kind() {
	case AttrString:
		return v.str()
	case AttrNumber:
		return math.Float64frombits(v.n)
	case AttrBool:
		return v.n != 0
	case AttrOther:
		return *(*any)(v.p)
	}
	return nil
}
