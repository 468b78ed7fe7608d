package events

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"golang.org/x/sys/unix"
)

// journald: each event is one entry on journald's native socket, with the
// human line as MESSAGE and the JSON record in ROOST_EVENT, which the reader
// takes back through journalctl. Written by hand (one datagram), so the
// monitor links no journal library.

const (
	journalSocket     = "/run/systemd/journal/socket"
	journalIdentifier = "roost"
	journalField      = "ROOST_EVENT"
)

func writeJournal(e Event) error {
	line, err := e.MarshalLine()
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var buf []byte
	buf = journalEntry(buf, "SYSLOG_IDENTIFIER", []byte(journalIdentifier))
	buf = journalEntry(buf, "PRIORITY", []byte("6"))
	buf = journalEntry(buf, "MESSAGE", []byte(e.Human(false)))
	buf = journalEntry(buf, "ROOST_EVENT_TYPE", []byte(e.Type))
	buf = journalEntry(buf, "ROOST_EVENT_STATUS", []byte(e.Status))
	buf = journalEntry(buf, journalField, line)
	return unix.Sendto(fd, buf, 0, &unix.SockaddrUnix{Name: journalSocket})
}

// journalEntry appends one field in the binary-safe form: name, newline,
// 64-bit little-endian size, data, newline.
func journalEntry(buf []byte, name string, value []byte) []byte {
	buf = append(append(buf, name...), '\n')
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(value)))
	return append(append(buf, value...), '\n')
}

// readJournal runs journalctl over the user's entries of Roost and hands
// each record it finds to yield; with follow it keeps reading until ctx ends.
func readJournal(ctx context.Context, follow bool, yield func([]byte) bool) error {
	args := []string{"--output=json", "--no-pager", "SYSLOG_IDENTIFIER=" + journalIdentifier}
	if os.Getuid() != 0 {
		args = append([]string{"--user"}, args...)
	}
	if follow {
		args = append(args, "--follow", "--lines=all")
	}
	cmd := exec.CommandContext(ctx, "journalctl", args...)
	cmd.Env = append(os.Environ(), "SYSTEMD_COLORS=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("reading events from journald: %w (use --events-backend file)", err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	stopped := false
	for sc.Scan() {
		var entry map[string]json.RawMessage
		if json.Unmarshal(sc.Bytes(), &entry) != nil {
			continue
		}
		raw, ok := entry[journalField]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue // not text: not one of ours
		}
		if !yield([]byte(s)) {
			stopped = true
			break
		}
	}
	if stopped || ctx.Err() != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("journalctl: %w (exit %s)", err, strconv.Itoa(cmd.ProcessState.ExitCode()))
	}
	return sc.Err()
}
