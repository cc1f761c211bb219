package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/steward-sre/steward/internal/collect/awsevent"
	"github.com/steward-sre/steward/internal/scan"
)

// EventBridge events reach steward through an SQS queue. Every process
// on the store polls it (SQS hands each message to one of them); a
// message's resources become river jobs, one per unit (account x region x
// service) to read again, and the message is deleted once its jobs are
// in the store. The jobs run on whichever process takes them, one at a
// time across every process (each saves a scan on the latest one, which
// another refresh must see), retried with backoff when the read fails.
// Events for one unit within a short window are one job, scheduled at the
// window's end, so a burst of changes is one read. A message that is not
// an event is logged and deleted: it would never parse, and leaving it
// would bring it back every visibility timeout until the queue's
// redrive policy, if any, took it.

// SQS is the queue calls the poller makes.
type SQS interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// What became of a message, as EventWork.Received is told.
const (
	EventQueued    = "queued"    // its units are to be read again
	EventIgnored   = "ignored"   // it names nothing steward reads again
	EventMalformed = "malformed" // not an EventBridge event: deleted
	EventFailed    = "failed"    // its jobs could not be added: left in the queue
)

// EventWork is what a Runner needs to read EventBridge events from SQS.
// Give it in Config.Events.
type EventWork struct {
	Queue    SQS
	QueueURL string
	// NewUnits makes the steps of a refresh (the AWS source, policies
	// and store), afresh for a job added after it last did.
	NewUnits func(ctx context.Context) (*scan.Units, error)
	// Unit names the unit that reads arn again for an event of account,
	// or false and why not (aws.EventUnit).
	Unit func(account, arn string) (unit string, ok bool, why string)
	// Slots holds the lock that lets one refresh run at a time across
	// processes.
	Slots Slots
	// Window is how long events of one unit are gathered into one read;
	// 0 means 5 seconds.
	Window time.Duration
	// WaitTime is the long poll's wait in seconds (at most 20, the
	// default); tests use less.
	WaitTime int32
	// Backoff is the wait after a failed receive, doubled each time up
	// to a minute; 0 means a second.
	Backoff time.Duration
	// MaxAttempts is how often a refresh is tried; 0 means 5.
	MaxAttempts int
	// RetryBase is the wait before a failed refresh's first retry,
	// doubled each time; 0 means 10 seconds.
	RetryBase time.Duration
	// Timeout bounds one refresh (read, evaluate, save); 0 means 10
	// minutes.
	Timeout time.Duration

	runner *Runner
	cache  unitsCache
	cancel context.CancelFunc
	done   chan struct{}
}

// stepsMaxAge is how old the steps of a refresh may be: an account added
// to the organization, or a policy changed, counts within it.
const stepsMaxAge = 15 * time.Minute

const (
	queueEvents = "events"
	eventLock   = "event-refresh"
	// RefreshJob is the refresh's name in job records and metrics.
	RefreshJob = "event-refresh"
)

type refreshArgs struct {
	Unit string `json:"unit"`
	// Window ends when the job runs: events of the unit until then are
	// this job.
	Window int64 `json:"window"`
}

func (refreshArgs) Kind() string { return "steward_event.refresh" }

var refreshUniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	rivertype.JobStateRetryable,
}

func (w *EventWork) check() error {
	if w.Queue == nil || w.QueueURL == "" || w.NewUnits == nil || w.Unit == nil || w.Slots == nil {
		return errors.New("jobs: event work needs Queue, QueueURL, NewUnits, Unit and Slots")
	}
	if w.WaitTime < 0 || w.WaitTime > 20 {
		return fmt.Errorf("jobs: event work: wait time %d s: want 0 to 20", w.WaitTime)
	}
	return nil
}

func (w *EventWork) timeout() time.Duration { return cmp.Or(w.Timeout, 10*time.Minute) }

func (w *EventWork) register(cfg *river.Config) {
	river.AddWorker(cfg.Workers, &refreshWorker{w: w})
	cfg.Queues[queueEvents] = river.QueueConfig{MaxWorkers: 1}
}

// start polls the queue until stop.
func (w *EventWork) start(ctx context.Context) {
	ctx, w.cancel = context.WithCancel(ctx)
	w.done = make(chan struct{})
	go func() {
		defer close(w.done)
		w.poll(ctx)
	}()
}

// stop ends the polling and waits for it: a message received and not
// yet handled comes back to the queue after its visibility timeout.
func (w *EventWork) stop() {
	if w.cancel == nil {
		return
	}
	w.cancel()
	<-w.done
}

func (w *EventWork) poll(ctx context.Context) {
	r := w.runner
	wait := int32(20)
	if w.WaitTime > 0 {
		wait = w.WaitTime
	}
	failures := 0
	for ctx.Err() == nil {
		out, err := w.Queue.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: sdkaws.String(w.QueueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: wait,
		})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			failures++
			d := min(cmp.Or(w.Backoff, time.Second)<<min(failures-1, 10), time.Minute)
			d += time.Duration(rand.Int64N(int64(d)/4 + 1))
			r.log.Warn("events: receive from the queue failed; trying again", "queue", w.QueueURL, "failures", failures, "wait", d, "err", err)
			if r.cfg.EventPollFailed != nil {
				r.cfg.EventPollFailed()
			}
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		failures = 0
		// A batch is one window: its events of one unit are one read.
		window := cmp.Or(w.Window, 5*time.Second)
		end := time.Now().Truncate(window).Add(window)
		for _, m := range out.Messages {
			w.handle(ctx, m, end)
		}
	}
}

