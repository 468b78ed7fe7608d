package dns

import (
	"bufio"
	"net"
	"os"
	"strings"
)

// SlirpDNS is slirp4netns's resolver address inside the namespace: it
// forwards to the host's own resolver, even one on the host's loopback.
const SlirpDNS = "10.0.2.3"

// Upstreams reads the nameservers of a resolv.conf (the host's, read at
// start). A loopback nameserver (systemd-resolved's 127.0.0.53, say) cannot
// be reached from the namespace: egress, the egress helper's resolver, takes
// its place. With no nameserver at all, egress alone.
func Upstreams(resolvConf, egress string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(ip string) {
		addr := net.JoinHostPort(ip, "53")
		if !seen[addr] {
			seen[addr] = true
			out = append(out, addr)
		}
	}
	f, err := os.Open(resolvConf)
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 || fields[0] != "nameserver" {
				continue
			}
			ip := net.ParseIP(strings.SplitN(fields[1], "%", 2)[0])
			switch {
			case ip == nil:
			case ip.IsLoopback():
				add(egress)
			default:
				add(ip.String())
			}
		}
	}
	if len(out) == 0 {
		add(egress)
	}
	return out
}
