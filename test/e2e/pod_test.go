package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// httpdScript writes a page and serves it on 8080 from inside a pod member.
const httpdScript = `mkdir -p /www && echo pod-page > /www/index.html && exec httpd -f -p 8080 -h /www`

// podInspect is the part of `pod inspect` the tests read.
type podInspect struct {
	ID               string `json:"Id"`
	Name             string
	State            string
	Hostname         string
	InfraContainerID string
	SharedNamespaces []string
	NumContainers    int
	InfraConfig      struct {
		PortBindings map[string][]struct{ HostIp, HostPort string }
		Networks     []string
	}
	Containers []struct{ Id, Name, State string }
}

func inspectPod(t *testing.T, e *env, name string) podInspect {
	t.Helper()
	var out []podInspect
	if err := json.Unmarshal([]byte(e.roostOK("pod", "inspect", name)), &out); err != nil || len(out) != 1 {
		t.Fatalf("pod inspect %s: %v %v", name, err, out)
	}
	return out[0]
}

// fetchInPod runs a client container in the pod that fetches the httpd
// member's page over localhost.
func fetchInPod(t *testing.T, e *env, rt, pod string) {
	t.Helper()
	eventually(t, secs(20), func() error {
		r := e.roost("--runtime", rt, "run", "--rm", "--pod", pod, busybox, "timeout", "5", "wget", "-qO-", "http://localhost:8080/")
		if r.Code != 0 || r.Stdout != "pod-page\n" {
			return fmt.Errorf("client in the pod: %s", r)
		}
		return nil
	})
}

