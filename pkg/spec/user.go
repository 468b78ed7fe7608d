package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/user"
)

// resolvedUser is who the process runs as.
type resolvedUser struct {
	uid, gid    int
	additional  []uint32
	home        string
	passwdEntry string
	groupEntry  string
}

// userDB is the image's /etc/passwd and /etc/group (empty when absent).
type userDB struct {
	users  []user.User
	groups []user.Group
}

func readUserDB(rootfs string) (userDB, error) {
	var db userDB
	r, err := openInRootfs(rootfs, "/etc/passwd")
	if err != nil {
		return db, err
	}
	if r != nil {
		db.users, err = user.ParsePasswd(r)
		r.Close()
		if err != nil {
			return db, fmt.Errorf("reading the image's /etc/passwd: %w", err)
		}
	}
	r, err = openInRootfs(rootfs, "/etc/group")
	if err != nil {
		return db, err
	}
	if r != nil {
		db.groups, err = user.ParseGroup(r)
		r.Close()
		if err != nil {
			return db, fmt.Errorf("reading the image's /etc/group: %w", err)
		}
	}
	return db, nil
}

// openInRootfs opens a file of the image without following its symlinks out
// of the rootfs; a missing file is (nil, nil).
func openInRootfs(rootfs, name string) (*os.File, error) {
	p, err := securejoin.SecureJoin(rootfs, name)
	if err != nil {
		return nil, fmt.Errorf("reading the image's %s: %w", name, err)
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the image's %s: %w", name, err)
	}
	return f, nil
}

func (db userDB) userByName(name string) (user.User, bool) {
	for _, u := range db.users {
		if u.Name == name {
			return u, true
		}
	}
	return user.User{}, false
}

func (db userDB) userByID(uid int) (user.User, bool) {
	for _, u := range db.users {
		if u.Uid == uid {
			return u, true
		}
	}
	return user.User{}, false
}

func (db userDB) groupByName(name string) (user.Group, bool) {
	for _, g := range db.groups {
		if g.Name == name {
			return g, true
		}
	}
	return user.Group{}, false
}

func (db userDB) hasGID(gid int) bool {
	for _, g := range db.groups {
		if g.Gid == gid {
			return true
		}
	}
	return false
}

// memberOf lists the gids of the groups that name the user as a member.
func (db userDB) memberOf(name string) []int {
	var out []int
	for _, g := range db.groups {
		if slices.Contains(g.List, name) {
			out = append(out, g.Gid)
		}
	}
	return out
}

func parseID(s string) (int, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return int(n), err == nil
}

