package awsconfig

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// bigSnapshot repeats the Tokyo fixture under copies many accounts, giving
// a snapshot of the size a mid-sized estate delivers.
func bigSnapshot(b *testing.B, copies int) ([]byte, int) {
	b.Helper()
	src, err := os.ReadFile("testdata/src/ap-northeast-1-snapshot.json")
	if err != nil {
		b.Fatal(err)
	}
	items, err := parseFile("src.json", src, 0)
	if err != nil {
		b.Fatal(err)
	}
	start := bytes.Index(src, []byte("[")) + 1
	end := bytes.LastIndex(src, []byte("]"))
	body := src[start:end]
	var out bytes.Buffer
	out.WriteString(`{"fileVersion":"1.0","configSnapshotId":"bench","configurationItems":[`)
	for i := range copies {
		if i > 0 {
			out.WriteByte(',')
		}
		c := bytes.ReplaceAll(body, []byte("111122223333"), fmt.Appendf(nil, "%012d", i))
		c = bytes.ReplaceAll(c, []byte("arn:aws:s3:::"), fmt.Appendf(nil, "arn:aws:s3:::c%d-", i))
		out.Write(c)
	}
	out.WriteString("]}")
	return out.Bytes(), len(items) * copies
}

// BenchmarkParseBuild measures reading and mapping one snapshot file.
// Run: go test ./internal/collect/awsconfig -run '^$' -bench ParseBuild -benchmem
func BenchmarkParseBuild(b *testing.B) {
	data, n := bigSnapshot(b, 250)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		items, err := parseFile("bench.json", data, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := build(items); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
