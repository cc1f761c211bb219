package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// TaskAPI is the ECS calls that find a service's running task, for the
// bastion's port forwarding.
type TaskAPI interface {
	ListTasks(ctx context.Context, in *ecs.ListTasksInput, optFns ...func(*ecs.Options)) (*ecs.ListTasksOutput, error)
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, optFns ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
}

// Task is a running task as SSM port forwarding reaches it.
type Task struct {
	ARN string `json:"arn"`
	// ID is the last part of the task ARN.
	ID string `json:"id"`
	// Container and RuntimeID name the container the session enters.
	Container string `json:"container"`
	RuntimeID string `json:"runtime_id"`
	// Exec says whether ECS Exec is enabled on the task (the session
	// needs it) and Agent is the state of its agent (RUNNING when ready).
	Exec  bool   `json:"exec_enabled"`
	Agent string `json:"exec_agent,omitempty"`
}

// ErrNoTask is a service with no running task.
var ErrNoTask = errors.New("no running task")

// RunningTask returns the service's running task, the one started last
// when there are several; container picks the container (empty: the
// first one with a runtime id).
func RunningTask(ctx context.Context, api TaskAPI, cluster, service, container string) (Task, error) {
	out, err := api.ListTasks(ctx, &ecs.ListTasksInput{Cluster: &cluster, ServiceName: &service, DesiredStatus: ecstypes.DesiredStatusRunning})
	if err != nil {
		return Task{}, fmt.Errorf("list tasks of %s: %w", service, err)
	}
	if len(out.TaskArns) == 0 {
		return Task{}, fmt.Errorf("service %s in cluster %s: %w", service, cluster, ErrNoTask)
	}
	d, err := api.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: &cluster, Tasks: out.TaskArns})
	if err != nil {
		return Task{}, fmt.Errorf("describe tasks of %s: %w", service, err)
	}
	var ts []ecstypes.Task
	for _, t := range d.Tasks {
		if sdkaws.ToString(t.LastStatus) == "RUNNING" {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return Task{}, fmt.Errorf("service %s in cluster %s: %w yet", service, cluster, ErrNoTask)
	}
	slices.SortFunc(ts, func(a, b ecstypes.Task) int {
		return sdkaws.ToTime(b.StartedAt).Compare(sdkaws.ToTime(a.StartedAt))
	})
	t := ts[0]
	arn := sdkaws.ToString(t.TaskArn)
	task := Task{ARN: arn, ID: arn[strings.LastIndexByte(arn, '/')+1:], Exec: t.EnableExecuteCommand}
	for _, c := range t.Containers {
		name := sdkaws.ToString(c.Name)
		if (container != "" && name != container) || sdkaws.ToString(c.RuntimeId) == "" {
			continue
		}
		task.Container, task.RuntimeID = name, sdkaws.ToString(c.RuntimeId)
		for _, a := range c.ManagedAgents {
			if a.Name == ecstypes.ManagedAgentNameExecuteCommandAgent {
				task.Agent = sdkaws.ToString(a.LastStatus)
			}
		}
		return task, nil
	}
	if container != "" {
		return task, fmt.Errorf("task %s has no container %s with a runtime id", task.ID, container)
	}
	return task, fmt.Errorf("task %s has no container with a runtime id yet (SSM needs it to reach the task)", task.ID)
}

// SSMTarget is the task as `aws ssm start-session --target` names it.
func (t Task) SSMTarget(cluster string) string {
	return "ecs:" + cluster + "_" + t.ID + "_" + t.RuntimeID
}

// PortForward is the command that forwards localPort on the user's
// machine to host:port through the task, with AWS's
// AWS-StartPortForwardingSessionToRemoteHost document.
func PortForward(cluster string, t Task, region, host string, port, localPort int) (string, error) {
	params, err := json.Marshal(map[string][]string{
		"host": {host}, "portNumber": {fmt.Sprint(port)}, "localPortNumber": {fmt.Sprint(localPort)},
	})
	if err != nil {
		return "", fmt.Errorf("port forwarding parameters: %w", err)
	}
	return fmt.Sprintf("aws ssm start-session --region %s --target %s --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters '%s'",
		region, t.SSMTarget(cluster), params), nil
}
