package spec

import (
	"strings"
	"testing"
)

func TestResourceFlagsNoneGivenIsNil(t *testing.T) {
	r, err := ResourceFlags{MemorySwappiness: -1}.Parse()
	if err != nil || r != nil {
		t.Fatalf("no flags: %+v, %v", r, err)
	}
}

// --memory=0 is given: Podman then warns on v1 rootless although 0 limits
// nothing, so Parse must report it set.
func TestResourceFlagsZeroMemoryIsGiven(t *testing.T) {
	r, err := ResourceFlags{Memory: "0", MemorySwappiness: -1}.Parse()
	if err != nil || r == nil {
		t.Fatalf("--memory=0: %+v, %v", r, err)
	}
}

func TestResourceFlagsToSpec(t *testing.T) {
	r, err := ResourceFlags{Memory: "64m", CPUs: 1.5, PidsLimit: "-1", CPUShares: 512, MemorySwappiness: 10, BlkioWeight: "300"}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Linux()
	if err != nil {
		t.Fatal(err)
	}
	if *l.Memory.Limit != 64<<20 || *l.Memory.Swap != 128<<20 || *l.Memory.Swappiness != 10 {
		t.Errorf("memory %+v", l.Memory)
	}
	if *l.CPU.Period != 100000 || *l.CPU.Quota != 150000 || *l.CPU.Shares != 512 {
		t.Errorf("cpu %+v", l.CPU)
	}
	if *l.Pids.Limit != 0 {
		t.Errorf("pids-limit -1 should be unlimited (0), got %d", *l.Pids.Limit)
	}
	if *l.BlockIO.Weight != 300 {
		t.Errorf("blkio %+v", l.BlockIO)
	}
}

func TestResourceFlagsThrottleDeviceNumbers(t *testing.T) {
	r, err := ResourceFlags{DeviceReadBps: []string{"/dev/zero:1mb"}, MemorySwappiness: -1}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Linux()
	if err != nil {
		t.Fatal(err)
	}
	d := l.BlockIO.ThrottleReadBpsDevice
	if len(d) != 1 || d[0].Major != 1 || d[0].Minor != 5 || d[0].Rate != 1<<20 {
		t.Fatalf("/dev/zero:1mb -> %+v", d)
	}
}

func TestResourceFlagsRefused(t *testing.T) {
	for _, c := range []struct {
		f    ResourceFlags
		want string
	}{
		{ResourceFlags{Memory: "x"}, "invalid value for memory"},
		{ResourceFlags{CPUs: 1, CPUQuota: 5000}, "--cpu-quota and --cpus cannot be set together"},
		{ResourceFlags{CPUPeriod: 10}, "CPU cfs period cannot be less than 1ms"},
		{ResourceFlags{Memory: "1g", MemoryReservation: "2g"}, "cannot be less than memory reservation"},
		{ResourceFlags{BlkioWeightDevice: []string{"/dev/sda:5"}}, "invalid weight for device: /dev/sda:5"},
		{ResourceFlags{DeviceWriteIOps: []string{"sda:5"}}, "bad format for device path: sda:5"},
		{ResourceFlags{CpusetCpus: "3-1"}, "invalid value 3-1 for cpuset cpus"},
		{ResourceFlags{PidsLimit: "many"}, "invalid --pids-limit"},
		{ResourceFlags{CgroupConf: []string{"memory.high"}}, "--cgroup-conf must be formatted KEY=VALUE"},
	} {
		c.f.MemorySwappiness = -1
		_, err := c.f.Parse()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.f, err, c.want)
		}
	}
}

