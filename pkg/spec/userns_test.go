package spec

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseUserNS(t *testing.T) {
	good := []struct {
		in   string
		want UserNSMode
	}{
		{"", UserNSMode{UID: -1, GID: -1}},
		{"host", UserNSMode{UID: -1, GID: -1}},
		{"keep-id", UserNSMode{Kind: UserNSKeepID, UID: -1, GID: -1}},
		{"keep-id:uid=200,gid=300", UserNSMode{Kind: UserNSKeepID, UID: 200, GID: 300}},
		{"nomap", UserNSMode{Kind: UserNSNoMap, UID: -1, GID: -1}},
		{"auto", UserNSMode{Kind: UserNSAuto, UID: -1, GID: -1}},
		{"auto:size=2000,uidmapping=0:5:1,gidmapping=0:6:1", UserNSMode{Kind: UserNSAuto, UID: -1, GID: -1, Size: 2000,
			UIDMapping: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 5, Size: 1}},
			GIDMapping: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 6, Size: 1}}}},
		{"ns:/proc/1/ns/user", UserNSMode{Kind: UserNSPath, UID: -1, GID: -1, Path: "/proc/1/ns/user"}},
	}
	for _, c := range good {
		got, err := ParseUserNS(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseUserNS(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"bogus", "keep-id:uid=x", "keep-id:size=3", "auto:size=0", "auto:uid=1", "ns:rel/path", "nomap:x", "host:x", "auto:uidmapping=1:2"} {
		if _, err := ParseUserNS(in); err == nil || !strings.Contains(err.Error(), "invalid --userns") {
			t.Errorf("ParseUserNS(%q) = %v, want an invalid --userns error", in, err)
		}
	}
}

func TestUserMappings(t *testing.T) {
	ids := IDs{HostUID: 1000, HostGID: 1000, SubUIDSize: 65536, SubGIDSize: 65536}
	cases := []struct {
		ns         NamespaceOptions
		uids, gids []specs.LinuxIDMapping
	}{
		{NamespaceOptions{}, nil, nil},
		{NamespaceOptions{UserNS: "nomap"},
			[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 65536}},
			[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 65536}}},
		{NamespaceOptions{UserNS: "keep-id:uid=5,gid=6"},
			keepIDMappings(5, 65536), keepIDMappings(6, 65536)},
		{NamespaceOptions{UIDMap: []string{"0:1:100", "100:0:1"}},
			[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 100}, {ContainerID: 100, HostID: 0, Size: 1}},
			[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 100}, {ContainerID: 100, HostID: 0, Size: 1}}},
		{NamespaceOptions{UIDMap: []string{"0:1:10"}, GIDMap: []string{"0:2:20"}},
			[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 10}},
			[]specs.LinuxIDMapping{{ContainerID: 0, HostID: 2, Size: 20}}},
	}
	for _, c := range cases {
		o := Options{IDs: ids, Namespaces: c.ns}
		uids, gids, err := o.UserMappings()
		if err != nil || !reflect.DeepEqual(uids, c.uids) || !reflect.DeepEqual(gids, c.gids) {
			t.Errorf("%+v: got %v %v %v", c.ns, uids, gids, err)
		}
	}
	o := Options{IDs: ids, Namespaces: NamespaceOptions{UserNS: "keep-id", UIDMap: []string{"0:1:1"}}}
	if _, _, err := o.UserMappings(); err == nil || !strings.Contains(err.Error(), "conflict") {
		t.Errorf("keep-id with --uidmap: %v, want a conflict", err)
	}
}
