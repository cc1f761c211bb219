package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyPackErrorsInJapanese: a pack steward refuses, a CEL
// expression of the wrong kind, two policies with one id and a fixture
// that does not hold are said in the reader's language, with the file,
// line, ids, types and ARNs as written.
func TestPolicyPackErrorsInJapanese(t *testing.T) {
	const head = "pack: p\npolicies:\n  - id: vol-left\n    title: t\n    severity: low\n    category: waste\n"
	const vol = "arn:aws:ec2:ap-northeast-1:111111111111:volume/vol-1"
	const fixture = "resources:\n  - arn: " + vol + "\n    type: AWS::EC2::Volume\n    id: vol-1\n    state: in-use\ncases:\n  - policy: vol-left\n    match: [" + vol + "]\n"
	tests := map[string]struct {
		pack, test string
		code       int
		ja, en     string
	}{
		"unknown resource type": {pack: head + "    types: [AWS::EC2::Volum]\n    where: 'true'\n", test: fixture, code: ExitUsage,
			ja: `p.yaml:7:13: policies[0].types[0]: "AWS::EC2::Volum" というリソースタイプはありません（指定できる値: `,
			en: `p.yaml:7:13: policies[0].types[0]: unknown resource type "AWS::EC2::Volum" (known: `},
		"where of another type": {pack: head + "    types: [AWS::EC2::Volume]\n    where: r.id\n", test: fixture, code: ExitUsage,
			ja: "p.yaml:8: ポリシー vol-left: where: bool 型の式にしてください（この式は string 型です）",
			en: "p.yaml:8: policy vol-left: where: must be a bool expression, this one is string"},
		"unknown attribute": {pack: head + "    types: [AWS::EC2::Volume]\n    where: r.attrs.sise_gb > 1\n", test: fixture, code: ExitUsage,
			ja: `r.attrs.sise_gb: このポリシーのタイプ（AWS::EC2::Volume）には属性 "sise_gb" がありません（ある属性: `,
			en: `r.attrs.sise_gb: no type of this policy (AWS::EC2::Volume) has attribute "sise_gb" (known: `},
		"one id twice": {pack: head + "    types: [AWS::EC2::Volume]\n    where: 'true'\n" + strings.TrimPrefix(head, "pack: p\npolicies:\n") + "    types: [AWS::EC2::Volume]\n    where: 'true'\n", test: fixture, code: ExitUsage,
			ja: `p.yaml:9: ポリシー ID "vol-left" は p.yaml:3 ですでに定義されています。ID は重複できません`,
			en: `p.yaml:9: policy id "vol-left" is already defined at p.yaml:3; ids must be unique`},
		"a fixture that does not hold": {pack: head + "    types: [AWS::EC2::Volume]\n    where: r.state == 'available'\n", test: fixture, code: ExitFindings,
			ja: "失敗 p_test.yaml:7: vol-left: " + vol + ": 一致するはずが、一致しませんでした",
			en: "FAIL p_test.yaml:7: vol-left: " + vol + ": should match, did not"},
		"a case naming no policy": {pack: head + "    types: [AWS::EC2::Volume]\n    where: 'true'\n", test: strings.Replace(fixture, "policy: vol-left", "policy: vol-gone", 1), code: ExitUsage,
			ja: `p_test.yaml:7:13: cases[0].policy: このテストファイルと同じ場所にポリシー "vol-gone" がありません`,
			en: `p_test.yaml:7:13: cases[0].policy: no policy "vol-gone" is loaded next to this test file`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for f, body := range map[string]string{"p.yaml": tc.pack, "p_test.yaml": tc.test} {
				if err := os.WriteFile(filepath.Join(dir, f), []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for lang, want := range map[string]string{"ja": tc.ja, "en": tc.en} {
				want = strings.ReplaceAll(want, "p.yaml", filepath.Join(dir, "p.yaml"))
				want = strings.ReplaceAll(want, "p_test.yaml", filepath.Join(dir, "p_test.yaml"))
				code, out, errs := runLang(t, nil, 0, "--lang", lang, "policy", "test", dir)
				if code != tc.code || !strings.Contains(out+errs, want) {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and %q", lang, code, out, errs, tc.code, want)
				}
			}
		})
	}
}