// A pod's containers reach each other on localhost, share the hostname and
// the IPC namespace; stop stops all, start starts all, rm -f leaves nothing.
func TestPodSharesNetworkHostnameAndIPC(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			podID := strings.TrimSpace(e.roostOK("--runtime", rt, "pod", "create", "--name", "web", "-p", "8080", "--label", "tier=front"))
			if len(podID) != 64 {
				t.Fatalf("pod create should print the pod id: %q", podID)
			}
			in := inspectPod(t, e, "web")
			if in.State != "Created" || in.NumContainers != 1 || in.Hostname != "web" {
				t.Fatalf("a new pod: %+v", in)
			}
			e.roostOK("--runtime", rt, "run", "-d", "--pod", "web", "--name", "httpd", busybox, "sh", "-c", httpdScript)
			fetchInPod(t, e, rt, "web")

			// One hostname (the pod's) and one IPC namespace for the pod,
			// another for a container outside it.
			if got := e.roostOK("exec", "httpd", "hostname"); got != "web\n" {
				t.Fatalf("member's hostname: %q", got)
			}
			client := e.roostOK("--runtime", rt, "run", "--rm", "--pod", "web", busybox, "sh", "-c", "hostname; readlink /proc/1/ns/ipc")
			ipc := e.roostOK("exec", "httpd", "readlink", "/proc/1/ns/ipc")
			if client != "web\n"+ipc || !strings.HasPrefix(ipc, "ipc:[") {
				t.Fatalf("client %q and httpd %q should share hostname and ipc", client, ipc)
			}
			outside := e.roostOK("--runtime", rt, "run", "--rm", busybox, "readlink", "/proc/1/ns/ipc")
			if outside == ipc {
				t.Fatalf("a container outside the pod shares its ipc namespace %q", ipc)
			}

			in = inspectPod(t, e, "web")
			pb := in.InfraConfig.PortBindings["8080/tcp"]
			if in.ID != podID || in.State != "Running" || in.NumContainers != 2 || len(in.InfraContainerID) != 64 ||
				!slices.Equal(in.SharedNamespaces, []string{"ipc", "net", "uts"}) || len(pb) != 1 || pb[0].HostPort == "0" ||
				!slices.Equal(in.InfraConfig.Networks, []string{"podman"}) {
				t.Fatalf("pod inspect of a running pod: %+v", in)
			}
			// Nobody can remove the infra but its pod.
			if msg := e.roostFails(125, "rm", "-f", in.InfraContainerID); !strings.HasSuffix(msg, "is the infra container of pod "+podID+" and cannot be removed without removing the pod") {
				t.Fatalf("rm of the infra: %q", msg)
			}

			ps := e.roostOK("pod", "ps")
			lines := strings.Split(strings.TrimSpace(ps), "\n")
			if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "POD ID NAME STATUS CREATED INFRA ID # OF CONTAINERS" ||
				!strings.HasPrefix(lines[1], podID[:12]+"  web") || !strings.Contains(lines[1], "Running") ||
				!strings.Contains(lines[1], in.InfraContainerID[:12]) || !strings.HasSuffix(lines[1], " 2") {
				t.Fatalf("pod ps:\n%s", ps)
			}
			if got := e.roostOK("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}} {{.Labels}}"); got != "web Running 2 map[tier:front]\n" {
				t.Fatalf("pod ps --format: %q", got)
			}
			if got := e.roostOK("pod", "ps", "--ctr-names", "--ctr-status", "--format", "{{.ContainerNames}} {{.ContainerStatuses}}"); got != podID[:12]+"-infra,httpd running,running\n" {
				t.Fatalf("pod ps --ctr-names --ctr-status: %q", got)
			}
			if got := e.roostOK("pod", "ps", "-q", "--filter", "label=tier=front", "--filter", "status=running"); got != podID[:12]+"\n" {
				t.Fatalf("pod ps filtered: %q", got)
			}
			if got := e.roostOK("pod", "ps", "-q", "--filter", "name=^nosuch$"); got != "" {
				t.Fatalf("pod ps filtered on a missing name: %q", got)
			}
			if top := e.roostOK("pod", "top", "web"); !strings.Contains(top, "catatonit -P") || !strings.Contains(top, "httpd -f -p 8080") {
				t.Fatalf("pod top shows the infra and the member:\n%s", top)
			}

			// stop stops all; start starts all again, and they serve again.
			if got := e.roostOK("pod", "stop", "-t", "1", "web"); got != podID+"\n" {
				t.Fatalf("pod stop: %q", got)
			}
			if got := e.roostOK("ps", "-a", "--format", "{{.Names}} {{.State}}"); got != "httpd exited\n"+podID[:12]+"-infra exited\n" {
				t.Fatalf("after pod stop: %q", got)
			}
			eventually(t, secs(10), func() error {
				if procs := containerProcesses(e); len(procs) != 0 {
					return fmt.Errorf("processes left after pod stop: %v", e.userNSProcs())
				}
				return nil
			})
			if got := inspectPod(t, e, "web").State; got != "Exited" {
				t.Fatalf("a stopped pod: %q", got)
			}
			e.roostOK("pod", "start", "web")
			if got := e.roostOK("ps", "--format", "{{.Names}}"); got != "httpd\n"+podID[:12]+"-infra\n" {
				t.Fatalf("after pod start: %q", got)
			}
			fetchInPod(t, e, rt, "web")

			// rm -f leaves nothing: containers, processes, mounts, netns files.
			if got := e.roostOK("pod", "rm", "-f", "web"); got != podID+"\n" {
				t.Fatalf("pod rm -f: %q", got)
			}
			if got := e.roostOK("pod", "ps", "-q") + e.roostOK("ps", "-aq"); got != "" {
				t.Fatalf("left after pod rm -f: %q", got)
			}
			if r := e.roost("pod", "exists", "web"); r.Code != 1 {
				t.Fatalf("pod exists after rm: %s", r)
			}
			assertNoContainerLeftovers(t, e)
			eventually(t, secs(10), func() error {
				if files := e.netnsFiles(); len(files) != 0 {
					return fmt.Errorf("netns files left: %v", files)
				}
				return nil
			})
		})
	}
}

