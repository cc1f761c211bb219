// Package objstore reads the inputs steward is given (saved scans, AWS
// Config deliveries, bills, Terraform states, trail logs) without trusting
// them. It is the one place that lists and opens local files, folders,
// globs with ** and s3://bucket/prefix, with gzip told by its first bytes
// and inflated transparently. Every read is bounded in size, a gzip stream
// is counted as it is inflated, a read blocked on a FIFO or an idle stdin
// gives way when the context is cancelled, and failures of the network or
// the disk are told apart from bad paths (IOError). It knows nothing of
// what the files hold.
package objstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dustin/go-humanize"
)

// DefaultMaxBytes bounds one input file, after decompression, unless the
// user raises it (--max-input): far above a real saved scan, state or
// Config delivery, far below what would exhaust a CI runner's memory.
const DefaultMaxBytes = 256 << 20

// TooLargeError says an input is larger than the limit it was read with.
type TooLargeError struct {
	Name  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: larger than %s (the --max-input limit); raise --max-input if the file is meant to be this large", e.Name, humanize.IBytes(uint64(e.Limit)))
}

// Limit returns a reader of r that fails with *TooLargeError once it has
// read more than max bytes; max <= 0 means DefaultMaxBytes.
func Limit(r io.Reader, name string, max int64) io.Reader {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	return &limitReader{r: r, name: name, left: max, max: max}
}

type limitReader struct {
	r         io.Reader
	name      string
	left, max int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &TooLargeError{Name: l.name, Limit: l.max}
	}
	// Read one byte past the limit, to tell "exactly max" from "more".
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n - int(-l.left), &TooLargeError{Name: l.name, Limit: l.max}
	}
	return n, err
}

// Context returns a reader of r whose Read returns ctx.Err() as soon as ctx
// is done, even while the read under it is blocked (a FIFO with no writer,
// a terminal or pipe nobody writes to). The blocked read is left behind;
// the reader is not used again.
func Context(ctx context.Context, r io.Reader) io.Reader {
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx  context.Context //nolint:containedctx // the reader lives for one read of one input
	r    io.Reader
	buf  []byte
	done chan readResult
	err  error
}

type readResult struct {
	n   int
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	if len(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	if c.done == nil {
		c.done = make(chan readResult, 1)
	}
	buf := c.buf[:len(p)]
	go func() {
		n, err := c.r.Read(buf)
		c.done <- readResult{n, err}
	}()
	select {
	case res := <-c.done:
		copy(p, buf[:res.n])
		return res.n, res.err
	case <-c.ctx.Done():
		// The goroutine may still write into buf: it is never read again.
		c.err = c.ctx.Err()
		return 0, c.err
	}
}

// Open opens a file for reading, giving way to ctx: opening a FIFO blocks
// until something writes to it.
func Open(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			// Close the file should the open ever finish.
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// ReadAll reads all of r, at most max bytes (DefaultMaxBytes when max <=
// 0), giving way to ctx. It reads in chunks and copies them once into a
// buffer of the total size, so a stream of unknown length (a device, a
// pipe) costs about twice its size at most, not the several times a
// doubling buffer does.
func ReadAll(ctx context.Context, r io.Reader, name string, max int64) ([]byte, error) {
	const chunk = 1 << 20
	lr := Limit(Context(ctx, r), name, max)
	var chunks [][]byte
	total := 0
	for {
		buf := make([]byte, chunk)
		n, err := io.ReadFull(lr, buf)
		if n > 0 {
			chunks = append(chunks, buf[:n])
			total += n
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	out := make([]byte, 0, total)
	for i, c := range chunks {
		out = append(out, c...)
		chunks[i] = nil
	}
	return out, nil
}

// ReadFile reads a whole file, at most max bytes (DefaultMaxBytes when
// max <= 0), giving way to ctx. A regular file larger than max is refused
// before it is read.
func ReadFile(ctx context.Context, path string, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	f, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if fi.Size() > max {
			return nil, &TooLargeError{Name: path, Limit: max}
		}
		// Read into a buffer of the file's size rather than growing one.
		buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
		_, err := buf.ReadFrom(Limit(Context(ctx, f), path, max))
		return buf.Bytes(), err
	}
	return ReadAll(ctx, f, path, max)
}

// IsGzip reports whether data starts with the gzip magic number.
func IsGzip(data []byte) bool { return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b }

// Gunzip inflates data, at most max bytes of output. It inflates twice:
// first only counting, so a small file that inflates to gigabytes (a gzip
// bomb) is refused having used no memory, then into a buffer of the size
// counted.
func Gunzip(data []byte, name string, max int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: gunzip: %w", name, err)
	}
	n, err := io.Copy(io.Discard, Limit(zr, name+" (decompressed)", max))
	if err != nil {
		var tl *TooLargeError
		if errors.As(err, &tl) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: gunzip: %w", name, err)
	}
	if err := zr.Reset(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("%s: gunzip: %w", name, err)
	}
	out := bytes.NewBuffer(make([]byte, 0, n))
	if _, err := io.Copy(out, io.LimitReader(zr, n)); err != nil {
		return nil, fmt.Errorf("%s: gunzip: %w", name, err)
	}
	return out.Bytes(), nil
}
