package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// buildFile is a multi-stage Containerfile with an ARG before FROM, COPY
// --from with --chown, a non-root USER, a HEALTHCHECK and an exec-form
// ENTRYPOINT.
const buildFile = `ARG BASE=` + busybox + `
FROM $BASE AS builder
ARG GREETING=hello
RUN mkdir -p /out && echo "$GREETING" > /out/greeting
COPY app.txt /out/
FROM $BASE
COPY --from=builder --chown=1234:2345 /out /srv/
COPY keep.txt /srv/
ENV MODE=prod
WORKDIR /srv
USER 1234
EXPOSE 8080
LABEL org.example.k=v
STOPSIGNAL SIGINT
HEALTHCHECK --interval=30s --retries=4 CMD ["/bin/true"]
ENTRYPOINT ["/bin/cat"]
CMD ["greeting"]
`

// buildContext writes a context under the test user's home and returns
// its path (relative paths in files are under it).
func buildContext(e *env, files map[string]string) string {
	e.t.Helper()
	dir := "ctx" + strings.ReplaceAll(e.t.Name(), "/", "-")
	for name, content := range files {
		e.writeFile(filepath.Join(dir, name), content)
	}
	return filepath.Join(e.Home, dir)
}

var stepLine = regexp.MustCompile(`(?m)^(\[\d+/\d+\] )?STEP \d+/\d+: (.*)$`)