// The pod's published port answers from the host, through the infra's
// monitor.
func TestPodPublishedPortAnswersFromHost(t *testing.T) {
	e := pulled(t)
	e.roostOK("pod", "create", "--name", "pub", "-p", "8080")
	e.roostOK("run", "-d", "--pod", "pub", "--name", "httpd", busybox, "sh", "-c", httpdScript)
	pb := inspectPod(t, e, "pub").InfraConfig.PortBindings["8080/tcp"]
	if len(pb) != 1 {
		t.Fatalf("port bindings: %v", pb)
	}
	eventually(t, secs(20), func() error {
		c := http.Client{Timeout: 3 * time.Second}
		resp, err := c.Get("http://127.0.0.1:" + pb[0].HostPort + "/")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if string(body) != "pod-page\n" {
			return fmt.Errorf("published port answered %q", body)
		}
		return nil
	})
	e.roostOK("pod", "rm", "-f", "pub")
	assertNoContainerLeftovers(t, e)
}

// --pod new:NAME makes the pod (with run's -p) and runs the container in it.
func TestRunPodNew(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--pod", "new:fresh", "--name", "httpd", "-p", "8080", busybox, "sh", "-c", httpdScript)
	in := inspectPod(t, e, "fresh")
	if in.State != "Running" || in.NumContainers != 2 || len(in.InfraConfig.PortBindings["8080/tcp"]) != 1 {
		t.Fatalf("the new pod: %+v", in)
	}
	fetchInPod(t, e, "crun", "fresh")
	// A second new: of the same name is refused, and nothing is made.
	msg := e.roostFails(125, "run", "-d", "--pod", "new:fresh", "--name", "other", busybox, "true")
	if !strings.Contains(msg, `the pod name "fresh" is already in use`) {
		t.Fatalf("duplicate new: %q", msg)
	}
	if got := e.roostOK("ps", "-a", "--format", "{{.Names}}"); strings.Contains(got, "other") {
		t.Fatalf("a container was left by the refused run: %q", got)
	}
	e.roostOK("pod", "rm", "-f", "fresh")
	// --hostname with new:NAME names the new pod's host, as in Podman.
	if out := e.roostOK("run", "--rm", "--pod", "new:named", "--hostname", "foobar", busybox, "hostname"); out != "foobar\n" {
		t.Fatalf("--pod new: --hostname: %q", out)
	}
	e.roostOK("pod", "rm", "named") // only its infra runs: no -f needed, as in Podman
	// A pod not sharing uts lets a member set its own hostname.
	e.roostOK("pod", "create", "--share", "ipc", "--name", "ipconly")
	if out := e.roostOK("run", "--rm", "--pod", "ipconly", "--hostname", "foobar", busybox, "hostname"); out != "foobar\n" {
		t.Fatalf("--hostname in a pod not sharing uts: %q", out)
	}
	e.roostOK("pod", "rm", "-f", "ipconly")
	assertNoContainerLeftovers(t, e)
}

