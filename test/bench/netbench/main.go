// Command netbench is the published-port and egress benchmark's server and
// client. It is built static (CGO_ENABLED=0) so the same binary runs on the
// host and, bind-mounted, in any container image.
//
//	netbench serve ADDR            serve /big (SIZE bytes, from memory) and /small
//	netbench get URL               download URL to nowhere, print MB/s
//	netbench rate URL N            N sequential GETs, a new connection each, print requests/s
//	netbench load URL N C          N GETs over C kept-alive connections at once (as wrk), print requests/s
//	netbench throttle ADDR TARGET BPS   forward ADDR to TARGET, each connection's download held to BPS bytes/s (a slow link to a registry)
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// bigSize is the download: 200 MB.
const bigSize = 200 << 20

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: netbench serve ADDR | get URL | rate URL N | load URL N C")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2])
	case "get":
		err = get(os.Args[2])
	case "rate":
		n := 1000
		if len(os.Args) > 3 {
			n, _ = strconv.Atoi(os.Args[3])
		}
		err = rate(os.Args[2], n)
	case "load":
		n, c := 10000, 8
		if len(os.Args) > 4 {
			n, _ = strconv.Atoi(os.Args[3])
			c, _ = strconv.Atoi(os.Args[4])
		}
		err = load(os.Args[2], n, c)
	case "throttle":
		if len(os.Args) < 5 {
			err = fmt.Errorf("throttle ADDR TARGET BYTES_PER_SECOND")
			break
		}
		bps, _ := strconv.Atoi(os.Args[4])
		err = throttle(os.Args[2], os.Args[3], bps)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "netbench:", err)
		os.Exit(1)
	}
}

// serve answers /big with 200 MB written from one 1 MiB buffer (the server
// costs a write per MiB: it is not the bottleneck) and /small with 2 bytes.
func serve(addr string) error {
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = 'x'
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(bigSize))
		for left := bigSize; left > 0; left -= len(chunk) {
			if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return http.Serve(l, mux)
}

// get downloads url and prints MB/s (10^6 bytes). A download that stalls
// fails after a minute rather than hang the bench.
func get(url string) error {
	start := time.Now()
	c := &http.Client{Timeout: time.Minute}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf := make([]byte, 1<<20)
	n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{resp.Body}, buf)
	if err != nil {
		return err
	}
	if resp.ContentLength > 0 && n != resp.ContentLength {
		return fmt.Errorf("short body: %d of %d bytes", n, resp.ContentLength)
	}
	fmt.Printf("%.0f\n", float64(n)/1e6/time.Since(start).Seconds())
	return nil
}

// rate makes n sequential requests, each on a new connection, and prints
// requests per second.
func rate(url string, n int) error {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	start := time.Now()
	for i := 0; i < n; i++ {
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	fmt.Printf("%.0f\n", float64(n)/time.Since(start).Seconds())
	return nil
}

// load makes n requests from c workers, each keeping its connection alive
// (wrk's small-file measure: the forwarder's per-request cost, no new
// connections), and prints requests per second.
func load(url string, n, c int) error {
	tr := &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	errs := make(chan error, c)
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				resp, err := client.Get(url)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Printf("%.0f\n", float64(n)/time.Since(start).Seconds())
	return nil
}

// throttle forwards each connection on addr to target, sending the
// target's answer back no faster than bps bytes a second (per connection,
// as a CDN serves each of a client's connections).
func throttle(addr, target string, bps int) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			u, err := net.Dial("tcp", target)
			if err != nil {
				return
			}
			defer u.Close()
			go io.Copy(u, c)
			buf := make([]byte, 32<<10)
			start, sent := time.Now(), 0
			for {
				n, err := u.Read(buf)
				if n > 0 {
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
					sent += n
					due := time.Duration(float64(sent) / float64(bps) * float64(time.Second))
					if ahead := due - time.Since(start); ahead > 0 {
						time.Sleep(ahead)
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}
