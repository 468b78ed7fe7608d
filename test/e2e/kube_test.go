package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKubeGeneratePlayDownRoundTrip: a pod of a web server and a client
// sharing localhost, with a named volume, env and a healthcheck, becomes
// YAML (generate kube --service); with everything removed, kube play of
// that YAML gives the same behaviour; kube down --force leaves nothing.
func TestKubeGeneratePlayDownRoundTrip(t *testing.T) {
	e := pulled(t)
	port := freeHostPort(t)
	e.roostOK("pod", "create", "--name", "web", "-p", fmt.Sprintf("%d:80", port))
	e.roostOK("volume", "create", "webdata")
	e.roostOK("run", "-d", "--pod", "web", "--name", "web-server", "-v", "webdata:/data", "-e", "GREETING=hello",
		"--health-cmd", "wget -q -O /dev/null http://localhost:80/index.html", busybox,
		"sh", "-c", "echo $GREETING > /data/index.html; exec httpd -f -p 80 -h /data")
	e.roostOK("run", "-d", "--pod", "web", "--name", "web-client", busybox, "sleep", "1000")
	hostGetEventually(t, port, "/index.html", "hello\n")

	yaml := e.roostOK("generate", "kube", "--service", "web")
	for _, want := range []string{"kind: Pod", "kind: Service", "claimName: webdata", "name: GREETING", "livenessProbe:", fmt.Sprintf("hostPort: %d", port), "name: server", "name: client"} {
		if !strings.Contains(yaml, want) {
			t.Fatalf("generate kube lacks %q:\n%s", want, yaml)
		}
	}
	file := filepath.Join(e.Home, "web.yaml")
	e.writeFile("web.yaml", yaml)
	e.roostOK("pod", "rm", "-f", "web")
	// The volume goes too: play must make the claim's volume again. Its
	// data is written again by the server's command.
	e.roostOK("volume", "rm", "webdata")

	out := e.roostOK("kube", "play", file)
	if !strings.Contains(out, "Pod:") {
		t.Fatalf("kube play printed %q", out)
	}
	e.roostOK("volume", "exists", "webdata") // the claim's volume, made again
	hostGetEventually(t, port, "/index.html", "hello\n")
	eventually(t, secs(20), func() error {
		r := e.roost("exec", "web-client", "wget", "-qO-", "http://localhost:80/index.html")
		if r.Code != 0 || r.Stdout != "hello\n" {
			return fmt.Errorf("the client reaching the server on localhost: %s", r)
		}
		return nil
	})
	if got := e.roostLine("exec", "web-server", "cat", "/data/index.html"); got != "hello" {
		t.Fatalf("the volume's data: %q", got)
	}
	if got := e.roostLine("inspect", "--format", "{{.Config.Healthcheck.Test}}", "web-server"); !strings.Contains(got, "wget") {
		t.Fatalf("the healthcheck did not come through: %q", got)
	}
	// Played again without --replace: the pod exists.
	if msg := e.roostFails(125, "kube", "play", file); !strings.Contains(msg, "web") {
		t.Fatalf("a second play said %q", msg)
	}
	e.roostOK("kube", "play", "--replace", file)
	hostGetEventually(t, port, "/index.html", "hello\n")

	down := e.roostOK("kube", "down", "--force", file)
	if !strings.Contains(down, "Pods removed:") || !strings.Contains(down, "webdata") {
		t.Fatalf("kube down printed %q", down)
	}
	for _, args := range [][]string{{"ps", "-aq"}, {"pod", "ls", "-q"}, {"volume", "ls", "-q"}} {
		if got := e.roostOK(args...); got != "" {
			t.Fatalf("after kube down, %v lists %q", args, got)
		}
	}
	if err := portFree(port); err != nil {
		t.Fatal(err)
	}
}

