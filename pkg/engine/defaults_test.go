package engine

import (
	"reflect"
	"strings"
	"testing"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/spec"
)

func confWith(edit func(*config.ContainersConf)) config.ContainersConf {
	c := config.DefaultContainersConf()
	edit(&c)
	return c
}

func TestApplyConfDefaultsFillsOnlyWhatIsUnset(t *testing.T) {
	d := confWith(func(c *config.ContainersConf) {
		c.Containers.DNSServers = []string{"192.0.2.1"}
		c.Containers.Annotations = []string{"a=conf", "b=conf"}
		c.Containers.DefaultUlimits = []string{"nofile=10:10"}
		c.Containers.LogDriver = "journald"
		c.Containers.Init = true
		c.Containers.UserNS = "keep-id"
		c.Containers.PidNS = "host"
		c.Engine.StopTimeout = 3
		c.Engine.PullPolicy = "never"
	})
	var r CreateRequest
	r.Unset = Unset{StopTimeout: true, Init: true}
	r.Options.Run.StopTimeout = 10 // a flag's own default
	r.Options.Spec.Annotations = map[string]string{"b": "flag"}
	r.Options.Spec.Process.Ulimits = []string{"nofile=20:20"}
	if err := applyConfDefaults(d, &r); err != nil {
		t.Fatal(err)
	}
	o := r.Options
	if o.Run.StopTimeout != 3 || r.Image.Pull != PullNever || o.Run.LogDriver != "journald" || !o.Spec.Process.Init {
		t.Errorf("defaults not filled: %+v %q", o.Run, r.Image.Pull)
	}
	if want := map[string]string{"a": "conf", "b": "flag"}; !reflect.DeepEqual(o.Spec.Annotations, want) {
		t.Errorf("annotations %v, want %v", o.Spec.Annotations, want)
	}
	if want := []string{"nofile=10:10", "nofile=20:20"}; !reflect.DeepEqual(o.Spec.Process.Ulimits, want) {
		t.Errorf("ulimits %v: the request's must come last to win", o.Spec.Process.Ulimits)
	}
	if o.Spec.Namespaces.UserNS != spec.KeepID || o.Spec.Namespaces.PID != "host" || o.Spec.Namespaces.IPC != "" {
		t.Errorf("namespaces %+v", o.Spec.Namespaces)
	}
	if !reflect.DeepEqual(o.Net.DNS, []string{"192.0.2.1"}) {
		t.Errorf("dns %v", o.Net.DNS)
	}

	// What the request gives stays, unmarked zero values included.
	var given CreateRequest
	given.Options.Run.StopTimeout = 0
	given.Options.Run.LogDriver = "none"
	given.Options.Net.DNS = []string{"192.0.2.9"}
	given.Image.Pull = PullAlways
	if err := applyConfDefaults(d, &given); err != nil {
		t.Fatal(err)
	}
	g := given.Options
	if g.Run.StopTimeout != 0 || g.Run.LogDriver != "none" || g.Spec.Process.Init || given.Image.Pull != PullAlways || g.Net.DNS[0] != "192.0.2.9" {
		t.Errorf("request's own values replaced: %+v %+v", g.Run, g.Net)
	}
}

func TestApplyConfDefaultsRefusesBadValuesNamingTheFile(t *testing.T) {
	for name, edit := range map[string]func(*config.ContainersConf){
		"userns":      func(c *config.ContainersConf) { c.Containers.UserNS = "bogus" },
		"ipcns":       func(c *config.ContainersConf) { c.Containers.IPCNS = "bogus" },
		"shm_size":    func(c *config.ContainersConf) { c.Containers.ShmSize = "lots" },
		"log_driver":  func(c *config.ContainersConf) { c.Containers.LogDriver = "syslog" },
		"annotations": func(c *config.ContainersConf) { c.Containers.Annotations = []string{"=x"} },
	} {
		var r CreateRequest
		err := applyConfDefaults(confWith(edit), &r)
		if err == nil || !strings.HasPrefix(err.Error(), "containers.conf") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming containers.conf and the key", name, err)
		}
	}
}

func TestWithConfEnvLiesUnderTheImage(t *testing.T) {
	img := spec.ImageConfig{Env: []string{"PATH=/image", "X=1"}}
	withConfEnv([]string{"PATH=/conf", "TERM=xterm"}, &img)
	if want := []string{"TERM=xterm", "PATH=/image", "X=1"}; !reflect.DeepEqual(img.Env, want) {
		t.Errorf("env %q, want %q", img.Env, want)
	}
}

func TestNetworkCmdOptionsOnlyForBareSlirp(t *testing.T) {
	d := confWith(func(c *config.ContainersConf) { c.Engine.NetworkCmdOptions = []string{"mtu=1500", "enable_ipv6=false"} })
	n := container.NetOptions{Mode: container.NetSlirp}
	applyNetDefaults(d, &n, Unset{})
	if n.Target != "mtu=1500,enable_ipv6=false" {
		t.Errorf("slirp options %q", n.Target)
	}
	n = container.NetOptions{Mode: container.NetSlirp, Target: "mtu=9000"}
	applyNetDefaults(d, &n, Unset{})
	if n.Target != "mtu=9000" {
		t.Errorf("given slirp options replaced: %q", n.Target)
	}
}