// stepsRun lists the instructions of a build's output that ran (not
// served from the cache).
func stepsRun(out string) []string {
	var ran []string
	parts := stepLine.FindAllStringSubmatchIndex(out, -1)
	for i, m := range parts {
		end := len(out)
		if i+1 < len(parts) {
			end = parts[i+1][0]
		}
		body := out[m[1]:end]
		instr := out[m[4]:m[5]]
		if strings.HasPrefix(instr, "FROM ") || strings.HasPrefix(instr, "ARG ") {
			continue
		}
		if !strings.Contains(body, "--> Using cache ") {
			ran = append(ran, instr)
		}
	}
	return ran
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestBuildMultiStageConfigFilesAndCache(t *testing.T) {
	e := pulled(t)
	ctx := buildContext(e, map[string]string{
		"Containerfile": buildFile, "app.txt": "v1\n", "keep.txt": "keep\n",
		"secret.txt": "not in the image\n", ".dockerignore": "secret.txt\n",
	})
	out := e.roostOK("build", "--format", "docker", "-t", "built", ctx)
	id := lastLine(out)
	if !fullID.MatchString(id) || !strings.Contains(out, "Successfully tagged localhost/built:latest") {
		t.Fatalf("build output:\n%s", out)
	}
	if got := e.roostLine("image", "inspect", "--format", "{{.ID}}", "built"); got != id {
		t.Fatalf("built is %s, the build printed %s", got, id)
	}
	var cfgs []struct {
		Config struct {
			User         string
			Env          []string
			WorkingDir   string
			Entrypoint   []string
			Cmd          []string
			Labels       map[string]string
			ExposedPorts map[string]struct{}
			StopSignal   string
		}
		HealthCheck struct {
			Test     []string
			Interval int64
			Retries  int
		}
	}
	raw := e.roostOK("image", "inspect", "built")
	if err := json.Unmarshal([]byte(raw), &cfgs); err != nil || len(cfgs) != 1 {
		t.Fatalf("inspect: %v\n%s", err, raw)
	}
	cfg := cfgs[0]
	c := cfg.Config
	checks := []struct{ what, got, want string }{
		{"User", c.User, "1234"},
		{"Env", strings.Join(c.Env, " "), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin MODE=prod"},
		{"WorkingDir", c.WorkingDir, "/srv"},
		{"Entrypoint", strings.Join(c.Entrypoint, " "), "/bin/cat"},
		{"Cmd", strings.Join(c.Cmd, " "), "greeting"},
		{"Label", c.Labels["org.example.k"], "v"},
		{"StopSignal", c.StopSignal, "SIGINT"},
		{"Healthcheck", strings.Join(cfg.HealthCheck.Test, " "), "CMD /bin/true"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %q, want %q", ch.what, ch.got, ch.want)
		}
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok || len(c.ExposedPorts) != 1 {
		t.Errorf("ExposedPorts: %v", c.ExposedPorts)
	}
	if cfg.HealthCheck.Interval != 30e9 || cfg.HealthCheck.Retries != 4 {
		t.Errorf("HealthCheck: %+v", cfg.HealthCheck)
	}
	if got := e.roostOK("run", "--rm", "built"); got != "hello\n" {
		t.Errorf("run built: %q, want the greeting", got)
	}
	files := e.roostOK("run", "--rm", "--entrypoint", "", "built", "sh", "-c", "id -u; stat -c '%n %u:%g %s' /srv/greeting /srv/app.txt /srv/keep.txt; ls /srv")
	want := "1234\n/srv/greeting 1234:2345 6\n/srv/app.txt 1234:2345 3\n/srv/keep.txt 0:0 5\napp.txt\ngreeting\nkeep.txt\n"
	if files != want {
		t.Errorf("files in the image:\n%s\nwant:\n%s", files, want)
	}

	// Unchanged: the same image, every step from the cache.
	again := e.roostOK("build", "--format", "docker", "-t", "built", ctx)
	if lastLine(again) != id {
		t.Fatalf("unchanged rebuild made %s, want %s:\n%s", lastLine(again), id, again)
	}
	if ran := stepsRun(again); len(ran) != 0 {
		t.Fatalf("unchanged rebuild ran %q:\n%s", ran, again)
	}
	// An ignored file changes nothing.
	e.writeFile(filepath.Join(filepath.Base(ctx), "secret.txt"), "changed, still ignored\n")
	if got := lastLine(e.roostOK("build", "--format", "docker", "-q", "-t", "built", ctx)); got != id {
		t.Fatalf("changing an ignored file changed the image: %s, want %s", got, id)
	}
	// keep.txt changed: only the steps from its COPY on run.
	e.writeFile(filepath.Join(filepath.Base(ctx), "keep.txt"), "changed\n")
	changed := e.roostOK("build", "--format", "docker", "-t", "built", ctx)
	ran := stepsRun(changed)
	if len(ran) == 0 || ran[0] != "COPY keep.txt /srv/" || len(ran) != 10 || lastLine(changed) == id {
		t.Fatalf("after changing keep.txt these steps ran: %q\n%s", ran, changed)
	}
	if got := e.roostOK("run", "--rm", "--user", "0", "--entrypoint", "", "built", "cat", "/srv/keep.txt"); got != "changed\n" {
		t.Errorf("keep.txt in the rebuilt image: %q", got)
	}
	if r := e.roost("run", "--rm", "--entrypoint", "", "built", "ls", "/srv/secret.txt"); r.Code == 0 {
		t.Errorf("the ignored file is in the image")
	}
	// Intermediate images are hidden by images, shown by images -a: busybox,
	// built, the image built had before and the builder stage's last step
	// (both dangling, as Podman lists them) are listed.
	if list := e.roostOK("images", "-q", "--no-trunc"); strings.Count(list, "\n") != 4 || !strings.Contains(list, id) {
		t.Errorf("images lists intermediates:\n%s", list)
	}
	if list := e.roostOK("images", "-a", "-q"); strings.Count(list, "\n") < 10 {
		t.Errorf("images -a lists too few:\n%s", list)
	}
}

func TestBuildFlagsTargetArgsNoCacheIIDFile(t *testing.T) {
	e := pulled(t)
	ctx := buildContext(e, map[string]string{"Containerfile": buildFile, "app.txt": "v1\n", "keep.txt": "k\n"})
	iid := filepath.Join(e.Home, "iid")
	out := e.roostOK("build", "--target", "builder", "--build-arg", "GREETING=bonjour", "--iidfile", iid, "-t", "stage1", ctx)
	id := lastLine(out)
	data, err := os.ReadFile(iid)
	if err != nil || string(data) != "sha256:"+id {
		t.Fatalf("--iidfile holds %q (%v), want sha256:%s", data, err, id)
	}
	if strings.Contains(out, "STEP 2/11") || strings.Contains(out, "[2/2]") {
		t.Fatalf("--target builder built the last stage too:\n%s", out)
	}
	if got := e.roostOK("run", "--rm", "stage1", "cat", "/out/greeting", "/out/app.txt"); got != "bonjour\nv1\n" {
		t.Errorf("--build-arg: the stage has %q", got)
	}
	nc := e.roostOK("build", "--no-cache", "--target", "builder", "--build-arg", "GREETING=bonjour", ctx)
	if strings.Contains(nc, "Using cache") || len(stepsRun(nc)) != 2 {
		t.Fatalf("--no-cache used the cache:\n%s", nc)
	}
	// --layers=false keeps only the result.
	before := strings.Count(e.roostOK("images", "-a", "-q"), "\n")
	e.roostOK("build", "--layers=false", "--no-cache", "--target", "builder", "--build-arg", "GREETING=salut", "-t", "nolayers", ctx)
	if after := strings.Count(e.roostOK("images", "-a", "-q"), "\n"); after != before+1 {
		t.Errorf("--layers=false: %d images, then %d; want one more", before, after)
	}
}

func TestBuildContainerfileAndContextFromStdin(t *testing.T) {
	e := pulled(t)
	ctx := buildContext(e, map[string]string{"data.txt": "from the context\n"})
	file := "FROM " + busybox + "\nCOPY data.txt /data.txt\nCMD [\"cat\", \"/data.txt\"]\n"
	r := e.runInput(strings.NewReader(file), filepath.Join(binDir, "roost"), "build", "-f", "-", "-t", "fromstdin", ctx)
	if r.Code != 0 {
		t.Fatalf("build -f -: %s", r)
	}
	if got := e.roostOK("run", "--rm", "fromstdin"); got != "from the context\n" {
		t.Fatalf("build -f -: run printed %q", got)
	}
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	for name, content := range map[string]string{"Containerfile": file, "data.txt": "from a tar\n"} {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content))})
		_, _ = tw.Write([]byte(content))
	}
	_ = tw.Close()
	r = e.runInput(&tarball, filepath.Join(binDir, "roost"), "build", "-t", "fromtar", "-")
	if r.Code != 0 {
		t.Fatalf("build -: %s", r)
	}
	if got := e.roostOK("run", "--rm", "fromtar"); got != "from a tar\n" {
		t.Fatalf("build -: run printed %q", got)
	}
}

