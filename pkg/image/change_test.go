package image

import (
	"reflect"
	"strings"
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// applied parses the changes and applies them to a busybox-like config.
func applied(t *testing.T, changes ...string) ConfigEdit {
	t.Helper()
	cs, err := ParseChanges(changes)
	if err != nil {
		t.Fatalf("ParseChanges(%q): %v", changes, err)
	}
	e := ConfigEdit{Config: imgspecv1.ImageConfig{
		Env:        []string{"PATH=/bin", "HOME=/root"},
		Cmd:        []string{"sh"},
		WorkingDir: "/srv",
		Labels:     map[string]string{"base": "yes"},
	}}
	Apply(cs, &e)
	return e
}

func TestChangeCommandForms(t *testing.T) {
	for _, tc := range []struct {
		change string
		cmd    []string
		entry  []string
	}{
		{`CMD ["/bin/echo", "hi there"]`, []string{"/bin/echo", "hi there"}, nil},
		{`CMD echo "hi there"`, []string{"/bin/sh", "-c", `echo "hi there"`}, nil},
		{`cmd=echo hi`, []string{"/bin/sh", "-c", "echo hi"}, nil},
		{`CMD [not json`, []string{"/bin/sh", "-c", "[not json"}, nil},
		{`CMD []`, []string{}, nil},
		{`ENTRYPOINT ["/bin/cat"]`, []string{"sh"}, []string{"/bin/cat"}},
		{`ENTRYPOINT exec top -b`, []string{"sh"}, []string{"/bin/sh", "-c", "exec top -b"}},
	} {
		e := applied(t, tc.change)
		if !reflect.DeepEqual(e.Config.Cmd, tc.cmd) || !reflect.DeepEqual(e.Config.Entrypoint, tc.entry) {
			t.Errorf("%s: Cmd %q Entrypoint %q, want %q %q", tc.change, e.Config.Cmd, e.Config.Entrypoint, tc.cmd, tc.entry)
		}
	}
}

func TestChangeEnvReplacesAndAppends(t *testing.T) {
	e := applied(t, `ENV HOME=/home/x NEW="two words" ESC=a\ b`, "ENV OLD old style value", "env PATH=/usr/bin")
	want := []string{"PATH=/usr/bin", "HOME=/home/x", "NEW=two words", "ESC=a b", "OLD=old style value"}
	if !reflect.DeepEqual(e.Config.Env, want) {
		t.Fatalf("Env %q, want %q", e.Config.Env, want)
	}
}

func TestChangeLabelExposeVolume(t *testing.T) {
	e := applied(t, `LABEL a=1 "b c"=2`, "EXPOSE 80 53/UDP 9000/sctp", "EXPOSE 80/tcp", `VOLUME ["/data", "/logs/"]`, "VOLUME /cache")
	if want := map[string]string{"base": "yes", "a": "1", "b c": "2"}; !reflect.DeepEqual(e.Config.Labels, want) {
		t.Errorf("Labels %v, want %v", e.Config.Labels, want)
	}
	if want := map[string]struct{}{"80/tcp": {}, "53/udp": {}, "9000/sctp": {}}; !reflect.DeepEqual(e.Config.ExposedPorts, want) {
		t.Errorf("ExposedPorts %v, want %v", e.Config.ExposedPorts, want)
	}
	if want := map[string]struct{}{"/data": {}, "/logs": {}, "/cache": {}}; !reflect.DeepEqual(e.Config.Volumes, want) {
		t.Errorf("Volumes %v, want %v", e.Config.Volumes, want)
	}
}

func TestChangeUserWorkdirStopSignalOnBuild(t *testing.T) {
	e := applied(t, "USER 1000:1000", "WORKDIR sub/dir", "STOPSIGNAL SIGINT", "ONBUILD RUN make", "ONBUILD COPY . /src")
	if e.Config.User != "1000:1000" || e.Config.WorkingDir != "/srv/sub/dir" || e.Config.StopSignal != "SIGINT" {
		t.Errorf("User %q WorkingDir %q StopSignal %q", e.Config.User, e.Config.WorkingDir, e.Config.StopSignal)
	}
	if want := []string{"RUN make", "COPY . /src"}; !reflect.DeepEqual(e.OnBuild, want) {
		t.Errorf("OnBuild %q, want %q", e.OnBuild, want)
	}
	if e := applied(t, "WORKDIR /a/../b/"); e.Config.WorkingDir != "/b" {
		t.Errorf("absolute WORKDIR: %q", e.Config.WorkingDir)
	}
	if e := applied(t, "STOPSIGNAL 9"); e.Config.StopSignal != "9" {
		t.Errorf("numeric STOPSIGNAL: %q", e.Config.StopSignal)
	}
}

// Later changes win, in the order given, as Dockerfile lines do.
func TestChangesApplyInOrder(t *testing.T) {
	e := applied(t, "CMD first", "USER a", "CMD [\"second\"]", "USER b")
	if !reflect.DeepEqual(e.Config.Cmd, []string{"second"}) || e.Config.User != "b" {
		t.Fatalf("Cmd %q User %q", e.Config.Cmd, e.Config.User)
	}
}

// The base config is not modified through shared slices or maps.
func TestChangeLeavesBaseAlone(t *testing.T) {
	base := imgspecv1.ImageConfig{Env: []string{"A=1"}, Labels: map[string]string{"l": "1"}}
	cs, err := ParseChanges([]string{"ENV A=2", "LABEL l=2"})
	if err != nil {
		t.Fatal(err)
	}
	e := ConfigEdit{Config: base}
	Apply(cs, &e)
	if base.Env[0] != "A=1" || base.Labels["l"] != "1" {
		t.Fatalf("base changed: %v %v", base.Env, base.Labels)
	}
}

func TestBadChangesSayWhatIsWrong(t *testing.T) {
	for change, want := range map[string]string{
		"":                         "empty instruction",
		"   ":                      "empty instruction",
		"RUN make":                 "unknown instruction RUN",
		"FROM busybox":             "unknown instruction FROM",
		"CMD":                      "CMD: needs a command",
		"ENV":                      "ENV: needs KEY=VALUE",
		"ENV FOO":                  `"FOO" has no value`,
		"ENV A=1 B":                `"B" is not KEY=VALUE`,
		"ENV =x":                   `"=x" is not KEY=VALUE`,
		`ENV A="open`:              "unterminated quote",
		"LABEL":                    "LABEL: needs KEY=VALUE",
		"EXPOSE":                   "EXPOSE: needs a port",
		"EXPOSE 0":                 "from 1 to 65535",
		"EXPOSE 70000":             "from 1 to 65535",
		"EXPOSE http":              "from 1 to 65535",
		"EXPOSE 80/icmp":           "protocol must be tcp, udp or sctp",
		"USER":                     "USER: needs one USER[:GROUP]",
		"USER a b":                 "USER: needs one USER[:GROUP]",
		"VOLUME":                   "VOLUME: needs a path",
		"VOLUME relative":          "must be an absolute path",
		`VOLUME ["/ok", "rel"]`:    "must be an absolute path",
		`VOLUME ["/ok"`:            "not a JSON array",
		"WORKDIR":                  "WORKDIR: needs a directory",
		"STOPSIGNAL":               "STOPSIGNAL",
		"STOPSIGNAL SIGNOPE":       "STOPSIGNAL",
		"STOPSIGNAL 99":            "STOPSIGNAL",
		"ONBUILD":                  "ONBUILD: needs an instruction",
		"ENTRYPOINT":               "ENTRYPOINT: needs a command",
		"HEALTHCHECK CMD true":     "unknown instruction HEALTHCHECK",
		"MAINTAINER someone@x.org": "unknown instruction MAINTAINER",
	} {
		_, err := ParseChanges([]string{"CMD fine", change})
		if err == nil {
			t.Errorf("%q: accepted", change)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, want) || !strings.HasPrefix(msg, "invalid --change ") || strings.Contains(msg, "\n") {
			t.Errorf("%q: error %q, want one line naming the change and containing %q", change, msg, want)
		}
	}
}

func TestCommitWarningsForOnBuildInOCI(t *testing.T) {
	cs, err := ParseChanges([]string{"ONBUILD RUN make", "CMD x"})
	if err != nil {
		t.Fatal(err)
	}
	if w := CommitWarnings(FormatOCI, cs); len(w) != 1 || !strings.Contains(w[0], "ONBUILD RUN make") {
		t.Errorf("oci: %q", w)
	}
	if w := CommitWarnings(FormatDocker, cs); len(w) != 0 {
		t.Errorf("docker: %q", w)
	}
}
