package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// apiService is a `roost system service` run by the test user for one test.
type apiService struct {
	Socket string // the socket's path
	Host   string // DOCKER_HOST for it: unix://Socket
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
	return &apiService{Socket: sock, Host: "unix://" + sock, Pid: cmd.Process.Pid, Log: &log}
}

// docker runs the docker CLI as the test user against the service.
func (e *env) docker(s *apiService, args ...string) result {
	e.t.Helper()
	return e.dockerInput(s, nil, args...)
}

func (e *env) dockerInput(s *apiService, stdin *bytes.Buffer, args ...string) result {
	e.t.Helper()
	defer e.withDockerEnv(s)()
	if stdin == nil {
		return e.run(dockerCLI(e.t), args...)
	}
	return e.runInput(stdin, dockerCLI(e.t), args...)
}

// dockerPty runs the docker CLI as the test user on a new 24x80 terminal.
func (e *env) dockerPty(s *apiService, args ...string) *ptySession {
	e.t.Helper()
	defer e.withDockerEnv(s)()
	return e.startProgramInPty(24, 80, dockerCLI(e.t), args...)
}

// withDockerEnv points the docker CLI at s until the returned func runs.
func (e *env) withDockerEnv(s *apiService) func() {
	old := e.Extra
	e.Extra = append(append([]string{}, old...), "DOCKER_HOST="+s.Host, "DOCKER_CONFIG="+filepath.Join(e.Home, ".docker"))
	return func() { e.Extra = old }
}

// dockerOK runs the docker CLI and fails the test unless it exits 0.
func (e *env) dockerOK(s *apiService, args ...string) string {
	e.t.Helper()
	return succeeded(e.t, fmt.Sprintf("docker %v", args), e.docker(s, args...))
}

// dockerCLI is the docker client the host set-up installs.
func dockerCLI(t *testing.T) string {
	for _, p := range []string{"/usr/bin/docker", "/usr/local/bin/docker"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("no docker CLI on this host: test/host/prepare.sh installs it")
	return ""
}
