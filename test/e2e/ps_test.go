package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// buildah runs Buildah as the test user on Roost's own storage: the other
// tool whose containers ps --external lists (a cross-tool check, as Podman's
// suite makes them).
func (e *env) buildah(args ...string) string {
	e.t.Helper()
	if _, err := exec.LookPath("buildah"); err != nil {
		e.t.Fatal("buildah is not installed: apt-get install buildah (test/host/prepare.sh lists it)")
	}
	base := []string{"--root", filepath.Join(e.Home, ".local/share/roost/storage"),
		"--runroot", filepath.Join(e.RuntimeDir, "roost/storage"), "--storage-driver", "overlay"}
	return succeeded(e.t, "buildah "+strings.Join(args, " "), e.run("buildah", append(base, args...)...))
}

// ps --external lists what only storage knows, with Podman's columns, and
// rm removes one; ps -a and rm -a leave it alone, as Podman's do.
func TestPsExternalListsAndRemovesStorageContainers(t *testing.T) {
	e := pulled(t)
	if out := e.roostOK("ps", "--all", "--external", "--format", "{{.ID}} {{.Names}}"); out != "" {
		t.Fatalf("no containers yet, got %q", out)
	}
	e.roostOK("create", "--name", "mine", busybox, "true")
	e.buildah("from", "--name", "ext", "scratch")
	if out := e.roostOK("ps", "-a", "--format", "{{.Names}}"); out != "mine\n" {
		t.Fatalf("ps -a must not list Buildah's container: %q", out)
	}
	got := e.roostOK("ps", "--external", "--format", "{{.Names}} {{.Image}} {{.Command}} {{.Status}} {{.State}}")
	if got != "ext scratch buildah Storage storage\n" {
		t.Fatalf("ps --external: %q", got)
	}
	table := strings.Split(strings.TrimSpace(e.roostOK("ps", "--external")), "\n")
	if len(table) != 2 || !strings.Contains(table[1], " Storage ") || !strings.HasSuffix(table[1], " ext") {
		t.Fatalf("ps --external table: %q", table)
	}
	// exists sees it only with --external (Podman's 055); diff reads it (140).
	if r := e.roost("container", "exists", "ext"); r.Code != 1 {
		t.Fatalf("container exists of an external container without --external: %s", r)
	}
	e.roostOK("container", "exists", "--external", "ext")
	e.roostOK("diff", "ext")
	e.roostOK("rm", "-a")
	if got := e.roostOK("ps", "-a", "--external", "--format", "{{.Names}}"); got != "ext\n" {
		t.Fatalf("rm -a must leave the external container: %q", got)
	}
	e.roostOK("rm", "-f", "ext")
	if got := e.roostOK("ps", "-a", "--external", "--format", "{{.Names}}"); got != "" {
		t.Fatalf("rm -f ext left %q", got)
	}
	if n := storageContainers(t, e); n != 0 {
		t.Fatalf("%d storage containers left", n)
	}
}

