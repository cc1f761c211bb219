package bill

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/format"
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
	if n == 0 {
		return 0, errThriftShort
	}
	if n < 0 {
		return 0, errors.New("bad varint")
	}
	c.pos += n
	return v, nil
}

// count reads a length or element count and checks it fits.
func (c *thriftChecker) fits(n uint64) error {
	if n > uint64(len(c.b)-c.pos) {
		return fmt.Errorf("count %d is larger than the %d bytes left (%w)", n, len(c.b)-c.pos, errThriftShort)
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

// maxPageBytes bounds the size a page header may claim, compressed or
// not. Writers make pages of about a megabyte; a header claiming more is
// damage, and the Parquet library would allocate what it claims before
// finding that out.
var maxPageBytes int64 = 256 << 20 // a variable so tests can lower it

// maxPageHeader bounds a page header (statistics make it grow).
const maxPageHeader = 16 << 20

// checkChunkPages walks the page headers of one column chunk from the
// footer's offsets, reading only the headers, and fails when a page
// claims more than maxPageBytes or runs past its chunk.
func checkChunkPages(r io.ReaderAt, size int64, md *format.ColumnMetaData) error {
	start := md.DataPageOffset
	if d := md.DictionaryPageOffset; d > 0 && d < start {
		start = d
	}
	end := start + md.TotalCompressedSize
	if start < 4 || md.TotalCompressedSize < 0 || end > size-8 || end < start {
		return fmt.Errorf("column chunk at bytes %d-%d lies outside the file's %d bytes", start, end, size)
	}
	buf := make([]byte, 4<<10)
	for pos := start; pos < end; {
		n := min(int64(len(buf)), end-pos)
		if _, err := r.ReadAt(buf[:n], pos); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("page header at byte %d: %w", pos, err)
		}
		uncompressed, compressed, hlen, err := pageHeader(buf[:n])
		if errors.Is(err, errThriftShort) && n == int64(len(buf)) && len(buf) < maxPageHeader {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return fmt.Errorf("page header at byte %d: %w", pos, err)
		}
		switch {
		case compressed < 0 || uncompressed < 0:
			return fmt.Errorf("page at byte %d claims a negative size", pos)
		case compressed > maxPageBytes || uncompressed > maxPageBytes:
			return fmt.Errorf("page at byte %d claims %d bytes (%d compressed), more than the %d MiB a page may have", pos, uncompressed, compressed, maxPageBytes>>20)
		case pos+int64(hlen)+compressed > end:
			return fmt.Errorf("page at byte %d runs %d bytes past the end of its column chunk", pos, pos+int64(hlen)+compressed-end)
		}
		pos += int64(hlen) + compressed
	}
	return nil
}

// pageHeader reads a Parquet PageHeader's uncompressed and compressed
// sizes (fields 2 and 3) and the header's length, skipping the rest.
func pageHeader(b []byte) (uncompressed, compressed int64, n int, err error) {
	c := thriftChecker{b: b}
	var id int64
	for {
		h, err := c.byte1()
		if err != nil {
			return 0, 0, 0, err
		}
		if h == 0 {
			return uncompressed, compressed, c.pos, nil
		}
		if d := h >> 4; d != 0 {
			id += int64(d)
		} else {
			v, err := c.uvarint()
			if err != nil {
				return 0, 0, 0, err
			}
			id = zigzag(v)
		}
		t := h & 0x0f
		if (id == 2 || id == 3) && t == 5 {
			v, err := c.uvarint()
			if err != nil {
				return 0, 0, 0, err
			}
			if id == 2 {
				uncompressed = zigzag(v)
			} else {
				compressed = zigzag(v)
			}
			continue
		}
		if err := c.value(t, 1); err != nil {
			return 0, 0, 0, err
		}
	}
}

func zigzag(v uint64) int64 { return int64(v>>1) ^ -int64(v&1) }