func TestBuildSecretAndCacheMount(t *testing.T) {
	e := pulled(t)
	secret := e.writeFile("token", "s3cr3t-value\n")
	ctx := buildContext(e, map[string]string{"Containerfile": "FROM " + busybox + "\n" +
		"RUN --mount=type=secret,id=tok test \"$(cat /run/secrets/tok)\" = s3cr3t-value && echo secret-ok\n" +
		"RUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log > /count\n"})
	out := e.roostOK("build", "--secret", "id=tok,src="+secret, "-t", "withsecret", ctx)
	if !strings.Contains(out, "secret-ok") {
		t.Fatalf("the RUN did not read the secret:\n%s", out)
	}
	// No layer in storage holds the secret: every file of every layer.
	layers := filepath.Join(e.Home, ".local/share/roost/storage/overlay")
	_ = filepath.WalkDir(layers, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if data, err := os.ReadFile(p); err == nil && bytes.Contains(data, []byte("s3cr3t-value")) {
			t.Errorf("the secret's content is in a layer: %s", p)
		}
		return nil
	})
	// Nor its mount point, nor the build's /etc/hosts.
	if r := e.roost("run", "--rm", "withsecret", "ls", "/run/secrets/tok"); r.Code == 0 {
		t.Error("the secret's mount point is in the image")
	}
	first := e.roostOK("run", "--rm", "withsecret", "cat", "/count")
	e.roostOK("build", "--no-cache", "--secret", "id=tok,src="+secret, "-t", "withsecret", ctx)
	second := e.roostOK("run", "--rm", "withsecret", "cat", "/count")
	if strings.TrimSpace(first) != "1" || strings.TrimSpace(second) != "2" {
		t.Fatalf("the cache mount was not kept between builds: %q then %q", first, second)
	}
}

