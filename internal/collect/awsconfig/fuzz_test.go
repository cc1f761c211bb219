package awsconfig

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/steward-sre/steward/internal/inventory"
)

// checkContract fails when a resource breaks the inventory contract: it
// must validate, carry only attrs documented for its type in types.go, and
// hold only JSON values.
func checkContract(rs []inventory.Resource) error {
	if err := inventory.CheckUnique(rs); err != nil {
		return err
	}
	for _, r := range rs {
		if err := r.Validate(); err != nil {
			return err
		}
		info, _ := inventory.Type(r.Type)
		for k, v := range r.Attrs.All() {
			if _, ok := info.Attrs[k]; !ok {
				return fmt.Errorf("%s: attr %q is not documented for %s", r.ARN, k, r.Type)
			}
			if err := jsonValue(v); err != nil {
				return fmt.Errorf("%s: attr %s: %w", r.ARN, k, err)
			}
		}
		for _, rel := range r.Relations {
			if rel.Target == r.ARN {
				return fmt.Errorf("%s: relation %s points at itself", r.ARN, rel.Kind)
			}
		}
		_ = r.Hash() // panics on a value JSON cannot hold
	}
	return nil
}

func jsonValue(v any) error {
	switch v := v.(type) {
	case nil, string, float64, bool:
		return nil
	case []any:
		for _, e := range v {
			if err := jsonValue(e); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		for _, e := range v {
			if err := jsonValue(e); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%T is not a JSON value", v)
}

func TestEstateKeepsContract(t *testing.T) {
	col := collect(t, estateDir, nil)
	if err := checkContract(col.Resources); err != nil {
		t.Error(err)
	}
}

// FuzzParse feeds arbitrary bytes through the whole read of one file:
// it must never panic, never return items with an error, and whatever it
// accepts must keep the inventory contract.
// Run: go test ./internal/collect/awsconfig -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !configFile(d.Name()) || filepath.Base(filepath.Dir(path)) == "golden" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Whole snapshots make slow seeds; their items go in one by one.
		var doc struct{ ConfigurationItems []json.RawMessage }
		if json.Unmarshal(data, &doc) == nil && len(data) > 4096 {
			for _, it := range doc.ConfigurationItems {
				f.Add([]byte(snapshot(okItem, string(it))))
			}
			return nil
		}
		f.Add(data)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(snapshot(okItem, sgItem(`{"groupName":"default","ipPermissions":[{"ipProtocol":"-1","ipRanges":["0.0.0.0/0"]}]}`))))
	f.Add([]byte(snapshot(`{"resourceType":"AWS::S3::Bucket","resourceId":"b","awsAccountId":"1","configuration":"{\"name\":\"b\"}",
		"supplementaryConfiguration":{"BucketPolicy":"{\"policyText\":\"{\\\"Statement\\\":{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"AWS\\\":[\\\"*\\\"]}}}\"}"}}`)))
	f.Add([]byte(gz(snapshot(okItem))))
	f.Add([]byte(snapshot(instanceItem("i-1", "stopped"), clbItem(false, "i-1"),
		cfgItem("AWS::GuardDuty::Detector", "d", "arn:aws:guardduty:ap-northeast-1:111122223333:detector/d", `{"Enable":false}`, ""),
		cfgItem("AWS::CloudTrail::Trail", "t", "arn:aws:cloudtrail:ap-northeast-1:111122223333:trail/t", `{"IsMultiRegionTrail":true,"IsLogging":true}`, ""),
		cfgItem("AWS::ECS::Cluster", "batch", clusterARN, `{"ClusterName":"batch"}`, ""),
		cfgItem("AWS::ECS::Service", serviceARN, serviceARN, `{"ServiceName":"report","Cluster":"batch","DesiredCount":0}`, ""),
		cfgItem("AWS::CloudFront::Distribution", "E1", "arn:aws:cloudfront::111122223333:distribution/E1",
			`{"distributionConfig":{"webACLId":"","enabled":true,"logging":{"enabled":false}}}`, ""),
	)))

	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := parseFile("fuzz.json", data, 0)
		if err != nil {
			if items != nil {
				t.Fatalf("parseFile returned %d items with error %v", len(items), err)
			}
			return
		}
		for i := range items {
			items[i].seq = i
		}
		res, err := build(items)
		if err != nil {
			if res != nil {
				t.Fatalf("build returned a result with error %v", err)
			}
			return
		}
		res.resources = append(res.resources, accountRegions(res.live, res.resources)...)
		if err := checkContract(res.resources); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(res.resources); err != nil {
			t.Fatal(err)
		}
	})
}
