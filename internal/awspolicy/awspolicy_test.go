package awspolicy

import (
	"strings"
	"testing"
)

const owner = "111111111111"

func TestJudgements(t *testing.T) {
	tests := map[string]struct {
		doc                   string
		public, tls, takeover bool
	}{
		"public read": {
			doc:    `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
			public: true,
		},
		"public but narrowed by a condition": {
			doc: `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["s3:GetObject"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}}`,
		},
		"TLS only": {
			doc: `{"Version":"2012-10-17","Statement":[{"Sid":"TLS","Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
				"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			tls: true,
		},
		"TLS deny written as a JSON boolean": {
			doc: `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}`,
			tls: true,
		},
		"deny of some actions only does not enforce TLS": {
			doc: `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
		},
		"another account may rewrite the policy": {
			doc:      `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:Put*"}]}`,
			takeover: true,
		},
		"another account may only read": {
			doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["222222222222"]},"Action":["s3:GetObject","s3:ListBucket"]}]}`,
		},
		"the owner itself": {
			doc: `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/admin"},"Action":"s3:*"}]}`,
		},
		"a service": {
			doc: `{"Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject"}]}`,
		},
		"no statements": {doc: `{"Version":"2012-10-17"}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := Parse(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Public(); got != tc.public {
				t.Errorf("Public = %t, want %t", got, tc.public)
			}
			if got := d.DeniesInsecureTransport(); got != tc.tls {
				t.Errorf("DeniesInsecureTransport = %t, want %t", got, tc.tls)
			}
			if got := d.GrantsOtherAccounts(owner, []string{"s3:PutBucketPolicy", "s3:DeleteBucketPolicy"}); got != tc.takeover {
				t.Errorf("GrantsOtherAccounts = %t, want %t", got, tc.takeover)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct{ doc, want string }{
		"not JSON":           {`{`, "policy document"},
		"statement a string": {`{"Statement":"x"}`, "Statement 0"},
		"principal a number": {`{"Statement":[{"Effect":"Allow","Principal":5}]}`, "Statement 0: Principal"},
		"action an object":   {`{"Statement":[{"Effect":"Allow","Action":{"a":1}}]}`, "Statement 0: Action"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tc.doc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	f.Add(`{"Statement":{"Effect":"Allow","Principal":{"AWS":["222222222222","*"]},"Action":["s3:[","s3:Put*"]}}`)
	f.Add(`{"Statement":null}`)
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := Parse(doc)
		if err != nil {
			return
		}
		d.Public()
		d.DeniesInsecureTransport()
		d.GrantsOtherAccounts(owner, []string{"s3:PutBucketPolicy"})
	})
}
