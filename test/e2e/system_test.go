package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Command groups answer a missing or unknown subcommand as Podman does:
// help and "missing command", or the unknown name with a hint; exit 125.
func TestCommandGroupsRefuseUnknownSubcommands(t *testing.T) {
	e := newEnv(t)
	for _, group := range []string{"generate", "image", "container", "network", "volume", "pod", "system", "healthcheck", "kube", "play"} {
		r := e.roost(group, "nosuchcommand")
		want := "Error: unrecognized command `roost " + group + " nosuchcommand`\nTry 'roost " + group + " --help' for more information"
		if r.Code != 125 || strings.TrimSpace(r.Stderr) != want {
			t.Fatalf("roost %s nosuchcommand: want exit 125 and %q, got %s", group, want, r)
		}
		r = e.roost(group)
		if r.Code != 125 || !strings.Contains(r.Stdout, "Usage:") || strings.TrimSpace(r.Stderr) != "Error: missing command 'roost "+group+" COMMAND'" {
			t.Fatalf("roost %s: want help and missing command, got %s", group, r)
		}
	}
	if r := e.roost("nosuchcommand"); r.Code != 125 || !strings.HasPrefix(r.Stderr, "Error: unrecognized command `roost nosuchcommand`") {
		t.Fatalf("unknown top-level command: %s", r)
	}
	// `generate kube` without a container or pod is an error, not help.
	if r := e.roost("generate", "kube"); r.Code != 125 {
		t.Fatalf("generate kube: %s", r)
	}
	if line := e.roostFails(125, "info", "extra"); line != "Error: `roost info` takes no arguments" {
		t.Fatalf("info extra: %q", line)
	}
}

// --log-level takes Podman's levels and refuses others with Podman's line
// and exit code 1; --debug is --log-level=debug.
func TestGlobalLogLevels(t *testing.T) {
	e := newEnv(t)
	r := e.roost("--log-level=telepathic", "version")
	if r.Code != 1 || !strings.HasPrefix(r.Stderr, `Log Level "telepathic" is not supported, choose from: trace, debug, info, warn, warning, error, fatal, panic`) {
		t.Fatalf("bad level: %s", r)
	}
	r = e.roost("--log-level=trace", "info", "--format", "{{.Host.Arch}}")
	for _, want := range []string{" level=trace ", " level=debug ", " level=info "} {
		if r.Code != 0 || !strings.Contains(r.Stderr, want) {
			t.Fatalf("trace: want %q in stderr, got %s", want, r)
		}
	}
	for _, lvl := range []string{"warn", "warning", "error"} {
		if r := e.roost("--log-level="+lvl, "info", "--format", "{{.Host.Arch}}"); r.Code != 0 || strings.Contains(r.Stderr, " level=") {
			t.Fatalf("%s: %s", lvl, r)
		}
	}
	if r := e.roost("-D", "version"); r.Code != 0 || !strings.Contains(r.Stderr, " level=debug ") {
		t.Fatalf("-D: %s", r)
	}
	if r := e.roost("--debug", "--log-level=panic", "version"); r.Code != 1 || strings.TrimSpace(r.Stderr) != "Setting --log-level and --debug is not allowed" {
		t.Fatalf("--debug with --log-level: %s", r)
	}
}

// Remote flags are answered in one line; other global flags are checked
// and acted on.
func TestGlobalFlags(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{
		{"--remote", "ps"}, {"-r", "images"}, {"--url", "unix:///x.sock", "ps"},
		{"--connection", "other", "ps"}, {"--identity", "/key", "ps"},
	} {
		if line := e.roostFails(125, args...); !strings.Contains(line, "no remote mode") {
			t.Fatalf("%v: %q", args, line)
		}
	}
	if r := e.roost("system", "connection", "list"); r.Code != 125 || !strings.Contains(r.Stderr, "no remote connections") {
		t.Fatalf("system connection: %s", r)
	}
	if line := e.roostFails(125, "--cgroup-manager", "nope", "ps"); !strings.Contains(line, "systemd or cgroupfs") {
		t.Fatalf("cgroup manager: %q", line)
	}
	if line := e.roostFails(125, "--events-backend", "nope", "ps"); !strings.Contains(line, "file or journald or none") {
		t.Fatalf("events backend: %q", line)
	}
	if r := e.roost("--noout", "info"); r.Code != 0 || r.Stdout != "" {
		t.Fatalf("--noout: %s", r)
	}
	// Accepted as in Podman.
	e.roostOK("--cgroup-manager", "cgroupfs", "--events-backend", "none", "--runtime-flag", "debug",
		"--hooks-dir", "/nonexistent", "--tmpdir", filepath.Join(e.RuntimeDir, "roost"), "--network-cmd-path", "/usr/bin/slirp4netns",
		"--network-config-dir", "/tmp", "--conmon", "/usr/bin/conmon", "--ssh", "native", "ps")
	if got := e.roostLine("--events-backend", "none", "--cgroup-manager", "cgroupfs", "info", "--format", "{{.Host.EventLogger}} {{.Host.CgroupManager}}"); got != "none cgroupfs" {
		t.Fatalf("info does not show the chosen backends: %q", got)
	}
	if r := e.roost("--help"); r.Code != 0 || !strings.Contains(r.Stdout, " --remote ") {
		t.Fatalf("--help lacks --remote: %s", r)
	}
}

