package iac

import (
	"strings"
	"testing"
)

func TestIgnore(t *testing.T) {
	file := `# hand-made but known
aws_s3_bucket.legacy-*
AWS::EC2::Instance.i-0abc
aws_s3_bucket.my\.dotted\.bucket

# everything of one type but one
aws_iam_user.*
!aws_iam_user.alice
`
	ig, err := ParseIgnore(".driftignore", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		typ, id string
		want    bool
	}{
		"glob on id":                 {"AWS::S3::Bucket", "legacy-logs", true},
		"other bucket":               {"AWS::S3::Bucket", "prod-logs", false},
		"CloudFormation type name":   {"AWS::EC2::Instance", "i-0abc", true},
		"escaped dots":               {"AWS::S3::Bucket", "my.dotted.bucket", true},
		"escaped dots are not globs": {"AWS::S3::Bucket", "myxdottedxbucket", false},
		"type wildcard":              {"AWS::IAM::User", "bob", true},
		"negation after wildcard":    {"AWS::IAM::User", "alice", false},
		"unrelated type":             {"AWS::EC2::VPC", "vpc-1", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ig.Ignored(typeNames(tc.typ), []string{tc.id}); got != tc.want {
				t.Errorf("Ignored(%s, %s) = %v, want %v", tc.typ, tc.id, got, tc.want)
			}
		})
	}

	all, err := ParseIgnore("all", []byte("*\n!aws_s3_bucket.*\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !all.Ignored(typeNames("AWS::EC2::VPC"), []string{"vpc-1"}) || all.Ignored(typeNames("AWS::S3::Bucket"), []string{"b"}) {
		t.Error("* then !aws_s3_bucket.* should ignore all but buckets")
	}
	var none *Ignore
	if none.Ignored([]string{"x"}, []string{"y"}) {
		t.Error("a nil Ignore ignores nothing")
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"no dot":     {"aws_s3_bucket\n", `.driftignore:1: "aws_s3_bucket": want TYPE.ID`},
		"empty id":   {"# c\n\naws_vpc.\n", `.driftignore:3: "aws_vpc.": want TYPE.ID`},
		"empty type": {".x\n", `.driftignore:1: ".x": want TYPE.ID`},
		"not UTF-8":  {"ok.x\n\x92.0\n", `.driftignore:2: not valid UTF-8 text`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseIgnore(".driftignore", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
