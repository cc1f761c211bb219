package cost

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// checkThriftCompact walks a Thrift compact-protocol struct (a Parquet
// footer) without decoding it, and fails when a length or element count
// is larger than the bytes left: the Parquet library allocates what a
// count says before reading the elements, so a damaged footer could ask
// for more memory than the machine has. Every element takes at least one
// byte, so a count that fits is an allocation bounded by the footer.
func checkThriftCompact(b []byte) error {
	c := thriftChecker{b: b}
	if err := c.structure(0); err != nil {
		return fmt.Errorf("footer byte %d: %w", c.pos, err)
	}
	return nil
}

type thriftChecker struct {
	b   []byte
	pos int
}

var errThriftShort = errors.New("ends early")

const thriftMaxDepth = 64

func (c *thriftChecker) byte1() (byte, error) {
	if c.pos >= len(c.b) {
		return 0, errThriftShort
	}
	c.pos++
	return c.b[c.pos-1], nil
}

func (c *thriftChecker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(c.b[c.pos:])
	if n <= 0 {
		return 0, errors.New("bad varint")
	}
	c.pos += n
	return v, nil
}

// count reads a length or element count and checks it fits.
func (c *thriftChecker) fits(n uint64) error {
	if n > uint64(len(c.b)-c.pos) {
		return fmt.Errorf("count %d is larger than the %d bytes left", n, len(c.b)-c.pos)
	}
	return nil
}

func (c *thriftChecker) structure(depth int) error {
	if depth > thriftMaxDepth {
		return errors.New("nested too deep")
	}
	for {
		h, err := c.byte1()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil // stop
		}
		if h>>4 == 0 { // field id in a zigzag varint
			if _, err := c.uvarint(); err != nil {
				return err
			}
		}
		if err := c.value(h&0x0f, depth); err != nil {
			return err
		}
	}
}

func (c *thriftChecker) value(t byte, depth int) error {
	switch t {
	case 1, 2: // booleans carry their value in the type
		return nil
	case 3:
		_, err := c.byte1()
		return err
	case 4, 5, 6:
		_, err := c.uvarint()
		return err
	case 7:
		if err := c.fits(8); err != nil {
			return err
		}
		c.pos += 8
		return nil
	case 8:
		n, err := c.uvarint()
		if err != nil {
			return err
		}
		if err := c.fits(n); err != nil {
			return err
		}
		c.pos += int(n)
		return nil
	case 9, 10:
		h, err := c.byte1()
		if err != nil {
			return err
		}
		n := uint64(h >> 4)
		if n == 15 {
			if n, err = c.uvarint(); err != nil {
				return err
			}
		}
		if err := c.fits(n); err != nil {
			return err
		}
		et := h & 0x0f
		for range n {
			if et == 1 || et == 2 { // a boolean element is one byte
				if _, err := c.byte1(); err != nil {
					return err
				}
				continue
			}
			if err := c.value(et, depth+1); err != nil {
				return err
			}
		}
		return nil
	case 11:
		n, err := c.uvarint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if err := c.fits(n); err != nil {
			return err
		}
		kv, err := c.byte1()
		if err != nil {
			return err
		}
		for range n {
			if err := c.value(kv>>4, depth+1); err != nil {
				return err
			}
			if err := c.value(kv&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case 12:
		return c.structure(depth + 1)
	}
	return fmt.Errorf("unknown type %d", t)
}
