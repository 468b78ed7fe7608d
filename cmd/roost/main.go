// Command roost is a rootless, daemonless container tool with Podman's and
// Docker's command language.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"go.podman.io/storage/pkg/reexec"

	// Before anything runs: what this process inherited beyond stdio is
	// marked close-on-exec, so the long-lived processes it starts (holder,
	// egress helper, DNS responder, monitors) never keep a caller's pipe.
	_ "github.com/roost-containers/roost/pkg/descriptors"
)

// Exit codes shared with Podman and Docker.
const (
	exitEngine        = 125 // Roost's own error
	exitCannotInvoke  = 126 // the command could not be invoked
	exitNotFoundInCtr = 127 // the command was not found
)

// exitError carries an exit code other than 125 up to main; with no message
// nothing is printed (the code is a container's own, say).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func main() {
	// containers/storage re-executes this binary to unpack layers in a
	// chroot ("storage-untar"): that child must do only that.
	if reexec.Init() {
		return
	}
	tuneGC()
	stopProfile = startProfile()
	if isGenerator() {
		os.Exit(runGenerator(os.Args[1:]))
	}
	root := newRootCommand(os.Args[1:])
	err := root.Execute()
	stopProfile()
	if err == nil {
		return
	}
	code := exitEngine
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		// A deliberate second line (the hint), as Podman prints it.
		fmt.Fprintln(os.Stderr, "Error: "+ue.Error())
	} else if msg := oneLine(err.Error()); msg != "" {
		fmt.Fprintln(os.Stderr, "Error: "+msg)
	}
	os.Exit(code)
}

// oneLine folds a multi-line error (some libraries return several lines) into one.
// Spaces that end the message are kept: they can be part of it, as in Podman's
// "invalid signal: " for `kill -s -`.
func oneLine(s string) string {
	var parts []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) != "" {
			parts = append(parts, strings.TrimLeft(strings.TrimRight(line, "\t\r"), " \t"))
		}
	}
	for i := 0; i < len(parts)-1; i++ {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, " ")
}
