package systemd

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func testOptions() *Options {
	return &Options{RestartPolicy: "on-failure", ContainerPrefix: "container", PodPrefix: "pod",
		Separator: "-", Roost: []string{"/usr/bin/roost"}, Rootless: true, NoHeader: true}
}

func TestNewUnitRunsTheCreateCommandAgain(t *testing.T) {
	o := testOptions()
	o.New = true
	u, err := ContainerUnit(Container{ID: "abc", Name: "web", StopTimeout: 5, CreateArgs: []string{
		"--name=old", "--detach=true", "--env=A=b c", "--label=" + UnitLabel + "=x.service", "--restart=always",
		"img:1", "sh", "-c", "echo $HOME 100% --name=kept",
	}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "container-web.service" {
		t.Fatalf("name %s", u.Name)
	}
	want := `ExecStart=/usr/bin/roost run --name=web --replace --rm --detach --sdnotify=conmon "--env=A=b c" --label=io.roost.systemd.unit=%n img:1 sh -c "echo $$HOME 100%% --name=kept"`
	if !strings.Contains(u.Content, want+"\n") {
		t.Fatalf("unit:\n%s\nwant line:\n%s", u.Content, want)
	}
	for _, line := range []string{"Type=notify", "NotifyAccess=all", "TimeoutStopSec=65", "ExecStopPost=-/usr/bin/roost rm --force --ignore web", "WantedBy=default.target"} {
		if !strings.Contains(u.Content, line+"\n") {
			t.Fatalf("unit lacks %q:\n%s", line, u.Content)
		}
	}
	if strings.Contains(u.Content, "network-online") {
		t.Fatal("a user unit wants network-online.target, which user managers lack")
	}
}

func TestNewUnitNeedsACreateCommand(t *testing.T) {
	o := testOptions()
	o.New = true
	if _, err := ContainerUnit(Container{ID: "abc", Name: "web"}, o); err == nil || !strings.Contains(err.Error(), "without --new") {
		t.Fatalf("err = %v", err)
	}
	o.RestartPolicy = "sometimes"
	if _, err := ContainerUnit(Container{ID: "abc", Name: "web", CreateArgs: []string{"img"}}, o); err == nil || !strings.Contains(err.Error(), "--restart-policy") {
		t.Fatalf("err = %v", err)
	}
}

func TestSplitWords(t *testing.T) {
	got, err := SplitWords(`sh -c "echo \"hi\" there" 'a b' c\ d`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sh", "-c", `echo "hi" there`, "a b", "c d"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
	if _, err := SplitWords(`"open`); err == nil {
		t.Fatal("an unterminated quote passed")
	}
}

func TestQuadletContainer(t *testing.T) {
	src := "[Unit]\nDescription=mine\n\n[Container]\nImage=img\nExec=sleep 1\nFoo=bar\nLabel=a=b \"c=d e\"\nAutoUpdate=local\nHealthCmd=true\n\n[Service]\nRestart=always\n\n[Install]\nWantedBy=default.target multi-user.target\n"
	g, err := ConvertQuadlet("/q/web.container", []byte(src), []string{"/usr/bin/roost"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Unit.Name != "web.service" || !reflect.DeepEqual(g.WantedBy, []string{"default.target", "multi-user.target"}) {
		t.Fatalf("%+v", g)
	}
	if len(g.Warnings) != 2 || !strings.Contains(g.Warnings[0], "/q/web.container:7: unknown key Foo") {
		t.Fatalf("warnings %q", g.Warnings)
	}
	for _, line := range []string{
		`ExecStart=/usr/bin/roost run --name=systemd-%N --replace --rm --detach --sdnotify=conmon --label=io.roost.systemd.unit=%n --label=a=b "--label=c=d e" --label=io.containers.autoupdate=local img sleep 1`,
		"Description=mine", "Restart=always",
	} {
		if !strings.Contains(g.Unit.Content, line+"\n") {
			t.Fatalf("unit lacks %q:\n%s", line, g.Unit.Content)
		}
	}
	if strings.Count(g.Unit.Content, "Description=") != 1 {
		t.Fatalf("two descriptions:\n%s", g.Unit.Content)
	}
}

func TestQuadletInvalidValues(t *testing.T) {
	for src, want := range map[string]string{
		"[Container]\nExec=true\n":                   "no Image=",
		"[Container]\nImage=i\nNotify=maybe\n":       ":3: Notify=maybe: not a boolean",
		"[Container]\nImage=i\nAutoUpdate=often\n":   ":3: AutoUpdate=often",
		"[Container]\nImage=i\nNetwork=gone.network": "gone.network, which cannot be read",
		"Image=i\n":                                   ":1: \"Image=i\" comes before any [Section]",
		"[Container]\nImage=i\nExec=\"open\n":         "unterminated quote",
		"[Container]\nImage=i\nSecret=pw,type=file\n": ":3: Secret=pw,type=file: type file is invalid",
	} {
		_, err := ConvertQuadlet("/nonexistent/x.container", []byte(src), []string{"/r"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
}

// TestQuadletSecret: each Secret= becomes one --secret with its options,
// as Podman's Quadlet passes them.
func TestQuadletSecret(t *testing.T) {
	src := "[Container]\nImage=img\nSecret=pw\nSecret=tok,type=env,target=TOKEN\n"
	g, err := ConvertQuadlet("/q/app.container", []byte(src), []string{"/usr/bin/roost"})
	if err != nil {
		t.Fatal(err)
	}
	want := `--secret=pw --secret=tok,type=env,target=TOKEN img`
	if !strings.Contains(g.Unit.Content, want+"\n") || len(g.Warnings) != 0 {
		t.Fatalf("unit lacks %q (warnings %q):\n%s", want, g.Warnings, g.Unit.Content)
	}
}

func TestQuadletNetworkAndVolume(t *testing.T) {
	g, err := ConvertQuadlet("/q/n.network", []byte("[Network]\nSubnet=10.89.5.0/24\nInternal=yes\n"), []string{"/r"})
	if err != nil || g.Unit.Name != "n-network.service" || !strings.Contains(g.Unit.Content, "ExecStart=/r network create --ignore --subnet=10.89.5.0/24 --internal systemd-n\n") {
		t.Fatalf("%v\n%s", err, g.Unit.Content)
	}
	g, err = ConvertQuadlet("/q/v.volume", []byte("[Volume]\nVolumeName=data\nType=tmpfs\n"), []string{"/r"})
	if err != nil || g.Unit.Name != "v-volume.service" || !strings.Contains(g.Unit.Content, "ExecStart=/r volume create --ignore --opt=type=tmpfs data\n") {
		t.Fatalf("%v\n%s", err, g.Unit.Content)
	}
}

func TestPodUnits(t *testing.T) {
	o := testOptions()
	o.UseName = true
	units, err := PodUnits(Pod{ID: "p1", Name: "pod1", InfraID: "infra1", Members: []Container{
		{ID: "c1", Name: "web", StopTimeout: 3},
	}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 2 || units[0].Name != "pod-pod1.service" || units[1].Name != "container-web.service" {
		t.Fatalf("%+v", units)
	}
	for _, line := range []string{"Wants=container-web.service", "Before=container-web.service", "Type=notify", "ExecStart=/usr/bin/roost start infra1", "ExecStop=-/usr/bin/roost pod stop --ignore --time=10 pod1"} {
		if !strings.Contains(units[0].Content, line+"\n") {
			t.Fatalf("pod unit lacks %q:\n%s", line, units[0].Content)
		}
	}
	for _, line := range []string{"BindsTo=pod-pod1.service", "After=pod-pod1.service", "Type=notify", "ExecStart=/usr/bin/roost start web", "ExecStop=-/usr/bin/roost stop --time=3 web"} {
		if !strings.Contains(units[1].Content, line+"\n") {
			t.Fatalf("member unit lacks %q:\n%s", line, units[1].Content)
		}
	}
	if _, err := PodUnits(Pod{ID: "p", Name: "noinfra"}, o); err == nil || !strings.Contains(err.Error(), "infra") {
		t.Fatalf("err = %v", err)
	}
}

// TestPodUnitsNew: with --new the pod unit makes the pod (recorded flags,
// a known infra name) and removes it; members are made in it by name.
func TestPodUnitsNew(t *testing.T) {
	o := testOptions()
	o.New = true
	units, err := PodUnits(Pod{ID: "p1", Name: "pod1", InfraID: "infra1",
		CreateArgs: []string{"--name=old", "--label=a=b", "--publish=8080:80", "--replace=true"},
		Members: []Container{{ID: "c1", Name: "web", StopTimeout: 3,
			CreateArgs: []string{"--pod=pod1", "--env=A=1", "busybox", "httpd"}}}}, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"ExecStartPre=/usr/bin/roost pod create --name=pod1 --replace --infra-name=pod1-infra --label=a=b --publish=8080:80",
		"ExecStart=/usr/bin/roost start pod1-infra",
		"ExecStop=-/usr/bin/roost pod stop --ignore --time=10 pod1",
		"ExecStopPost=-/usr/bin/roost pod rm --ignore --force pod1",
	} {
		if !strings.Contains(units[0].Content, line+"\n") {
			t.Fatalf("pod unit lacks %q:\n%s", line, units[0].Content)
		}
	}
	for _, line := range []string{"BindsTo=pod-pod1.service", "After=pod-pod1.service",
		"ExecStart=/usr/bin/roost run --name=web --replace --rm --detach --sdnotify=conmon --pod=pod1 --env=A=1 --label=io.roost.systemd.unit=%n busybox httpd",
		"ExecStopPost=-/usr/bin/roost rm --force --ignore web"} {
		if !strings.Contains(units[1].Content, line+"\n") {
			t.Fatalf("member unit lacks %q:\n%s", line, units[1].Content)
		}
	}
}

// TestParseFileAsSystemd: continued lines join with a space, comment lines
// inside a continuation are dropped (systemd.syntax(7)), a comment ending
// in a backslash continues nothing, and every entry keeps its first line.
func TestParseFileAsSystemd(t *testing.T) {
	src := "# head \\\n[Container]\nExec=sh -c \\\n  # dropped\n; dropped too\n  \"echo a\"\nImage=i\n"
	f, err := ParseFile("/q/x.container", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := f.Section("Container").Entries
	want := []Entry{{Key: "Exec", Value: `sh -c  "echo a"`, Line: 3}, {Key: "Image", Value: "i", Line: 7}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if _, err := ParseFile("/q/x.container", []byte("[Container]\nImage=i\nno value here\n")); err == nil || !strings.Contains(err.Error(), "/q/x.container:3:") {
		t.Fatalf("err = %v, want file:line", err)
	}
}

func TestTemplateUnitNamesEachInstancesContainer(t *testing.T) {
	o := testOptions()
	o.New, o.Template = true, true
	o.Env = []string{"A=1", "B=two words", "C=50%"}
	u, err := ContainerUnit(Container{ID: "abc", Name: "web", StopTimeout: 5, CreateArgs: []string{"img:1", "top"}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "container-web@.service" {
		t.Fatalf("name %s", u.Name)
	}
	for _, line := range []string{
		"ExecStart=/usr/bin/roost run --name=web-%i --replace --rm --detach --sdnotify=conmon --label=io.roost.systemd.unit=%n img:1 top",
		"ExecStop=-/usr/bin/roost stop --time=5 web-%i",
		"ExecStopPost=-/usr/bin/roost rm --force --ignore web-%i",
		"Environment=A=1", `Environment="B=two words"`, "Environment=C=50%%",
	} {
		if !strings.Contains(u.Content, line+"\n") {
			t.Fatalf("unit lacks %q:\n%s", line, u.Content)
		}
	}
}

func TestTemplateAndEnvRefusals(t *testing.T) {
	o := testOptions()
	o.Template = true
	if _, err := ContainerUnit(Container{ID: "abc", Name: "web", CreateArgs: []string{"img"}}, o); err == nil || !strings.Contains(err.Error(), "--template cannot be set with --new=false") {
		t.Fatalf("template without new: err = %v", err)
	}
	o.New = true
	if _, err := PodUnits(Pod{ID: "p", Name: "p", InfraID: "i"}, o); err == nil || !strings.Contains(err.Error(), "--template is not supported for pods") {
		t.Fatalf("pod template: err = %v", err)
	}
	o.Template = false
	for _, bad := range []string{"NOEQUALS", "=v", "A=line\nbreak"} {
		o.Env = []string{bad}
		if _, err := ContainerUnit(Container{ID: "abc", Name: "web", CreateArgs: []string{"img"}}, o); err == nil || !strings.Contains(err.Error(), "invalid --env") {
			t.Fatalf("env %q: err = %v", bad, err)
		}
	}
}

func TestRestartPolicyFollowsTheContainer(t *testing.T) {
	cases := []struct {
		restart string
		retries int
		flag    string
		want    []string
	}{
		{"always", 0, "", []string{"Restart=always"}},
		{"unless-stopped", 0, "", []string{"Restart=always"}},
		{"on-failure", 42, "", []string{"Restart=on-failure", "StartLimitBurst=42"}},
		{"", 0, "", []string{"Restart=on-failure"}},
		{"always", 0, "on-failure", []string{"Restart=on-failure"}},
	}
	for _, c := range cases {
		o := testOptions()
		o.New, o.RestartPolicy = true, c.flag
		u, err := ContainerUnit(Container{ID: "abc", Name: "web", CreateArgs: []string{"img"}, Restart: c.restart, RestartRetries: c.retries}, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range c.want {
			if !strings.Contains(u.Content, line+"\n") {
				t.Errorf("%s %q: unit lacks %q:\n%s", c.restart, c.flag, line, u.Content)
			}
		}
	}
	o := testOptions()
	if w := RestartWarning(Container{ID: "abc", Restart: "always"}, o); !strings.Contains(w, `Container abc has restart policy "always" which can lead to issues on shutdown`) {
		t.Errorf("warning %q", w)
	}
	o.New = true
	if w := RestartWarning(Container{ID: "abc", Restart: "always"}, o); w != "" {
		t.Errorf("--new unit warned: %q", w)
	}
}

// FuzzEnvLine: any -e value Validate accepts becomes exactly one
// Environment= line, and the unit keeps its other lines.
func FuzzEnvLine(f *testing.F) {
	for _, s := range []string{"A=1", "B=two words", `C="q"`, "D=50%", "E=a\\b", "=x", "F", "G=\x00", "H=line\nbreak"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, kv string) {
		o := testOptions()
		o.New, o.Env = true, []string{kv}
		u, err := ContainerUnit(Container{ID: "abc", Name: "web", CreateArgs: []string{"img"}}, o)
		if err != nil {
			return
		}
		if n := strings.Count(u.Content, "\nEnvironment="); n != 1 {
			t.Fatalf("-e %q gave %d Environment= lines:\n%s", kv, n, u.Content)
		}
		if !strings.Contains(u.Content, "\nExecStart=") || !strings.Contains(u.Content, "\nType=notify\n") {
			t.Fatalf("-e %q broke the unit:\n%s", kv, u.Content)
		}
	})
}

// TestQuadletBuild: a .build file is a oneshot `roost build` in its
// context; a .container naming it runs its ImageTag after its unit.
func TestQuadletBuild(t *testing.T) {
	dir := t.TempDir()
	src := "[Build]\nImageTag=localhost/app:1\nImageTag=localhost/app:latest\nFile=Containerfile\nSetWorkingDirectory=unit\nArg=A=1 \"B=2 3\"\nTarget=final\nPull=never\nForceRM=yes\nFoo=bar\n"
	os.WriteFile(filepath.Join(dir, "app.build"), []byte(src), 0o644)
	g, err := ConvertFile(filepath.Join(dir, "app.build"), []string{"/r"})
	if err != nil {
		t.Fatal(err)
	}
	want := `ExecStart=/r build --tag=localhost/app:1 --tag=localhost/app:latest --file=Containerfile --build-arg=A=1 "--build-arg=B=2 3" --target=final --pull=never --force-rm ` + dir + "\n"
	if g.Unit.Name != "app-build.service" || !strings.Contains(g.Unit.Content, want) ||
		!strings.Contains(g.Unit.Content, "Type=oneshot\n") || !strings.Contains(g.Unit.Content, "WorkingDirectory="+dir+"\n") {
		t.Fatalf("unit lacks %q:\n%s", want, g.Unit.Content)
	}
	if len(g.Warnings) != 1 || !strings.Contains(g.Warnings[0], ":10: unknown key Foo in [Build]") {
		t.Fatalf("warnings %q", g.Warnings)
	}
	os.WriteFile(filepath.Join(dir, "web.container"), []byte("[Container]\nImage=app.build\n"), 0o644)
	g, err = ConvertFile(filepath.Join(dir, "web.container"), []string{"/r"})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"Requires=app-build.service\n", "After=app-build.service\n", " localhost/app:1\n"} {
		if !strings.Contains(g.Unit.Content, line) {
			t.Fatalf("unit lacks %q:\n%s", line, g.Unit.Content)
		}
	}
	for src, want := range map[string]string{
		"[Build]\nSetWorkingDirectory=/ctx\n":                          "no ImageTag=",
		"[Build]\nImageTag=x\n":                                        "no SetWorkingDirectory= or File=",
		"[Build]\nImageTag=x\nSetWorkingDirectory=file\n":              "SetWorkingDirectory=file needs File=",
		"[Build]\nImageTag=x\nSetWorkingDirectory=/c\nForceRM=maybe\n": ":4: ForceRM=maybe: not a boolean",
	} {
		if _, err := ConvertQuadlet("/q/bad.build", []byte(src), []string{"/r"}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", src, err, want)
		}
	}
}

func TestQuadletKube(t *testing.T) {
	dir := t.TempDir()
	src := "[Kube]\nYaml=web.yaml\nConfigMap=/etc/cm.yaml\nNetwork=kn\nPublishPort=8080:80\nLogDriver=none\nFoo=1\nSetWorkingDirectory=yaml\n[Install]\nWantedBy=default.target\n"
	os.WriteFile(filepath.Join(dir, "web.kube"), []byte(src), 0o644)
	g, err := ConvertFile(filepath.Join(dir, "web.kube"), []string{"/r"})
	if err != nil {
		t.Fatal(err)
	}
	y := filepath.Join(dir, "web.yaml")
	for _, want := range []string{
		"ExecStart=/r kube play --replace --configmap=/etc/cm.yaml --network=kn --publish=8080:80 --log-driver=none " + y + "\n",
		"ExecStop=/r kube down " + y + "\n", "Type=oneshot\n", "RemainAfterExit=yes\n", "WorkingDirectory=" + dir + "\n",
	} {
		if g.Unit.Name != "web.service" || !strings.Contains(g.Unit.Content, want) {
			t.Fatalf("unit %s lacks %q:\n%s", g.Unit.Name, want, g.Unit.Content)
		}
	}
	if len(g.Warnings) != 1 || !strings.Contains(g.Warnings[0], ":7: unknown key Foo in [Kube]") {
		t.Fatalf("warnings %q", g.Warnings)
	}
	if _, err := ConvertQuadlet("/q/bad.kube", []byte("[Kube]\nNetwork=x\n"), []string{"/r"}); err == nil || !strings.Contains(err.Error(), "no Yaml=") {
		t.Fatalf("no Yaml=: %v", err)
	}
}
