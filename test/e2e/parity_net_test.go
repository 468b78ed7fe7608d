package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVolumeMountInsideUnshare: rootless, `volume mount` is refused outside
// `roost unshare` in Podman's words; inside, it mounts a tmpfs volume in
// Roost's namespace and prints where, and a container sees what was written
// there. `volume unmount` prints the name.
func TestVolumeMountInsideUnshare(t *testing.T) {
	e := pulled(t)
	e.roostOK("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "tv")
	msg := e.roostFails(125, "volume", "mount", "tv")
	if !strings.Contains(msg, `cannot run command "roost volume mount" in rootless mode, must execute`) || !strings.Contains(msg, "roost unshare") {
		t.Fatalf("volume mount outside unshare: %q", msg)
	}
	e.roostFails(125, "volume", "unmount", "tv")
	out := e.roostOK("unshare", "sh", "-c", `p=$(roost volume mount tv) && echo "$p" && echo hi > "$p/f" && stat -f -c %T "$p"`)
	want := strings.TrimSpace(e.roostOK("volume", "inspect", "--format", "{{.Mountpoint}}", "tv")) + "\ntmpfs\n"
	if out != want {
		t.Fatalf("volume mount printed %q, want %q", out, want)
	}
	if got := e.roostOK("run", "--rm", "-v", "tv:/d", busybox, "cat", "/d/f"); got != "hi\n" {
		t.Fatalf("container read %q from the mounted volume", got)
	}
	if got := e.roostOK("unshare", "roost", "volume", "unmount", "tv"); got != "tv\n" {
		t.Fatalf("volume unmount printed %q", got)
	}
	if msg := e.roostFails(125, "unshare", "roost", "volume", "mount", "nosuchvol"); !strings.Contains(msg, "nosuchvol") {
		t.Fatalf("mount of a missing volume: %q", msg)
	}
	e.roostOK("volume", "rm", "tv")
}

// TestPodExitPolicyAndIDFile: --exit-policy stop stops the pod when its last
// member exits (Exited), continue (the default) leaves the infra running
// (Degraded); --pod-id-file gets the id, and a file in the way fails the
// create with nothing made.
func TestPodExitPolicyAndIDFile(t *testing.T) {
	e := pulled(t)
	idFile := filepath.Join(e.Home, "pod.id")
	id := strings.TrimSpace(e.roostOK("pod", "create", "--name", "pstop", "--exit-policy", "stop", "--pod-id-file", idFile))
	if b, err := os.ReadFile(idFile); err != nil || string(b) != id {
		t.Fatalf("--pod-id-file holds %q (%v), want %q", b, err, id)
	}
	if msg := e.roostFails(125, "pod", "create", "--name", "other", "--pod-id-file", idFile); !strings.Contains(msg, idFile) {
		t.Fatalf("a pod id file in the way: %q", msg)
	}
	if r := e.roost("pod", "exists", "other"); r.Code != 1 {
		t.Fatalf("a refused pod create made a pod: %s", r)
	}
	e.roostOK("pod", "create", "--name", "pcont")
	if got := e.roostOK("pod", "inspect", "--format", "{{.ExitPolicy}}", "pstop"); got != "stop\n" {
		t.Fatalf("pstop's exit policy %q", got)
	}
	if got := e.roostOK("pod", "inspect", "--format", "{{.ExitPolicy}}", "pcont"); got != "continue\n" {
		t.Fatalf("default exit policy %q", got)
	}
	// A foreground run cleans up before it returns, so the pod's state is
	// settled when it does.
	e.roostOK("run", "--pod", "pstop", busybox, "true")
	e.roostOK("run", "--pod", "pcont", busybox, "true")
	if got := e.roostOK("pod", "inspect", "--format", "{{.State}}", "pstop"); got != "Exited\n" {
		t.Fatalf("pod with exit policy stop is %q after its last member exited", got)
	}
	if got := e.roostOK("pod", "inspect", "--format", "{{.State}}", "pcont"); got != "Degraded\n" {
		t.Fatalf("pod with exit policy continue is %q after its last member exited", got)
	}
	// start, stop and rm take the pod by its --pod-id-file.
	if out := e.roostOK("pod", "start", "--pod-id-file", idFile); out != id+"\n" {
		t.Fatalf("pod start --pod-id-file printed %q", out)
	}
	e.roostOK("pod", "stop", "--pod-id-file", idFile)
	if out := e.roostOK("pod", "rm", "--pod-id-file", idFile); out != id+"\n" {
		t.Fatalf("pod rm --pod-id-file printed %q", out)
	}
	if msg := e.roostFails(1, "pod", "rm", "--pod-id-file", idFile); !strings.Contains(msg, id) {
		t.Fatalf("pod rm --pod-id-file of a removed pod: %q", msg)
	}
	e.roostOK("pod", "rm", "-f", "pcont")
	assertNoContainerLeftovers(t, e)
}

// TestGenerateTemplateRefusals: --template with --new=false, and for a pod,
// fail with Podman's messages and write nothing.
func TestGenerateTemplateRefusals(t *testing.T) {
	e := pulled(t)
	e.roostOK("create", "--name", "c1", busybox, "top")
	if msg := e.roostFails(125, "generate", "systemd", "--new=false", "--template", "-n", "c1"); !strings.Contains(msg, "--template cannot be set with --new=false") {
		t.Fatalf("--template --new=false: %q", msg)
	}
	e.roostOK("pod", "create", "--name", "p1")
	if msg := e.roostFails(125, "generate", "systemd", "--new", "--template", "-n", "p1"); !strings.Contains(msg, "--template is not supported for pods") {
		t.Fatalf("--template for a pod: %q", msg)
	}
	if msg := e.roostFails(125, "generate", "systemd", "-e", "=x", "c1"); !strings.Contains(msg, "invalid --env") {
		t.Fatalf("bad -e: %q", msg)
	}
	out := e.roostOK("generate", "systemd", "--template", "-n", "-e", "A=b c", "c1")
	for _, line := range []string{"# container-c1@.service", "--name=c1-%i", `Environment="A=b c"`} {
		if !strings.Contains(out, line) {
			t.Fatalf("template unit lacks %q:\n%s", line, out)
		}
	}
	e.roostOK("rm", "c1")
	e.roostOK("pod", "rm", "p1")
}

// TestNetworkDefaultAliasesAndRm: the default network answers to Podman's
// and Docker's names; no user network may take them; `network rm` exits as
// Podman's does (1 missing, 2 in use, -f quiet about a missing one) and
// takes -t; `network ls --noheading` drops the header.
func TestNetworkDefaultAliasesAndRm(t *testing.T) {
	e := pulled(t)
	for _, alias := range []string{"roost", "bridge"} {
		if got := e.roostOK("network", "inspect", "--format", "{{.Name}}", alias); got != "podman\n" {
			t.Fatalf("network inspect %s: %q", alias, got)
		}
		e.roostOK("network", "exists", alias)
		if out := e.roostOK("run", "--rm", "--network", alias, busybox, "ip", "-o", "-4", "addr", "show", "eth0"); !strings.Contains(out, " 10.88.") {
			t.Fatalf("--network %s is not on the default network: %q", alias, out)
		}
		if msg := e.roostFails(125, "network", "create", alias); !strings.Contains(msg, "default network") {
			t.Fatalf("network create %s: %q", alias, msg)
		}
	}
	if out := e.roostOK("network", "ls", "--noheading"); strings.Contains(out, "NETWORK ID") || strings.Count(out, "\n") != 1 {
		t.Fatalf("network ls --noheading: %q", out)
	}
	if msg := e.roostFails(1, "network", "rm", "bogus"); msg != "Error: unable to find network with name or ID bogus: network not found" {
		t.Fatalf("network rm bogus: %q", msg)
	}
	if out := e.roostOK("network", "rm", "--force", "bogus"); out != "" {
		t.Fatalf("network rm --force bogus printed %q", out)
	}
	e.roostOK("network", "create", "tnet")
	e.roostOK("run", "-d", "--name", "sleeper", "--network", "tnet", busybox, "sleep", "1000")
	e.roostFails(2, "network", "rm", "-t", "0", "tnet")
	if out := e.roostOK("network", "rm", "-f", "-t", "0", "tnet"); out != "tnet\n" {
		t.Fatalf("network rm -f -t 0 printed %q", out)
	}
	if r := e.roost("container", "exists", "sleeper"); r.Code != 1 {
		t.Fatalf("network rm -f left its container: %s", r)
	}
	assertNoNetworkLeftovers(t, e)
}

// TestNetworkCreateDisableDNSAndOptions: --disable-dns makes a network
// whose members get no DNS of the network (resolv.conf names no gateway,
// inspect says dns_enabled false), where a plain network's do; -o with a
// key the bridge does not take and -d macvlan are refused with one line,
// leaving no network.
func TestNetworkCreateDisableDNSAndOptions(t *testing.T) {
	e := pulled(t)
	e.roostOK("network", "create", "--disable-dns", "--subnet", "10.89.70.0/24", "nodns")
	e.roostOK("network", "create", "--subnet", "10.89.71.0/24", "withdns")
	if got := e.roostOK("network", "inspect", "--format", "{{.DNSEnabled}}", "nodns", "withdns"); got != "false\ntrue\n" {
		t.Fatalf("dns_enabled: %q", got)
	}
	if out := e.roostOK("run", "--rm", "--network", "nodns", busybox, "cat", "/etc/resolv.conf"); strings.Contains(out, "10.89.70.1") {
		t.Fatalf("a --disable-dns network's gateway serves DNS:\n%s", out)
	}
	if out := e.roostOK("run", "--rm", "--network", "withdns", busybox, "cat", "/etc/resolv.conf"); !strings.Contains(out, "nameserver 10.89.71.1") {
		t.Fatalf("a DNS network's gateway is not the nameserver:\n%s", out)
	}
	if msg := e.roostFails(125, "network", "create", "-o", "mtu=1400", "withopt"); !strings.Contains(msg, `unsupported bridge network option "mtu"`) {
		t.Fatalf("-o mtu: %q", msg)
	}
	if msg := e.roostFails(125, "network", "create", "-d", "macvlan", "mac"); !strings.Contains(msg, "macvlan") {
		t.Fatalf("-d macvlan: %q", msg)
	}
	if out := e.roostOK("network", "ls", "--format", "{{.Name}}"); out != "nodns\npodman\nwithdns\n" {
		t.Fatalf("refused creates left networks: %q", out)
	}
	e.roostOK("network", "rm", "nodns", "withdns")
	assertNoNetworkLeftovers(t, e)
}

// TestGenerateSystemdRestartPolicyFromContainer: without --restart-policy
// the unit takes the container's own --restart in systemd's terms, and a
// unit that starts an existing container with a restart policy warns.
func TestGenerateSystemdRestartPolicyFromContainer(t *testing.T) {
	e := pulled(t)
	e.roostOK("create", "--name", "r42", "--restart=on-failure:42", busybox, "true")
	e.roostOK("create", "--name", "rus", "--restart=unless-stopped", busybox, "true")
	out := e.roostOK("generate", "systemd", "--new", "r42")
	if !strings.Contains(out, "\nRestart=on-failure\n") || !strings.Contains(out, "\nStartLimitBurst=42\n") {
		t.Fatalf("on-failure:42 unit:\n%s", out)
	}
	if out := e.roostOK("generate", "systemd", "--new", "rus"); !strings.Contains(out, "\nRestart=always\n") {
		t.Fatalf("unless-stopped unit:\n%s", out)
	}
	if out := e.roostOK("generate", "systemd", "--new", "--restart-policy=no", "rus"); !strings.Contains(out, "\nRestart=no\n") {
		t.Fatalf("--restart-policy=no unit:\n%s", out)
	}
	r := e.roost("generate", "systemd", "rus")
	if r.Code != 0 || !strings.Contains(r.Stderr, `has restart policy "unless-stopped" which can lead to issues on shutdown`) {
		t.Fatalf("no warning for a restart policy without --new: %s", r)
	}
	e.roostOK("rm", "r42", "rus")
}
