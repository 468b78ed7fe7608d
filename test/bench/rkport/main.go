// Command rkport publishes one container port with rootlesskit's builtin
// port driver, so that `make bench` can put it beside Roost's own forwarder
// (slirp/portfwd, in the monitor) on the same container. It is a benchmark
// tool only: no Roost binary imports it.
//
//	rkport -netns PATH -listen 127.0.0.1:PORT -port 8080 [-child-ip IP] -state DIR [-pidfile FILE]
//
// Run it inside Roost's user namespace (`roost unshare rkport ...`). As in
// rootlesskit, the parent side listens in the host's network namespace and
// the child side runs in the target namespace (here a second rkport process
// started with `nsenter --net=PATH`): per connection the parent asks the
// child over a unix socket, the child dials CHILD-IP:PORT (127.0.0.1 unless
// -child-ip) and passes the socket back with SCM_RIGHTS, and the parent
// copies both ways. PATH is a container's namespace (the same path as
// Roost's forwarder) or Roost's shared namespace with -child-ip set to the
// container's address (the way rootlesskit is used behind a bridge).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/rootless-containers/rootlesskit/v2/pkg/port"
	"github.com/rootless-containers/rootlesskit/v2/pkg/port/builtin"
)

// childArg marks the re-executed child side; its argument is the parent's
// opaque map (socket and ready-pipe paths) as JSON.
const childArg = "child"

func main() {
	var err error
	if len(os.Args) == 3 && os.Args[1] == childArg {
		err = runChild(os.Args[2])
	} else {
		err = runParent()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rkport:", err)
		os.Exit(1)
	}
}

// runChild is the child side, already in the target network namespace: it
// serves the parent's connect requests until it is signalled.
func runChild(opaqueJSON string) error {
	var opaque map[string]string
	if err := json.Unmarshal([]byte(opaqueJSON), &opaque); err != nil {
		return fmt.Errorf("child: bad opaque argument: %w", err)
	}
	quit := make(chan struct{})
	go func() {
		waitSignal()
		close(quit)
	}()
	return builtin.NewChildDriver(os.Stderr).RunChildDriver(opaque, quit, "")
}

func runParent() error {
	netns := flag.String("netns", "", "network namespace file the child side runs in")
	listen := flag.String("listen", "", "host address to publish, IP:PORT")
	childPort := flag.Int("port", 0, "the container's port")
	childIP := flag.String("child-ip", "", "address the child dials (default 127.0.0.1)")
	state := flag.String("state", "", "directory for the driver's socket and pipe")
	pidfile := flag.String("pidfile", "", "file to write this process's pid to (the bench stops it by that pid)")
	flag.Parse()
	host, portStr, err := net.SplitHostPort(*listen)
	hostPort, perr := strconv.Atoi(portStr)
	if err != nil || perr != nil || *netns == "" || *childPort == 0 || *state == "" {
		return errors.New("usage: rkport -netns PATH -listen IP:PORT -port N [-child-ip IP] -state DIR")
	}
	if err := os.MkdirAll(*state, 0o700); err != nil {
		return err
	}
	if *pidfile != "" {
		if err := os.WriteFile(*pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			return err
		}
	}
	d, err := builtin.NewParentDriver(os.Stderr, *state)
	if err != nil {
		return err
	}
	child, err := startChild(*netns, d.OpaqueForChild())
	if err != nil {
		return err
	}
	defer func() {
		child.Process.Signal(syscall.SIGTERM)
		child.Wait()
	}()
	quit := make(chan struct{})
	ready := make(chan struct{}, 1)
	failed := make(chan error, 1)
	go func() { failed <- d.RunParentDriver(ready, quit, nil) }()
	select {
	case <-ready:
	case err := <-failed:
		return fmt.Errorf("parent driver: %w", err)
	case <-time.After(30 * time.Second):
		return errors.New("the child side did not become ready in 30 s")
	}
	spec := port.Spec{Proto: "tcp", ParentIP: host, ParentPort: hostPort, ChildPort: *childPort, ChildIP: *childIP}
	if _, err := d.AddPort(context.Background(), spec); err != nil {
		return fmt.Errorf("add port: %w", err)
	}
	fmt.Println("ready")
	waitSignal()
	close(quit)
	return nil
}

// startChild runs this program's child side in the namespace at netns. The
// child dies with the parent (Pdeathsig survives nsenter's exec).
func startChild(netns string, opaque map[string]string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	arg, err := json.Marshal(opaque)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("nsenter", "--net="+netns, "--", self, childArg, string(arg))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the child side with nsenter: %w", err)
	}
	return cmd, nil
}

func waitSignal() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
