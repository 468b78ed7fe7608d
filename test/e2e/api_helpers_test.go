package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// apiService is a `roost system service` run by the test user for one test.
type apiService struct {
	Socket string // the socket's path
	Pid    int
	Log    *bytes.Buffer
}

// startAPI starts `roost system service --time 0` as the test user on a
// socket in its runtime directory, waits until the socket answers, and
// stops the service when the test ends.
func (e *env) startAPI(t *testing.T) *apiService {
	t.Helper()
	sock := filepath.Join(e.RuntimeDir, "roost", "roost.sock")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := e.command(ctx, filepath.Join(binDir, "roost"), "system", "service", "--time", "0", "unix://"+sock)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting roost system service: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	eventually(t, 20*time.Second, func() error {
		select {
		case err := <-done:
			done <- err
			return fmt.Errorf("service exited: %v\n%s", err, log.String())
		default:
		}
		c, err := net.Dial("unix", sock)
		if err != nil {
			return err
		}
		return c.Close()
	})
	return &apiService{Socket: sock, Pid: cmd.Process.Pid, Log: &log}
}