// TestKubePlayKinds: a Deployment of 3 replicas makes 3 pods; a ConfigMap
// and a Secret reach env (env and envFrom) and files; a Job runs to
// completion; kube down removes all of it.
func TestKubePlayKinds(t *testing.T) {
	e := pulled(t)
	e.writeFile("kinds.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  MODE: production
  app.conf: |
    listen=80
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: s3cret
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 3
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: app
        image: `+busybox+`
        command: ["sleep", "1000"]
        envFrom:
        - configMapRef:
            name: settings
        env:
        - name: PASSWORD
          valueFrom:
            secretKeyRef:
              name: creds
              key: password
        volumeMounts:
        - name: conf
          mountPath: /etc/app
        - name: secret
          mountPath: /run/secret
      volumes:
      - name: conf
        configMap:
          name: settings
          items:
          - key: app.conf
            path: app.conf
      - name: secret
        secret:
          secretName: creds
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
      - name: task
        image: `+busybox+`
        command: ["sh", "-c", "echo job done; exit 0"]
`)
	file := filepath.Join(e.Home, "kinds.yaml")
	e.roostOK("kube", "play", file)
	pods := lines(e.roostOK("pod", "ls", "--format", "{{.Name}}"))
	if len(pods) != 4 {
		t.Fatalf("pods: %q, want api-pod-0..2 and once-pod", pods)
	}
	for i := range 3 {
		name := fmt.Sprintf("api-pod-%d-app", i)
		got := e.roostOK("exec", name, "sh", "-c", "echo $MODE $PASSWORD; cat /etc/app/app.conf /run/secret/password")
		if got != "production s3cret\nlisten=80\ns3cret" {
			t.Fatalf("%s sees %q", name, got)
		}
	}
	if code := e.roostLine("wait", "once-pod-task"); code != "0" {
		t.Fatalf("the job's container exited %s", code)
	}
	if got := e.roostOK("logs", "once-pod-task"); got != "job done\n" {
		t.Fatalf("the job's output: %q", got)
	}
	e.roostOK("kube", "down", file)
	for _, args := range [][]string{{"ps", "-aq"}, {"pod", "ls", "-q"}, {"volume", "ls", "-q"}} {
		if got := e.roostOK(args...); got != "" {
			t.Fatalf("after kube down, %v lists %q", args, got)
		}
	}
}

// TestKubePlayBadYAML: each mistake names the document, the field and the
// reason, exits 125 and makes nothing.
func TestKubePlayBadYAML(t *testing.T) {
	e := pulled(t)
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n"
	for _, c := range []struct{ yaml, want string }{
		{"apiVersion: v1\nkind: Pod\nmetadata: [\n", "document 1: not valid YAML"},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\n" + pod + "    image: " + busybox + "\n    imagePullPolicy: Sometimes\n    bogus: true\n", `document 2 (Pod): unknown field "spec.containers[0].bogus"`},
		{pod + "    image: " + busybox + "\n    ports:\n    - containerPort: \"eighty\"\n", "document 1 (Pod): "},
		{pod + "    command: [\"true\"]\n", "containers[0]: c: image is required"},
		// Found only when pulled, after the pod is made: the pod goes again.
		{pod + "    image: " + registry + "/no/such:image\n", "Pod/bad: container bad-c: "},
	} {
		e.writeFile("bad.yaml", c.yaml)
		msg := e.roostFails(125, "kube", "play", filepath.Join(e.Home, "bad.yaml"))
		if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%q: said %q, want one line with %q", c.yaml, msg, c.want)
		}
		for _, args := range [][]string{{"ps", "-aq"}, {"pod", "ls", "-q"}, {"volume", "ls", "-q"}} {
			if got := e.roostOK(args...); got != "" {
				t.Errorf("%q: %v lists %q", c.yaml, args, got)
			}
		}
	}
}

// TestKubeAcrossPodman: Debian's Podman 4.3.1 plays the YAML Roost
// generates for a pod, and Roost plays the YAML `podman generate kube`
// writes for a pod of Podman's; each serves on its published port.
func TestKubeAcrossPodman(t *testing.T) {
	e := pulled(t)
	podmanBin := "/usr/bin/podman"
	if _, err := os.Stat(podmanBin); err != nil {
		t.Fatal("podman is not installed: test/host/prepare.sh installs it")
	}
	root := filepath.Join(e.Home, "podman")
	pm := func(args ...string) result {
		return e.run(podmanBin, append([]string{"--storage-driver", "overlay", "--root", root + "/root", "--runroot", root + "/run"}, args...)...)
	}
	pmOK := func(args ...string) string {
		t.Helper()
		return succeeded(t, fmt.Sprintf("podman %v", args), pm(args...))
	}
	t.Cleanup(func() {
		pm("pod", "rm", "-af", "-t", "0")
		pm("system", "reset", "-f")
	})
	pmOK("pull", "-q", "--tls-verify=false", busybox)

	// Roost's YAML, played by Podman.
	p1 := freeHostPort(t)
	e.roostOK("pod", "create", "--name", "fromroost", "-p", fmt.Sprintf("%d:80", p1))
	e.roostOK("run", "-d", "--pod", "fromroost", "--name", "fromroost-web", busybox, "httpd", "-f", "-p", "80", "-h", "/etc")
	e.writeFile("roost.yaml", e.roostOK("generate", "kube", "fromroost"))
	e.roostOK("pod", "rm", "-f", "fromroost")
	pmOK("kube", "play", filepath.Join(e.Home, "roost.yaml"))
	hostnameEventually(t, p1, "fromroost") // Podman writes /etc/hostname without a newline
	pmOK("kube", "down", filepath.Join(e.Home, "roost.yaml"))

	// Podman's YAML, played by Roost.
	p2 := freeHostPort(t)
	pmOK("pod", "create", "--name", "frompodman", "-p", fmt.Sprintf("%d:80", p2))
	pmOK("run", "-d", "--pod", "frompodman", "--name", "frompodman-web", busybox, "httpd", "-f", "-p", "80", "-h", "/etc")
	e.writeFile("podman.yaml", pmOK("generate", "kube", "frompodman"))
	pmOK("pod", "rm", "-f", "-t", "0", "frompodman")
	e.roostOK("kube", "play", filepath.Join(e.Home, "podman.yaml"))
	hostnameEventually(t, p2, "frompodman")
	e.roostOK("kube", "down", filepath.Join(e.Home, "podman.yaml"))
	if got := e.roostOK("ps", "-aq"); got != "" {
		t.Fatalf("kube down of Podman's YAML left %q", got)
	}
}

// TestKubePlayBuildsFromTheContext: an image named after a directory of
// --context-dir holding a Containerfile is built when it is missing, and
// always with --build; --build=false never builds.
func TestKubePlayBuildsFromTheContext(t *testing.T) {
	e := pulled(t)
	e.writeFile("ctx/kubebuilt/Containerfile", "FROM "+busybox+"\nUSER 1234\nRUN echo built > /tmp/mark\n")
	e.writeFile("ctx/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bp\nspec:\n  containers:\n  - name: c\n    image: localhost/kubebuilt\n    command: [\"sleep\", \"1000\"]\n")
	ctx := filepath.Join(e.Home, "ctx")
	yaml := filepath.Join(ctx, "pod.yaml")
	if msg := e.roostFails(125, "kube", "play", "--build=false", "--context-dir", ctx, "--start=false", yaml); !strings.Contains(msg, "kubebuilt") {
		t.Fatalf("--build=false with the image missing said %q", msg)
	}
	e.roostOK("kube", "play", "--context-dir", ctx, "--start=false", yaml)
	if got := e.roostLine("inspect", "--format", "{{.Config.User}}", "bp-c"); got != "1234" {
		t.Fatalf("the container of the built image runs as %q, want 1234", got)
	}
	id := e.roostLine("image", "inspect", "--format", "{{.ID}}", "localhost/kubebuilt")
	// Stored now: auto does not build again; --build does (same id: the cache).
	e.writeFile("ctx/kubebuilt/Containerfile", "FROM "+busybox+"\nUSER 4321\n")
	e.roostOK("kube", "play", "--replace", "--context-dir", ctx, "--start=false", yaml)
	if got := e.roostLine("inspect", "--format", "{{.Config.User}}", "bp-c"); got != "1234" {
		t.Fatalf("auto rebuilt a stored image: user %q", got)
	}
	e.roostOK("kube", "play", "--replace", "--build", "--context-dir", ctx, "--start=false", yaml)
	if got := e.roostLine("inspect", "--format", "{{.Config.User}}", "bp-c"); got != "4321" {
		t.Fatalf("--build did not rebuild: user %q (image was %s)", got, id)
	}
	e.roostOK("kube", "down", yaml)
}

// hostnameEventually waits until 127.0.0.1:port serves /hostname (httpd
// serving /etc) with name, whatever the line ending.
func hostnameEventually(t *testing.T, port int, name string) {
	t.Helper()
	eventually(t, secs(30), func() error {
		got, err := hostGet(port, "/hostname")
		if err != nil || strings.TrimSpace(got) != name {
			return fmt.Errorf("GET 127.0.0.1:%d/hostname: %q, %v; want %s", port, got, err, name)
		}
		return nil
	})
}