func FuzzResourceFlags(f *testing.F) {
	f.Add("64m", "-1", "0-3", "/dev/zero:1mb", 1.5)
	f.Add("0", "", "", "", 0.0)
	f.Add("1x", "x", "3-", "/dev/:", -1.0)
	f.Fuzz(func(t *testing.T, mem, swap, cpuset, bps string, cpus float64) {
		r, err := ResourceFlags{Memory: mem, MemorySwap: swap, CpusetCpus: cpuset, DeviceReadBps: []string{bps}, CPUs: cpus, MemorySwappiness: -1}.Parse()
		if err == nil && r == nil {
			t.Fatal("a given flag parsed to no resources")
		}
	})
}

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]Device{
		"/dev/fuse":             {Host: "/dev/fuse", Container: "/dev/fuse", Perms: "rwm"},
		"/dev/fuse:r":           {Host: "/dev/fuse", Container: "/dev/fuse", Perms: "r"},
		"/dev/null:/dev/mynull": {Host: "/dev/null", Container: "/dev/mynull", Perms: "rwm"},
		"/dev/null:/dev/x:rw":   {Host: "/dev/null", Container: "/dev/x", Perms: "rw"},
	} {
		got, err := ParseDevice(in)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"dev/null", "/dev/null:x:y:z", "/dev/null:/dev/x:q"} {
		if _, err := ParseDevice(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzParseDevice(f *testing.F) {
	for _, s := range []string{"/dev/fuse", "/dev/null:/dev/x:rw", ":", "/a:b:c:d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDevice(s)
		if err == nil && (!strings.HasPrefix(d.Host, "/") || !strings.HasPrefix(d.Container, "/")) {
			t.Fatalf("%q gave relative paths %+v", s, d)
		}
	})
}

func TestTimezoneFile(t *testing.T) {
	zoneinfoDir = t.TempDir() + "/zi"
	defer func() { zoneinfoDir = "/usr/share/zoneinfo" }()
	for _, bad := range []string{"Nowhere", "../../etc/passwd", "/etc/passwd"} {
		if _, err := TimezoneFile(bad); err == nil || !strings.Contains(err.Error(), "unknown time zone") {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if p, err := TimezoneFile("none"); p != "" || err != nil {
		t.Errorf("none: %q %v", p, err)
	}
}

func TestParseSysctls(t *testing.T) {
	m, err := ParseSysctls([]string{"net.ipv4.ip_forward=1", "kernel.shmmax=100", "fs.mqueue.msg_max=10"})
	if err != nil || len(m) != 3 {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"kernel.panic=1", "vm.swappiness=1", "net.core"} {
		if _, err := ParseSysctls([]string{bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestParseNamespaceFlag(t *testing.T) {
	for in, want := range map[string]string{"": "", "host": "host", "ns:/proc/1/ns/ipc": "path:/proc/1/ns/ipc", "shareable": "private"} {
		if got, err := ParseNamespaceFlag("ipc", in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if _, err := ParseNamespaceFlag("pid", "shareable"); err == nil {
		t.Error("--pid shareable accepted")
	}
}

func TestSystemdModeFromCommand(t *testing.T) {
	for args, want := range map[string]bool{"/sbin/init": true, "/usr/lib/systemd/systemd": true, "sh": false} {
		o := Options{Process: ProcessOptions{Args: []string{args}}}
		if got, _ := o.systemdMode(); got != want {
			t.Errorf("%s: %v", args, got)
		}
	}
	o := Options{Systemd: "false", Process: ProcessOptions{Args: []string{"/sbin/init"}}}
	if got, _ := o.systemdMode(); got {
		t.Error("--systemd=false ignored")
	}
}

func TestResourcesMerge(t *testing.T) {
	pids := int64(100)
	old := &Resources{Memory: 64 << 20, CPUShares: 512, PidsLimit: &pids, Unified: map[string]string{"a": "1"}}
	got, err := old.Merge(&Resources{Memory: 128 << 20, NanoCPUs: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	if got.Memory != 128<<20 || got.CPUShares != 512 || got.NanoCPUs != 1e9 || got.PidsLimit == nil || *got.PidsLimit != 100 || got.Unified["a"] != "1" {
		t.Fatalf("merge: %+v", got)
	}
	if old.Memory != 64<<20 {
		t.Fatalf("merge changed its receiver")
	}
	var none *Resources
	if got, err := none.Merge(&Resources{CPUShares: 2}); err != nil || got.CPUShares != 2 {
		t.Fatalf("merge over nothing: %+v %v", got, err)
	}
}