// handle turns one message into refresh jobs due at end and deletes it,
// or leaves it in the queue when its jobs could not be added.
func (w *EventWork) handle(ctx context.Context, m sqstypes.Message, end time.Time) {
	r := w.runner
	log := r.log.With("component", "events", "message", sdkaws.ToString(m.MessageId))
	result := EventQueued
	defer func() {
		if r.cfg.EventReceived != nil {
			r.cfg.EventReceived(result)
		}
	}()
	e, err := awsevent.Parse([]byte(sdkaws.ToString(m.Body)))
	if err != nil {
		result = EventMalformed
		log.Warn("events: not an EventBridge event; deleted", "err", err)
		w.delete(ctx, m, log)
		return
	}
	log = log.With("event", e.ID, "detail_type", e.DetailType)
	var units []string
	for _, arn := range e.ARNs {
		unit, ok, why := w.Unit(e.Account, arn)
		if !ok {
			log.Info("events: resource not read again", "arn", arn, "why", why)
			continue
		}
		units = append(units, unit)
	}
	slices.Sort(units)
	units = slices.Compact(units)
	if len(units) == 0 {
		result = EventIgnored
		why := e.Why
		if why == "" {
			why = "no resource of a service steward reads again"
		}
		log.Info("events: nothing to read again", "why", why)
		w.delete(ctx, m, log)
		return
	}
	opts := &river.InsertOpts{Queue: queueEvents, ScheduledAt: end, MaxAttempts: cmp.Or(w.MaxAttempts, 5),
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: refreshUniqueStates}}
	var ps []river.InsertManyParams
	for _, u := range units {
		ps = append(ps, river.InsertManyParams{Args: refreshArgs{Unit: u, Window: end.Unix()}, InsertOpts: opts})
	}
	if _, err := r.client.InsertMany(ctx, ps); err != nil {
		result = EventFailed
		log.Warn("events: jobs not added; the message comes back after its visibility timeout", "units", units, "err", err)
		return
	}
	log.Info("events: units to read again", "units", units, "at", end)
	w.delete(ctx, m, log)
}

func (w *EventWork) delete(ctx context.Context, m sqstypes.Message, log *slog.Logger) {
	_, err := w.Queue.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: sdkaws.String(w.QueueURL), ReceiptHandle: m.ReceiptHandle})
	if err != nil {
		// Handled again when it comes back: the same jobs, which are
		// unique while waiting, or the same log line.
		log.Warn("events: message not deleted", "err", err)
	}
}

type refreshWorker struct {
	river.WorkerDefaults[refreshArgs]
	w *EventWork
}

func (rw *refreshWorker) Work(ctx context.Context, rj *river.Job[refreshArgs]) error {
	w, r := rw.w, rw.w.runner
	holder := fmt.Sprintf("%s/%d", r.id, rj.ID)
	now := time.Now()
	slot, ok, err := w.Slots.AcquireSlot(ctx, eventLock, 1, holder, now, now.Add(w.timeout()+10*time.Second))
	if err != nil {
		return err
	}
	if !ok {
		// Another process is refreshing: wait without spending a try.
		return river.JobSnooze(500*time.Millisecond + time.Duration(rand.Int64N(int64(time.Second))))
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := w.Slots.ReleaseSlot(rctx, eventLock, slot, holder); err != nil {
			r.log.Warn("events: refresh lock not released; it frees itself when its time is up", "err", err)
		}
	}()
	start := time.Now()
	err = w.refresh(ctx, rj)
	if errors.Is(err, scan.ErrScanInFlight) {
		// A scan is being read: the refresh goes on top of it once saved.
		return river.JobSnooze(15*time.Second + time.Duration(rand.Int64N(int64(5*time.Second))))
	}
	result := ResultOK
	switch {
	case err == nil:
	case errors.Is(ctx.Err(), context.Canceled) && errors.Is(err, context.Canceled):
		result = ResultCancelled
		err = cancelled(err)
	default:
		result = ResultFailed
		r.log.Warn("events: unit not read again", "unit", rj.Args.Unit, "attempt", rj.Attempt, "err", err)
	}
	if r.cfg.Finished != nil {
		r.cfg.Finished(RefreshJob, result, time.Since(start), time.Now())
	}
	return err
}

func (w *EventWork) refresh(ctx context.Context, rj *river.Job[refreshArgs]) error {
	// Jobs come all the time: the steps (accounts resolved, policies
	// compiled) are made again when older than a while, not for each.
	su, err := w.cache.get(ctx, w.NewUnits, rj.CreatedAt.Add(-stepsMaxAge))
	if err != nil {
		return err
	}
	res, err := su.Refresh(ctx, []string{rj.Args.Unit})
	if err != nil {
		return err
	}
	for unit, why := range res.Skipped {
		w.runner.log.Info("events: unit not read again", "unit", unit, "why", why)
	}
	return nil
}

func (rw *refreshWorker) Timeout(*river.Job[refreshArgs]) time.Duration { return rw.w.timeout() }

func (rw *refreshWorker) NextRetry(rj *river.Job[refreshArgs]) time.Time {
	base := cmp.Or(rw.w.RetryBase, 10*time.Second)
	d := base << min(max(rj.Attempt-1, 0), 10)
	d += time.Duration(rand.Int64N(int64(d)/2 + 1))
	return time.Now().Add(d)
}

// unitsCache keeps the steps NewUnits made (resolving accounts and
// regions costs calls), made afresh for a job added after they were.
type unitsCache struct {
	mu    sync.Mutex
	cur   *scan.Units
	curAt time.Time
}

func (c *unitsCache) get(ctx context.Context, newUnits func(context.Context) (*scan.Units, error), since time.Time) (*scan.Units, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && !c.curAt.Before(since) {
		return c.cur, nil
	}
	u, err := newUnits(ctx)
	if err != nil {
		return nil, err
	}
	c.cur, c.curAt = u, time.Now()
	return u, nil
}
