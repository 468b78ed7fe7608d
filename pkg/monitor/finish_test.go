package monitor_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/roost-containers/roost/pkg/monitor"
)

// A foreground run finishes the exit itself (Session.Finish): the monitor
// then skips its exit command. When Finish fails, the exit command runs, so
// the cleanup still happens once.
func TestMonitorSessionFinish(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		for _, c := range []struct {
			name       string
			finishErr  error
			wantMarker bool
		}{
			{"finished", nil, false},
			{"failed", errors.New("cleanup failed"), true},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := newFixture(t, rt, []string{"sh", "-c", "echo hi; exit 3"}, false)
				f.cfg.WaitAttach = true
				marker := filepath.Join(f.dir, "exit-command-ran")
				f.cfg.ExitCommand = []string{"/bin/sh", "-c", "echo done > " + marker}
				f.start()
				var out syncBuffer
				var code int
				s := monitor.Session{Stdout: &out, Stderr: io.Discard, Finish: func() error {
					// As the CLI does: the exit file is there when Finish runs.
					st, err := monitor.ReadState(f.runDir)
					if err != nil || st.Exit == nil {
						t.Errorf("in Finish: state %+v, %v", st, err)
						return err
					}
					code = st.Exit.Code
					return c.finishErr
				}}
				if err := s.Attach(context.Background(), f.runDir); err != nil || out.String() != "hi\n" {
					t.Fatalf("Attach: %v, output %q", err, out.String())
				}
				if code != 3 {
					t.Errorf("Finish saw exit code %d, want 3", code)
				}
				f.waitMonitorGone()
				_, err := os.Stat(marker)
				if ran := err == nil; ran != c.wantMarker {
					t.Errorf("exit command ran: %v, want %v\n%s", ran, c.wantMarker, f.monitorLog())
				}
			})
		}
	})
}

// A client that dies in Finish (its session closes without FrameFinished)
// leaves the cleanup to the exit command.
func TestMonitorSessionGoneBeforeFinished(t *testing.T) {
	forEachRuntime(t, func(t *testing.T, rt string) {
		f := newFixture(t, rt, []string{"true"}, false)
		f.cfg.WaitAttach = true
		marker := filepath.Join(f.dir, "exit-command-ran")
		f.cfg.ExitCommand = []string{"/bin/sh", "-c", "echo done > " + marker}
		f.start()
		conn, err := monitor.Dial(filepath.Join(f.runDir, monitor.AttachSocket))
		if err != nil {
			t.Fatal(err)
		}
		if err := monitor.WriteFrame(conn, monitor.FrameAttach, []byte(monitor.AttachFinishes)); err != nil {
			t.Fatal(err)
		}
		for { // read until the exit report, then go without a word
			typ, _, err := monitor.ReadFrame(conn, nil)
			if err != nil {
				t.Fatalf("before the exit frame: %v", err)
			}
			if typ == monitor.FrameExit {
				break
			}
		}
		conn.Close()
		f.waitMonitorGone()
		if _, err := os.Stat(marker); err != nil {
			t.Errorf("exit command did not run after the client went: %v\n%s", err, f.monitorLog())
		}
	})
}
