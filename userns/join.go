// Package userns gives a rootless user one long-lived user + mount namespace,
// held by a tiny process, that every Roost command joins: mounts made by one
// command are then visible to the next.
package userns

/*
#cgo CFLAGS: -Wall
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// Set by the constructor, read from Go: what happened when joining.
int roost_join_state;      // 0 nothing asked, 1 already inside, 2 joined, -1 failed
int roost_join_errno;
const char *roost_join_stage = "";

// Set when the constructor joined on the first exec, from the holder's pid
// file (roost_join_early): Go then exports what a re-execution would have
// carried in the environment (the holder, the user's ids on the host).
int roost_join_early;
long roost_early_pid;
unsigned int roost_early_uid, roost_early_gid;

static int same_ns(int fd, const char *self) {
	struct stat a, b;
	if (fstat(fd, &a) != 0 || stat(self, &b) != 0)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void fail(const char *stage) {
	roost_join_errno = errno;
	roost_join_stage = stage;
	roost_join_state = -1;
}

// start_time reads field 22 of /proc/PID/stat (clock ticks since boot), 0 if
// the process is gone or a zombie. The command name may hold spaces and
// parentheses: the fields follow the last ')'.
static unsigned long long start_time(long pid) {
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	p += 2; // the state: field 3
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

// read_holder reads "PID STARTTIME" from the user's pid file, which must be
// the user's own; 0 if there is none.
static long read_holder(unsigned long long *start) {
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char path[4096], buf[64];
	if (rt == NULL || rt[0] != '/' ||
	    snprintf(path, sizeof path, "%s/roost/userns.pid", rt) >= (int)sizeof path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	struct stat st;
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && st.st_uid == getuid())
		n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	long pid;
	if (sscanf(buf, "%ld %llu", &pid, start) != 2 || pid <= 0)
		return 0;
	return pid;
}

// join_early joins the holder named by the pid file on this first exec, so
// that a command needs no re-execution of the whole binary. Anything unusual
// (no holder yet, a stale pid file, root) leaves it to Go, which creates the
// holder or re-executes as before and reports errors in words.
static void join_early(void) {
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (uid == 0)
		return; // root has no namespace; a process inside one is uid 0 too
	unsigned long long want;
	long pid = read_holder(&want);
	if (pid == 0)
		return;
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/ns/user", pid);
	int userfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof path, "/proc/%ld/ns/mnt", pid);
	int mntfd = open(path, O_RDONLY | O_CLOEXEC);
	// Checked after opening: the descriptors then surely are the holder's
	// namespaces, not those of a process that reused its pid.
	if (userfd < 0 || mntfd < 0 || start_time(pid) != want || same_ns(userfd, "/proc/self/ns/user")) {
		if (userfd >= 0)
			close(userfd);
		if (mntfd >= 0)
			close(mntfd);
		return;
	}
	char *cwd = getcwd(NULL, 0);
	if (setns(userfd, CLONE_NEWUSER) != 0) {
		// Not joined: Go takes the usual way, which reports this if it lasts.
	} else if (setns(mntfd, CLONE_NEWNS) != 0) {
		fail("join mount namespace");
	} else {
		roost_join_state = 2;
		roost_join_early = 1;
		roost_early_pid = pid;
		roost_early_uid = uid;
		roost_early_gid = gid;
		// As below: keep the caller's working directory across the join.
		if (cwd != NULL && chdir(cwd) != 0) {
			roost_join_errno = 0;
		}
	}
	free(cwd);
	close(userfd);
	close(mntfd);
}

// Runs before the Go runtime starts threads: setns(CLONE_NEWUSER) is refused
// in a multi-threaded process, so joining has to happen here.
__attribute__((constructor)) static void roost_userns_init(void) {
	const char *holder = getenv("_ROOST_USERNS_HOLDER");
	if (holder != NULL && strcmp(holder, "1") == 0) {
		// The holder: it only keeps the namespaces alive. Pausing here, before
		// the Go runtime starts, keeps its resident memory to a few pages.
		// It lives as long as any container: it must hold no descriptor
		// beyond stdio (/dev/null), whatever its starter leaked to it.
		syscall(SYS_close_range, 3, ~0U, 0);
		for (;;)
			pause();
	}
	const char *pid = getenv("_ROOST_USERNS_PID");
	if (pid == NULL || *pid == '\0') {
		join_early();
		return;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%s/ns/user", pid);
	int userfd = open(path, O_RDONLY | O_CLOEXEC);
	if (userfd < 0) {
		fail("open user namespace");
		return;
	}
	snprintf(path, sizeof path, "/proc/%s/ns/mnt", pid);
	int mntfd = open(path, O_RDONLY | O_CLOEXEC);
	if (mntfd < 0) {
		fail("open mount namespace");
		close(userfd);
		return;
	}
	char *cwd = getcwd(NULL, 0);
	if (same_ns(userfd, "/proc/self/ns/user")) {
		roost_join_state = 1;
	} else if (setns(userfd, CLONE_NEWUSER) != 0) {
		fail("join user namespace");
	} else if (setns(mntfd, CLONE_NEWNS) != 0) {
		fail("join mount namespace");
	} else {
		roost_join_state = 2;
		// Joining a mount namespace moves the working directory to its root;
		// come back to the caller's, so relative paths keep their meaning
		// (where it does not exist in the namespace, the root it is).
		if (cwd != NULL && chdir(cwd) != 0) {
			roost_join_errno = 0;
		}
	}
	free(cwd);
	close(userfd);
	close(mntfd);
}
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// A process that joined on its first exec exports, before anything reads
// them, the variables a re-execution would have set: containers/storage and
// containers/image read the user's host ids from them (inside, getuid() is
// 0), and Roost's children (monitors, exit commands, storage helpers) find
// the holder by them. No package's init reads them (checked for
// containers/storage and containers/image), so this init is early enough.
func init() {
	if C.roost_join_early != 1 {
		return
	}
	exportJoined(int(C.roost_early_pid), int(C.roost_early_uid), int(C.roost_early_gid))
}

func exportJoined(pid, uid, gid int) {
	for k, v := range map[string]string{
		envPid:                          strconv.Itoa(pid),
		"_CONTAINERS_USERNS_CONFIGURED": "done",
		"_CONTAINERS_ROOTLESS_UID":      strconv.Itoa(uid),
		"_CONTAINERS_ROOTLESS_GID":      strconv.Itoa(gid),
	} {
		os.Setenv(k, v)
	}
}

// joinResult reports what the constructor did with _ROOST_USERNS_PID.
func joinResult() (inside bool, err error) {
	switch C.roost_join_state {
	case 1, 2:
		return true, nil
	case -1:
		return false, fmt.Errorf("%s of holder: %w", C.GoString(C.roost_join_stage), syscall.Errno(C.roost_join_errno))
	}
	return false, nil
}
