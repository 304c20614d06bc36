// zkdetect prints each leading master that mesos-go's ZooKeeper detector
// (api/v0/detector/zoo) reports for -zk, one line per change, and exits
// after -leaders masters (a "no leader" report does not count).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mesos/mesos-go/api/v0/detector"
	"github.com/mesos/mesos-go/api/v0/detector/zoo"
	mesos "github.com/mesos/mesos-go/api/v0/mesosproto"
)

func main() {
	zk := flag.String("zk", "", "zk://host:port/path of the masters")
	leaders := flag.Int("leaders", 1, "leaders to report before exiting")
	patience := flag.Duration("patience", 60*time.Second, "longest wait for a change")
	flag.Parse()

	masters, err := zoo.NewMasterDetector(*zk)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	changes := make(chan *mesos.MasterInfo, 16)
	err = masters.Detect(detector.OnMasterChanged(func(info *mesos.MasterInfo) {
		changes <- info
	}))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for seen := 0; seen < *leaders; {
		select {
		case info := <-changes:
			if info == nil {
				fmt.Println("leader: none")
				continue
			}
			address := info.GetAddress()
			fmt.Printf("leader: id=%s pid=%s hostname=%s port=%d address=%s:%d\n",
				info.GetId(), info.GetPid(), info.GetHostname(), info.GetPort(),
				address.GetIp(), address.GetPort())
			seen++
		case <-time.After(*patience):
			fmt.Println("error: no change of leader within", *patience)
			os.Exit(2)
		}
	}
	masters.Cancel()
}
