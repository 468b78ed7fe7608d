package e2e

import (
	"strings"
	"testing"
)

// TestSystemdQuadletBuild: a .build file's unit builds its image from the
// context it names; a .container with Image=NAME.build starts after it and
// runs the image just built (ids compared).
func TestSystemdQuadletBuild(t *testing.T) {
	e := newEnv(t)
	s := bootSystemd(t, e)
	s.installGenerator()
	s.roostOK("pull", "-q", busybox)
	e.writeFile("qbuild/Containerfile", "FROM "+busybox+"\nARG WORD=unset\nRUN echo $WORD > /word\nCMD [\"sleep\", \"1000\"]\n")
	e.writeFile(".config/roost/systemd/app.build", "[Build]\nImageTag=localhost/qbuild:1\nSetWorkingDirectory="+e.Home+"/qbuild\nArg=WORD=from-quadlet\nLabel=from=quadlet\n")
	e.writeFile(".config/roost/systemd/app.container", "[Container]\nImage=app.build\nContainerName=qapp\n")
	list := s.roostOK("quadlet", "list", "--format", "{{.Name}} {{.Unit}} {{.Status}}")
	for _, want := range []string{"app.build app-build.service ok", "app.container app.service ok"} {
		if !strings.Contains(list, want) {
			t.Fatalf("quadlet list lacks %q:\n%s", want, list)
		}
	}
	s.systemctlOK("daemon-reload")
	s.systemctlOK("start", "app.service")
	if st := s.property("app-build.service", "ActiveState"); st != "active" {
		t.Fatalf("app-build.service is %s\n%s", st, s.journal())
	}
	s.runningContainer("qapp")
	ran := strings.TrimSpace(s.roostOK("inspect", "--format", "{{.Image}}", "qapp"))
	built := strings.TrimSpace(s.roostOK("image", "inspect", "--format", "{{.Id}} {{index .Labels \"from\"}}", "localhost/qbuild:1"))
	if built != ran+" quadlet" {
		t.Fatalf("qapp runs %s; the .build made %q", ran, built)
	}
	if out := s.roostOK("exec", "qapp", "cat", "/word"); out != "from-quadlet\n" {
		t.Fatalf("Arg=: /word is %q", out)
	}
	s.systemctlOK("stop", "app.service")
}
