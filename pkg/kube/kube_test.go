package kube

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
)

// webPod is the pod: a server and a client, a named volume, a
// bind mount, a tmpfs, env, a healthcheck, a published port, limits.
func webPod() PodInput {
	ep := []string{"httpd"}
	server := container.Container{
		Name: "web-server", ImageName: "127.0.0.1:5000/busybox:latest",
		Spec: spec.Options{
			Process: spec.ProcessOptions{Entrypoint: &ep, Args: []string{"-f", "-p", "8080"}, Env: []string{"GREETING=hello"}, User: "1000:1000"},
			Mounts: []spec.Mount{
				{Type: spec.TypeVolume, Source: "web_data", Destination: "/www"},
				{Type: spec.TypeBind, Source: "/srv/conf", Destination: "/conf", Options: []string{"ro"}},
				{Type: spec.TypeTmpfs, Source: "tmpfs", Destination: "/scratch"},
			},
			Security:  spec.SecurityOptions{CapAdd: []string{"net_admin"}, CapDrop: []string{"CAP_MKNOD"}, ReadOnlyRootfs: true},
			Resources: &spec.Resources{Memory: 64 << 20, NanoCPUs: 500_000_000},
			Image:     spec.ImageConfig{ExposedPorts: map[string]struct{}{"8080/tcp": {}}},
		},
		Run: container.RunOptions{
			Restart: monitor.RestartPolicy{Policy: monitor.RestartAlways},
			Health:  &monitor.HealthConfig{Test: []string{"/bin/sh", "-c", "wget -q -O- localhost:8080"}, Interval: 10 * time.Second, Timeout: 5 * time.Second, Retries: 3},
		},
	}
	client := container.Container{
		Name: "client", ImageName: "127.0.0.1:5000/busybox:latest",
		Spec: spec.Options{Process: spec.ProcessOptions{Args: []string{"sleep", "1000"}},
			Mounts: []spec.Mount{{Type: spec.TypeVolume, Source: "web_data", Destination: "/data"}}},
	}
	return PodInput{Name: "web", Labels: map[string]string{"tier": "front"},
		Net:   container.NetOptions{AddHosts: []string{"db:10.1.2.3", "db.local:10.1.2.3"}, DNS: []string{"10.0.0.53"}, DNSOptions: []string{"ndots:2"}},
		Ports: []container.PortMapping{{HostPort: 18080, ContainerPort: 8080, Protocol: "tcp"}}, Containers: []container.Container{server, client}}
}

// roundTrip encodes objs, decodes them strictly (which validates), encodes
// again: the two texts must be equal.
func roundTrip(t *testing.T, objs []any) []Document {
	t.Helper()
	first, err := Encode(objs...)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Decode(first)
	if err != nil {
		t.Fatalf("generated YAML does not decode strictly: %v\n%s", err, first)
	}
	for _, d := range docs {
		if errs := Validate(d.Object); len(errs) > 0 {
			t.Fatalf("document %d (%s): Kubernetes would refuse %s: %s", d.Index, d.Kind, errs[0].Path, errs[0].Reason)
		}
	}
	back := make([]any, len(docs))
	for i, d := range docs {
		back[i] = d.Object
	}
	second, err := Encode(back...)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("round trip differs:\n%s\n---- vs ----\n%s", first, second)
	}
	return docs
}

