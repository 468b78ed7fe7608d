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
#include <unistd.h>

// Set by the constructor, read from Go: what happened when joining.
int roost_join_state;      // 0 nothing asked, 1 already inside, 2 joined, -1 failed
int roost_join_errno;
const char *roost_join_stage = "";

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

// Runs before the Go runtime starts threads: setns(CLONE_NEWUSER) is refused
// in a multi-threaded process, so joining has to happen here.
__attribute__((constructor)) static void roost_userns_init(void) {
	const char *holder = getenv("_ROOST_USERNS_HOLDER");
	if (holder != NULL && strcmp(holder, "1") == 0) {
		// The holder: it only keeps the namespaces alive. Pausing here, before
		// the Go runtime starts, keeps its resident memory to a few pages.
		for (;;)
			pause();
	}
	const char *pid = getenv("_ROOST_USERNS_PID");
	if (pid == NULL || *pid == '\0')
		return;
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
	"syscall"
)

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
