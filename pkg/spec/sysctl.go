package spec

import (
	"fmt"
	"strings"
)

// sysctlPrefixes are the namespaced sysctls a container may set: those of
// its IPC namespace and of its network namespace (Podman's list).
var sysctlPrefixes = []string{"fs.mqueue.", "net."}

var sysctlIPC = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// ParseSysctls reads --sysctl KEY=VALUE entries; a key outside the
// container's own namespaces is refused, as the kernel would refuse it.
func ParseSysctls(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not a valid sysctl: use KEY=VALUE", kv)
		}
		if !sysctlAllowed(k) {
			return nil, fmt.Errorf("sysctl %q is not allowed", k)
		}
		out[k] = v
	}
	return out, nil
}

func sysctlAllowed(k string) bool {
	if sysctlIPC[k] || k == "kernel.domainname" || k == "kernel.hostname" {
		return true
	}
	for _, p := range sysctlPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
