// Command interop exchanges libprocess messages with a Rust process using
// mesos-go's api/v0 messenger, an implementation of the protocol written
// outside this project.
//
// It sends a PingSlaveMessage to -peer, expects a PongSlaveMessage (empty
// body) and a FrameworkErrorMessage back, then answers the latter with a
// FrameworkErrorMessage of its own, waits for the pong acknowledging it and
// exits 0. Any failure exits non-zero. (mesos-go sends asynchronously, so
// exiting right after a send could lose the message.)
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v0/mesosproto"
	"github.com/mesos/mesos-go/api/v0/messenger"
	"github.com/mesos/mesos-go/api/v0/upid"
	"golang.org/x/net/context"
)

func main() {
	peerText := flag.String("peer", "", "UPID of the Rust process")
	flag.Parse()

	peer, err := upid.Parse(*peerText)
	if err != nil {
		fail("bad -peer: %v", err)
	}

	self := upid.UPID{ID: "interop(1)", Host: "127.0.0.1", Port: "0"}
	m := messenger.NewHttpWithBindingAddress(self, net.ParseIP("127.0.0.1"))

	pong := make(chan *upid.UPID, 2)
	greeting := make(chan string, 1)
	must(m.Install(func(from *upid.UPID, _ proto.Message) { pong <- from }, &mesos.PongSlaveMessage{}))
	must(m.Install(func(from *upid.UPID, msg proto.Message) {
		greeting <- msg.(*mesos.FrameworkErrorMessage).GetMessage()
	}, &mesos.FrameworkErrorMessage{}))
	must(m.Start())
	defer m.Stop()
	fmt.Println("listening as", m.UPID().String())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	must(m.Send(ctx, peer, &mesos.PingSlaveMessage{Connected: proto.Bool(true)}))

	for pending := 2; pending > 0; pending-- {
		select {
		case from := <-pong:
			fmt.Println("pong from", from.String())
		case text := <-greeting:
			fmt.Println("greeting:", text)
		case <-ctx.Done():
			fail("timed out waiting for the Rust side")
		}
	}

	must(m.Send(ctx, peer, &mesos.FrameworkErrorMessage{Message: proto.String("bye from go")}))
	select {
	case <-pong:
		fmt.Println("done")
	case <-ctx.Done():
		fail("timed out waiting for the farewell's acknowledgement")
	}
}

func must(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
