package kube

import (
	"bytes"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/monitor"
	"github.com/roost-containers/roost/pkg/spec"
)

// sampleSource is a pod of two containers with what generate maps: a
// named volume, a bind mount, a tmpfs, env, a command, ports, limits,
// a user, capabilities and a healthcheck.
func sampleSource(t *testing.T) source {
	ep := []string{"/bin/httpd"}
	web := container.Container{Name: "shop-Web_1", ImageName: "registry.example/web:1"}
	web.Spec.Process = spec.ProcessOptions{Entrypoint: &ep, Args: []string{"-f"}, Env: []string{"MODE=prod"}, WorkDir: "/srv", User: "1000:1000", NoNewPrivileges: true}
	web.Spec.Mounts = []spec.Mount{
		{Type: spec.TypeVolume, Source: "shop-data", Destination: "/data"},
		{Type: spec.TypeBind, Source: t.TempDir(), Destination: "/conf", Options: []string{"ro"}},
		{Type: spec.TypeTmpfs, Source: "tmpfs", Destination: "/cache"},
	}
	web.Spec.Resources = &spec.Resources{Memory: 64 << 20, NanoCPUs: 500_000_000}
	web.Spec.Security = spec.SecurityOptions{CapAdd: []string{"NET_ADMIN"}, CapDrop: []string{"CAP_MKNOD"}, ReadOnlyRootfs: true}
	web.Run.Restart = monitor.RestartPolicy{Policy: "always"}
	web.Run.Health = &monitor.HealthConfig{Test: []string{"/bin/true"}, Interval: 10 * time.Second, Timeout: 5 * time.Second, Retries: 2}
	side := container.Container{Name: "shop-side", ImageName: "busybox"}
	side.Spec.Process.Args = []string{"sleep", "1000"}
	return source{name: "shop", createdPod: true, labels: map[string]string{"tier": "front"}, members: []container.Container{web, side},
		ports: []container.PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostPort: 5353, ContainerPort: 53, Protocol: "udp"}}}
}

// TestGeneratedKindsDecodeStrictlyAndRoundTrip: every kind generate
// writes decodes strictly, encodes back to the same bytes, and passes
// the API's offline rules.
func TestGeneratedKindsDecodeStrictlyAndRoundTrip(t *testing.T) {
	pod, err := podOf(sampleSource(t))
	if err != nil {
		t.Fatal(err)
	}
	if c := pod.Spec.Containers[0]; c.Name != "web-1" || c.Command[0] != "/bin/httpd" || len(c.VolumeMounts) != 3 || *c.SecurityContext.RunAsUser != 1000 {
		t.Fatalf("container: %+v", c)
	}
	for _, typ := range []string{"pod", "deployment", "job"} {
		obj, err := wrap(pod, GenerateOptions{Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, typ, obj)
		switch o := obj.(type) {
		case *appsv1.Deployment:
			if err := validatePod(&o.ObjectMeta, &o.Spec.Template.Spec, true); err != nil {
				t.Errorf("deployment: %v", err)
			}
		case *batchv1.Job:
			if err := validatePod(&o.ObjectMeta, &o.Spec.Template.Spec, false); err != nil {
				t.Errorf("job: %v", err)
			}
		case *corev1.Pod:
			if err := validatePod(&o.ObjectMeta, &o.Spec, false); err != nil {
				t.Errorf("pod: %v", err)
			}
		}
	}
	svc := serviceOf(pod)
	if svc == nil || len(svc.Spec.Ports) != 2 || svc.Spec.Ports[1].Protocol != corev1.ProtocolUDP {
		t.Fatalf("service: %+v", svc)
	}
	roundTrip(t, "service", svc)
	roundTrip(t, "claim", claimOf("data", map[string]string{"k": "v"}, time.Unix(1e9, 0)))
}

func roundTrip(t *testing.T, what string, obj any) {
	t.Helper()
	first, err := encode(obj)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Decode(first)
	if err != nil {
		t.Fatalf("%s: strict decode of what generate writes: %v\n%s", what, err, first)
	}
	again, err := encode(docs[0].Obj)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatalf("%s does not round-trip:\n%s\n---\n%s", what, first, again)
	}
}

// TestValidateCatchesWhatKubernetesRejects: names, duplicates, mounts of
// undeclared volumes, ports and a Deployment that does not restart.
func TestValidateCatchesWhatKubernetesRejects(t *testing.T) {
	pod, err := podOf(sampleSource(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		break_ func(p *corev1.Pod)
		deploy bool
	}{
		{"bad pod name", func(p *corev1.Pod) { p.Name = "Shop_1" }, false},
		{"duplicate container", func(p *corev1.Pod) { p.Spec.Containers[1].Name = p.Spec.Containers[0].Name }, false},
		{"undeclared volume", func(p *corev1.Pod) { p.Spec.Volumes = nil }, false},
		{"bad port", func(p *corev1.Pod) { p.Spec.Containers[0].Ports[0].ContainerPort = 70000 }, false},
		{"deployment never restarting", func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyNever }, true},
		{"bad env name", func(p *corev1.Pod) { p.Spec.Containers[0].Env[0].Name = "1=x" }, false},
	} {
		p := pod.DeepCopy()
		c.break_(p)
		if err := validatePod(&p.ObjectMeta, &p.Spec, c.deploy); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}