// resolveUser finds the uid, gid, groups and home of the process, as runc's
// and Podman's lookups do: a name must be in the image's files; a number
// need not be (its gid is then 0); supplementary groups come from
// /etc/group only when the group is not given explicitly.
func (o Options) resolveUser(ns namespaces, cwd string) (resolvedUser, error) {
	var r resolvedUser
	db, err := readUserDB(o.Rootfs)
	if err != nil {
		return r, err
	}

	spec := o.Process.User
	if spec == "" {
		spec = o.Image.User
	}
	implicit := spec == ""
	keepIDDefault := implicit && ns.keepID
	if implicit {
		spec = "0"
		if ns.keepID {
			uid, gid := ns.user.keepIDs(o.IDs)
			spec = strconv.Itoa(uid) + ":" + strconv.Itoa(gid)
		}
	}

	userPart, groupPart, explicitGroup := strings.Cut(spec, ":")
	if userPart == "" {
		return r, fmt.Errorf("invalid user %q: no user before ':' (use name|uid[:group|gid])", spec)
	}
	var (
		entry user.User
		found bool
	)
	if uid, ok := parseID(userPart); ok {
		r.uid = uid
		entry, found = db.userByID(uid)
	} else {
		if entry, found = db.userByName(userPart); !found {
			return r, fmt.Errorf("user %q not found in the image's /etc/passwd", userPart)
		}
		r.uid = entry.Uid
	}
	if found {
		r.gid = entry.Gid
		r.home = entry.Home
	}

	if explicitGroup {
		if groupPart == "" {
			return r, fmt.Errorf("invalid user %q: no group after ':' (use name|uid[:group|gid])", spec)
		}
		if gid, ok := parseID(groupPart); ok {
			r.gid = gid
		} else {
			g, ok := db.groupByName(groupPart)
			if !ok {
				return r, fmt.Errorf("group %q not found in the image's /etc/group", groupPart)
			}
			r.gid = g.Gid
		}
	}

	var extra []int
	if found && !explicitGroup {
		extra = db.memberOf(entry.Name)
	}
	if len(o.Process.GroupAdd) > 1 && slices.Contains(o.Process.GroupAdd, "keep-groups") {
		return r, errors.New("the '--group-add keep-groups' option is not allowed with any other --group-add options")
	}
	for _, g := range o.Process.GroupAdd {
		switch gid, ok := parseID(g); {
		case g == "keep-groups":
			return r, errors.New("--group-add keep-groups is not supported by Roost: name the groups to add instead")
		case ok:
			extra = append(extra, gid)
		default:
			grp, ok := db.groupByName(g)
			if !ok {
				return r, fmt.Errorf("group %q given to --group-add not found in the image's /etc/group", g)
			}
			extra = append(extra, grp.Gid)
		}
	}
	for _, gid := range extra {
		if !slices.Contains(r.additional, uint32(gid)) {
			r.additional = append(r.additional, uint32(gid))
		}
	}

	switch {
	case found:
	case implicit && !ns.keepID:
		// Root in an image without /etc/passwd (scratch images).
		r.home = "/"
	default:
		// A uid the image does not know: give it a name, as Podman does.
		r.home = cwd
		if keepIDDefault {
			name := o.IDs.UserName
			if name == "" {
				name = "user"
			}
			r.home = o.keepIDHome(cwd)
			r.passwdEntry = fmt.Sprintf("%s:*:%d:%d:%s:%s:/bin/sh\n", name, r.uid, r.gid, name, r.home)
		} else {
			r.passwdEntry = fmt.Sprintf("%d:*:%d:%d:container user:%s:/bin/sh\n", r.uid, r.uid, r.gid, r.home)
		}
		if o.PasswdEntry != "" {
			r.passwdEntry = passwdFromTemplate(o.PasswdEntry, r, o.IDs.UserName)
		}
	}
	if keepIDDefault && !db.hasGID(r.gid) {
		name := o.IDs.UserName
		if name == "" {
			name = "user"
		}
		r.groupEntry = fmt.Sprintf("%s:x:%d:%s\n", name, r.gid, name)
	}
	return r, nil
}

// keepIDHome is the user's host home when a mount brings it (or a directory
// above it) into the container, else the working directory (Podman's rule).
func (o Options) keepIDHome(cwd string) string {
	home, ok := cleanAbs(o.IDs.HomeDir)
	if !ok || home == "/" {
		return cwd
	}
	for _, m := range o.Mounts {
		d := path.Clean(m.Destination)
		if d == home || strings.HasPrefix(home, d+"/") {
			return home
		}
	}
	return cwd
}

// passwdFromTemplate expands --passwd-entry's $USERNAME, $UID, $GID, $NAME
// and $HOME for the container's user.
func passwdFromTemplate(tmpl string, r resolvedUser, userName string) string {
	if userName == "" {
		userName = strconv.Itoa(r.uid)
	}
	line := strings.NewReplacer("$USERNAME", userName, "$UID", strconv.Itoa(r.uid),
		"$GID", strconv.Itoa(r.gid), "$NAME", userName, "$HOME", r.home).Replace(tmpl)
	return strings.TrimRight(line, "\n") + "\n"
}