// Bad input gets one clear line, exit 125, and nothing is made.
func TestPodBadInput(t *testing.T) {
	e := pulled(t)
	e.roostOK("pod", "create", "--name", "p")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--pod", "nosuchpod", busybox, "true"}, `no pod with name or id "nosuchpod" found`},
		{[]string{"create", "--pod", "nosuchpod", busybox}, `no pod with name or id "nosuchpod" found`},
		{[]string{"run", "--pod", "p", "--network", "host", busybox, "true"}, "networks must be defined when the pod is created"},
		{[]string{"run", "--pod", "p", "-p", "8080:80", busybox, "true"}, "published or exposed ports must be defined when the pod is created"},
		{[]string{"run", "--pod", "p", "--hostname", "h", busybox, "true"}, "cannot set hostname when joining the pod UTS namespace"},
		{[]string{"pod", "create", "--name", "p"}, `the pod name "p" is already in use`},
		{[]string{"pod", "create", "--name", "q", "--network", "nosuchnet"}, "unable to find network with name or ID nosuchnet: network not found"},
		{[]string{"pod", "create", "--name", "q", "--share", "mnt"}, "invalid kernel namespace to share: mnt. Options are: cgroup, ipc, net, pid, uts or none"},
		{[]string{"pod", "create", "--name", "q", "--exit-policy", "invalid"}, `invalid pod exit policy: "invalid"`},
		{[]string{"pod", "create", "--name", "q", "--infra=false", "-p", "8080"}, "published ports need the pod's infra container"},
		{[]string{"pod", "create", "--name", "q", "--infra-name", "bad/name"}, `--infra-name`},
		{[]string{"pod", "create", "--name", "q", "--infra=false", "--infra-name", "qi"}, "need the infra container"},
		{[]string{"pod", "stop", "nosuchpod"}, `no pod with name or id "nosuchpod" found`},
		{[]string{"pod", "start", "nosuchpod"}, `no pod with name or id "nosuchpod" found`},
		{[]string{"pod", "inspect", "nosuchpod"}, `no pod with name or id "nosuchpod" found`},
	}
	for _, c := range cases {
		msg := e.roostFails(125, c.args...)
		if !strings.Contains(msg, c.want) {
			t.Errorf("%v: want %q in %q", c.args, c.want, msg)
		}
	}
	// pod rm of a missing pod exits 1, as in Podman; with --force, silently 0.
	if msg := e.roostFails(1, "pod", "rm", "nosuchpod"); !regexp.MustCompile(`^Error: .*nosuchpod.*: no such pod$`).MatchString(msg) {
		t.Errorf("pod rm nosuchpod: %q", msg)
	}
	if out := e.roostOK("pod", "rm", "--force", "nosuchpod"); out != "" {
		t.Errorf("pod rm --force nosuchpod printed %q", out)
	}
	if got := e.roostOK("pod", "ps", "--format", "{{.Name}} {{.NumberOfContainers}}"); got != "p 1\n" {
		t.Fatalf("bad input made pods: %q", got)
	}
	if got := e.roostOK("ps", "-a", "--format", "{{.Names}}"); strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "-infra\n") {
		t.Fatalf("bad input made containers: %q", got)
	}
	if r := e.roost("pod", "exists", "q"); r.Code != 1 {
		t.Fatalf("pod exists of a refused pod: %s", r)
	}
	if got := e.roostOK("pod", "stop", "--ignore", "nosuchpod"); got != "" {
		t.Fatalf("pod stop --ignore of a missing pod printed %q", got)
	}
	e.roostOK("pod", "rm", "p")
	assertNoContainerLeftovers(t, e)
}

// A member's restart policy works: its monitor restarts it in the pod's
// namespaces, where it still reaches its neighbour on localhost.
func TestPodMemberRestartPolicy(t *testing.T) {
	e := pulled(t)
	e.roostOK("pod", "create", "--name", "rp")
	e.roostOK("run", "-d", "--pod", "rp", "--name", "httpd", busybox, "sh", "-c", httpdScript)
	e.roostOK("run", "-d", "--pod", "rp", "--name", "svc", "--restart", "always", busybox, "sh", "-c",
		`echo run; if [ ! -e /once ]; then touch /once; exit 1; fi; wget -qO- http://localhost:8080/; exec sleep 300`)
	waitRestarted(t, e, "svc", 1, 0)
	eventually(t, secs(10), func() error {
		if logs := e.roostOK("logs", "svc"); logs != "run\nrun\npod-page\n" {
			return fmt.Errorf("logs of the restarted member: %q", logs)
		}
		return nil
	})
	if got := e.roostOK("pod", "logs", "--names", "-c", "svc", "rp"); got != "svc run\nsvc run\nsvc pod-page\n" {
		t.Fatalf("pod logs: %q", got)
	}
	if got := inspectPod(t, e, "rp").State; got != "Running" {
		t.Fatalf("pod state: %q", got)
	}
	// A member that exits on its own leaves the pod degraded.
	e.roostOK("stop", "-t", "1", "httpd")
	if got := inspectPod(t, e, "rp").State; got != "Degraded" {
		t.Fatalf("pod state with a stopped member: %q", got)
	}
	e.roostFails(125, "pod", "rm", "rp")
	e.roostOK("pod", "rm", "-f", "rp")
	assertNoContainerLeftovers(t, e)
}