// ps's flags as Podman's: --sort, --last/--latest, --ns, --pod, --size,
// the json shape, table headers and the refusals.
func TestPsSortColumnsAndJSON(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "-d", "--name", "b", "-p", "28431-28432:80-81", "--label", "app=web", busybox, "sleep", "300")
	e.roostOK("create", "--name", "a", busybox, "echo", "hi")
	defer e.roostOK("rm", "-af", "-t", "0")

	for _, c := range []struct{ args, want string }{
		{"-a --sort names", "a b"},
		{"-a --sort created", "b a"},
		{"-a --sort command", "a b"},
		{"-a", "a b"}, // newest first
		{"--last 1", "a"},
		{"--latest", "a"},
		{"", "b"},
	} {
		args := append(strings.Fields(c.args), "--format", "{{.Names}}")
		if got := strings.Join(strings.Fields(e.roostOK(append([]string{"ps"}, args...)...)), " "); got != c.want {
			t.Errorf("ps %s: %q, want %q", c.args, got, c.want)
		}
	}
	for _, c := range []struct{ args, want string }{
		{"--sort colour", `"colour" is not a valid value`},
		{"-l -n 2", "last and latest are mutually exclusive"},
		{"-q --size", "quiet conflicts with size and namespace"},
		{"--size --ns", "size and namespace options conflict"},
	} {
		if line := e.roostFails(125, append([]string{"ps"}, strings.Fields(c.args)...)...); !strings.Contains(line, c.want) {
			t.Errorf("ps %s: %q does not say %q", c.args, line, c.want)
		}
	}

	got := e.roostOK("ps", "--format", "{{.Names}} {{.Ports}} {{.Label \"app\"}} {{.Command}} {{.State}} {{.Status}}")
	if !strings.HasPrefix(got, "b 0.0.0.0:28431-28432->80-81/tcp web sleep 300 running Up ") || !strings.HasSuffix(got, " ago\n") {
		t.Errorf("ps fields: %q", got)
	}
	head := strings.SplitN(e.roostOK("ps", "--format", "table {{.ID}}\t{{.ImageID}}\t{{.CreatedAt}}\t{{.RunningFor}}"), "\n", 2)[0]
	if strings.Join(strings.Fields(head), " ") != "CONTAINER ID IMAGE ID CREATED AT RUNNING FOR" {
		t.Errorf("table header: %q", head)
	}
	head = strings.SplitN(e.roostOK("ps", "--pod", "--size"), "\n", 2)[0]
	if !strings.HasSuffix(strings.Join(strings.Fields(head), " "), "PORTS NAMES POD ID PODNAME SIZE") {
		t.Errorf("--pod --size header: %q", head)
	}

	// --ns shows the namespace inodes the kernel reports for the process.
	pid := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.State.Pid}}", "b"))
	link, err := os.Readlink(fmt.Sprintf("/proc/%s/ns/net", pid))
	if err != nil {
		t.Fatal(err)
	}
	ns := strings.Fields(strings.Split(e.roostOK("ps", "--ns"), "\n")[1])
	if len(ns) != 10 || ns[2] != pid || "net:["+ns[6]+"]" != link {
		t.Errorf("ps --ns row %q, want pid %s and net %s", ns, pid, link)
	}
	if got := e.roostOK("ps", "--format", "{{.Namespaces.NET}}"); "net:["+strings.TrimSpace(got)+"]" != link {
		t.Errorf("{{.Namespaces.NET}}: %q, want %s", got, link)
	}

	var rows []struct {
		ID      string `json:"Id"`
		Names   []string
		Command []string
		Created int64
		State   string
		Labels  map[string]string
		Ports   []struct {
			HostPort      int    `json:"host_port"`
			ContainerPort int    `json:"container_port"`
			Range         int    `json:"range"`
			Protocol      string `json:"protocol"`
		}
	}
	if err := json.Unmarshal([]byte(e.roostOK("ps", "-a", "--format", "json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[1].ID) != 64 || rows[1].Names[0] != "b" || strings.Join(rows[1].Command, " ") != "sleep 300" ||
		rows[1].Created == 0 || rows[1].Labels["app"] != "web" || len(rows[1].Ports) != 1 || rows[1].Ports[0].Range != 2 ||
		rows[1].Ports[0].HostPort != 28431 || rows[0].State != "created" {
		t.Errorf("ps --format json: %+v", rows)
	}
	if got := e.roostOK("ps", "--filter", "name=nothing", "--format", "json"); strings.TrimSpace(got) != "[]" {
		t.Errorf("json of none: %q", got)
	}
}

// The filters Podman has beyond the basic ones: status=stopped,
// restart-policy=, volume=SRC:DEST, network=container:NAME.
func TestPsPodmanFilters(t *testing.T) {
	e := pulled(t)
	e.roostOK("run", "--name", "done", busybox, "true")
	e.roostOK("create", "--name", "always", "--restart", "always", busybox, "true")
	e.roostOK("create", "--name", "vol", "-v", "data:/data", busybox, "true")
	e.roostOK("run", "-d", "--name", "host", busybox, "sleep", "300")
	defer e.roostOK("rm", "-af", "-t", "0")
	e.roostOK("create", "--name", "guest", "--network", "container:host", busybox, "true")
	for _, c := range []struct{ filter, want string }{
		{"status=stopped", "done"},
		{"status=configured", "always guest vol"},
		{"restart-policy=always", "always"},
		{"restart-policy=none", "done guest host vol"},
		{"volume=data:/data", "vol"},
		{"volume=data:/elsewhere", ""},
		{"volume=data", "vol"},
		{"network=container:host", "guest"},
	} {
		if got := listed(e, []string{"ps", "-a", "--format", "{{.Names}}"}, c.filter); got != c.want {
			t.Errorf("--filter %s: %q, want %q", c.filter, got, c.want)
		}
	}
	if line := e.roostFails(125, "ps", "--filter", "restart-policy=sometimes"); !strings.Contains(line, "sometimes invalid restart policy") {
		t.Errorf("bad policy: %q", line)
	}
}

// inspect in Podman's shape: the fields scripts read, --type, -l, -s, and
// several objects of which some are missing.
func TestInspectPodmanShape(t *testing.T) {
	e := pulled(t)
	e.roostOK("volume", "create", "vol1")
	e.roostOK("run", "-d", "--name", "web", "-p", "28491:80", "-e", "A=<b>", "-v", "vol1:/data", "--label", "tier=front", busybox, "sleep", "300")
	defer e.roostOK("rm", "-af", "-t", "0")
	e.roostOK("create", "--name", "later", busybox, "true")

	tmpl := `{{.Name}}|{{.Config.StopSignal}}|{{json .HostConfig.PortBindings}}|{{.HostConfig.RestartPolicy.Name}}|{{(index .Mounts 0).Name}}|{{.State.OciVersion}}|{{.GraphDriver.Name}}|{{.Id}}`
	got := strings.TrimSpace(e.roostOK("inspect", "--format", tmpl, "web"))
	id := strings.TrimSpace(e.roostOK("inspect", "--format", "{{.ID}}", "web"))
	want := "web|15|" + `{"80/tcp":[{"HostIp":"","HostPort":"28491"}]}` + "|no|vol1|1.0.2-dev|overlay|" + id
	if got != want {
		t.Errorf("inspect fields:\n got %s\nwant %s", got, want)
	}
	var full []map[string]any
	if err := json.Unmarshal([]byte(e.roostOK("container", "inspect", "web")), &full); err != nil || len(full) != 1 {
		t.Fatalf("inspect json: %v", err)
	}
	for _, k := range []string{"ImageDigest", "StaticDir", "ConmonPidFile", "PidFile", "EffectiveCaps", "BoundingCaps", "ExecIDs", "GraphDriver", "Dependencies", "HostsPath", "ResolvConfPath", "HostnamePath"} {
		if _, ok := full[0][k]; !ok {
			t.Errorf("inspect has no %s", k)
		}
	}
	for _, k := range []string{"PidFile", "ConmonPidFile", "HostsPath"} {
		if p, _ := full[0][k].(string); p == "" || !exists(p) {
			t.Errorf("%s %q does not exist", k, p)
		}
	}
	if env := e.roostOK("inspect", "--format", "{{json .Config.Env}}", "web"); !strings.Contains(env, `"A=<b>"`) {
		t.Errorf("json must not escape < and >: %s", env)
	}

	if got := e.roostOK("inspect", "-l", "--format", "{{.Name}}"); got != "later\n" {
		t.Errorf("inspect -l: %q", got)
	}
	size := strings.Fields(e.roostOK("inspect", "-s", "--format", "{{.SizeRw}} {{.SizeRootFs}}", "web"))
	if n, _ := strconv.Atoi(size[1]); len(size) != 2 || n <= 0 {
		t.Errorf("inspect -s: %q", size)
	}
	if got := e.roostOK("inspect", "--type", "volume", "--format", "{{.Name}}", "vol1"); got != "vol1\n" {
		t.Errorf("--type volume: %q", got)
	}
	if got := e.roostOK("inspect", "--format", "{{.Name}}", "vol1"); got != "vol1\n" {
		t.Errorf("all kinds finds a volume: %q", got)
	}

	// Found ones are printed; the first missing one is the error.
	r := e.roost("inspect", "--format", "{{.Name}}", "web", "nope", "later")
	if r.Code != 125 || r.Stdout != "web\nlater\n" || strings.TrimSpace(r.Stderr) != `Error: inspecting object: no such object: "nope"` {
		t.Errorf("inspect with a missing name: %s", r)
	}
	for _, c := range []struct{ args, want string }{
		{"--type colour x", `invalid type "colour"`},
		{"--type image -l", `latest is not supported for type "image"`},
		{"-l web", "--latest and arguments cannot be used together"},
	} {
		if line := e.roostFails(125, append([]string{"inspect"}, strings.Fields(c.args)...)...); !strings.Contains(line, c.want) {
			t.Errorf("inspect %s: %q does not say %q", c.args, line, c.want)
		}
	}
	e.roostFails(125, "container", "inspect", busybox)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// A Buildah container on Roost's storage: `container exists` says no and
// `--external` yes, `diff` lists its changes, and plain rm (with a Roost
// container beside it) removes it, as Podman's 055 and 140 expect.
func TestExternalContainerExistsDiffRm(t *testing.T) {
	e := pulled(t)
	iid := e.roostLine("image", "inspect", "--format", "{{.ID}}", busybox)
	e.roostOK("create", "--name", "mine", busybox, "true")
	ext := strings.TrimSpace(e.buildah("from", "--pull=never", "--name", "bext", iid))
	if ext != "bext" {
		t.Fatalf("buildah from printed %q", ext)
	}
	e.buildah("run", "bext", "sh", "-c", "touch /extadded; rm /etc/group")
	if r := e.roost("container", "exists", "bext"); r.Code != 1 {
		t.Fatalf("container exists of a Buildah container: want exit 1, got %s", r)
	}
	e.roostOK("container", "exists", "--external", "bext")
	if r := e.roost("container", "exists", "--external", "nosuch"); r.Code != 1 {
		t.Fatalf("container exists --external nosuch: want exit 1, got %s", r)
	}
	var j map[string][]string
	if err := json.Unmarshal([]byte(e.roostOK("diff", "--format", "json", "bext")), &j); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(j["added"], []string{"/extadded"}) || !slices.Equal(j["deleted"], []string{"/etc/group"}) || !slices.Equal(j["changed"], []string{"/etc"}) {
		t.Fatalf("diff of the Buildah container: %v", j)
	}
	e.buildah("umount", "bext")
	e.roostOK("rm", "mine", "bext")
	if got := e.roostOK("ps", "-a", "--external", "--format", "{{.Names}}"); got != "" {
		t.Fatalf("rm mine bext left %q", got)
	}
}
