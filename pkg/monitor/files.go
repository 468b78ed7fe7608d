package monitor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ExitStatus is the content of the exit file, written by the monitor after
// every exit of the container.
type ExitStatus struct {
	Code       int       `json:"code"` // exit code, or 128+signal
	FinishedAt time.Time `json:"finishedAt"`
	OOMKilled  bool      `json:"oomKilled"`
	// Restarting: the monitor will start the container again (restart policy).
	Restarting bool `json:"restarting,omitempty"`
	// Error: the container could not be (re)started; Code is then 125-127.
	Error string `json:"error,omitempty"`
}

// WriteFileAtomic replaces path with data (0600): written to a temporary file
// in the same directory, synced, then renamed, so readers never see half.
func WriteFileAtomic(path string, data []byte) error {
	return writeAtomic(path, data, true)
}

// writeRunFile is WriteFileAtomic without the sync, for the files of the run
// directory: it lives in $XDG_RUNTIME_DIR (a tmpfs, gone at reboot), so a
// sync buys no durability there, while the rename alone still shows readers
// all or nothing. Syncs were three of a foreground run's disk flushes, on its
// critical path where the run directory is not a tmpfs.
func writeRunFile(path string, data []byte) error {
	return writeAtomic(path, data, false)
}

func writeAtomic(path string, data []byte, sync bool) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// WriteInt writes n as a decimal line, atomically, into a run directory.
func WriteInt(path string, n int) error {
	return writeRunFile(path, []byte(strconv.Itoa(n)+"\n"))
}

// ReadInt reads a decimal file; missing is (0, os.ErrNotExist).
func ReadInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// WriteExit writes the exit file (FinishedAt in UTC, RFC 3339 with nanoseconds).
func WriteExit(runDir string, st ExitStatus) error {
	st.FinishedAt = st.FinishedAt.UTC()
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return writeRunFile(filepath.Join(runDir, ExitFile), append(b, '\n'))
}

// ReadExit reads the exit file; missing is os.ErrNotExist.
func ReadExit(runDir string) (ExitStatus, error) {
	var st ExitStatus
	b, err := os.ReadFile(filepath.Join(runDir, ExitFile))
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}
