package container

import (
	"bufio"
	"os"
	"strings"
)

// hostsBase is what containers.conf adds to every container's /etc/hosts:
// the entries of base_hosts_file (IP and names, comments dropped) and
// host_containers_internal_ip in place of the address Roost found.
type hostsBase struct {
	Entries [][2]string
	HostIP  string
}

// hostsBase reads base_hosts_file on each start, as Podman does: an
// unreadable file adds nothing rather than keeping the container down.
func (e *Engine) hostsBase() hostsBase {
	c := e.Cfg.ContainersConf.Containers
	hb := hostsBase{HostIP: c.HostContainersInternalIP}
	if c.BaseHostsFile == "" || c.BaseHostsFile == "none" || c.BaseHostsFile == "image" {
		return hb
	}
	f, err := os.Open(c.BaseHostsFile)
	if err != nil {
		return hb
	}
	defer f.Close()
	hb.Entries = parseHostsEntries(bufio.NewScanner(f))
	return hb
}

// parseHostsEntries reads /etc/hosts syntax: IP NAME..., # comments.
func parseHostsEntries(sc *bufio.Scanner) [][2]string {
	var out [][2]string
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		out = append(out, [2]string{f[0], strings.Join(f[1:], " ")})
	}
	return out
}
