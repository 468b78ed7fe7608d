package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/roost-containers/roost/pkg/monitor"
)

// logSink receives the container's output as it is read, a chunk at a time.
type logSink interface {
	write(stream byte, chunk []byte) error
	close() error
}

func newLogSink(cfg *monitor.Config) (logSink, error) {
	switch cfg.LogDriver {
	case monitor.LogK8sFile:
		return openK8sFile(cfg.LogPath, cfg.LogMaxSize, cfg.LogMaxFiles)
	case monitor.LogJournald:
		return openJournal(cfg.ID, cfg.Name)
	}
	return discard{}, nil
}

type discard struct{}

func (discard) write(byte, []byte) error { return nil }
func (discard) close() error             { return nil }

// k8sTime is the CRI log format's timestamp (podman's k8s-file).
const k8sTime = "2006-01-02T15:04:05.000000000Z07:00"

// k8sFile writes the CRI log format: one record per line,
// "<time> stdout|stderr F|P <text>", P for a chunk that ended mid-line.
// It rotates at maxSize, keeping maxFiles files (log, log.1, ...).
type k8sFile struct {
	mu       sync.Mutex
	path     string
	maxSize  int64
	maxFiles int
	f        *os.File
	size     int64
	buf      []byte
}

func openK8sFile(path string, maxSize int64, maxFiles int) (*k8sFile, error) {
	l := &k8sFile{path: path, maxSize: maxSize, maxFiles: maxFiles}
	return l, l.open()
}

func (l *k8sFile) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	l.f, l.size = f, st.Size()
	return nil
}

func (l *k8sFile) write(stream byte, chunk []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	name := "stdout"
	if stream == monitor.FrameStderr {
		name = "stderr"
	}
	now := time.Now()
	for len(chunk) > 0 {
		line, rest, full := bytes.Cut(chunk, []byte{'\n'})
		chunk = rest
		l.buf = now.AppendFormat(l.buf[:0], k8sTime)
		l.buf = append(l.buf, ' ')
		l.buf = append(l.buf, name...)
		if full {
			l.buf = append(l.buf, " F "...)
		} else {
			l.buf = append(l.buf, " P "...)
		}
		l.buf = append(append(l.buf, line...), '\n')
		if err := l.record(l.buf); err != nil {
			return err
		}
	}
	if cap(l.buf) > 64<<10 {
		l.buf = nil // do not keep a big buffer resident
	}
	return nil
}

func (l *k8sFile) record(rec []byte) error {
	if l.maxSize > 0 && l.size > 0 && l.size+int64(len(rec)) > l.maxSize {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(rec)
	l.size += int64(n)
	return err
}

// rotate shifts log.N-1 -> log.N ... log -> log.1 and starts a new log; with
// maxFiles <= 1 it truncates.
func (l *k8sFile) rotate() error {
	l.f.Close()
	if l.maxFiles <= 1 {
		if err := os.Truncate(l.path, 0); err != nil {
			return err
		}
		return l.open()
	}
	os.Remove(l.path + "." + strconv.Itoa(l.maxFiles-1))
	for i := l.maxFiles - 2; i >= 1; i-- {
		os.Rename(l.path+"."+strconv.Itoa(i), l.path+"."+strconv.Itoa(i+1))
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return err
	}
	return l.open()
}

func (l *k8sFile) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}

// journal sends each line to journald's native socket.
type journal struct {
	mu     sync.Mutex
	conn   *os.File
	fields []byte // the fields common to every entry
	buf    []byte
}

const journalSocket = "/run/systemd/journal/socket"

func openJournal(id, name string) (*journal, error) {
	conn, err := monitor.DialDatagram(journalSocket)
	if err != nil {
		return nil, fmt.Errorf("journald log driver: %w (use --log-driver k8s-file)", err)
	}
	return newJournal(conn, id, name), nil
}

func newJournal(conn *os.File, id, name string) *journal {
	short := id
	if len(short) > 12 {
		short = short[:12]
	}
	if name == "" {
		name = short
	}
	fields := "CONTAINER_ID=" + short + "\nCONTAINER_ID_FULL=" + id + "\nCONTAINER_NAME=" + name +
		"\nSYSLOG_IDENTIFIER=" + name + "\n"
	return &journal{conn: conn, fields: []byte(fields)}
}

func (j *journal) write(stream byte, chunk []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	priority := "PRIORITY=6\n"
	if stream == monitor.FrameStderr {
		priority = "PRIORITY=3\n"
	}
	for len(chunk) > 0 {
		line, rest, full := bytes.Cut(chunk, []byte{'\n'})
		chunk = rest
		j.buf = append(append(j.buf[:0], j.fields...), priority...)
		if !full {
			j.buf = append(j.buf, "CONTAINER_PARTIAL_MESSAGE=true\n"...)
		}
		// MESSAGE in the binary-safe form: name, newline, 64-bit LE size, data.
		j.buf = append(j.buf, "MESSAGE\n"...)
		j.buf = binary.LittleEndian.AppendUint64(j.buf, uint64(len(line)))
		j.buf = append(append(j.buf, line...), '\n')
		if _, err := j.conn.Write(j.buf); err != nil {
			return err
		}
	}
	return nil
}

func (j *journal) close() error { return j.conn.Close() }
