package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// cloudTrailEvent is the body an EventBridge rule's SQS target sends for
// an API call CloudTrail recorded.
func cloudTrailEvent(t *testing.T, id, source, name string, req map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"version": "0", "id": id, "detail-type": "AWS API Call via CloudTrail", "source": "aws." + strings.Split(source, ".")[0],
		"account": motoAccount, "time": time.Now().UTC().Format(time.RFC3339), "region": "ap-northeast-1", "resources": []string{},
		"detail": map[string]any{"eventVersion": "1.08", "eventSource": source, "eventName": name, "awsRegion": "ap-northeast-1",
			"recipientAccountId": motoAccount, "requestParameters": req, "responseElements": nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServeEventsAgainstMoto: steward serve polls a real SQS queue (moto's)
// of EventBridge events; the resources they name are read again from EC2
// and the store, API and dashboard show them as they are now: a volume
// whose tags changed has its new tags, a deleted one is gone with its
// findings resolved. Every message is deleted, the malformed one too,
// which is logged and counted rather than retried.
func TestServeEventsAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the moto emulator")
	}
	motoURL := startMoto(t)
	const region = "ap-northeast-1"
	dir := t.TempDir()
	ctx := context.Background()
	cfg := motoEnv(t, ctx, dir, motoURL, region, nil)

	e := ec2.NewFromConfig(cfg)
	volume := func(name string) string {
		v, err := e.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: sdkaws.String(region + "a"), Size: sdkaws.Int32(10), VolumeType: ec2types.VolumeTypeGp3,
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: []ec2types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String(name)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return *v.VolumeId
	}
	gone, renamed := volume("old-data"), volume("scratch")
	arn := func(id string) string { return "arn:aws:ec2:" + region + ":" + motoAccount + ":volume/" + id }

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle, o.Region = true, "eu-west-1" })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdkaws.String("shop-tmp-export"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	const bucketARN = "arn:aws:s3:::shop-tmp-export"

	q := sqs.NewFromConfig(cfg)
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: sdkaws.String("steward-events")})
	if err != nil {
		t.Fatal(err)
	}
	queueURL := *created.QueueUrl

	store := emptyStore(t, dir, "steward.db")
	conf := filepath.Join(dir, "steward.yaml")
	if err := os.WriteFile(conf, []byte("regions: ["+region+"]\n"+
		"policies:\n  params:\n    ebs-unattached: {days: 0}\n"+
		"serve:\n  scan_every: \"0\"\n  schedule_every: \"0\"\n  events:\n    queue_url: "+queueURL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, out, errb := testEnv()
	env.Now = time.Now
	if code := Main(ctx, []string{"--store", store, "--config", conf, "scan", "--source", "aws", "--format", "json"}, env); code != ExitOK && code != ExitFindings && code != ExitIncomplete {
		t.Fatalf("first scan exit %d; stderr:\n%s", code, errb)
	}
	var first struct {
		Findings []struct{ Policy, ARN string }
	}
	if err := json.Unmarshal(out.Bytes(), &first); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(first.Findings, func(f struct{ Policy, ARN string }) bool { return f.Policy == "ebs-unattached" && f.ARN == arn(gone) }) {
		t.Fatalf("the first scan has no ebs-unattached finding on %s: %+v", gone, first.Findings)
	}
	if !slices.ContainsFunc(first.Findings, func(f struct{ Policy, ARN string }) bool { return f.ARN == bucketARN }) {
		t.Fatalf("the first scan did not see bucket %s: %+v", bucketARN, first.Findings)
	}

	// The changes, and the events EventBridge sends for them.
	if _, err := e.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: sdkaws.String(gone)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{renamed},
		Tags: []ec2types.Tag{{Key: sdkaws.String("Name"), Value: sdkaws.String("scratch-renamed")}, {Key: sdkaws.String("owner"), Value: sdkaws.String("hanako")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: sdkaws.String("shop-tmp-export")}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		cloudTrailEvent(t, "e-bucket", "s3.amazonaws.com", "DeleteBucket", map[string]any{"bucketName": "shop-tmp-export"}),
		cloudTrailEvent(t, "e-delete", "ec2.amazonaws.com", "DeleteVolume", map[string]any{"volumeId": gone}),
		cloudTrailEvent(t, "e-tags", "ec2.amazonaws.com", "CreateTags", map[string]any{
			"resourcesSet": map[string]any{"items": []any{map[string]any{"resourceId": renamed}}}}),
		cloudTrailEvent(t, "e-role", "iam.amazonaws.com", "CreateRole", map[string]any{"roleName": "x"}),
		"this is not an event",
	} {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: sdkaws.String(queueURL), MessageBody: sdkaws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}

	var stderr lockedBuffer
	senv := Env{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }, Now: time.Now}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- Main(sctx, []string{"--store", store, "--config", conf, "serve", "--dev", "--listen", "127.0.0.1:0"}, senv)
	}()
	base := servedAt(t, &stderr, code)

	type resourceAPI struct {
		Scan     string
		Resource *struct {
			Tags map[string]string
		}
		Findings []struct{ Policy string }
		History  []struct{ Event string }
	}
	get := func(path string, into any) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", path, resp.Status, b)
		}
		switch v := into.(type) {
		case *string:
			*v = string(b)
		default:
			if err := json.Unmarshal(b, into); err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
		}
	}
	var r resourceAPI
	deadline := time.Now().Add(90 * time.Second)
	for {
		r = resourceAPI{}
		get("/api/resource?arn="+url.QueryEscape(arn(renamed)), &r)
		if r.Resource != nil && r.Resource.Tags["Name"] == "scratch-renamed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renamed volume is still %+v after 90s; stderr:\n%s", r.Resource, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r.Resource.Tags["owner"] != "hanako" || len(r.History) < 2 || r.History[len(r.History)-1].Event != "changed" {
		t.Errorf("renamed volume = %+v, history %+v: want its new tags, changed at the event's scan", r.Resource, r.History)
	}
	var scans struct {
		Scans []struct{ ID, Source string }
	}
	get("/api/scans", &scans)
	if len(scans.Scans) < 2 || scans.Scans[0].Source != "event:aws" || scans.Scans[0].ID != r.Scan {
		t.Errorf("scans = %+v: want the event's scan (event:aws) latest, on top of the first", scans.Scans)
	}
	var g resourceAPI
	get("/api/resource?arn="+url.QueryEscape(arn(gone)), &g)
	if g.Resource != nil || len(g.Findings) != 0 || len(g.History) == 0 || g.History[len(g.History)-1].Event != "disappeared" {
		t.Errorf("deleted volume = %+v: want it gone, with no open finding", g)
	}
	// The bucket, read by the global S3 unit, is gone from the latest scan
	// once its refresh (after the EC2 one: one at a time) is saved. Its
	// history cannot say so here: moto does not answer CloudWatch's
	// GetMetricData, so the bucket's region (eu-west-1, apart from the
	// scanned region on purpose) has a gap, and a gap is no evidence, for
	// an event's scan as for any scan.
	deadline = time.Now().Add(60 * time.Second)
	for {
		var b resourceAPI
		get("/api/resource?arn="+url.QueryEscape(bucketARN), &b)
		if b.Resource == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deleted bucket is still in the latest scan after 60s: %+v; stderr:\n%s", b, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	var page string
	get("/resource?arn="+url.QueryEscape(arn(renamed)), &page)
	if !strings.Contains(page, "scratch-renamed") {
		t.Error("the dashboard's resource page does not show the volume's new name")
	}

	// Every message is gone from the queue: none in flight, none waiting.
	deadline = time.Now().Add(30 * time.Second)
	for {
		a, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: sdkaws.String(queueURL),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		left := a.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)] + "/" + a.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)]
		if left == "0/0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("messages waiting/in flight = %s after 30s, want 0/0", left)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var metrics string
	get("/metrics", &metrics)
	for _, want := range []string{`steward_events_total{result="queued"} 3`, `steward_events_total{result="ignored"} 1`,
		`steward_events_total{result="malformed"} 1`, `steward_job_runs_total{job="event-refresh",result="ok"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(stderr.String(), "not an EventBridge event") {
		t.Errorf("the malformed message is not logged; stderr:\n%s", stderr.String())
	}
	cancel()
	select {
	case c := <-code:
		if c != ExitOK && c != ExitInterrupted {
			t.Errorf("serve exited %d after interrupt; stderr:\n%s", c, stderr.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop within 40s of the interrupt (the long poll must end with it)")
	}
}
