package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/roost-containers/roost/pkg/monitor"
)

func TestK8sFileRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	l, err := openK8sFile(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	l.write(monitor.FrameStdout, []byte("one\ntwo\npar"))
	l.write(monitor.FrameStdout, []byte("tial\n"))
	l.write(monitor.FrameStderr, []byte("\n"))
	l.close()
	b, _ := os.ReadFile(path)
	re := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) `)
	got := re.ReplaceAllString(string(b), "")
	want := "stdout F one\nstdout F two\nstdout P par\nstdout F tial\nstderr F \n"
	if got != want {
		t.Fatalf("records:\n%q\nwant\n%q", got, want)
	}
}

func TestK8sFileRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	l, err := openK8sFile(path, 200, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		l.write(monitor.FrameStdout, []byte(strings.Repeat("x", 40)+"\n"))
	}
	l.close()
	for _, name := range []string{path, path + ".1", path + ".2"} {
		st, err := os.Stat(name)
		if err != nil || st.Size() == 0 || st.Size() > 200 {
			t.Fatalf("%s: %v %v", name, st, err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", name, st.Mode())
		}
	}
	if _, err := os.Stat(path + ".3"); err == nil {
		t.Fatal("kept more than 3 files")
	}

	// One file: truncated in place.
	single := filepath.Join(t.TempDir(), "log")
	l, _ = openK8sFile(single, 200, 1)
	for i := 0; i < 20; i++ {
		l.write(monitor.FrameStdout, []byte(strings.Repeat("y", 40)+"\n"))
	}
	l.close()
	if st, _ := os.Stat(single); st.Size() > 200 {
		t.Fatalf("size %d", st.Size())
	}
	if _, err := os.Stat(single + ".1"); err == nil {
		t.Fatal("rotated with max files 1")
	}
}

func TestJournalEntries(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	peer := os.NewFile(uintptr(fds[1]), "peer")
	defer peer.Close()
	j := newJournal(os.NewFile(uintptr(fds[0]), "journal"), "0123456789abcdef", "web")
	j.write(monitor.FrameStderr, []byte("bad\nhalf"))
	buf := make([]byte, 4096)
	n, _ := peer.Read(buf)
	first := buf[:n]
	for _, field := range []string{"CONTAINER_ID=0123456789ab\n", "CONTAINER_ID_FULL=0123456789abcdef\n", "CONTAINER_NAME=web\n", "PRIORITY=3\n"} {
		if !bytes.Contains(first, []byte(field)) {
			t.Errorf("entry lacks %q: %q", field, first)
		}
	}
	msg := append([]byte("MESSAGE\n"), binary.LittleEndian.AppendUint64(nil, 3)...)
	if !bytes.HasSuffix(first, append(msg, "bad\n"...)) {
		t.Errorf("entry: %q", first)
	}
	n, _ = peer.Read(buf)
	if !bytes.Contains(buf[:n], []byte("CONTAINER_PARTIAL_MESSAGE=true\n")) {
		t.Errorf("partial entry: %q", buf[:n])
	}
}