// TestReplaceTakesOnlyTheName: --replace removes the pod or container of
// that exact name, never one whose id the name happens to start.
func TestReplaceTakesOnlyTheName(t *testing.T) {
	e := pulled(t)
	podID := e.roostLine("pod", "create", "--name", "keep-pod")
	e.roostOK("pod", "create", "--replace", "--name", podID[:6])
	e.roostOK("pod", "create", "--replace", "--name", podID[:6]) // replaces its namesake
	if got := e.roostLine("pod", "ps", "-q", "--no-trunc", "--filter", "name=keep-pod"); got != podID {
		t.Fatalf("pod create --replace --name %s took pod %s: ps says %q", podID[:6], podID, got)
	}
	ctrID := e.roostLine("create", "--name", "keep-ctr", busybox, "true")
	e.roostOK("create", "--replace", "--name", ctrID[:6], busybox, "true")
	if got := e.roostLine("inspect", "--format", "{{.Name}}", ctrID); got != "keep-ctr" {
		t.Fatalf("create --replace --name %s took container %s: %q", ctrID[:6], ctrID, got)
	}
	e.roostOK("pod", "rm", "-f", "keep-pod", podID[:6])
	e.roostOK("rm", "-f", "keep-ctr", ctrID[:6])
}

// The infra container goes only with its pod, in Podman's words (200-pod
// "rm --force to remove infra container"): rm and rm -f refuse it; rm
// --depend and rm -a remove the whole pod, members and record.
func TestPodInfraRemoval(t *testing.T) {
	e := pulled(t)
	member := strings.TrimSpace(e.roostOK("create", "--pod", "new:pp", busybox))
	infra := strings.TrimSpace(e.roostOK("pod", "inspect", "--format", "{{.InfraContainerID}}", "pp"))
	podID := strings.TrimSpace(e.roostOK("pod", "inspect", "--format", "{{.ID}}", "pp"))
	want := "Error: container " + infra + " is the infra container of pod " + podID + " and cannot be removed without removing the pod"
	for _, args := range [][]string{{"rm", infra}, {"rm", "--force", infra}} {
		if msg := e.roostFails(125, args...); msg != want {
			t.Fatalf("roost %v: %q, want %q", args, msg, want)
		}
	}
	out := e.roostOK("rm", "--depend", infra)
	if !strings.Contains(out, infra) || !strings.Contains(out, member) {
		t.Fatalf("rm --depend of the infra should name it and its member: %q", out)
	}
	if got := e.roostOK("pod", "ps", "-q"); got != "" {
		t.Fatalf("rm --depend of the infra left its pod: %q", got)
	}
	e.roostOK("create", "--pod", "new:pp", busybox)
	e.roostOK("create", "--pod", "pp", busybox)
	e.roostOK("create", "--name", "lone", busybox)
	e.roostOK("rm", "--force", "--all")
	if got := e.roostOK("ps", "-aq") + e.roostOK("pod", "ps", "-q"); got != "" {
		t.Fatalf("rm --force --all left: %q", got)
	}
	assertNoContainerLeftovers(t, e)
}

// A second pod cannot take an infra name in use: Podman's line, and no
// pod is left half-made.
func TestPodInfraNameInUse(t *testing.T) {
	e := pulled(t)
	e.roostOK("pod", "create", "--name", "first", "--infra-name", "infra_x")
	msg := e.roostFails(125, "pod", "create", "--infra-name", "infra_x")
	re := regexp.MustCompile(`^Error: .*: the container name "infra_x" is already in use by .* You have to remove that container to be able to reuse that name: that name is already in use$`)
	if !re.MatchString(msg) {
		t.Fatalf("second pod with infra_x: %q", msg)
	}
	if got := e.roostOK("pod", "ps", "--format", "{{.Name}}"); got != "first\n" {
		t.Fatalf("the refused pod was left: %q", got)
	}
	e.roostOK("pod", "rm", "first")
	assertNoContainerLeftovers(t, e)
}

