package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/roost-containers/roost/pkg/kube"
)

// hostnameEventually waits until 127.0.0.1:port serves /hostname as want
// (with or without the newline: Podman writes none).
func hostnameEventually(t *testing.T, port int, want string) {
	t.Helper()
	eventually(t, secs(30), func() error {
		got, err := hostGet(port, "/hostname")
		if err != nil {
			return err
		}
		if strings.TrimSpace(got) != want {
			return fmt.Errorf("GET 127.0.0.1:%d/hostname: %q, want %q", port, got, want)
		}
		return nil
	})
}

// kubeNothingLeft fails unless the env has no container, no pod and only
// the volumes named.
func kubeNothingLeft(t *testing.T, e *env, volumes ...string) {
	t.Helper()
	if out := e.roostOK("ps", "-aq"); out != "" {
		t.Fatalf("containers left: %q", out)
	}
	if out := e.roostOK("pod", "ps", "-q"); out != "" {
		t.Fatalf("pods left: %q", out)
	}
	got := strings.Fields(e.roostOK("volume", "ls", "-q"))
	if strings.Join(got, ",") != strings.Join(volumes, ",") {
		t.Fatalf("volumes left: %v, want %v", got, volumes)
	}
}

// The pod: a web server and a client sharing localhost, a named
// volume, env and a healthcheck -> generate kube --service -> the pod
// removed -> kube play of that file behaves the same -> kube down leaves
// nothing but the user's own volume; played again with the volume gone,
// play makes it and down removes it too.
func TestKubeGeneratePlayDownRoundTrip(t *testing.T) {
	e := pulled(t)
	port := freePort(t)
	e.roostOK("pod", "create", "--name", "web", "-p", fmt.Sprintf("%d:8080", port), "--add-host", "db.example:10.1.2.3", "--dns", "10.0.0.53")
	e.roostOK("run", "-d", "--pod", "web", "--name", "web-server", "-v", "webdata:/www", "-e", "GREETING=hello",
		"--health-cmd", "wget -q -O /dev/null http://localhost:8080/ || exit 1", "--health-interval", "1s",
		busybox, "httpd", "-f", "-p", "8080", "-h", "/www")
	e.roostOK("exec", "web-server", "sh", "-c", "echo kept > /www/index.html")
	e.roostOK("run", "-d", "--pod", "web", "--name", "web-client", busybox, "sleep", "1000")
	hostGetEventually(t, port, "/", "kept\n")

	e.roostOK("generate", "kube", "--service", "-f", "web.yaml", "web")
	yaml, err := os.ReadFile(filepath.Join(e.Home, "web.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: PersistentVolumeClaim", "kind: Pod", "kind: Service", fmt.Sprintf("hostPort: %d", port), "claimName: webdata", "name: GREETING", "livenessProbe:"} {
		if !strings.Contains(string(yaml), want) {
			t.Fatalf("generated YAML lacks %q:\n%s", want, yaml)
		}
	}
	// The alias writes the same YAML.
	if out := e.roostOK("kube", "generate", "--service", "web"); !strings.HasSuffix(out, string(yaml[strings.Index(string(yaml), "apiVersion"):])) {
		t.Fatalf("kube generate differs from generate kube:\n%s", out)
	}
	e.roostOK("generate", "kube", "--type", "deployment", "--replicas", "3", "-f", "dep.yaml", "web")
	e.roostOK("generate", "kube", "--type", "job", "-f", "job.yaml", "web")
	// What the binary wrote decodes strictly and passes Kubernetes'
	// offline validation (names included), kind by kind.
	for _, f := range []string{"web.yaml", "dep.yaml", "job.yaml"} {
		b, err := os.ReadFile(filepath.Join(e.Home, f))
		if err != nil {
			t.Fatal(err)
		}
		docs, err := kube.Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, d := range docs {
			if errs := kube.Validate(d.Object); len(errs) > 0 {
				t.Fatalf("%s: document %d (%s): %s: %s", f, d.Index, d.Kind, errs[0].Path, errs[0].Reason)
			}
		}
	}
	e.roostOK("pod", "rm", "-f", "web")
	kubeNothingLeft(t, e, "webdata")

	out := e.roostOK("kube", "play", "web.yaml")
	if !strings.HasPrefix(out, "Pod:\n") || strings.Contains(out, "Volumes:") {
		t.Fatalf("kube play should make the pod and use the existing volume: %q", out)
	}
	hostGetEventually(t, port, "/", "kept\n")
	if got := e.roostOK("exec", "web-client", "wget", "-qO-", "http://localhost:8080/"); got != "kept\n" {
		t.Fatalf("the client should reach the server on localhost: %q", got)
	}
	if got := e.roostOK("exec", "web-server", "sh", "-c", "echo $GREETING"); got != "hello\n" {
		t.Fatalf("env: %q", got)
	}
	if got := e.roostOK("exec", "web-client", "sh", "-c", "grep db.example /etc/hosts; grep nameserver /etc/resolv.conf"); !strings.Contains(got, "10.1.2.3") || !strings.Contains(got, "nameserver 10.0.0.53") {
		t.Fatalf("--add-host and --dns through hostAliases and dnsConfig: %q", got)
	}
	eventually(t, secs(30), func() error {
		if s := e.roostLine("inspect", "web-server", "--format", "{{.State.Health.Status}}"); s != "healthy" {
			return fmt.Errorf("health of the played server: %q", s)
		}
		return nil
	})
	if got := e.roostLine("pod", "inspect", "web", "--format", "{{.NumContainers}}"); got != "3" {
		t.Fatalf("played pod should have infra, server and client: %q", got)
	}

	out = e.roostOK("kube", "down", "web.yaml")
	if !strings.HasPrefix(out, "Pods stopped:\n") {
		t.Fatalf("kube down: %q", out)
	}
	kubeNothingLeft(t, e, "webdata")
	if _, err := hostGet(port, "/"); err == nil {
		t.Fatalf("port %d still answers after kube down", port)
	}

	// The Deployment of 3 replicas gives 3 pods sharing the volume; the
	// first publishes the port.
	r := e.roost("kube", "play", "dep.yaml")
	succeeded(t, "kube play dep.yaml", r)
	if !strings.Contains(r.Stderr, "WARNING: pod web-pod-1: host ports are published by web-pod-0 only") {
		t.Fatalf("replicas with a host port should warn: %q", r.Stderr)
	}
	pods := strings.Fields(e.roostOK("pod", "ps", "--format", "{{.Name}}"))
	sort.Strings(pods)
	if strings.Join(pods, ",") != "web-pod-0,web-pod-1,web-pod-2" {
		t.Fatalf("deployment pods: %v", pods)
	}
	hostGetEventually(t, port, "/", "kept\n")
	if got := e.roostOK("exec", "web-pod-2-server", "cat", "/www/index.html"); got != "kept\n" {
		t.Fatalf("replica 2 should mount the volume: %q", got)
	}
	e.roostOK("kube", "down", "dep.yaml")
	kubeNothingLeft(t, e, "webdata")

	// Without the volume, play makes it from the claim and down removes it.
	e.roostOK("volume", "rm", "webdata")
	if out := e.roostOK("play", "kube", "web.yaml"); !strings.HasPrefix(out, "Volume:\nwebdata\nPod:\n") {
		t.Fatalf("play kube should make the claim's volume: %q", out)
	}
	// --replace makes the pod again and keeps the claim's data.
	e.roostOK("exec", "web-server", "sh", "-c", "echo again > /www/index.html")
	e.roostOK("kube", "play", "--replace", "web.yaml")
	hostGetEventually(t, port, "/", "again\n")
	e.roostOK("kube", "play", "--down", "web.yaml")
	kubeNothingLeft(t, e)
}

const kubeAppYAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  MODE: fast
  app.conf: listen 80
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  PASSWORD: s3cret
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 3
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      initContainers:
      - name: setup
        image: ` + busybox + `
        command: ["sh", "-c", "echo init > /work/init"]
        volumeMounts:
        - name: work
          mountPath: /work
      containers:
      - name: main
        image: ` + busybox + `
        command: ["sleep", "1000"]
        securityContext:
          runAsUser: 1000
          runAsGroup: 1001
          capabilities:
            drop: ["ALL"]
        envFrom:
        - configMapRef:
            name: settings
        env:
        - name: PW
          valueFrom:
            secretKeyRef:
              name: creds
              key: PASSWORD
        volumeMounts:
        - name: conf
          mountPath: /etc/app
        - name: pw
          mountPath: /run/pw
        - name: work
          mountPath: /work
      volumes:
      - name: conf
        configMap:
          name: settings
      - name: pw
        secret:
          secretName: creds
      - name: work
        emptyDir: {}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: ` + busybox + `
        command: ["sh", "-c", "echo job done"]
`

// A Deployment of 3 replicas gives 3 pods; a ConfigMap and a Secret reach
// env and files; init containers run first; a Job runs to completion; kube
// down removes every pod, container and volume play made.
func TestKubeDeploymentConfigMapSecretJob(t *testing.T) {
	e := pulled(t)
	e.writeFile("app.yaml", kubeAppYAML)
	e.roostOK("kube", "play", "app.yaml")
	pods := strings.Fields(e.roostOK("pod", "ps", "--format", "{{.Name}}"))
	sort.Strings(pods)
	if strings.Join(pods, ",") != "app-pod-0,app-pod-1,app-pod-2,once-pod" {
		t.Fatalf("pods: %v", pods)
	}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("app-pod-%d-main", i)
		got := e.roostOK("exec", name, "sh", "-c", `echo "$MODE $PW"; cat /etc/app/app.conf; echo; cat /run/pw/PASSWORD; echo; cat /work/init`)
		if got != "fast s3cret\nlisten 80\ns3cret\ninit\n" {
			t.Fatalf("%s: env and files: %q", name, got)
		}
	}
	if got := e.roostOK("exec", "app-pod-0-main", "sh", "-c", "id -u; id -g; grep CapEff /proc/self/status"); got != "1000\n1001\nCapEff:\t0000000000000000\n" {
		t.Fatalf("securityContext: %q", got)
	}
	if names := e.roostOK("ps", "-a", "--format", "{{.Names}}"); strings.Contains(names, "setup") {
		t.Fatalf("init containers run once and go: %q", names)
	}
	if code := e.roostLine("wait", "once-pod-run"); code != "0" {
		t.Fatalf("the job's container exited %s", code)
	}
	if got := e.roostOK("logs", "once-pod-run"); got != "job done\n" {
		t.Fatalf("job output: %q", got)
	}
	// A Job's pod stops with its containers: the infra goes too.
	eventually(t, secs(30), func() error {
		if st := e.roostLine("pod", "inspect", "once-pod", "--format", "{{.State}}"); st != "Exited" {
			return fmt.Errorf("the job's pod is %q", st)
		}
		return nil
	})
	e.roostOK("kube", "down", "app.yaml")
	kubeNothingLeft(t, e)
}

// Bad YAML names the document, the field path and the reason, exits 125,
// and makes nothing, even when an earlier document was good.
func TestKubePlayBadYAML(t *testing.T) {
	e := pulled(t)
	good := "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n---\n"
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  volumes:\n  - name: d\n    persistentVolumeClaim:\n      claimName: data\n  containers:\n  - name: c\n    image: " + busybox + "\n    ports:\n    - containerPort: 80\n"
	cases := []struct{ name, yaml, want string }{
		{"syntax", good + "apiVersion: v1\nkind: Pod\nmetadata: [\n", "document 2: invalid YAML: yaml: line"},
		{"unknown field", good + strings.Replace(pod, "    image:", "    imagePolicy: x\n    image:", 1), "document 2 (Pod bad): spec.containers[0].imagePolicy: unknown field"},
		{"wrong type", good + strings.Replace(pod, "containerPort: 80", "containerPort: http", 1), "document 2 (Pod bad): spec.containers.ports.containerPort: wrong type: string where int32 is expected"},
		{"missing image", good + strings.Replace(pod, "    image: "+busybox+"\n", "", 1), "document 2 (Pod bad): spec.containers[0].image: Required value"},
	}
	for _, c := range cases {
		e.writeFile(c.name+".yaml", c.yaml)
		msg := e.roostFails(125, "kube", "play", c.name+".yaml")
		if !strings.Contains(msg, c.want) || strings.Count(msg, "\n") > 0 {
			t.Fatalf("%s: got %q, want one line with %q", c.name, msg, c.want)
		}
	}
	kubeNothingLeft(t, e)
	// An image that cannot be pulled fails the play after the claim's
	// volume and the pod were made: they go again.
	e.writeFile("nopull.yaml", good+strings.Replace(pod, busybox, registry+"/no-such-image:latest", 1))
	if msg := e.roostFails(125, "kube", "play", "nopull.yaml"); !strings.Contains(msg, "no-such-image") {
		t.Fatalf("unpullable image: %q", msg)
	}
	kubeNothingLeft(t, e)
	// The same file, fixed, plays.
	e.writeFile("fixed.yaml", good+pod)
	e.roostOK("kube", "play", "--start=false", "fixed.yaml")
	if got := e.roostLine("inspect", "bad-c", "--format", "{{.State.Status}}"); got != "created" {
		t.Fatalf("--start=false: %q", got)
	}
	e.roostOK("kube", "down", "fixed.yaml")
	kubeNothingLeft(t, e)
}

// podmanAs runs Debian's podman as the env's user, with the env's HOME and
// XDG_RUNTIME_DIR (its own storage and pause process); the test's cleanup
// removes what it made and stops its pause process.
func podmanAs(t *testing.T, e *env) func(args ...string) result {
	t.Helper()
	if _, err := os.Stat("/usr/bin/podman"); err != nil {
		t.Fatal("podman is not installed: apt-get install -y podman (the conformance set-up installs it)")
	}
	run := func(args ...string) result { return e.run("/usr/bin/podman", args...) }
	t.Cleanup(func() {
		run("pod", "rm", "-fa")
		run("rm", "-fa")
		run("system", "reset", "-f")
		b, err := os.ReadFile(filepath.Join(e.RuntimeDir, "libpod", "tmp", "pause.pid"))
		if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			killNamespace(pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return run
}

func podmanOK(t *testing.T, r result, what string) string {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("podman %s: %s", what, r)
	}
	return r.Stdout
}

// Across tools: Podman 4.3.1 plays the YAML Roost generates for a pod, and
// Roost plays the YAML `podman generate kube` writes for a pod of
// Podman's, each serving on its published port.
func TestKubePodmanCrossTool(t *testing.T) {
	e := pulled(t)
	podman := podmanAs(t, e)

	p1 := freePort(t)
	e.roostOK("pod", "create", "--name", "rweb", "-p", fmt.Sprintf("%d:8080", p1))
	// The pod: a server with a named volume, env and a
	// healthcheck, and a client that reaches it on localhost.
	e.roostOK("run", "-d", "--pod", "rweb", "--name", "rweb-srv", "-v", "rdata:/data", "-e", "GREETING=hello",
		"--health-cmd", "wget -q -O /dev/null http://localhost:8080/hostname", busybox, "httpd", "-f", "-p", "8080", "-h", "/etc")
	e.roostOK("run", "-d", "--pod", "rweb", "--name", "rweb-client", busybox, "sleep", "1000")
	e.roostOK("generate", "kube", "--service", "-f", "rweb.yaml", "rweb")
	e.roostOK("pod", "rm", "-f", "rweb")
	podmanOK(t, podman("play", "kube", "rweb.yaml"), "play kube of Roost's YAML")
	hostnameEventually(t, p1, "rweb")
	if out := podmanOK(t, podman("exec", "rweb-client", "wget", "-qO-", "http://localhost:8080/hostname"), "exec"); strings.TrimSpace(out) != "rweb" {
		t.Fatalf("in Podman's pod the client should reach the server on localhost: %q", out)
	}
	if out := podmanOK(t, podman("exec", "rweb-srv", "sh", "-c", "echo $GREETING; test -d /data && echo vol"), "exec"); out != "hello\nvol\n" {
		t.Fatalf("env and volume in Podman's pod: %q", out)
	}
	if out := podmanOK(t, podman("volume", "ls", "--format", "{{.Name}}"), "volume ls"); !strings.Contains(out, "rdata") {
		t.Fatalf("podman should make the claim's volume: %q", out)
	}
	podmanOK(t, podman("play", "kube", "--down", "rweb.yaml"), "play kube --down")

	p2 := freePort(t)
	podmanOK(t, podman("pod", "create", "--name", "pweb", "-p", fmt.Sprintf("%d:8080", p2)), "pod create")
	podmanOK(t, podman("run", "-d", "--pod", "pweb", "--name", "srv", "-v", "pdata:/data", "-e", "FROM=podman", busybox, "httpd", "-f", "-p", "8080", "-h", "/etc"), "run")
	yaml := podmanOK(t, podman("generate", "kube", "--service", "pweb", "pdata"), "generate kube")
	podmanOK(t, podman("pod", "rm", "-f", "pweb"), "pod rm")
	e.writeFile("pweb.yaml", yaml)
	out := e.roostOK("kube", "play", "pweb.yaml")
	if !strings.HasPrefix(out, "Volume:\npdata\nPod:\n") {
		t.Fatalf("Roost should make Podman's claim and pod: %q", out)
	}
	hostnameEventually(t, p2, "pweb")
	if got := e.roostOK("exec", "pweb-srv", "sh", "-c", "echo $FROM; test -d /data && echo vol"); got != "podman\nvol\n" {
		t.Fatalf("env and volume from Podman's YAML: %q", got)
	}
	e.roostOK("kube", "down", "pweb.yaml")
	kubeNothingLeft(t, e, "rdata") // Roost's own volume, from before
}

// kube play's options: stdin and URL input, a DaemonSet as one pod with a
// hostPath volume, an httpGet probe, --publish, --network, --log-driver,
// --configmap, --replace, --build, and --wait (foreground, then removed).
func TestKubePlayOptions(t *testing.T) {
	e := pulled(t)
	e.writeFile("site/index.html", "from the host\n")
	os.Chmod(filepath.Join(e.Home, "site"), 0o755)
	e.roostOK("network", "create", "kubenet")
	e.writeFile("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  WHO: configmap-file\n")
	port := freePort(t)
	ds := `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: site
spec:
  selector:
    matchLabels:
      app: site
  template:
    metadata:
      labels:
        app: site
    spec:
      containers:
      - name: httpd
        image: ` + busybox + `
        imagePullPolicy: Never
        command: ["httpd", "-f", "-p", "80", "-h", "/www"]
        env:
        - name: WHO
          valueFrom:
            configMapKeyRef:
              name: extra
              key: WHO
        resources:
          limits:
            memory: 128Mi
        livenessProbe:
          httpGet:
            path: /index.html
            port: 80
          periodSeconds: 1
        volumeMounts:
        - name: site
          mountPath: /www
          readOnly: true
      volumes:
      - name: site
        hostPath:
          path: ` + filepath.Join(e.Home, "site") + `
          type: Directory
`
	e.writeFile("ds.yaml", ds)
	e.writeFile("missing.yaml", strings.Replace(ds, filepath.Join(e.Home, "site"), filepath.Join(e.Home, "nosite"), 1))
	if msg := e.roostFails(125, "kube", "play", "--configmap", "cm.yaml", "missing.yaml"); !strings.Contains(msg, "hostPath "+filepath.Join(e.Home, "nosite")+" is not a directory") {
		t.Fatalf("a missing hostPath of type Directory: %q", msg)
	}
	kubeNothingLeft(t, e)
	r := e.runInput(strings.NewReader(ds), filepath.Join(binDir, "roost"), "kube", "play", "--configmap", "cm.yaml",
		"--publish", fmt.Sprintf("%d:80", port), "--network", "kubenet", "--log-driver", "none", "-")
	succeeded(t, "kube play - (stdin)", r)
	hostGetEventually(t, port, "/index.html", "from the host\n")
	if got := e.roostOK("exec", "site-pod-httpd", "sh", "-c", "echo $WHO"); got != "configmap-file\n" {
		t.Fatalf("--configmap env: %q", got)
	}
	// The limit applies where cgroups are delegated, else it is dropped
	// with run's warning.
	if got := e.roostLine("inspect", "site-pod-httpd", "--format", "{{.HostConfig.Memory}}"); got != "134217728" && !strings.Contains(r.Stderr, "Resource limits are not supported") {
		t.Fatalf("resources.limits.memory: %q, and no warning: %q", got, r.Stderr)
	}
	if got := e.roostLine("inspect", "site-pod-httpd", "--format", "{{.HostConfig.LogConfig.Type}}"); got != "none" {
		t.Fatalf("--log-driver: %q", got)
	}
	if got := e.roostLine("pod", "inspect", "site-pod", "--format", "{{.InfraConfig.Networks}}"); got != "[kubenet]" {
		t.Fatalf("--network: %q", got)
	}
	eventually(t, secs(30), func() error {
		if s := e.roostLine("inspect", "site-pod-httpd", "--format", "{{.State.Health.Status}}"); s != "healthy" {
			return fmt.Errorf("httpGet probe: %q", s)
		}
		return nil
	})
	first := e.roostLine("pod", "inspect", "site-pod", "--format", "{{.ID}}")
	if msg := e.roostFails(125, "kube", "play", "--configmap", "cm.yaml", "ds.yaml"); !strings.Contains(msg, "pod site-pod already exists") {
		t.Fatalf("a second play without --replace: %q", msg)
	}
	e.roostOK("kube", "play", "--replace", "--configmap", "cm.yaml", "--publish", fmt.Sprintf("%d:80", port), "ds.yaml")
	e.roostOK("pod", "create", "--name", "mine-pod")
	e.writeFile("mine.yaml", strings.Replace(ds, "name: site\n", "name: mine\n", 1))
	if msg := e.roostFails(125, "kube", "play", "--replace", "--configmap", "cm.yaml", "mine.yaml"); !strings.Contains(msg, "pod mine-pod already exists and kube play did not make it") {
		t.Fatalf("--replace must not remove a pod play did not make: %q", msg)
	}
	e.roostOK("pod", "rm", "mine-pod")
	if again := e.roostLine("pod", "inspect", "site-pod", "--format", "{{.ID}}"); again == first {
		t.Fatal("--replace kept the old pod")
	}
	hostGetEventually(t, port, "/index.html", "from the host\n")
	e.roostOK("kube", "down", "ds.yaml")
	if _, err := os.Stat(filepath.Join(e.Home, "site/index.html")); err != nil {
		t.Fatalf("kube down must leave a hostPath alone: %v", err)
	}

	// --build: an image named after a directory with a Containerfile.
	e.writeFile("kbuilt/Containerfile", "FROM "+busybox+"\nRUN echo built > /built\n")
	job := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: bj\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: localhost/kbuilt:latest\n        command: [\"cat\", \"/built\"]\n"
	e.writeFile("job.yaml", job)
	// --wait stays until the job's container exits, then removes the pod.
	out := e.roostOK("kube", "play", "--build", "--wait", "job.yaml")
	if !strings.Contains(out, "Pod:\n") {
		t.Fatalf("kube play --wait: %q", out)
	}
	if got := e.roostOK("images", "--format", "{{.Repository}}:{{.Tag}}"); !strings.Contains(got, "localhost/kbuilt:latest") {
		t.Fatalf("--build made no image: %q", got)
	}
	// Registry options reach the pulls: the private image needs --creds.
	private := strings.Replace(job, "localhost/kbuilt:latest", privateRef, 1)
	private = strings.Replace(private, "name: bj", "name: pj", 1)
	e.writeFile("private.yaml", private)
	if msg := e.roostFails(125, "kube", "play", "private.yaml"); !strings.Contains(msg, "authentication required") {
		t.Fatalf("a private image without credentials: %q", msg)
	}
	e.roostOK("kube", "play", "--start=false", "--creds", authUser+":"+authPass, "private.yaml")
	e.roostOK("kube", "down", "private.yaml")

	// From a URL.
	srv := serveFile(t, job)
	e.roostOK("kube", "play", "--start=false", srv)
	e.roostOK("kube", "down", srv)
	e.roostOK("network", "rm", "kubenet")
	kubeNothingLeft(t, e)

	// --userns reaches the pods' containers.
	e.writeFile("kid.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kid\nspec:\n  containers:\n  - name: c\n    image: "+busybox+"\n    command: [\"sleep\", \"1000\"]\n")
	e.roostOK("kube", "play", "--userns", "keep-id", "kid.yaml")
	if got := e.roostLine("exec", "kid-c", "id", "-u"); got != strconv.Itoa(e.UID) {
		t.Fatalf("--userns keep-id: uid %q, want %d", got, e.UID)
	}
	e.roostOK("kube", "down", "kid.yaml")

	// A lone container becomes pod NAME-pod; a volume name Kubernetes
	// refuses (my_vol) and its options come back through the claim.
	e.roostOK("volume", "create", "--opt", "o=uid=1000", "my_vol")
	e.roostOK("run", "-d", "--name", "solo", "-v", "my_vol:/v", busybox, "sleep", "1000")
	e.roostOK("run", "-d", "--name", "solo2", busybox, "sleep", "1000")
	e.roostOK("generate", "kube", "-f", "solo.yaml", "solo", "solo2")
	e.roostOK("rm", "-f", "solo", "solo2")
	e.roostOK("volume", "rm", "my_vol")
	e.roostOK("kube", "play", "solo.yaml")
	if got := e.roostLine("inspect", "solo-pod-solo", "--format", "{{.State.Status}}"); got != "running" {
		t.Fatalf("solo-pod-solo: %q", got)
	}
	if got := e.roostLine("inspect", "solo-pod-solo2", "--format", "{{.Pod}}"); got != e.roostLine("pod", "inspect", "solo-pod", "--format", "{{.ID}}") {
		t.Fatalf("lone containers generated together should share one pod: %q", got)
	}
	if got := e.roostLine("volume", "inspect", "my_vol", "--format", "{{.Options}}"); got != "map[o:uid=1000]" {
		t.Fatalf("my_vol's options: %q", got)
	}
	e.roostOK("kube", "down", "solo.yaml")
	kubeNothingLeft(t, e)
}

// serveFile serves content over HTTP on 127.0.0.1 for the test's life.
func serveFile(t *testing.T, content string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, content)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/job.yaml"
}

// kube play --wait stays in the foreground while the pod runs; SIGINT
// ends it and removes what it made.
func TestKubePlayWaitInterrupted(t *testing.T) {
	e := pulled(t)
	e.writeFile("long.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: long\nspec:\n  containers:\n  - name: c\n    image: "+busybox+"\n    command: [\"sleep\", \"1000\"]\n")
	cmd, out := e.start("kube", "play", "--wait", "long.yaml")
	eventually(t, secs(60), func() error {
		if got := e.roostLine("ps", "--format", "{{.Names}}", "--filter", "name=long-c"); got != "long-c" {
			return fmt.Errorf("long-c is not running yet: %q", got)
		}
		return nil
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("kube play --wait after SIGINT: %v\n%s", err, out.String())
	}
	kubeNothingLeft(t, e)
}

// On a network with DNS, played pods answer to their names and to the
// Services that select them, so pods reach each other as in a cluster.
func TestKubePlayServiceNames(t *testing.T) {
	e := pulled(t)
	e.roostOK("network", "create", "kn")
	e.writeFile("app.yaml", `apiVersion: v1
kind: Service
metadata:
  name: database
spec:
  selector:
    app: db
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
spec:
  replicas: 2
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: srv
        image: `+busybox+`
        command: ["httpd", "-f", "-p", "80", "-h", "/etc"]
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  labels:
    app: client
spec:
  containers:
  - name: c
    image: `+busybox+`
    command: ["sleep", "1000"]
`)
	e.roostOK("kube", "play", "--network", "kn", "app.yaml")
	get := func(host string) string {
		r := e.roost("exec", "client-c", "timeout", "10", "wget", "-qO-", "http://"+host+"/hostname")
		return strings.TrimSpace(r.Stdout)
	}
	eventually(t, secs(20), func() error {
		if got := get("database"); got != "db-pod-0" && got != "db-pod-1" {
			return fmt.Errorf("the Service name should reach a replica: %q", got)
		}
		return nil
	})
	if got := get("db-pod-1"); got != "db-pod-1" {
		t.Fatalf("a pod's name should reach it: %q", got)
	}
	e.roostOK("kube", "down", "app.yaml")
	e.roostOK("network", "rm", "kn")
	kubeNothingLeft(t, e)
}
