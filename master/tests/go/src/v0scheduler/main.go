// v0scheduler is a framework on mesos-go 0.0.6's libprocess scheduler
// driver (api/v0/scheduler), as in the golden s4-v0-driver run: it
// registers with the master given by -master (host:port; the driver finds
// the leader through GET /state), launches -tasks command tasks (cpus 0.1,
// mem 32 each, running -command) in its first offer, declines later
// offers, and stops (UnregisterFrameworkMessage) once every task is
// terminal.
//
// For failover: with -leave_running it stops as soon as every task runs,
// failing over (Stop(true): the master keeps the framework for
// -failover_timeout seconds); run again with -framework_id and -kill, it
// reregisters as that framework, launches nothing, kills the tasks and
// stops once they are terminal.
//
// It prints one JSON object per line for each thing the driver tells it:
// {"event": "registered" | "offer" | "update" | "error" | "stopped", ...}.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v0/mesosproto"
	util "github.com/mesos/mesos-go/api/v0/mesosutil"
	sched "github.com/mesos/mesos-go/api/v0/scheduler"
)

var printing sync.Mutex

func emit(fields map[string]interface{}) {
	printing.Lock()
	defer printing.Unlock()
	line, _ := json.Marshal(fields)
	fmt.Println(string(line))
}

type echoScheduler struct {
	tasks        int
	command      string
	kill         bool
	leaveRunning bool
	launched     bool
	reached      map[string]bool
	done         chan struct{}
}

func taskID(n int) *mesos.TaskID {
	return util.NewTaskID(fmt.Sprintf("go-v0-task-%d", n))
}

func (s *echoScheduler) Registered(driver sched.SchedulerDriver, id *mesos.FrameworkID, master *mesos.MasterInfo) {
	emit(map[string]interface{}{
		"event":        "registered",
		"framework_id": id.GetValue(),
		"master_id":    master.GetId(),
		"master_pid":   master.GetPid(),
		"version":      master.GetVersion(),
	})
	if s.kill {
		for n := 1; n <= s.tasks; n++ {
			driver.KillTask(taskID(n))
		}
	}
}

func (s *echoScheduler) Reregistered(_ sched.SchedulerDriver, master *mesos.MasterInfo) {
	emit(map[string]interface{}{"event": "reregistered", "master_pid": master.GetPid()})
}

func (s *echoScheduler) Disconnected(sched.SchedulerDriver) {
	emit(map[string]interface{}{"event": "disconnected"})
}

func (s *echoScheduler) ResourceOffers(driver sched.SchedulerDriver, offers []*mesos.Offer) {
	for _, offer := range offers {
		cpus := 0.0
		for _, resource := range offer.GetResources() {
			if resource.GetName() == "cpus" {
				cpus += resource.GetScalar().GetValue()
			}
		}
		emit(map[string]interface{}{
			"event":    "offer",
			"offer_id": offer.GetId().GetValue(),
			"agent_id": offer.GetSlaveId().GetValue(),
			"hostname": offer.GetHostname(),
			"cpus":     cpus,
		})
		if s.launched || s.kill {
			driver.DeclineOffer(offer.Id, &mesos.Filters{RefuseSeconds: proto.Float64(5)})
			continue
		}
		s.launched = true
		var tasks []*mesos.TaskInfo
		for n := 1; n <= s.tasks; n++ {
			tasks = append(tasks, &mesos.TaskInfo{
				Name:    proto.String(fmt.Sprintf("task %d", n)),
				TaskId:  taskID(n),
				SlaveId: offer.SlaveId,
				Command: &mesos.CommandInfo{Value: proto.String(strings.Replace(s.command, "{n}", strconv.Itoa(n), -1))},
				Resources: []*mesos.Resource{
					util.NewScalarResource("cpus", 0.1),
					util.NewScalarResource("mem", 32),
				},
			})
		}
		driver.LaunchTasks([]*mesos.OfferID{offer.Id}, tasks, &mesos.Filters{RefuseSeconds: proto.Float64(5)})
	}
}

func (s *echoScheduler) OfferRescinded(_ sched.SchedulerDriver, id *mesos.OfferID) {
	emit(map[string]interface{}{"event": "rescinded", "offer_id": id.GetValue()})
}

func (s *echoScheduler) StatusUpdate(_ sched.SchedulerDriver, status *mesos.TaskStatus) {
	emit(map[string]interface{}{
		"event":    "update",
		"task_id":  status.GetTaskId().GetValue(),
		"state":    status.GetState().String(),
		"agent_id": status.GetSlaveId().GetValue(),
		"source":   status.GetSource().String(),
	})
	switch status.GetState() {
	case mesos.TaskState_TASK_STAGING, mesos.TaskState_TASK_STARTING:
		return
	case mesos.TaskState_TASK_RUNNING:
		if !s.leaveRunning {
			return
		}
	}
	s.reached[status.GetTaskId().GetValue()] = true
	if len(s.reached) == s.tasks {
		close(s.done)
	}
}

func (s *echoScheduler) FrameworkMessage(sched.SchedulerDriver, *mesos.ExecutorID, *mesos.SlaveID, string) {
}

func (s *echoScheduler) SlaveLost(_ sched.SchedulerDriver, id *mesos.SlaveID) {
	emit(map[string]interface{}{"event": "agent_lost", "agent_id": id.GetValue()})
}

func (s *echoScheduler) ExecutorLost(sched.SchedulerDriver, *mesos.ExecutorID, *mesos.SlaveID, int) {
}

func (s *echoScheduler) Error(_ sched.SchedulerDriver, message string) {
	emit(map[string]interface{}{"event": "error", "message": message})
	os.Exit(2)
}

func main() {
	master := flag.String("master", "", "the master, host:port")
	tasks := flag.Int("tasks", 2, "tasks to launch (or kill)")
	command := flag.String("command", "echo task {n}", "each task's command, {n} its number")
	failoverTimeout := flag.Float64("failover_timeout", 0, "FrameworkInfo.failover_timeout")
	frameworkID := flag.String("framework_id", "", "fail over to this framework")
	kill := flag.Bool("kill", false, "kill the tasks instead of launching them")
	leaveRunning := flag.Bool("leave_running", false, "fail over once every task runs")
	flag.Parse()

	scheduler := &echoScheduler{
		tasks:        *tasks,
		command:      *command,
		kill:         *kill,
		leaveRunning: *leaveRunning,
		reached:      map[string]bool{},
		done:         make(chan struct{}),
	}
	framework := &mesos.FrameworkInfo{
		User:            proto.String("root"),
		Name:            proto.String("mesos-go-v0"),
		FailoverTimeout: failoverTimeout,
	}
	if *frameworkID != "" {
		framework.Id = &mesos.FrameworkID{Value: frameworkID}
	}
	driver, err := sched.NewMesosSchedulerDriver(sched.DriverConfig{
		Scheduler:      scheduler,
		Framework:      framework,
		Master:         *master,
		BindingAddress: net.ParseIP("127.0.0.1"),
	})
	if err != nil {
		emit(map[string]interface{}{"event": "error", "message": err.Error()})
		os.Exit(1)
	}
	if status, err := driver.Start(); err != nil {
		emit(map[string]interface{}{"event": "error", "message": fmt.Sprintf("%v: %v", status, err)})
		os.Exit(1)
	}
	<-scheduler.done
	status, err := driver.Stop(*leaveRunning)
	if err != nil {
		emit(map[string]interface{}{"event": "error", "message": err.Error()})
		os.Exit(1)
	}
	emit(map[string]interface{}{"event": "stopped", "status": status.String()})
}
