// Command authenticatee authenticates against a Rust master's CRAM-MD5
// authenticator with mesos-go 0.0.6's SASL authenticatee (api/v0/auth/sasl),
// the client side of Mesos's exchange written outside this project.
//
// It sends AuthenticateMessage to -master on behalf of -client, answers the
// challenge with -principal and -secret, and exits 0 when authenticated,
// 3 when the master refused the credentials, 1 on any other error.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/mesos/mesos-go/api/v0/auth"
	"github.com/mesos/mesos-go/api/v0/auth/callback"
	"github.com/mesos/mesos-go/api/v0/auth/sasl"
	_ "github.com/mesos/mesos-go/api/v0/auth/sasl/mech/crammd5"
	"github.com/mesos/mesos-go/api/v0/upid"
	"golang.org/x/net/context"
)

// credentials answers the authenticatee's callbacks, as mesos-go's
// scheduler driver does.
type credentials struct {
	master, client upid.UPID
	principal      string
	secret         []byte
}

func (c *credentials) Handle(callbacks ...callback.Interface) error {
	for _, cb := range callbacks {
		switch cb := cb.(type) {
		case *callback.Name:
			cb.Set(c.principal)
		case *callback.Password:
			cb.Set(c.secret)
		case *callback.Interprocess:
			cb.Set(c.master, c.client)
		default:
			return &callback.Unsupported{Callback: cb}
		}
	}
	return nil
}

func main() {
	masterText := flag.String("master", "", "UPID of the Rust master process")
	clientText := flag.String("client", "scheduler(1)@127.0.0.1:1", "UPID being vouched for")
	principal := flag.String("principal", "", "principal to authenticate as")
	secret := flag.String("secret", "", "the principal's secret")
	flag.Parse()

	master, err := upid.Parse(*masterText)
	if err != nil {
		fail(1, "bad -master: %v", err)
	}
	client, err := upid.Parse(*clientText)
	if err != nil {
		fail(1, "bad -client: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ctx = auth.WithLoginProvider(ctx, sasl.ProviderName)
	ctx = auth.WithParentUPID(ctx, *client)
	ctx = sasl.WithBindingAddress(ctx, net.ParseIP("127.0.0.1"))

	handler := &credentials{master: *master, client: *client, principal: *principal, secret: []byte(*secret)}
	switch err := auth.Login(ctx, handler); err {
	case nil:
		fmt.Println("authenticated")
	case auth.AuthenticationFailed:
		fail(3, "refused: %v", err)
	default:
		fail(1, "error: %v", err)
	}
}

func fail(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(code)
}
