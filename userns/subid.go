package userns

import (
	"bufio"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// IDMap is one line of a uid_map or gid_map: Size ids from HostID on the host
// appear from ContainerID inside.
type IDMap struct {
	ContainerID, HostID, Size int
}

// subIDRange finds the first range for the user in /etc/subuid or /etc/subgid,
// where an entry names the user by login or by number.
func subIDRange(path, name string, id int) (start, size int, found bool, err error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ":")
		if len(parts) != 3 || (parts[0] != name && parts[0] != strconv.Itoa(id)) {
			continue
		}
		start, err1 := strconv.Atoi(parts[1])
		size, err2 := strconv.Atoi(parts[2])
		if err1 != nil || err2 != nil || size < 1 {
			return 0, 0, false, fmt.Errorf("%s: malformed entry %q", path, line)
		}
		return start, size, true, nil
	}
	return 0, 0, false, sc.Err()
}

// Mappings is how the user's namespace maps ids: 0 is the user, 1..N the
// subordinate range. Without a range it is the user alone, and Warning says
// how to add one.
type Mappings struct {
	UIDs, GIDs []IDMap
	Warning    string
}

// UserMappings computes the mappings for uid/gid from /etc/subuid and /etc/subgid.
func UserMappings(uid, gid int) (Mappings, error) {
	name := strconv.Itoa(uid)
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	m := Mappings{
		UIDs: []IDMap{{0, uid, 1}},
		GIDs: []IDMap{{0, gid, 1}},
	}
	us, un, uok, err := subIDRange("/etc/subuid", name, uid)
	if err != nil {
		return m, err
	}
	gs, gn, gok, err := subIDRange("/etc/subgid", name, uid)
	if err != nil {
		return m, err
	}
	if !uok || !gok {
		m.Warning = fmt.Sprintf("no subuid/subgid range for %s in /etc/subuid and /etc/subgid: containers get a single uid and gid; to add one run `sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s`", name, name)
		return m, nil
	}
	m.UIDs = append(m.UIDs, IDMap{1, us, un})
	m.GIDs = append(m.GIDs, IDMap{1, gs, gn})
	return m, nil
}

func (m IDMap) String() string {
	return fmt.Sprintf("%d %d %d", m.ContainerID, m.HostID, m.Size)
}

// NamedRange is --subuidname/--subgidname: the first range that
// /etc/subuid (or /etc/subgid, gids true) gives name, as ids of the current
// namespace, for a CONTAINER:HOST:SIZE mapping from container id 0. Only a
// range the user's namespace maps (the user's own) can be used rootless.
func NamedRange(name string, gids bool) (start, size int, err error) {
	file, flag := "/etc/subuid", "--subuidname"
	if gids {
		file, flag = "/etc/subgid", "--subgidname"
	}
	hostStart, size, found, err := subIDRange(file, name, -1)
	if err != nil {
		return 0, 0, err
	}
	if !found {
		return 0, 0, fmt.Errorf("%s %s: no range for %s in %s", flag, name, name, file)
	}
	uids, gidMaps, err := CurrentMappings()
	if err != nil {
		return 0, 0, err
	}
	maps := uids
	if gids {
		maps = gidMaps
	}
	for _, m := range maps {
		if hostStart >= m.HostID && hostStart+size <= m.HostID+m.Size {
			return m.ContainerID + hostStart - m.HostID, size, nil
		}
	}
	return 0, 0, fmt.Errorf("%s %s: its range %d-%d is outside the user's namespace (only the user's own subordinate ids can be mapped rootless)", flag, name, hostStart, hostStart+size-1)
}
