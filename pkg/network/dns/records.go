// Package dns is Roost's DNS responder for user networks. One process per
// user, in the shared network namespace, listens on each network's gateway
// (port 53, UDP and TCP), answers the names of that network's running
// members (containers, aliases, compose services) and forwards every other
// question upstream. It lives only while some network has running members.
//
// The network code tells it who is where through one JSON file per network,
// RunDir/network/dns/<network>.json (see Records), rewritten atomically on
// every member start and stop, and calls Ensure after writing one.
package dns

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Domain is the search domain containers may append: web.dns.podman is web.
// It is Podman's, so scripts written for Podman resolve the same names;
// OldDomain, Roost's earlier one, still answers.
const (
	Domain    = "dns.podman"
	OldDomain = "dns.roost"
)

// Records is one network's file: where the responder listens for it and the
// names its running members answer to.
type Records struct {
	Gateway string              `json:"gateway"`         // e.g. 10.89.0.1
	Names   map[string][]string `json:"names,omitempty"` // name -> addresses
}

// Dir is where the records files live.
func Dir(runDir string) string { return filepath.Join(runDir, "network", "dns") }

// WriteRecords replaces a network's records file atomically (the responder
// may read it at any moment).
func WriteRecords(runDir, network string, r Records) error {
	dir := Dir(runDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+network+"-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, network+".json"))
}

// RemoveRecords drops a network's file (its last member stopped, or the
// network was removed).
func RemoveRecords(runDir, network string) error {
	err := os.Remove(filepath.Join(Dir(runDir), network+".json"))
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

// recordsSignature names the records files as they are: each name with its
// inode. WriteRecords renames a new file into place, so every write gives a
// new inode, even two in the same clock tick (a directory's mtime would not
// tell those apart).
func recordsSignature(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		var ino uint64
		if fi, err := e.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				ino = st.Ino
			}
		}
		fmt.Fprintf(&b, "%s:%d/", e.Name(), ino)
	}
	return b.String()
}

// loadRecords reads every network's file; names are folded to lower case.
// A file that cannot be read is reported and skipped.
func loadRecords(dir string, logf func(string, ...any)) map[string]Records {
	out := map[string]Records{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(name, ".") {
			continue
		}
		r, err := readRecords(filepath.Join(dir, e.Name()))
		if err != nil {
			logf("%v", err)
			continue
		}
		out[name] = r
	}
	return out
}

func readRecords(path string) (Records, error) {
	var r Records
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	names := make(map[string][]string, len(r.Names))
	for n, ips := range r.Names {
		names[strings.ToLower(n)] = append(names[strings.ToLower(n)], ips...)
	}
	r.Names = names
	return r, nil
}

// members counts the names across networks: zero means no running member.
func members(recs map[string]Records) int {
	n := 0
	for _, r := range recs {
		n += len(r.Names)
	}
	return n
}
