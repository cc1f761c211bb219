package objstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	tests := map[string]struct {
		size, max int64
		tooLarge  bool
	}{
		"under":   {size: 99, max: 100},
		"exactly": {size: 100, max: 100},
		"over":    {size: 101, max: 100, tooLarge: true},
		"far":     {size: 1 << 20, max: 100, tooLarge: true},
		"default": {size: 1 << 20, max: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ReadAll(context.Background(), io.LimitReader(zeros{}, tc.size), "in", tc.max)
			var tl *TooLargeError
			if tc.tooLarge {
				if !errors.As(err, &tl) || tl.Name != "in" || tl.Limit != tc.max {
					t.Fatalf("err = %v, want TooLargeError for in at %d", err, tc.max)
				}
				return
			}
			if err != nil || int64(len(got)) != tc.size {
				t.Fatalf("read %d bytes, err %v; want %d", len(got), err, tc.size)
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestReadFileRefusesDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := ReadFile(context.Background(), "/dev/zero", 1<<20)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "/dev/zero: larger than 1.0 MiB (the --max-input limit)") {
		t.Fatalf("err = %v, want /dev/zero refused as too large", err)
	}
}

// TestReadGivesWayToContext: a read blocked on a pipe nobody writes to, or
// on opening a FIFO nobody opens, returns when the context is cancelled.
func TestReadGivesWayToContext(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	tests := map[string]func(ctx context.Context) error{
		"idle pipe": func(ctx context.Context) error {
			_, err := ReadAll(ctx, pr, "-", 0)
			return err
		},
		"fifo": func(ctx context.Context) error {
			_, err := ReadFile(ctx, fifo, 0)
			return err
		},
	}
	for name, read := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- read(ctx) }()
			time.Sleep(50 * time.Millisecond)
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want context.Canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the read did not give way to the cancelled context")
			}
		})
	}
}

// TestGunzipRefusesBombEarly: a small file that inflates past the limit is
// refused without holding what it inflates to.
func TestGunzipRefusesBombEarly(t *testing.T) {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	chunk := make([]byte, 1<<20)
	for range 64 {
		zw.Write(chunk)
	}
	zw.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Gunzip(z.Bytes(), "bomb.json.gz", 8<<20)
	runtime.ReadMemStats(&after)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "bomb.json.gz (decompressed): larger than 8.0 MiB") {
		t.Fatalf("err = %v, want the bomb refused", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("refusing a %d KiB bomb allocated %d MiB", z.Len()>>10, alloc>>20)
	}

	data, err := Gunzip(gz(t, "hello"), "ok.gz", 5)
	if err != nil || string(data) != "hello" {
		t.Errorf("Gunzip = %q, %v; want hello", data, err)
	}
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReadFileRefusesLargeFileUnread: a regular file over the limit is
// refused from its size, without reading it.
func TestReadFileRefusesLargeFileUnread(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = ReadFile(context.Background(), path, 1<<20)
	runtime.ReadMemStats(&after)
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("err = %v, want TooLargeError", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("refusing the file allocated %d KiB", alloc>>10)
	}
	if data, err := ReadFile(context.Background(), path, 64<<20); err != nil || len(data) != 64<<20 {
		t.Errorf("with a limit above its size: %d bytes, %v", len(data), err)
	}
}
