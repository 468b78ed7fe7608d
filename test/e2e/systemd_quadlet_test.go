package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// installGenerator links roost-generator where the user manager looks for
// generators. /usr/local/lib gets a tmpfs inside systemd's mount namespace
// first, so nothing is installed on the host.
func (s *userSystemd) installGenerator() {
	s.t.Helper()
	if r := s.root("mount", "-t", "tmpfs", "-o", "mode=755", "e2e-usr-local-lib", "/usr/local/lib"); r.Code != 0 {
		s.t.Fatalf("mount: %s", r)
	}
	if r := s.root(binDir+"/roost", "systemd", "install"); r.Code != 0 || !strings.Contains(r.Stdout, "/usr/local/lib/systemd/user-generators/roost-generator") {
		s.t.Fatalf("roost systemd install: %s", r)
	}
}

const quadletWeb = `[Unit]
Description=web from a Quadlet file

[Container]
Image=` + busybox + `
ContainerName=qweb
Network=web.network
Volume=site.volume:/site
Exec=sh -c "echo served from quadlet > /site/index.html; exec httpd -f -p 8080 -h /site"
PublishPort=127.0.0.1:%d:8080
Label=app=quadlet "tier=front end"
Environment=GREETING=hi

[Service]
Restart=always

[Install]
WantedBy=default.target
`

const quadletNetwork = `[Network]
NetworkName=qnet
Subnet=10.89.77.0/24
Label=from=quadlet
`

const quadletVolume = `[Volume]
Label=from=quadlet
`

// TestSystemdQuadletSet: a .container + .network + .volume set in the
// Quadlet directory becomes units after daemon-reload, starts, serves, and
// comes back after the user manager restarts.
func TestSystemdQuadletSet(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.installGenerator()
	s.roostOK("pull", "-q", busybox)
	port := freePort(t)
	e.writeFile(".config/roost/systemd/web.container", fmt.Sprintf(quadletWeb, port))
	e.writeFile(".config/roost/systemd/web.network", quadletNetwork)
	e.writeFile(".config/roost/systemd/site.volume", quadletVolume)
	list := s.roostOK("quadlet", "list", "--format", "{{.Name}} {{.Unit}} {{.Status}}")
	for _, want := range []string{"web.container web.service ok", "web.network web-network.service ok", "site.volume site-volume.service ok"} {
		if !strings.Contains(list, want) {
			t.Fatalf("quadlet list lacks %q:\n%s", want, list)
		}
	}
	s.systemctlOK("daemon-reload")
	for _, u := range []string{"web.service", "web-network.service", "site-volume.service"} {
		if st := s.property(u, "LoadState"); st != "loaded" {
			t.Fatalf("%s is %s after daemon-reload\n%s", u, st, s.journal())
		}
	}
	s.systemctlOK("start", "web.service")
	checkQuadletServes(t, s, port)
	if v := strings.TrimSpace(s.roostOK("network", "inspect", "--format", "{{index .Labels \"from\"}}", "qnet")); v != "quadlet" {
		t.Fatalf("network label %q", v)
	}
	if v := strings.TrimSpace(s.roostOK("volume", "inspect", "--format", "{{index .Labels \"from\"}}", "systemd-site")); v != "quadlet" {
		t.Fatalf("volume label %q", v)
	}
	if v := strings.TrimSpace(s.roostOK("inspect", "--format", "{{index .Config.Labels \"tier\"}} {{index .Config.Labels \"io.roost.systemd.unit\"}}", "qweb")); v != "front end web.service" {
		t.Fatalf("container labels %q", v)
	}

	// The user manager restarts (as at a reboot with linger): [Install]
	// WantedBy=default.target brings the unit back.
	old := s.runningContainer("qweb")
	if r := s.root("systemctl", "restart", fmt.Sprintf("user@%d.service", e.UID)); r.Code != 0 {
		t.Fatalf("restart the user manager: %s", r)
	}
	s.waitRunning([]string{"--user"}, "the user manager")
	eventually(t, 90*time.Second, func() error {
		if st := s.property("web.service", "ActiveState"); st != "active" {
			return fmt.Errorf("after the user manager's restart web.service is %s", st)
		}
		return nil
	})
	if now := s.runningContainer("qweb"); now.id == old.id {
		t.Fatalf("the container survived its unit's stop: %s", now.id)
	}
	checkQuadletServes(t, s, port)
	s.systemctlOK("stop", "web.service")
	if r := s.roost("container", "exists", "qweb"); r.Code != 1 {
		t.Fatalf("stop left the container: %s", r)
	}
}