func TestGeneratePodRoundTrip(t *testing.T) {
	objs, err := Generate([]PodInput{webPod()}, GenerateOptions{Service: true})
	if err != nil {
		t.Fatal(err)
	}
	docs := roundTrip(t, objs)
	kinds := []string{}
	for _, d := range docs {
		kinds = append(kinds, d.Kind)
	}
	if got := strings.Join(kinds, ","); got != "PersistentVolumeClaim,Pod,Service" {
		t.Fatalf("kinds %s", got)
	}
	pod := docs[1].Object.(*corev1.Pod)
	if len(pod.Spec.Containers) != 2 || pod.Spec.Containers[0].Name != "server" || pod.Spec.Containers[1].Name != "client" {
		t.Fatalf("containers %+v", pod.Spec.Containers)
	}
	s := pod.Spec.Containers[0]
	if s.Ports[0].HostPort != 18080 || s.Ports[0].ContainerPort != 8080 {
		t.Fatalf("ports %+v", s.Ports)
	}
	if s.LivenessProbe == nil || s.LivenessProbe.Exec.Command[2] != "wget -q -O- localhost:8080" || s.LivenessProbe.PeriodSeconds != 10 {
		t.Fatalf("probe %+v", s.LivenessProbe)
	}
	if *s.SecurityContext.RunAsUser != 1000 || !*s.SecurityContext.ReadOnlyRootFilesystem || s.SecurityContext.Capabilities.Add[0] != "CAP_NET_ADMIN" || len(s.SecurityContext.Capabilities.Drop) != 3 || s.SecurityContext.Capabilities.Drop[0] != "CAP_MKNOD" {
		t.Fatalf("securityContext %+v", s.SecurityContext)
	}
	if s.Resources.Limits.Memory().Value() != 64<<20 || s.Resources.Limits.Cpu().MilliValue() != 500 {
		t.Fatalf("resources %+v", s.Resources)
	}
	if pod.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Fatalf("restartPolicy %s", pod.Spec.RestartPolicy)
	}
	// One claim, shared by both containers; host path and tmpfs volumes.
	if len(pod.Spec.Volumes) != 3 || pod.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "web-data" ||
		pod.Spec.Volumes[1].HostPath.Path != "/srv/conf" || pod.Spec.Volumes[2].EmptyDir.Medium != corev1.StorageMediumMemory {
		t.Fatalf("volumes %+v", pod.Spec.Volumes)
	}
	if pod.Spec.Containers[1].VolumeMounts[0].Name != pod.Spec.Volumes[0].Name {
		t.Fatalf("client does not share the claim: %+v", pod.Spec.Containers[1].VolumeMounts)
	}
	if fmt.Sprint(pod.Spec.HostAliases) != "[{10.1.2.3 [db db.local]}]" || pod.Spec.DNSConfig.Nameservers[0] != "10.0.0.53" || *pod.Spec.DNSConfig.Options[0].Value != "2" {
		t.Fatalf("hostAliases %v dnsConfig %+v", pod.Spec.HostAliases, pod.Spec.DNSConfig)
	}
	svc := docs[2].Object.(*corev1.Service)
	if svc.Spec.Ports[0].Port != 18080 || svc.Spec.Ports[0].TargetPort.IntValue() != 8080 || svc.Spec.Selector["app"] != "web" {
		t.Fatalf("service %+v", svc.Spec)
	}
}

func TestGenerateDeploymentRoundTrip(t *testing.T) {
	objs, err := Generate([]PodInput{webPod()}, GenerateOptions{Type: TypeDeployment, Replicas: 3})
	if err != nil {
		t.Fatal(err)
	}
	docs := roundTrip(t, objs)
	d := docs[1].Object.(*appsv1.Deployment)
	if *d.Spec.Replicas != 3 || d.Spec.Selector.MatchLabels["app"] != "web" || d.Spec.Template.Labels["app"] != "web" {
		t.Fatalf("deployment %+v", d.Spec)
	}
}

func TestGenerateJobRoundTrip(t *testing.T) {
	objs, err := Generate([]PodInput{webPod()}, GenerateOptions{Type: TypeJob})
	if err != nil {
		t.Fatal(err)
	}
	docs := roundTrip(t, objs)
	j := docs[1].Object.(*batchv1.Job)
	if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Fatalf("job restartPolicy %s", j.Spec.Template.Spec.RestartPolicy)
	}
}

