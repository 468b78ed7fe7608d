package container

import (
	"os"
	"testing"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/proc"
	"github.com/roost-containers/roost/pkg/state"
)

// A record is abandoned when the operation it names has ended, even in a
// process that lives on (a server whose request failed half-way): the lease
// decides, not the process.
func TestAbandonedFollowsTheLeaseNotTheProcess(t *testing.T) {
	e := &Engine{Cfg: &config.Config{RunDir: t.TempDir()}}
	lease, err := state.TakeLease(e.leaseDir())
	if err != nil {
		t.Fatal(err)
	}
	creating := operation{Status: StatusCreating, Lease: lease.ID}
	if e.abandoned(creating) {
		t.Fatal("a record whose lease is held reads as abandoned")
	}
	lease.Release() // the request returned without finishing the record
	if !e.abandoned(creating) {
		t.Fatal("a record whose lease was released reads as owned")
	}
	if e.abandoned(operation{Status: StatusCreated, Lease: lease.ID}) {
		t.Fatal("a finished record reads as abandoned")
	}
	if !e.abandoned(operation{Status: StatusRemoving}) {
		t.Fatal("a record half-removed by no one reads as owned")
	}
}

// Records of schema 1 name a process: it is checked by pid and start time.
func TestAbandonedChecksSchema1Owners(t *testing.T) {
	e := &Engine{Cfg: &config.Config{RunDir: t.TempDir()}}
	started, err := proc.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	live := &Owner{Pid: os.Getpid(), StartTime: started}
	if e.abandoned(operation{Status: StatusCreating, Owner: live}) {
		t.Fatal("a record of a live schema 1 owner reads as abandoned")
	}
	reused := &Owner{Pid: os.Getpid(), StartTime: started + 1}
	if !e.abandoned(operation{Status: StatusRemoving, Owner: reused}) {
		t.Fatal("a record whose owner's pid was reused reads as owned")
	}
}

func TestSameOperation(t *testing.T) {
	a := operation{Status: StatusCreating, Lease: "l1"}
	for _, b := range []operation{
		{Status: StatusCreated},
		{Status: StatusCreating, Lease: "l2"},
		{Status: StatusRemoving, Lease: "l1"},
		{Status: StatusCreating, Lease: "l1", Owner: &Owner{Pid: 1}},
	} {
		if a.same(b) {
			t.Fatalf("%+v reads as the same operation as %+v", b, a)
		}
	}
	old := operation{Status: StatusCreating, Owner: &Owner{Pid: 7, StartTime: 9}}
	if !old.same(operation{Status: StatusCreating, Owner: &Owner{Pid: 7, StartTime: 9}}) || !a.same(a) {
		t.Fatal("two reads of one operation differ")
	}
}