func TestBuildBadInputLeavesNothing(t *testing.T) {
	e := pulled(t)
	before := e.roostOK("images", "-a", "-q")
	cases := []struct {
		file, want string
		code       int
	}{
		{"FROM " + busybox + "\nFOO bar\n", "Error: Containerfile:2: unknown instruction: FOO", 125},
		{"FROM " + busybox + "\nCOPY --nope a /a\n", "Error: Containerfile:2: ", 125},
		{"FROM " + busybox + "\nRUN true\nCOPY missing.txt /x\n", "Error: Containerfile:3: COPY missing.txt: no such file or directory in the build context", 125},
		{"FROM " + busybox + "\nRUN echo one > /one\nRUN exit 7\n", "Error: Containerfile:3: RUN exit 7: the command exited with status 7", 7},
	}
	for _, c := range cases {
		ctx := buildContext(e, map[string]string{"Containerfile": c.file})
		line := e.roostFails(c.code, "build", "-t", "bad", ctx)
		if !strings.HasPrefix(line, c.want) {
			t.Errorf("%q: got %q, want %q", c.file, line, c.want)
		}
		if r := e.roost("image", "exists", "bad"); r.Code == 0 {
			t.Errorf("%q: image bad exists", c.file)
		}
		if ps := e.roostOK("ps", "-a", "--external", "-q"); ps != "" {
			t.Errorf("%q: containers left: %q", c.file, ps)
		}
		if after := e.roostOK("images", "-a", "-q"); after != before {
			t.Errorf("%q: images left:\n%s\nbefore:\n%s", c.file, after, before)
		}
	}
}

func TestBuildAptGetFromDebian(t *testing.T) {
	e := newEnv(t)
	e.roostOK("pull", "-q", debian)
	ctx := buildContext(e, map[string]string{"Containerfile": "FROM " + debian + "\n" +
		"RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends jq >/dev/null && jq --version\n"})
	r := e.roost("build", "-t", "withjq", ctx)
	if r.Code != 0 {
		if strings.Contains(r.Stdout+r.Stderr, "Could not resolve") || strings.Contains(r.Stdout+r.Stderr, "Temporary failure") {
			t.Skipf("Debian's archive is not reachable from here: %s", lastLine(r.Stdout+r.Stderr))
		}
		t.Fatalf("build with apt-get: %s", r)
	}
	if got := e.roostOK("run", "--rm", "withjq", "jq", "--version"); !strings.HasPrefix(got, "jq-") {
		t.Fatalf("jq in the image: %q", got)
	}
}

