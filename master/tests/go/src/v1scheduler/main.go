// v1scheduler runs -frameworks frameworks, each a goroutine with its own
// client of mesos-go 0.0.6's v1 HTTP scheduler API (api/v1/lib,
// httpcli/httpsched) in protobuf (or -codec=json). Each subscribes (with a
// failover timeout of one hour, as long-running frameworks do) to the
// master at -master (host:port), launches -tasks command tasks of cpus 0.1
// and mem 32 into the offers it gets (as many as fit in each), declines
// what it does not use, acknowledges every status update, and tears itself
// down once each of its tasks is terminal.
//
// It prints one JSON object per line for each thing a framework is told:
// {"framework": name, "event": "subscribed" | "offer" | "update" |
// "rescind" | "error" | "torn_down", ...}; it exits 1 if any framework
// failed.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/resources"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

const (
	taskCPUs = 0.1
	taskMem  = 32
)

var printing sync.Mutex

func emit(framework string, event string, fields map[string]interface{}) {
	fields["framework"] = framework
	fields["event"] = event
	line, _ := json.Marshal(fields)
	printing.Lock()
	defer printing.Unlock()
	fmt.Println(string(line))
}

type framework struct {
	name     string
	tasks    int
	caller   calls.Caller
	id       string
	launched int
	terminal map[string]bool
}

// call sends a call of this framework and closes its (empty) response.
func (f *framework) call(ctx context.Context, call *scheduler.Call) error {
	resp, err := f.caller.Call(ctx, call.With(calls.Framework(f.id)))
	if resp != nil {
		resp.Close()
	}
	if err != nil {
		return fmt.Errorf("%v: %v", call.GetType(), err)
	}
	return nil
}

func (f *framework) offers(ctx context.Context, offers []mesos.Offer) error {
	for _, offer := range offers {
		cpus, _ := resources.CPUs(offer.GetResources()...)
		mem, _ := resources.Memory(offer.GetResources()...)
		emit(f.name, "offer", map[string]interface{}{
			"offer_id": offer.GetID().Value,
			"agent_id": offer.GetAgentID().Value,
			"hostname": offer.GetHostname(),
			"cpus":     cpus,
			"mem":      mem,
		})
		fit := int(math.Min(math.Floor(cpus/taskCPUs+1e-9), math.Floor(float64(mem)/taskMem)))
		var tasks []mesos.TaskInfo
		for ; fit > 0 && f.launched < f.tasks; fit-- {
			f.launched++
			shell := true
			command := fmt.Sprintf("echo task %d", f.launched)
			tasks = append(tasks, mesos.TaskInfo{
				Name:    fmt.Sprintf("task %d", f.launched),
				TaskID:  mesos.TaskID{Value: fmt.Sprintf("%s-task-%d", f.name, f.launched)},
				AgentID: offer.GetAgentID(),
				Command: &mesos.CommandInfo{Value: &command, Shell: &shell},
				Resources: []mesos.Resource{
					resources.NewCPUs(taskCPUs).Resource,
					resources.NewMemory(taskMem).Resource,
				},
			})
		}
		var call *scheduler.Call
		if len(tasks) == 0 {
			call = calls.Decline(offer.GetID())
		} else {
			call = calls.Accept(calls.OfferOperations{calls.OpLaunch(tasks...)}.WithOffers(offer.GetID()))
		}
		if err := f.call(ctx, call.With(calls.RefuseSeconds(5*time.Second))); err != nil {
			return err
		}
	}
	return nil
}

func (f *framework) update(ctx context.Context, status mesos.TaskStatus) error {
	emit(f.name, "update", map[string]interface{}{
		"task_id":  status.GetTaskID().Value,
		"state":    status.GetState().String(),
		"agent_id": status.GetAgentID().GetValue(),
		"source":   status.GetSource().String(),
		"message":  status.GetMessage(),
		"uuid":     hex.EncodeToString(status.GetUUID()),
	})
	if uuid := status.GetUUID(); len(uuid) > 0 {
		ack := calls.Acknowledge(status.GetAgentID().GetValue(), status.GetTaskID().Value, uuid)
		if err := f.call(ctx, ack); err != nil {
			return err
		}
	}
	switch status.GetState() {
	case mesos.TASK_STAGING, mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLING:
	default:
		f.terminal[status.GetTaskID().Value] = true
	}
	return nil
}

// run subscribes and handles events until every task is terminal.
func (f *framework) run(ctx context.Context) error {
	failover := 3600.0
	info := &mesos.FrameworkInfo{User: "root", Name: f.name, FailoverTimeout: &failover}
	stream, err := f.caller.Call(ctx, calls.Subscribe(info))
	if err != nil {
		return fmt.Errorf("SUBSCRIBE: %v", err)
	}
	defer stream.Close()
	for len(f.terminal) < f.tasks {
		var event scheduler.Event
		if err := stream.Decode(&event); err != nil {
			return fmt.Errorf("reading the event stream: %v", err)
		}
		switch event.GetType() {
		case scheduler.Event_SUBSCRIBED:
			subscribed := event.GetSubscribed()
			f.id = subscribed.GetFrameworkID().GetValue()
			emit(f.name, "subscribed", map[string]interface{}{
				"framework_id":       f.id,
				"heartbeat_interval": subscribed.GetHeartbeatIntervalSeconds(),
				"master_version":     subscribed.GetMasterInfo().GetVersion(),
			})
		case scheduler.Event_OFFERS:
			if err := f.offers(ctx, event.GetOffers().GetOffers()); err != nil {
				return err
			}
		case scheduler.Event_UPDATE:
			if err := f.update(ctx, event.GetUpdate().GetStatus()); err != nil {
				return err
			}
		case scheduler.Event_RESCIND:
			emit(f.name, "rescind", map[string]interface{}{
				"offer_id": event.GetRescind().GetOfferID().Value,
			})
		case scheduler.Event_ERROR:
			return fmt.Errorf("ERROR event: %s", event.GetError().GetMessage())
		}
	}
	if err := f.call(ctx, &scheduler.Call{Type: scheduler.Call_TEARDOWN}); err != nil {
		return err
	}
	emit(f.name, "torn_down", map[string]interface{}{"framework_id": f.id})
	return nil
}

func main() {
	master := flag.String("master", "", "the master, host:port")
	frameworks := flag.Int("frameworks", 1, "frameworks to run at once")
	tasks := flag.Int("tasks", 2, "tasks each framework runs")
	codec := flag.String("codec", "protobuf", "protobuf or json")
	flag.Parse()

	mediaType := codecs.MediaTypeProtobuf
	if *codec == "json" {
		mediaType = codecs.MediaTypeJSON
	}
	var wg sync.WaitGroup
	failed := make(chan struct{}, *frameworks)
	for n := 1; n <= *frameworks; n++ {
		// Every httpcli.Client of mesos-go 0.0.6 takes DefaultHeaders as
		// its own header map, where httpsched keeps the stream id: each
		// framework needs a map of its own.
		httpcli.DefaultHeaders = http.Header{}
		f := &framework{
			name:  fmt.Sprintf("mesos-go-v1-%d", n),
			tasks: *tasks,
			caller: httpsched.NewCaller(httpcli.New(
				httpcli.Endpoint(fmt.Sprintf("http://%s/api/v1/scheduler", *master)),
				httpcli.Codec(codecs.ByMediaType[mediaType]),
			)),
			terminal: map[string]bool{},
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.run(context.Background()); err != nil {
				emit(f.name, "error", map[string]interface{}{"message": err.Error()})
				failed <- struct{}{}
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		os.Exit(1)
	}
}