// checkQuadletServes asks the Quadlet container for its page from another
// container on its network, then on its published host port.
func checkQuadletServes(t *testing.T, s *userSystemd, port int) {
	t.Helper()
	ip := strings.TrimSpace(s.roostOK("inspect", "--format", `{{(index .NetworkSettings.Networks "qnet").IPAddress}}`, "qweb"))
	if !strings.HasPrefix(ip, "10.89.77.") {
		t.Fatalf("qweb's address on qnet: %q", ip)
	}
	eventually(t, 30*time.Second, func() error {
		out := s.roost("run", "--rm", "--network", "qnet", busybox, "wget", "-qO-", "http://"+ip+":8080/").Stdout
		if out != "served from quadlet\n" {
			return fmt.Errorf("from the network: %q", out)
		}
		return nil
	})
	t.Run("published port", func(t *testing.T) {
		requirePortForwarder(t, s, "qweb")
		eventually(t, 30*time.Second, func() error {
			r := s.user("curl", "-fsS", fmt.Sprintf("http://127.0.0.1:%d/", port))
			if r.Stdout != "served from quadlet\n" {
				return fmt.Errorf("from the host: %s", r)
			}
			return nil
		})
	})
}

// requirePortForwarder fails when the container's monitor listens on no
// port: its published ports would not be forwarded.
func requirePortForwarder(t *testing.T, s *userSystemd, name string) {
	t.Helper()
	pid := strings.TrimSpace(s.roostOK("inspect", "--format", "{{.State.ConmonPid}}", name))
	if !monitorListens(s, pid) {
		t.Fatalf("the monitor %s of %s listens on no port: its published ports are not forwarded", pid, name)
	}
}

// monitorListens says whether the monitor process holds a listening TCP socket.
func monitorListens(s *userSystemd, pid string) bool {
	r := s.root("sh", "-c", "ss -Hltnp | grep -c 'pid="+pid+",'")
	return strings.TrimSpace(r.Stdout) != "0" && r.Code == 0
}

// freePort is a TCP port free on the host now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestSystemdQuadletBadInput: an unknown key is a warning naming file and
// line; an invalid value means no unit, with the reason in the journal and
// from `quadlet print`; `quadlet install` of a bad file installs nothing.
func TestSystemdQuadletBadInput(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.installGenerator()
	e.writeFile(".config/roost/systemd/good.container", "[Container]\nImage="+busybox+"\nFrobnicate=yes\nExec=sleep 1000\n")
	e.writeFile(".config/roost/systemd/bad.container", "[Container]\nImage="+busybox+"\nAutoUpdate=sometimes\n")
	e.writeFile(".config/roost/systemd/nonet.container", "[Container]\nImage="+busybox+"\nNetwork=missing.network\n")
	s.systemctlOK("daemon-reload")
	if st := s.property("good.service", "LoadState"); st != "loaded" {
		t.Fatalf("good.service is %s", st)
	}
	for _, u := range []string{"bad.service", "nonet.service"} {
		if st := s.property(u, "LoadState"); st != "not-found" {
			t.Fatalf("%s was generated (%s) from an invalid file", u, st)
		}
	}
	r := s.roost("quadlet", "print", "good")
	if r.Code != 0 || !strings.Contains(r.Stderr, "good.container:3: unknown key Frobnicate") {
		t.Fatalf("quadlet print good: %s", r)
	}
	msg := strings.TrimSpace(s.roost("quadlet", "print", "bad").Stderr)
	if !strings.Contains(msg, "bad.container:3: AutoUpdate=sometimes: use registry or local") {
		t.Fatalf("quadlet print bad: %q", msg)
	}
	eventually(t, 30*time.Second, func() error {
		if j := s.journal(); !strings.Contains(j, "bad.container:3: AutoUpdate=sometimes") {
			return fmt.Errorf("the journal does not say why bad.container made no unit:\n%s", j)
		}
		return nil
	})

	// quadlet install checks first and copies nothing on error.
	src := e.writeFile("incoming/x.container", "[Container]\nImage="+busybox+"\nNotify=maybe\n")
	r = s.roost("quadlet", "install", src)
	if r.Code != 125 || !strings.Contains(r.Stderr, "Notify=maybe: not a boolean") {
		t.Fatalf("quadlet install of a bad file: %s", r)
	}
	if r := s.roost("quadlet", "print", "x"); r.Code != 125 {
		t.Fatalf("a bad file was installed: %s", r)
	}
}
