package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// stop, start and rm -f racing on the same container: each command either
// does its work or refuses with one clear line, and afterwards the record
// agrees with the processes, and removal leaves nothing.
func TestConcurrentStopStartRemoveOnOneContainer(t *testing.T) {
	e := pulled(t)
	for round := 0; round < 3; round++ {
		e.roostOK("run", "-d", "--name", "same", busybox, "sleep", "300")
		ops := [][]string{
			{"stop", "-t", "0", "same"}, {"start", "same"}, {"stop", "-t", "0", "same"},
			{"start", "same"}, {"restart", "-t", "0", "same"}, {"start", "same"},
		}
		if round == 2 {
			ops = append(ops, []string{"rm", "-f", "same"})
		}
		var wg sync.WaitGroup
		errs := make(chan string, len(ops))
		for _, op := range ops {
			wg.Add(1)
			go func(op []string) {
				defer wg.Done()
				r := e.roost(op...)
				lines := strings.Split(strings.TrimSpace(r.Stderr), "\n")
				switch {
				case r.Code == 0:
				case r.Code == 125 && len(lines) == 1 && strings.HasPrefix(lines[0], "Error: ") && acceptableRace(lines[0]):
				default:
					errs <- fmt.Sprintf("roost %s: %s", strings.Join(op, " "), r)
				}
			}(op)
		}
		wg.Wait()
		close(errs)
		for msg := range errs {
			t.Error(msg)
		}
		if t.Failed() {
			t.FailNow()
		}
		if round < 2 {
			assertRecordMatchesProcesses(t, e, "same")
		}
		e.roostOK("rm", "-f", "same")
		if out := e.roostOK("ps", "-aq"); out != "" {
			t.Fatalf("round %d: rm -f left %q", round, out)
		}
		if n := storageContainers(t, e); n != 0 {
			t.Fatalf("round %d: %d storage containers left", round, n)
		}
		assertNoContainerLeftovers(t, e)
	}
}

// acceptableRace: the refusals a command may meet when another one changed
// the container first.
func acceptableRace(msg string) bool {
	for _, ok := range []string{"was removed by another command", "no container with name or ID", "being removed"} {
		if strings.Contains(msg, ok) {
			return true
		}
	}
	return false
}

// assertRecordMatchesProcesses: a container that inspect calls running has
// its process, one called exited has none.
func assertRecordMatchesProcesses(t *testing.T, e *env, name string) {
	t.Helper()
	got := e.roostOK("inspect", "--format", "{{.State.Status}}", name)
	switch got {
	case "running\n":
		waitForContainerProcess(t, e, "sleep")
		if n := countNamespaceProcs(e, "sleep"); n != 1 {
			t.Fatalf("running container with %d sleep processes", n)
		}
	case "exited\n":
		eventually(t, secs(10), func() error {
			if procs := containerProcesses(e); len(procs) != 0 {
				return fmt.Errorf("exited container, but processes %v remain", procs)
			}
			return nil
		})
	default:
		t.Fatalf("after the race %s is %q", name, got)
	}
}