func TestGenerateRefusesBadFlags(t *testing.T) {
	if _, err := Generate([]PodInput{webPod()}, GenerateOptions{Type: "cronjob"}); err == nil {
		t.Fatal("--type cronjob accepted")
	}
	if _, err := Generate([]PodInput{webPod()}, GenerateOptions{Replicas: 2}); err == nil {
		t.Fatal("--replicas without deployment accepted")
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{"web_data": "web-data", "My.Vol": "my-vol", "__": "x", "a" + strings.Repeat("b", 80): "a" + strings.Repeat("b", 62)} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

const goodPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: server
    image: busybox
    ports:
    - containerPort: 80
      hostPort: 8080
`

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"syntax", "apiVersion: v1\nkind: Pod\nmetadata: [\n", "document 1: invalid YAML"},
		{"unknown field", strings.Replace(goodPod, "    image: busybox", "    image: busybox\n    imagex: nope", 1), "document 1 (Pod web): spec.containers[0].imagex: unknown field"},
		{"wrong type", strings.Replace(goodPod, "containerPort: 80", "containerPort: eighty", 1), "document 1 (Pod web): spec.containers.ports.containerPort: wrong type: string where int32 is expected"},
		{"missing image", strings.Replace(goodPod, "    image: busybox\n", "", 1), "document 1 (Pod web): spec.containers[0].image: Required value"},
		{"second document", goodPod + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: 1\n", "document 2 (ConfigMap c): data: wrong type: number where string is expected"},
		{"unsupported kind", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n", "document 1 (Namespace x): kind: v1 Namespace is not supported"},
		{"no kind", "metadata:\n  name: x\n", "document 1: kind: missing"},
		{"bad port", strings.Replace(goodPod, "hostPort: 8080", "hostPort: 80800", 1), "spec.containers[0].ports[0].hostPort: Invalid value"},
		{"bad name", strings.Replace(goodPod, "name: server", "name: -server", 1), "spec.containers[0].name: Invalid value"},
		{"duplicate field", strings.Replace(goodPod, "  name: web\n", "  name: web\n  name: web2\n", 1), "document 1"},
		{"empty", "# nothing\n---\n", "no Kubernetes objects"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestDecodeErrorIsDocError(t *testing.T) {
	_, err := Decode([]byte(strings.Replace(goodPod, "    image: busybox", "    imagex: nope", 1)))
	var de *DocError
	if !errors.As(err, &de) || de.Index != 1 || de.Kind != "Pod" {
		t.Fatalf("got %#v", err)
	}
}

const appYAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  MODE: fast
  app.conf: |
    listen 80
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
data:
  PASSWORD: c2VjcmV0
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
        image: busybox
        command: ["true"]
      containers:
      - name: main
        image: busybox
        imagePullPolicy: Never
        command: ["sleep", "100"]
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
        securityContext:
          runAsUser: 1000
          runAsGroup: 100
          capabilities:
            drop: ["ALL"]
        resources:
          limits:
            memory: 64Mi
            cpu: 250m
        livenessProbe:
          tcpSocket:
            port: 80
          periodSeconds: 7
      volumes:
      - name: conf
        configMap:
          name: settings
          items:
          - key: app.conf
            path: app.conf
      - name: pw
        secret:
          secretName: creds
`

func TestPlanDeploymentConfigMapSecret(t *testing.T) {
	docs, err := Decode([]byte(appYAML))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(docs, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.PodNames(), ","); got != "app-pod-0,app-pod-1,app-pod-2" {
		t.Fatalf("pods %s", got)
	}
	pp := p.Pods[0]
	if len(pp.Init) != 1 || pp.Init[0].Options.Name != "app-pod-0-setup" || pp.Init[0].Options.Run.Restart.Policy != monitor.RestartNo {
		t.Fatalf("init %+v", pp.Init)
	}
	m := pp.Members[0]
	o := m.Options
	if o.Name != "app-pod-0-main" || m.Pull != "never" || o.Run.Restart.Policy != monitor.RestartAlways {
		t.Fatalf("member %+v", m)
	}
	env := strings.Join(o.Spec.Process.Env, " ")
	if env != "MODE=fast app.conf=listen 80\n PW=secret" {
		t.Fatalf("env %q", env)
	}
	if o.Spec.Process.User != "1000:100" || o.Spec.Security.CapDrop[0] != "ALL" {
		t.Fatalf("security %+v %q", o.Spec.Security, o.Spec.Process.User)
	}
	if o.Spec.Resources.Memory != 64<<20 || o.Spec.Resources.NanoCPUs != 250_000_000 {
		t.Fatalf("resources %+v", o.Spec.Resources)
	}
	if h := o.Run.Health; h == nil || h.Interval != 7*time.Second || !strings.Contains(h.Test[2], "nc -z localhost 80") {
		t.Fatalf("health %+v", h)
	}
	if len(o.Spec.Mounts) != 2 || o.Spec.Mounts[0].Source != "app-pod-0-conf" || o.Spec.Mounts[0].Destination != "/etc/app" {
		t.Fatalf("mounts %+v", o.Spec.Mounts)
	}
	var conf, pw *VolumePlan
	for i := range p.Volumes {
		switch p.Volumes[i].Name {
		case "app-pod-0-conf":
			conf = &p.Volumes[i]
		case "app-pod-0-pw":
			pw = &p.Volumes[i]
		}
	}
	if conf == nil || string(conf.Files["app.conf"]) != "listen 80\n" || len(conf.Files) != 1 || pw == nil || string(pw.Files["PASSWORD"]) != "secret" {
		t.Fatalf("volumes %+v", p.Volumes)
	}
}

func TestPlanJobAndPorts(t *testing.T) {
	y := `apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  backoffLimit: 4
  template:
    spec:
      restartPolicy: OnFailure
      activeDeadlineSeconds: 60
      containers:
      - name: run
        image: busybox
        ports:
        - containerPort: 80
        - containerPort: 53
          hostPort: 5353
          protocol: UDP
`
	docs, err := Decode([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(docs, PlanOptions{LogDriver: "journald"})
	if err != nil {
		t.Fatal(err)
	}
	pp := p.Pods[0]
	if r := pp.Members[0].Options.Run; pp.Name != "once-pod" || r.Restart.Policy != monitor.RestartOnFailure || r.Restart.MaxRetries != 4 || r.Timeout != 60 || r.LogDriver != "journald" {
		t.Fatalf("job %+v", pp)
	}
	if len(pp.Ports) != 1 || pp.Ports[0] != (container.PortMapping{HostPort: 5353, ContainerPort: 53, Protocol: "udp"}) {
		t.Fatalf("ports %+v", pp.Ports)
	}
}

func TestPlanMissingReferences(t *testing.T) {
	y := strings.Replace(appYAML, "name: creds\n              key", "name: nope\n              key", 1)
	docs, err := Decode([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	_, err = MakePlan(docs, PlanOptions{})
	if err == nil || !strings.Contains(err.Error(), "document 3 (Deployment app): spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name: Secret \"nope\" is not in the YAML") {
		t.Fatalf("got %v", err)
	}
}

func TestValidateWorkloadRules(t *testing.T) {
	bad := strings.Replace(appYAML, "      labels:\n        app: app\n", "      labels:\n        app: other\n", 1)
	if _, err := Decode([]byte(bad)); err == nil || !strings.Contains(err.Error(), "spec.template.metadata.labels") {
		t.Fatalf("selector mismatch: %v", err)
	}
	many := strings.Replace(appYAML, "replicas: 3", "replicas: 100000000", 1)
	if docs, err := Decode([]byte(many)); err != nil {
		t.Fatal(err)
	} else if _, err := MakePlan(docs, PlanOptions{}); err == nil || !strings.Contains(err.Error(), "spec.replicas: 100000000 pods on one machine") {
		t.Fatalf("replicas 1e8: %v", err)
	}
	never := strings.Replace(appYAML, "      initContainers:", "      restartPolicy: Never\n      initContainers:", 1)
	if _, err := Decode([]byte(never)); err == nil || !strings.Contains(err.Error(), "restartPolicy") {
		t.Fatalf("deployment restartPolicy Never: %v", err)
	}
	pvc := "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec: {}\n"
	if _, err := Decode([]byte(pvc)); err == nil || !strings.Contains(err.Error(), "spec.accessModes") {
		t.Fatalf("claim without access modes: %v", err)
	}
}

func TestPodmanAnnotations(t *testing.T) {
	in := webPod()
	in.Containers[0].Spec.Process.Init = true
	objs, err := Generate([]PodInput{in}, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	docs := roundTrip(t, objs)
	pod := docs[1].Object.(*corev1.Pod)
	if pod.Annotations[AnnotationInit+"/server"] != "TRUE" {
		t.Fatalf("annotations %v", pod.Annotations)
	}
	p, err := MakePlan(docs, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Pods[0].Members[0].Options.Spec.Process.Init || p.Pods[0].Members[1].Options.Spec.Process.Init {
		t.Fatal("init annotation should reach the server alone")
	}
	if p.Pods[0].Name != "web" || p.Pods[0].Members[0].Options.Name != "web-server" || p.Pods[0].Members[1].Options.Name != "web-client" {
		t.Fatalf("names do not round-trip: %s %s %s", p.Pods[0].Name, p.Pods[0].Members[0].Options.Name, p.Pods[0].Members[1].Options.Name)
	}
}

func TestValidateProbeAndSecurity(t *testing.T) {
	probe := strings.Replace(goodPod, "    image: busybox\n", "    image: busybox\n    livenessProbe:\n      successThreshold: 2\n      exec:\n        command: [\"true\"]\n", 1)
	if _, err := Decode([]byte(probe)); err == nil || !strings.Contains(err.Error(), "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1") {
		t.Fatalf("liveness successThreshold 2: %v", err)
	}
	noHandler := strings.Replace(goodPod, "    image: busybox\n", "    image: busybox\n    livenessProbe:\n      periodSeconds: 2\n", 1)
	if _, err := Decode([]byte(noHandler)); err == nil || !strings.Contains(err.Error(), "exactly 1 handler type") {
		t.Fatalf("probe without handler: %v", err)
	}
	sec := strings.Replace(goodPod, "    image: busybox\n", "    image: busybox\n    securityContext:\n      privileged: true\n      allowPrivilegeEscalation: false\n", 1)
	if _, err := Decode([]byte(sec)); err == nil || !strings.Contains(err.Error(), "allowPrivilegeEscalation") {
		t.Fatalf("privileged without escalation: %v", err)
	}
}

func TestPlanReplicasPublishOnce(t *testing.T) {
	objs, err := Generate([]PodInput{webPod()}, GenerateOptions{Type: TypeDeployment, Replicas: 2})
	if err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(roundTrip(t, objs), PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pods) != 2 || len(p.Pods[0].Ports) != 1 || len(p.Pods[1].Ports) != 0 || len(p.Pods[1].Warnings) != 1 {
		t.Fatalf("replicas: %+v", p.Pods)
	}
}

func TestClaimKeepsVolumeNameAndOptions(t *testing.T) {
	in := webPod()
	in.VolumeOptions = map[string]map[string]string{"web_data": {"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}}
	objs, err := Generate([]PodInput{in}, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	docs := roundTrip(t, objs)
	c := docs[0].Object.(*corev1.PersistentVolumeClaim)
	if c.Name != "web-data" || c.Annotations[AnnotationVolumeName] != "web_data" || c.Annotations[AnnotationVolumeOptions] != "size=1m" {
		t.Fatalf("claim %+v", c.ObjectMeta)
	}
	p, err := MakePlan(docs, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Volumes[0].Name != "web_data" || p.Volumes[0].Options["type"] != "tmpfs" || p.Pods[0].Members[0].Options.Spec.Mounts[0].Source != "web_data" {
		t.Fatalf("plan %+v %+v", p.Volumes, p.Pods[0].Members[0].Options.Spec.Mounts)
	}
}

func TestGenerateCommandAndCapabilities(t *testing.T) {
	ep := []string{"/entry"}
	for _, c := range []struct {
		sp        spec.Options
		cmd, args string
	}{
		{spec.Options{Process: spec.ProcessOptions{Args: []string{"top"}}}, "top", ""},
		{spec.Options{Image: spec.ImageConfig{Cmd: []string{"sh"}}}, "sh", ""},
		{spec.Options{Image: spec.ImageConfig{Entrypoint: []string{"/e"}, Cmd: []string{"x"}}}, "/e", "x"},
		{spec.Options{Process: spec.ProcessOptions{Entrypoint: &ep}, Image: spec.ImageConfig{Cmd: []string{"x"}}}, "/entry", ""},
	} {
		cmd, args := commandOf(c.sp)
		if strings.Join(cmd, " ") != c.cmd || strings.Join(args, " ") != c.args {
			t.Errorf("%+v: command %q args %q", c.sp, cmd, args)
		}
	}
	caps := capabilities(spec.SecurityOptions{})
	if fmt.Sprint(caps.Drop) != "[CAP_MKNOD CAP_NET_RAW CAP_AUDIT_WRITE]" || caps.Add != nil {
		t.Fatalf("default caps: %+v", caps)
	}
	caps = capabilities(spec.SecurityOptions{CapAdd: []string{"net_raw", "sys_admin"}, CapDrop: []string{"chown"}})
	if fmt.Sprint(caps.Drop) != "[CAP_CHOWN CAP_MKNOD CAP_AUDIT_WRITE]" || fmt.Sprint(caps.Add) != "[CAP_SYS_ADMIN]" {
		t.Fatalf("caps: %+v", caps)
	}
	caps = capabilities(spec.SecurityOptions{CapDrop: []string{"ALL"}, CapAdd: []string{"NET_BIND_SERVICE"}})
	if fmt.Sprint(caps.Drop) != "[ALL]" || fmt.Sprint(caps.Add) != "[CAP_NET_BIND_SERVICE]" {
		t.Fatalf("drop ALL: %+v", caps)
	}
}

func TestValidateNames(t *testing.T) {
	y := strings.Replace(goodPod, "name: web", "name: test_pod", 1)
	docs, err := Decode([]byte(y))
	if err != nil {
		t.Fatalf("play takes Roost's names, as Podman does: %v", err)
	}
	if errs := Validate(docs[0].Object); len(errs) == 0 || errs[0].Path != "metadata.name" {
		t.Fatalf("Kubernetes refuses test_pod: %+v", errs)
	}
}

func TestPlanPodNetwork(t *testing.T) {
	y := strings.Replace(goodPod, "spec:\n", "spec:\n  terminationGracePeriodSeconds: 3\n  shareProcessNamespace: true\n  hostAliases:\n  - ip: 10.1.2.3\n    hostnames: [db, db.local]\n  dnsConfig:\n    nameservers: [10.0.0.53]\n    searches: [example.com]\n    options:\n    - name: ndots\n      value: \"2\"\n", 1)
	docs, err := Decode([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(docs, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pp := p.Pods[0]
	if fmt.Sprint(pp.AddHosts, pp.DNS, pp.DNSSearch, pp.DNSOptions, pp.SharePID) != "[db:10.1.2.3 db.local:10.1.2.3] [10.0.0.53] [example.com] [ndots:2] true" {
		t.Fatalf("pod network %+v", pp)
	}
	if pp.Members[0].Options.Run.StopTimeout != 3 {
		t.Fatalf("stop timeout %d", pp.Members[0].Options.Run.StopTimeout)
	}
	bad := strings.Replace(y, "nameservers: [10.0.0.53]", "nameservers: [dns.example]", 1)
	if _, err := Decode([]byte(bad)); err == nil || !strings.Contains(err.Error(), "spec.dnsConfig.nameservers[0]") {
		t.Fatalf("a nameserver that is not an IP: %v", err)
	}
}

func TestPlanFieldRef(t *testing.T) {
	y := strings.Replace(goodPod, "    image: busybox\n", "    image: busybox\n    env:\n    - name: POD\n      valueFrom:\n        fieldRef:\n          fieldPath: metadata.name\n    - name: TIER\n      valueFrom:\n        fieldRef:\n          fieldPath: metadata.labels['tier']\n", 1)
	y = strings.Replace(y, "  name: web\n", "  name: web\n  labels:\n    tier: front\n", 1)
	docs, err := Decode([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(docs, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if env := strings.Join(p.Pods[0].Members[0].Options.Spec.Process.Env, " "); env != "POD=web TIER=front" {
		t.Fatalf("env %q", env)
	}
	bad := strings.Replace(y, "fieldPath: metadata.name", "fieldPath: status.podIP", 1)
	docs, _ = Decode([]byte(bad))
	if _, err := MakePlan(docs, PlanOptions{}); err == nil || !strings.Contains(err.Error(), "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: \"status.podIP\" is not supported") {
		t.Fatalf("status.podIP: %v", err)
	}
}

func TestPlanPodMadeTwice(t *testing.T) {
	ds := `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: w}
  template:
    metadata:
      labels: {app: w}
    spec:
      containers:
      - name: c
        image: busybox
`
	pod := strings.Replace(goodPod, "name: web", "name: web-pod", 1)
	docs, err := Decode([]byte(pod + "---\n" + ds))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MakePlan(docs, PlanOptions{}); err == nil || !strings.Contains(err.Error(), "document 2 (DaemonSet web): metadata.name: pod web-pod is made twice (document 1 makes it too)") {
		t.Fatalf("got %v", err)
	}
}

func TestGenerateUniqueNames(t *testing.T) {
	in := webPod()
	in.Containers[1].Name = "web-server_"
	objs, err := Generate([]PodInput{in}, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod := roundTrip(t, objs)[1].Object.(*corev1.Pod)
	if pod.Spec.Containers[0].Name != "server" || pod.Spec.Containers[1].Name != "server-2" {
		t.Fatalf("names %s %s", pod.Spec.Containers[0].Name, pod.Spec.Containers[1].Name)
	}
}

func TestDecodeList(t *testing.T) {
	list := `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: c
  data:
    k: v
- apiVersion: v1
  kind: Pod
  metadata:
    name: p
  spec:
    containers:
    - name: c
      image: busybox
`
	docs, err := Decode([]byte(list))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Kind != "ConfigMap" || docs[1].Kind != "Pod" || docs[1].Index != 1 {
		t.Fatalf("docs %+v", docs)
	}
	bad := strings.Replace(list, "      image: busybox", "      imagex: busybox", 1)
	if _, err := Decode([]byte(bad)); err == nil || !strings.Contains(err.Error(), "document 1 (Pod p): items[1].spec.containers[0].imagex: unknown field") {
		t.Fatalf("bad item: %v", err)
	}
}
