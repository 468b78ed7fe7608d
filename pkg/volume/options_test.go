package volume

import (
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	for _, c := range []struct {
		in      []string
		fsType  string
		uid     int
		wantErr string
	}{
		{nil, "", -1, ""},
		{[]string{"type=tmpfs", "device=tmpfs", "o=size=2m,uid=1000,gid=1000,mode=0755,nodev"}, "tmpfs", -1, ""},
		{[]string{"type=none", "o=bind", "device=/srv"}, "bind", -1, ""},
		{[]string{"type=bind", "device=/srv", "o=rbind,ro"}, "bind", -1, ""},
		{[]string{"o=uid=1000,gid=100"}, "", 1000, ""},
		{[]string{"uid=7"}, "", 7, ""},
		{[]string{"type=ext4", "device=/dev/sda1"}, "", 0, "only tmpfs and bind"},
		{[]string{"type=none"}, "", 0, "needs o=bind"},
		{[]string{"type=bind"}, "", 0, "needs device="},
		{[]string{"type=bind", "device=relative"}, "", 0, "absolute"},
		{[]string{"o=size=1m"}, "", 0, "needs type=tmpfs"},
		{[]string{"device=/srv"}, "", 0, "needs type=bind"},
		{[]string{"type=tmpfs", "o=size=lots"}, "", 0, "bad value"},
		{[]string{"type=tmpfs", "o=bind"}, "", 0, "not a tmpfs option"},
		{[]string{"colour=red"}, "", 0, "unknown option"},
		{[]string{"novalue"}, "", 0, "KEY=VALUE"},
		{[]string{"uid=-1"}, "", 0, "number"},
	} {
		m, err := ParseOptions(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: error %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.in, err)
			continue
		}
		d, _ := parseOptions(m)
		if d.fsType != c.fsType || d.ownerUID != c.uid {
			t.Errorf("%v: type %q uid %d, want %q %d", c.in, d.fsType, d.ownerUID, c.fsType, c.uid)
		}
	}
}

func TestFilter(t *testing.T) {
	old := time.Now().Add(-48 * time.Hour)
	v := &Volume{Name: "web-data", Driver: DriverLocal, Labels: map[string]string{"app": "web"}, CreatedAt: old}
	for _, c := range []struct {
		filters []string
		inUse   bool
		want    bool
	}{
		{nil, false, true},
		{[]string{"name=web"}, false, true},
		{[]string{"name=^data"}, false, false},
		{[]string{"name=nope", "name=data$"}, false, true}, // one key: alternatives
		{[]string{"label=app"}, false, true},
		{[]string{"label=app=db"}, false, false},
		{[]string{"label!=app"}, false, false},
		{[]string{"dangling=true"}, true, false},
		{[]string{"dangling=false"}, true, true},
		{[]string{"driver=local"}, false, true},
		{[]string{"until=24h"}, false, true},
		{[]string{"until=72h"}, false, false},
	} {
		f, err := ParseFilter(c.filters, ListFilterKeys)
		if err != nil {
			t.Fatalf("%v: %v", c.filters, err)
		}
		if got := f.Match(v, c.inUse); got != c.want {
			t.Errorf("%v in use %v: %v, want %v", c.filters, c.inUse, got, c.want)
		}
	}
	for _, bad := range [][]string{{"colour=red"}, {"dangling=maybe"}, {"name=("}, {"label"}, {"dangling!=true"}} {
		if _, err := ParseFilter(bad, ListFilterKeys); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

func TestUnescapeMountPath(t *testing.T) {
	if got := unescapeMountPath(`/home/a\040b/x\134y`); got != `/home/a b/x\y` {
		t.Fatalf("got %q", got)
	}
}