func TestBuildMoreInstructions(t *testing.T) {
	e := pulled(t)
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	_ = tw.WriteHeader(&tar.Header{Name: "pkg/", Typeflag: tar.TypeDir, Mode: 0o755})
	_ = tw.WriteHeader(&tar.Header{Name: "pkg/in-tar.txt", Mode: 0o640, Size: 3, Uid: 7, Gid: 8})
	_, _ = tw.Write([]byte("tar"))
	_ = tw.Close()
	ctx := buildContext(e, map[string]string{
		"Containerfile": "FROM " + busybox + "\n" +
			"SHELL [\"/bin/sh\", \"-ec\"]\n" +
			"RUN <<EOF\necho from-heredoc > /heredoc\necho second >> /heredoc\nEOF\n" +
			"ADD files.tar /opt/\n" +
			"COPY a1.sh /opt/a1.sh\n" +
			"COPY --chmod=0751 a*.sh /bin-extra/\n" +
			"COPY --from=" + busybox + " /bin/busybox /from-image/busybox\n" +
			"VOLUME /data\n" +
			"ONBUILD RUN echo triggered > /onbuild\n",
		"a1.sh": "#!/bin/sh\n", "a2.sh": "#!/bin/sh\n",
	})
	if err := os.WriteFile(filepath.Join(ctx, "files.tar"), archive.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	e.roostOK("image", "build", "--format", "docker", "--label", "built.by=test", "-t", "more", ctx)
	got := e.roostOK("run", "--rm", "more", "sh", "-c", "cat /heredoc /opt/pkg/in-tar.txt; echo; stat -c '%n %a %u:%g' /opt/pkg/in-tar.txt /bin-extra/a1.sh /bin-extra/a2.sh")
	want := "from-heredoc\nsecond\ntar\n/opt/pkg/in-tar.txt 640 7:8\n/bin-extra/a1.sh 751 0:0\n/bin-extra/a2.sh 751 0:0\n"
	if r := e.roost("run", "--rm", "more", "cmp", "/bin/busybox", "/from-image/busybox"); r.Code != 0 {
		t.Errorf("COPY --from=IMAGE: %s", r)
	}
	if got != want {
		t.Errorf("files:\n%s\nwant:\n%s", got, want)
	}
	if got := e.roostLine("image", "inspect", "--format", "{{.Labels}} {{.Config.Volumes}}", "more"); !strings.Contains(got, "built.by:test") || !strings.Contains(got, "/data") {
		t.Errorf("labels, volumes: %s", got)
	}
	// Annotations live on an OCI manifest (the default format).
	e.roostOK("build", "-q", "--annotation", "note=hi", "-t", "annotated", ctx)
	if got := e.roostLine("image", "inspect", "--format", "{{.Annotations}}", "annotated"); !strings.Contains(got, "note:hi") {
		t.Errorf("annotations: %s", got)
	}
	// ONBUILD runs in a build FROM the image, and is not inherited further.
	e.writeFile("childctx/Containerfile", "FROM localhost/more\nRUN test -f /onbuild\n")
	child := filepath.Join(e.Home, "childctx")
	e.roostOK("build", "--format", "docker", "-t", "child", child)
	if got := e.roostOK("run", "--rm", "child", "cat", "/onbuild"); got != "triggered\n" {
		t.Errorf("ONBUILD: /onbuild holds %q", got)
	}
	// --squash: the new layers become one on the base's.
	base := len(strings.Fields(e.roostLine("image", "inspect", "--format", "{{.RootFS.Layers}}", busybox)))
	sq := e.roostOK("build", "--squash", "--format", "docker", "-t", "squashed", ctx)
	if n := len(strings.Fields(e.roostLine("image", "inspect", "--format", "{{.RootFS.Layers}}", "squashed"))); n != base+1 {
		t.Errorf("--squash: %d layers, want %d:\n%s", n, base+1, sq)
	}
	// Two layers wrote into /opt: the squashed layer has both.
	if got := e.roostOK("run", "--rm", "squashed", "sh", "-c", "cat /heredoc /opt/pkg/in-tar.txt; echo; ls /opt"); got != "from-heredoc\nsecond\ntar\na1.sh\npkg\n" {
		t.Errorf("--squash lost files: %q", got)
	}
}

func TestBuildImageHealthcheckReachesContainers(t *testing.T) {
	e := pulled(t)
	ctx := buildContext(e, map[string]string{"Containerfile": "FROM " + busybox + "\n" +
		"HEALTHCHECK --interval=1m --retries=2 CMD [\"/bin/true\"]\nCMD [\"sleep\", \"300\"]\n"})
	e.roostOK("build", "--format", "docker", "-t", "withhealth", ctx)
	e.roostOK("run", "-d", "--name", "h1", "withhealth")
	if got := e.roostOK("healthcheck", "run", "h1"); strings.TrimSpace(got) != "" {
		t.Errorf("healthcheck run: %q", got)
	}
	e.roostOK("run", "-d", "--name", "h2", "--no-healthcheck", "withhealth")
	if r := e.roost("healthcheck", "run", "h2"); r.Code == 0 {
		t.Errorf("--no-healthcheck still has the image's health check: %s", r)
	}
	e.roostOK("rm", "-f", "-t", "0", "h1", "h2")
}

// --timestamp makes a build reproducible: files a RUN writes get the given
// time too, so two uncached builds a while apart give the same image id.
func TestBuildTimestampReproducible(t *testing.T) {
	e := pulled(t)
	ctx := buildContext(e, map[string]string{
		"Containerfile": "FROM " + busybox + "\nCOPY a.txt /a.txt\nRUN mkdir -p /out && echo made > /out/f\n",
		"a.txt":         "copied\n",
	})
	build := func(tag string) string {
		e.roostOK("build", "--no-cache", "--timestamp", "0", "-q", "-t", tag, ctx)
		return strings.TrimSpace(e.roostOK("image", "inspect", "--format", "{{.Id}} {{.Created}}", tag))
	}
	first := build("stamped1")
	time.Sleep(1100 * time.Millisecond) // a second later, so that mtimes would differ
	second := build("stamped2")
	if first != second {
		t.Fatalf("two --timestamp 0 builds differ: %q and %q", first, second)
	}
	if !strings.Contains(first, "1970-01-01") {
		t.Errorf("created time is not the timestamp: %q", first)
	}
	out := e.roostOK("run", "--rm", "stamped1", "stat", "-c", "%Y", "/out/f", "/a.txt")
	if strings.Fields(out)[0] != "0" || strings.Fields(out)[1] != "0" {
		t.Errorf("file times in the image: %q, want 0 0", out)
	}
}
