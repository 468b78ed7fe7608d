package portfwd

import (
	"encoding/binary"
	"io"
	"net"
	"testing"

	"github.com/roost-containers/roost/pkg/monitor"
)

// The benchmarks compare a path through the forwarder with the same server
// reached directly on loopback (the floor). test/bench/portfwd.sh runs them
// and prints the ratios. The forwarder runs in the benchmark's own process
// here; run with -cpu 1 to give it the monitor's single P.

const downloadSize = 200 << 20

// blastServer answers each connection with the number of bytes the client
// asks for (8 bytes, big endian), from one buffer: it is not the bottleneck.
func blastServer(c net.Conn) {
	var want uint64
	if binary.Read(c, binary.BigEndian, &want) != nil {
		return
	}
	buf := make([]byte, 1<<20)
	for want > 0 {
		n := uint64(len(buf))
		if want < n {
			n = want
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
		want -= n
	}
}

func fetch(b *testing.B, addr string, size uint64, buf []byte) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := binary.Write(c, binary.BigEndian, size); err != nil {
		b.Fatal(err)
	}
	var got uint64
	for {
		n, err := c.Read(buf)
		got += uint64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if got != size {
		b.Fatalf("got %d bytes, want %d", got, size)
	}
}

// paths starts the server in a namespace behind the forwarder and on the
// host's loopback, and returns both addresses.
func paths(b *testing.B) map[string]string {
	ns := newTestNS(b)
	inner, _ := ns.listen(b, "tcp")
	serveTCP(b, inner, blastServer)
	direct, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	serveTCP(b, direct, blastServer)
	host := freePort(b, "tcp")
	forward(b, ns, monitor.Port{HostIP: "127.0.0.1", HostPort: host, ContainerPort: portOf(inner.Addr())})
	return map[string]string{"loopback": direct.Addr().String(), "forwarded": hostAddr(host)}
}

// BenchmarkDownload: one 200 MB download per op; MB/s is the figure.
func BenchmarkDownload(b *testing.B) {
	addrs := paths(b)
	buf := make([]byte, 1<<20)
	for _, name := range []string{"loopback", "forwarded"} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(downloadSize)
			for i := 0; i < b.N; i++ {
				fetch(b, addrs[name], downloadSize, buf)
			}
		})
	}
}

// BenchmarkSmallRequests: connect, ask for 100 bytes, read them, close.
func BenchmarkSmallRequests(b *testing.B) {
	addrs := paths(b)
	buf := make([]byte, 4096)
	for _, name := range []string{"loopback", "forwarded"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				fetch(b, addrs[name], 100, buf)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conns/s")
		})
	}
}
