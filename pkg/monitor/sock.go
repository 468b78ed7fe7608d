package monitor

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Unix sockets on raw system calls, served by Go's poller through *os.File:
// the monitor stays off package net, which would double its code and, with
// cgo, link libc.

// Listener is a listening unix stream socket.
type Listener struct {
	f    *os.File
	rc   syscall.RawConn
	path string
}

// Listen binds a stream socket at path (replacing a stale one), mode 0600.
// path may be relative to the working directory: the way past the 108-byte
// limit of socket addresses.
func Listen(path string) (*Listener, error) {
	// Non-blocking, so Accept waits in the poller: a blocking accept holds
	// a thread of its own for as long as the monitor idles.
	fd, err := socket(syscall.SOCK_STREAM | syscall.SOCK_NONBLOCK)
	if err != nil {
		return nil, err
	}
	os.Remove(path)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "bind", Path: path, Err: err}
	}
	os.Chmod(path, 0o600)
	if err := syscall.Listen(fd, 16); err != nil {
		syscall.Close(fd)
		os.Remove(path)
		return nil, &os.PathError{Op: "listen", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Listener{f: f, rc: rc, path: path}, nil
}

// Accept waits for a connection; it fails once the listener is closed.
func (l *Listener) Accept() (*os.File, error) {
	var nfd int
	var aerr error
	err := l.rc.Read(func(fd uintptr) bool {
		nfd, _, aerr = syscall.Accept4(int(fd), syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		return aerr != syscall.EAGAIN
	})
	if err == nil {
		err = aerr
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(nfd), l.path), nil
}

// Close stops listening and removes the socket file.
func (l *Listener) Close() error {
	os.Remove(l.path)
	return l.f.Close()
}

// Dial connects to the stream socket at path, also when path is longer than a
// socket address allows (through /proc/self/fd of its directory).
func Dial(path string) (*os.File, error) {
	return dial(path, syscall.SOCK_STREAM)
}

// DialDatagram connects a datagram socket to path (journald's).
func DialDatagram(path string) (*os.File, error) {
	return dial(path, syscall.SOCK_DGRAM)
}

func dial(path string, typ int) (*os.File, error) {
	addr := path
	if len(path) >= 108 {
		dir, err := os.OpenFile(filepath.Dir(path), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		defer dir.Close()
		addr = "/proc/self/fd/" + strconv.Itoa(int(dir.Fd())) + "/" + filepath.Base(path)
	}
	fd, err := socket(typ)
	if err != nil {
		return nil, err
	}
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: addr}); err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "connect", Path: path, Err: err}
	}
	syscall.SetNonblock(fd, true)
	return os.NewFile(uintptr(fd), path), nil
}

func socket(typ int) (int, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, typ|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	return fd, nil
}

// ReceiveFd reads one message carrying a file descriptor (SCM_RIGHTS), as an
// OCI runtime sends the pty master to --console-socket. The file is
// non-blocking, so reads go through the poller.
func ReceiveFd(conn *os.File) (*os.File, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 256)
	oob := make([]byte, syscall.CmsgSpace(4*4))
	var oobn int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		_, oobn, _, _, rerr = syscall.Recvmsg(int(fd), buf, oob, syscall.MSG_CMSG_CLOEXEC)
		return rerr != syscall.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return nil, err
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, err
	}
	var fds []int
	for i := range msgs {
		if got, err := syscall.ParseUnixRights(&msgs[i]); err == nil {
			fds = append(fds, got...)
		}
	}
	if len(fds) == 0 {
		return nil, errors.New("no file descriptor received")
	}
	for _, fd := range fds[1:] {
		syscall.Close(fd)
	}
	syscall.SetNonblock(fds[0], true)
	return os.NewFile(uintptr(fds[0]), "received"), nil
}
