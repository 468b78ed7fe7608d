package info

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Cgroups says which cgroup layout the host has and whether Roost can apply
// resource limits, in words a user can act on.
type Cgroups struct {
	Version     string   `json:"version"` // v1, v2 or hybrid
	Controllers []string `json:"controllers"`
	Limits      bool     `json:"limitsAvailable"`
	Note        string   `json:"note"`
}

// DetectCgroups inspects /sys/fs/cgroup. Rootless limits need cgroup v2 with
// controllers delegated to the user's systemd instance.
func DetectCgroups(uid int, rootless bool) Cgroups {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		return Cgroups{Version: "unknown", Note: "cannot read /sys/fs/cgroup: resource limits are unavailable"}
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		v := "v1"
		if _, err := os.Stat("/sys/fs/cgroup/unified/cgroup.controllers"); err == nil {
			v = "hybrid"
		}
		return Cgroups{Version: v, Note: fmt.Sprintf("cgroup %s: resource limits (--memory, --cpus, --pids-limit) and pause/stats need cgroup v2 with delegation; containers run without them", v)}
	}
	c := Cgroups{Version: "v2"}
	if !rootless {
		c.Controllers = readControllers("/sys/fs/cgroup/cgroup.controllers")
		c.Limits = true
		return c
	}
	path := fmt.Sprintf("/sys/fs/cgroup/user.slice/user-%d.slice/user@%d.service/cgroup.controllers", uid, uid)
	c.Controllers = readControllers(path)
	if len(c.Controllers) == 0 {
		c.Note = "cgroup v2 without controllers delegated to your user: resource limits are unavailable; enable systemd delegation (Delegate=yes for user@.service)"
		return c
	}
	c.Limits = true
	return c
}

func readControllers(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}
