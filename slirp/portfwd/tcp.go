package portfwd

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// serveTCP accepts on one published port until the listener is closed.
func (f *Forwarder) serveTCP(ln *net.TCPListener, to string) {
	defer f.wg.Done()
	for {
		c, err := ln.AcceptTCP()
		if isClosed(err) {
			return
		}
		if err != nil {
			// Out of file descriptors or a connection aborted before accept:
			// keep the port, slow down a little.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		f.wg.Add(1)
		go f.forwardTCP(c, to)
	}
}

// forwardTCP connects a client to the container and copies both ways. A
// connection the container refuses is reset, so the client sees what it
// would see without the forwarder.
func (f *Forwarder) forwardTCP(client *net.TCPConn, to string) {
	defer f.wg.Done()
	defer client.Close()
	conn, err := f.dial.dialContainer("tcp", to)
	if err != nil {
		client.SetLinger(0)
		return
	}
	inner := conn.(*net.TCPConn)
	defer inner.Close()
	if !f.track(client) {
		return
	}
	defer f.untrack(client)
	if !f.track(inner) {
		return
	}
	defer f.untrack(inner)
	done := make(chan struct{})
	go func() {
		pipe(inner, client)
		close(done)
	}()
	pipe(client, inner)
	<-done
}

// pipe copies src to dst until src ends, then half-closes dst so the other
// side sees the end while its own direction keeps flowing. On TCP to TCP,
// ReadFrom splices in the kernel. An error (a reset) ends both directions.
func pipe(dst, src *net.TCPConn) {
	_, err := dst.ReadFrom(src)
	if err != nil && !errors.Is(err, syscall.EPIPE) {
		dst.SetLinger(0)
		dst.Close()
		src.Close()
		return
	}
	dst.CloseWrite()
}