// pod create --share-parent (the default, as in Podman) gives the pod a
// cgroup under the default parent (on cgroup v2, the user's delegated
// user@UID.service) that is the parent of its containers' cgroups, infra
// included; --share-parent=false gives it none; a member's own
// --cgroup-parent wins.
func TestPodShareParent(t *testing.T) {
	e := pulled(t)
	podID := strings.TrimSpace(e.roostOK("pod", "create", "--name", "shared"))
	parent := fmt.Sprintf("/user.slice/user-%d.slice/user@%d.service/user.slice", e.UID, e.UID)
	want := parent + " " + parent + "/roost_pod_" + podID + " true\n"
	if got := e.roostOK("pod", "inspect", "--format", "{{.CgroupParent}} {{.CgroupPath}} {{.CreateCgroup}}", "shared"); got != want {
		t.Fatalf("pod inspect of a --share-parent pod: %q, want %q", got, want)
	}
	podCgroup := parent + "/roost_pod_" + podID
	e.roostOK("create", "--pod", "shared", "--name", "member", busybox, "true")
	e.roostOK("create", "--pod", "shared", "--name", "own", "--cgroup-parent", "/elsewhere", busybox, "true")
	infra := strings.TrimSpace(e.roostOK("pod", "inspect", "--format", "{{.InfraContainerID}}", "shared"))
	for name, want := range map[string]string{"member": podCgroup, infra: podCgroup, "own": "/elsewhere"} {
		if got := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.HostConfig.CgroupParent}}", name)); got != want {
			t.Fatalf("cgroup parent of %s: %q, want %q", name, got, want)
		}
	}
	e.roostOK("pod", "create", "--share-parent=false", "--name", "apart")
	if got := e.roostOK("pod", "inspect", "--format", "{{.CgroupPath}}|{{.CreateCgroup}}", "apart"); got != "|false\n" {
		t.Fatalf("pod inspect of a --share-parent=false pod: %q", got)
	}
	e.roostOK("create", "--pod", "apart", "--name", "alone", busybox, "true")
	if got := e.roostOK("inspect", "--format", "{{.HostConfig.CgroupParent}}", "alone"); strings.Contains(got, "roost_pod_") {
		t.Fatalf("a member of a --share-parent=false pod is under a pod cgroup: %q", got)
	}
	e.roostOK("pod", "rm", "-f", "shared", "apart")
	assertNoContainerLeftovers(t, e)
}

// TestPodMembersShareDevShm: members that share the pod's IPC namespace
// see one /dev/shm, the infra's, which outlives each member (Podman's
// 200-pod "communicating via /dev/shm"); removing the pod leaves no mount
// behind in Roost's mount namespace.
func TestPodMembersShareDevShm(t *testing.T) {
	for _, rt := range runtimes {
		t.Run(rt, func(t *testing.T) {
			e := pulled(t)
			e.roostOK("--runtime", rt, "pod", "create", "--name", "shmpod")
			e.roostOK("--runtime", rt, "run", "--rm", "--pod", "shmpod", busybox, "sh", "-c", "echo written > /dev/shm/note")
			if out := e.roostOK("--runtime", rt, "run", "--rm", "--pod", "shmpod", busybox, "cat", "/dev/shm/note"); out != "written\n" {
				t.Fatalf("a later member reads %q from /dev/shm, want the first member's note", out)
			}
			// A container outside the pod has its own.
			if r := e.roost("--runtime", rt, "run", "--rm", busybox, "cat", "/dev/shm/note"); r.Code == 0 {
				t.Fatalf("a container outside the pod sees the pod's /dev/shm: %s", r)
			}
			// /dev/shm is a tmpfs of the default size, open to every user.
			if out := e.roostOK("--runtime", rt, "run", "--rm", "--pod", "shmpod", busybox, "sh", "-c", "stat -c %a /dev/shm; grep ' /dev/shm ' /proc/mounts"); !strings.HasPrefix(out, "1777\n") || !strings.Contains(out, "tmpfs") || !strings.Contains(out, "size=65536k") {
				t.Fatalf("the pod's /dev/shm: %q", out)
			}
			holder := e.holderPid()
			infra := inspectPod(t, e, "shmpod").InfraContainerID
			if mounts, _ := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", holder)); !strings.Contains(string(mounts), infra+"/shm ") {
				t.Fatalf("no /dev/shm tmpfs of infra %s in Roost's mount namespace:\n%s", infra, mounts)
			}
			e.roostOK("pod", "rm", "-f", "shmpod")
			mounts, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", holder))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(mounts), infra+"/shm ") {
				t.Fatalf("pod rm left the /dev/shm of infra %s mounted:\n%s", infra, mounts)
			}
		})
	}
}
