package portfwd

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// serveTCP accepts on one published port until the listener is closed.
func (f *Forwarder) serveTCP(ln *sock, port uint16) {
	defer f.wg.Done()
	for {
		var nfd int
		err := ln.read(func(fd int) (err error) {
			nfd, _, err = unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			return err
		})
		if ln.isClosed() {
			return
		}
		if err != nil {
			if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) || errors.Is(err, unix.ENOBUFS) || errors.Is(err, unix.ENOMEM) {
				time.Sleep(50 * time.Millisecond) // out of resources: keep the port, slow down
			}
			continue
		}
		client, err := newSock(nfd)
		if err != nil {
			unix.Close(nfd)
			continue
		}
		client.noDelay()
		f.wg.Add(1)
		go f.forwardTCP(client, port)
	}
}

// forwardTCP connects a client to the container and copies both ways. A
// connection the container refuses is reset, so the client sees what it
// would see without the forwarder.
func (f *Forwarder) forwardTCP(client *sock, port uint16) {
	defer f.wg.Done()
	defer client.Close()
	inner, err := f.dial.dialContainer(unix.SOCK_STREAM, port)
	if err != nil {
		client.reset()
		return
	}
	defer inner.Close()
	if !f.track(client, inner) {
		return
	}
	defer f.untrack(client, inner)
	done := make(chan struct{})
	go func() {
		pipe(inner, client)
		close(done)
	}()
	pipe(client, inner)
	<-done
}

// pipe copies src to dst until src ends, then half-closes dst so the other
// side sees the end while its own direction keeps flowing. An error (a reset,
// a closed socket) ends both directions and resets dst.
func pipe(dst, src *sock) {
	if err := splice(dst, src); err != nil {
		dst.reset()
		dst.Close()
		src.Close()
		return
	}
	dst.control(func(fd int) error { return unix.Shutdown(fd, unix.SHUT_WR) })
}

// pipeSize is the kernel pipe between the two sockets once a connection
// proves to be a bulk transfer: larger moves more per system call (1 MiB is
// the unprivileged maximum by default). A connection starts with the
// default 64 KiB, so short exchanges do not pay for the big pipe (and do
// not eat into the user's pipe-user-pages budget).
const (
	pipeSize    = 1 << 20
	defaultPipe = 64 << 10
)

// splice moves bytes from src to dst through a pipe without copying them to
// user space; nil at src's end of stream.
func splice(dst, src *sock) error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return err
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	size, grown := defaultPipe, false
	const flags = unix.SPLICE_F_MOVE | unix.SPLICE_F_NONBLOCK
	for {
		var n int64
		err := src.read(func(fd int) (err error) {
			n, err = unix.Splice(fd, nil, p[1], nil, size, flags)
			return err
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		full := n == int64(size)
		for n > 0 {
			var m int64
			err := dst.write(func(fd int) (err error) {
				m, err = unix.Splice(p[0], nil, fd, nil, int(n), flags)
				return err
			})
			if err != nil {
				return err
			}
			n -= m
		}
		if full && !grown {
			// A read filled the pipe: a bulk transfer. The pipe is empty
			// now, so it can grow; when the user's pipe budget is spent
			// the default size stays (still correct, a little slower).
			grown = true
			if got, err := unix.FcntlInt(uintptr(p[1]), unix.F_SETPIPE_SZ, pipeSize); err == nil {
				size = got
			}
		}
	}
}
