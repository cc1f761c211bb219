package inventory

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// The encoder must write what encoding/json writes, byte for byte: stored
// content hashes are of that text.
func TestAppendJSONIsEncodingJSON(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	tests := map[string]Resource{
		"minimal":  {ARN: "arn:x", Account: "1", Type: "AWS::S3::Bucket", ID: "b"},
		"full":     fullResource(),
		"escaping": {ARN: "a<b>&c\"d\\e\n\t\r\b\f\x01\x1f\x7f", Name: "caf\u00e9 \u2028 \u2029 \xff\xfe 日本", Tags: TagsOf(map[string]string{"<k>": "&v", "": ""})},
		"floats": {Attrs: AttrsOf(map[string]any{"a": 0.0, "b": math.Copysign(0, -1), "c": 1e21, "d": 1e20, "e": 1e-6, "f": 1e-7, "g": 0.1, "h": -123456789.125,
			"i": math.MaxFloat64, "j": math.SmallestNonzeroFloat64, "k": 5e-324, "l": 123e-10}), MonthlyCost: 1e-9},
		"nested": {Attrs: AttrsOf(map[string]any{"m": map[string]any{"z": []any{nil, true, false, "s", 1.5, map[string]any{}, []any{}}, "a": nil},
			"nil map": map[string]any(nil), "nil list": []any(nil), "strings": []string{"x", "<y>"}, "int": 3, "struct": Relation{"k", "t"}})},
		"managed and creator": {Origin: &Origin{ManagedBy: ManagedBy{Ref: "module.x"}, Creator: &Creator{At: time.Date(2024, 2, 3, 4, 5, 6, 7, jst)}}},
		"creator fields":      {Origin: &Origin{Creator: &Creator{Principal: "arn:p", Via: "console"}}},
		"empty creator":       {Origin: &Origin{Creator: &Creator{}}, Created: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)},
		"empty collections":   {Tags: TagsOf(map[string]string{}), Attrs: AttrsOf(map[string]any{}), Relations: []Relation{}},
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			checkEncoding(t, &r)
		})
	}
}

func fullResource() Resource {
	return Resource{
		ARN: "arn:aws:ec2:us-east-1:1:instance/i-1", Account: "1", Region: "us-east-1", Type: "AWS::EC2::Instance", ID: "i-1", Name: "web",
		Tags: TagsOf(map[string]string{"Owner": "team-a", "env": "prod", "Env": "dev"}), Created: time.Date(2023, 5, 6, 7, 8, 9, 123456789, time.UTC),
		State: "running", Attrs: AttrsOf(map[string]any{"instance_type": "t3.micro", "cpu": 2.0, "public": true, "sgs": []any{"sg-1", "sg-2"}}),
		Relations: []Relation{{RelUsesSG, "sg-1"}, {RelInSubnet, "subnet-1"}}, Origin: &Origin{ManagedBy: ManagedBy{Kind: "terraform", Ref: "aws_instance.web", Source: "s3://state"},
			Creator: &Creator{Principal: "arn:aws:iam::1:user/a", UserAgent: "console", Via: "console", At: time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC)}}, MonthlyCost: 7.5,
	}
}

func checkEncoding(t *testing.T, r *Resource) {
	t.Helper()
	want, wantErr := json.Marshal(r)
	got, gotErr := r.appendJSON(nil)
	if (wantErr != nil) != (gotErr != nil) {
		t.Fatalf("appendJSON error %v, encoding/json error %v", gotErr, wantErr)
	}
	if wantErr == nil && string(got) != string(want) {
		t.Errorf("appendJSON:\n%s\nencoding/json:\n%s", got, want)
	}
}

func TestAppendJSONRefusesWhatJSONCannotSay(t *testing.T) {
	for name, r := range map[string]Resource{
		"NaN attr":      {Attrs: AttrsOf(map[string]any{"x": math.NaN()})},
		"infinite cost": {MonthlyCost: math.Inf(1)},
		"year 10000":    {Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := r.Encode(); err == nil {
				t.Error("Encode gave no error")
			}
			checkEncoding(t, &r)
		})
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("arn:x", "name", "k", "v<&>", 1.5, true, "s\u2028", int64(0), "kind", "target")
	f.Add("\xff", "", "", "", 1e21, false, "\x00", int64(1700000000123456789), "", "")
	f.Fuzz(func(t *testing.T, arn, name, key, val string, num float64, flag bool, s string, created int64, kind, target string) {
		r := Resource{ARN: arn, Name: name, Tags: TagsOf(map[string]string{key: val, val: key}),
			Attrs:     AttrsOf(map[string]any{key: num, val: flag, s: []any{s, num, map[string]any{key: s, arn: nil}}}),
			Relations: []Relation{{kind, target}, {target, kind}}, MonthlyCost: num}
		if created != 0 {
			r.Created = time.Unix(0, created).UTC()
			r.SetCreator(&Creator{Via: s, At: time.Unix(created%1e12, 0).In(time.FixedZone("", int(created%50000)))})
		}
		checkEncoding(t, &r)
		if _, _, err := r.Encode(); err == nil {
			if h := r.Hash(); h == "" {
				t.Error("empty hash")
			}
		}
	})
}

// BenchmarkEncode compares the resource encoder with encoding/json on a
// resource with tags, attrs and relations.
//
//	go test -run '^$' -bench Encode ./internal/inventory/
func BenchmarkEncode(b *testing.B) {
	r := fullResource()
	b.Run("appendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.appendJSON(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
