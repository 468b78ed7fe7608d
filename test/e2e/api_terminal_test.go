package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestAPITerminalDockerCLI: `docker run -it` and `docker exec -it` on a
// real terminal: the shell answers, sees the terminal's size and its
// changes, and its exit code is docker's.
func TestAPITerminalDockerCLI(t *testing.T) {
	e := pulled(t)
	s := e.startAPI(t)

	p := e.dockerPty(s, "run", "-it", "--rm", busybox, "sh")
	p.expect(prompt, secs(30))
	p.send("echo $((6*7))\r")
	p.expect("\r\n42\r\n", secs(10))
	p.send("stty size\r")
	p.expect("\r\n24 80\r\n", secs(10))
	p.resize(33, 101)
	eventually(t, secs(10), func() error {
		p.send("stty size\r")
		p.expect(prompt, secs(10))
		if !strings.Contains(p.output(), "\r\n33 101\r\n") {
			return fmt.Errorf("stty size does not show 33 101 yet")
		}
		return nil
	})
	p.send("exit 3\r")
	if code := p.wait(); code != 3 {
		t.Fatalf("docker run -it should exit with the shell's 3, got %d; terminal:\n%q", code, p.output())
	}
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("docker run -it --rm left %q", out)
	}

	e.dockerOK(s, "run", "-d", "--name", "box", busybox, "sleep", "300")
	x := e.dockerPty(s, "exec", "-it", "box", "sh")
	x.expect(prompt, secs(30))
	x.send("tty; echo in-$((2+3))\r")
	x.expect("in-5", secs(10))
	if !strings.Contains(x.output(), "/dev/pts/") {
		t.Fatalf("docker exec -it has no terminal:\n%q", x.output())
	}
	x.send("exit 5\r")
	if code := x.wait(); code != 5 {
		t.Fatalf("docker exec -it should exit 5, got %d; terminal:\n%q", code, x.output())
	}
	e.dockerOK(s, "rm", "-f", "box")
}

// TestAPIContainerChoresDockerCLI: rename, top, diff, export, update,
// pause, stats and prune through Docker's CLI. Where the host gives a
// rootless user no cgroup (this one), pause and stats fail with the reason
// and update warns, as `roost` does.
func TestAPIContainerChoresDockerCLI(t *testing.T) {
	e := pulled(t)
	s := e.startAPI(t)

	e.dockerOK(s, "run", "-d", "--name", "first", busybox, "sh", "-c", "echo changed > /etc/motd; exec sleep 300")
	e.dockerOK(s, "rename", "first", "second")
	if got := e.roostLine("inspect", "--format", "{{.Name}}", "second"); got != "second" {
		t.Fatalf("after docker rename roost calls it %q", got)
	}
	if r := e.docker(s, "inspect", "first"); r.Code == 0 {
		t.Fatalf("the old name still answers: %s", r)
	}

	if out := e.dockerOK(s, "top", "second"); !strings.Contains(out, "PID") || !strings.Contains(out, "sleep 300") {
		t.Fatalf("docker top printed %q", out)
	}
	eventually(t, secs(10), func() error {
		if out := e.dockerOK(s, "diff", "second"); !strings.Contains(out, "C /etc/motd") && !strings.Contains(out, "A /etc/motd") {
			return fmt.Errorf("docker diff printed %q", out)
		}
		return nil
	})
	tarList := e.runInput(strings.NewReader(""), "sh", "-c",
		fmt.Sprintf("DOCKER_HOST=%s %s export second | tar -t", s.Host, dockerCLI(t)))
	if tarList.Code != 0 || !strings.Contains(tarList.Stdout, "etc/motd") || !strings.Contains(tarList.Stdout, "bin/busybox") {
		t.Fatalf("docker export | tar -t: %s", tarList)
	}

	r := e.docker(s, "update", "--memory", "64m", "second")
	if r.Code != 0 || !strings.Contains(r.Stdout+r.Stderr, "second") {
		t.Fatalf("docker update: %s", r)
	}
	if r := e.docker(s, "pause", "second"); r.Code == 0 || !strings.Contains(r.Stderr, "cgroup") {
		t.Fatalf("docker pause on a host without a delegated cgroup should fail naming cgroups: %s", r)
	}
	if r := e.docker(s, "stats", "--no-stream", "second"); r.Code == 0 || !strings.Contains(r.Stderr, "cgroup") {
		t.Fatalf("docker stats on a host without a delegated cgroup should fail naming cgroups: %s", r)
	}
	// The raw answer: Docker's error shape, a 500 with the reason.
	raw := e.run("curl", "-s", "-w", "\n%{http_code}", "--unix-socket", s.Socket, "http://d/containers/second/stats?stream=false")
	out := strings.TrimSpace(raw.Stdout)
	cut := strings.LastIndex(out, "\n")
	body, code := out[:max(cut, 0)], out[cut+1:]
	var msg struct{ Message string }
	if code != "500" || json.Unmarshal([]byte(body), &msg) != nil || !strings.Contains(msg.Message, "cgroup") {
		t.Fatalf("GET stats without cgroups: %s", raw)
	}

	// restart gives a new process; kill's signal decides the exit code.
	pid := e.roostLine("inspect", "--format", "{{.State.Pid}}", "second")
	e.dockerOK(s, "restart", "-t", "0", "second")
	if now := e.roostLine("inspect", "--format", "{{.State.Status}} {{.State.Pid}}", "second"); now == "running "+pid || !strings.HasPrefix(now, "running ") {
		t.Fatalf("after docker restart roost says %q (pid before: %s)", now, pid)
	}
	e.dockerOK(s, "kill", "second")
	if code := strings.TrimSpace(e.dockerOK(s, "wait", "second")); code != "137" {
		t.Fatalf("docker kill: wait printed %q, want 137 (SIGKILL)", code)
	}

	// logs -f follows until the container ends.
	e.dockerOK(s, "run", "-d", "--name", "talker", busybox, "sh", "-c", "echo one; sleep 2; echo two")
	if out := e.dockerOK(s, "logs", "-f", "talker"); out != "one\ntwo\n" {
		t.Fatalf("docker logs -f printed %q, want one and two", out)
	}
	e.dockerOK(s, "rm", "talker")

	e.dockerOK(s, "run", "--name", "third", busybox, "true")
	e.dockerOK(s, "run", "-d", "--name", "keeps", busybox, "sleep", "300")
	out = e.dockerOK(s, "container", "prune", "-f")
	if !strings.Contains(out, "Total reclaimed space") {
		t.Fatalf("docker container prune printed %q", out)
	}
	if got := e.roostOK("ps", "-a", "--format", "{{.Names}}"); strings.TrimSpace(got) != "keeps" {
		t.Fatalf("after prune roost lists %q, want only the running keeps", got)
	}
	e.dockerOK(s, "rm", "-f", "keeps")
}