func TestVersionReport(t *testing.T) {
	e := newEnv(t)
	out := e.roostOK("version")
	for _, want := range []string{"Client:       Roost Engine\n", "\nVersion:      ", "\nAPI Version:  4.3.1\n", "\nGo Version:   go", "\nBuilt:        ", "\nOS/Arch:      linux/amd64"} {
		if !strings.Contains(out, want) {
			t.Fatalf("version lacks %q:\n%s", want, out)
		}
	}
	var v struct {
		Client *struct {
			APIVersion, Version, BuiltTime, OsArch, Os string
			Built                                      int64
		}
		Server *struct{}
	}
	if err := json.Unmarshal([]byte(e.roostOK("version", "--format", "json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Client == nil || v.Server != nil || v.Client.APIVersion != "4.3.1" || v.Client.Built <= 1546300800 || v.Client.Os != "linux" {
		t.Fatalf("version json: %+v", v.Client)
	}
	// No server: .Server reads the client, as a local Podman does.
	if got := e.roostLine("version", "--format", "{{.Server.Version}}/{{.Client.Version}}"); got != v.Client.Version+"/"+v.Client.Version {
		t.Fatalf("server template: %q", got)
	}
}

// info has Podman's keys for JSON and Podman's field names for templates.
func TestInfoPodmanShape(t *testing.T) {
	e := newEnv(t)
	var in struct {
		Host struct {
			CgroupManager, CgroupVersion, EventLogger, LogDriver, OS string
			Conmon                                                   struct{ Path string }
			OCIRuntime                                               struct{ Name, Path string } `json:"ociRuntime"`
			Distribution                                             struct{ Distribution string }
			Slirp                                                    struct{ Executable string } `json:"slirp4netns"`
			MemTotal                                                 int64
			CPUs                                                     int
		}
		Store struct {
			ImageStore     struct{ Number int }
			ContainerStore struct{ Number, Running, Stopped int }
			GraphRoot      string
			VolumePath     string
		}
		Registries map[string]any
		Version    struct{ APIVersion string }
	}
	e.roostOK("create", "--name", "c1", registry+"/busybox:latest", "true")
	if err := json.Unmarshal([]byte(e.roostOK("info", "--format", "json")), &in); err != nil {
		t.Fatal(err)
	}
	h, s := in.Host, in.Store
	if h.CgroupVersion != "v1" || (h.CgroupManager != "cgroupfs" && h.CgroupManager != "systemd") || h.EventLogger != "file" ||
		h.LogDriver != "k8s-file" || h.OCIRuntime.Name != "crun" || !strings.HasSuffix(h.Conmon.Path, "/roost-monitor") ||
		h.Distribution.Distribution != "debian" || h.Slirp.Executable != "/usr/bin/slirp4netns" || h.MemTotal == 0 || h.CPUs == 0 {
		t.Fatalf("host: %+v", h)
	}
	if s.ImageStore.Number != 1 || s.ContainerStore.Number != 1 || s.ContainerStore.Stopped != 1 || !strings.HasSuffix(s.VolumePath, "/.local/share/roost/volumes") {
		t.Fatalf("store: %+v", s)
	}
	if in.Version.APIVersion != "4.3.1" {
		t.Fatalf("version: %+v", in.Version)
	}
	tmpl := "{{.Host.OCIRuntime.Name}} {{.Host.Security.Rootless}} {{.Host.CgroupsVersion}} {{.Store.GraphDriverName}} {{.Store.ImageStore.Number}} {{.Host.LogDriver}}"
	if got := e.roostLine("info", "--format", tmpl); got != "crun true v1 overlay 1 k8s-file" {
		t.Fatalf("template: %q", got)
	}
	// The default output is YAML, as Podman's.
	text := e.roostOK("system", "info")
	for _, want := range []string{"\nstore:\n", "  imageStore:\n    number: 1\n", "  ociRuntime:\n", "    name: crun\n", "\nregistries:\n", "  cgroupVersion: v1\n"} {
		if !strings.Contains(text, want) {
			t.Fatalf("info lacks %q:\n%s", want, text)
		}
	}
	vp := e.Home + "/volumes-here"
	if got := e.roostLine("--volumepath", vp, "info", "--format", "{{.Store.VolumePath}}"); got != vp {
		t.Fatalf("--volumepath: %q", got)
	}
	e.roostOK("--volumepath", vp, "volume", "create", "v1")
	if got := e.roostLine("--volumepath", vp, "volume", "inspect", "--format", "{{.Mountpoint}}", "v1"); got != vp+"/v1/_data" {
		t.Fatalf("volume under --volumepath: %q", got)
	}
}

// df counts images, containers and volumes as Podman does; prune removes
// what is unused and says so; reset leaves nothing, and nothing running.
func TestSystemDfPruneReset(t *testing.T) {
	e := newEnv(t)
	img := registry + "/busybox:latest"
	e.roostOK("run", "-v", "/myvol1", "--name", "c1", img, "true")
	e.roostOK("run", "-d", "-v", "/myvol2", "--name", "c2", img, "sleep", "600")
	lines := strings.Split(strings.TrimSpace(e.roostOK("system", "df", "--format", "{{.Type}}:{{.Total}}:{{.Active}}")), "\n")
	if strings.Join(lines, ",") != "Images:1:1,Containers:2:1,Local Volumes:2:2" {
		t.Fatalf("df: %q", lines)
	}
	table := e.roostOK("system", "df")
	if !strings.HasPrefix(table, "TYPE ") || !strings.Contains(table, "RECLAIMABLE") || !strings.Contains(table, "\nLocal Volumes ") {
		t.Fatalf("df table:\n%s", table)
	}
	// The lines as bats counts them (blank ones left out), as Podman's test reads them.
	var v []string
	for _, l := range strings.Split(e.roostOK("system", "df", "-v"), "\n") {
		if l != "" {
			v = append(v, l)
		}
	}
	if len(v) != 11 || v[0] != "Images space usage:" || !strings.HasPrefix(v[1], "REPOSITORY ") ||
		!regexp.MustCompile(`^`+registry+`/busybox +latest +[0-9a-f]{12} .* 2$`).MatchString(v[2]) ||
		v[3] != "Containers space usage:" || !regexp.MustCompile(`^[0-9a-f]{12} +[0-9a-f]{12} .* 1 .* c[12]$`).MatchString(v[6]) ||
		v[7] != "Local Volumes space usage:" || !regexp.MustCompile(`^[0-9a-f]{64} +1 +0B$`).MatchString(v[10]) {
		t.Fatalf("df -v:\n%s", strings.Join(v, "\n"))
	}
	e.roostOK("network", "create", "unused-net")
	out := e.roostOK("system", "prune", "-f", "--volumes")
	for _, want := range []string{"Deleted Containers\n", "Deleted Volumes\n", "Deleted Networks\nunused-net\n", "Total reclaimed space: "} {
		if !strings.Contains(out, want) {
			t.Fatalf("prune lacks %q:\n%s", want, out)
		}
	}
	if got := e.roostLine("ps", "-a", "--format", "{{.Names}}"); got != "c2" {
		t.Fatalf("after prune: %q", got)
	}
	// Without -f it asks; no answer is no.
	if r := e.runInput(strings.NewReader("n\n"), filepath.Join(binDir, "roost"), "system", "reset"); r.Code != 0 || !strings.Contains(r.Stdout, "Are you sure you want to continue? [y/N]") {
		t.Fatalf("reset without -f: %s", r)
	}
	if got := e.roostLine("ps", "-a", "--format", "{{.Names}}"); got != "c2" {
		t.Fatalf("a refused reset removed something: %q", got)
	}
	holder := e.holderPid()
	e.roostOK("system", "reset", "-f")
	if holder > 0 && processRuns(holder) {
		t.Fatalf("the namespace holder %d still runs after reset", holder)
	}
	if got := e.roostOK("ps", "-a", "--format", "{{.Names}}") + e.roostOK("images", "-q") + e.roostOK("volume", "ls", "-q"); got != "" {
		t.Fatalf("after reset: %q", got)
	}
	if got := e.roostLine("network", "ls", "--format", "{{.Name}}"); got != "podman" {
		t.Fatalf("networks after reset: %q", got)
	}
}
