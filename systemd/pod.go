package systemd

import (
	"errors"
	"fmt"
)

// Pod is what a pod's units are made from.
type Pod struct {
	ID, Name string
	// InfraPidFile is the infra container's monitor pid file: the pod unit's
	// main process. A pod without an infra container cannot be a unit.
	InfraPidFile string
	// Members are the pod's other containers, each with its PidFile.
	Members []Member
}

// Member is one container of a pod.
type Member struct {
	Container
	PidFile string // its monitor's pid file
}

// PodUnits makes the pod's unit and one unit per member, pod first. The pod
// unit is Type=forking, its main process the infra's monitor (read from its
// pid file): with Type=notify every member's monitor would announce itself
// as MAINPID in turn. Member units are bound to the pod unit.
func PodUnits(p Pod, o *Options) ([]Unit, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.New {
		return nil, errors.New("--new is not supported for pods yet: generate the pod's units without it")
	}
	if p.InfraPidFile == "" {
		return nil, fmt.Errorf("pod %s has no infra container: a pod unit needs one", p.Name)
	}
	id := p.ID
	if o.UseName {
		id = p.Name
	}
	podUnit := UnitName(o.PodPrefix, o.Separator, id)
	var members []Unit
	var names []string
	for _, m := range p.Members {
		u, err := memberUnit(m, podUnit, o)
		if err != nil {
			return nil, err
		}
		members = append(members, u)
		names = append(names, u.Name)
	}
	unit := unitSection(o, "Roost pod "+p.Name)
	unit.addAll("Wants", names)
	unit.addAll("Before", names)
	s := forkingService(o, 10, p.InfraPidFile)
	s.add("ExecStart", ExecLine(append(append([]string(nil), o.Roost...), "pod", "start", p.Name)))
	stop := uint(10)
	if o.StopTimeout != nil {
		stop = *o.StopTimeout
	}
	s.add("ExecStop", "-"+ExecLine(append(append([]string(nil), o.Roost...), "pod", "stop", fmt.Sprintf("--time=%d", stop), p.Name)))
	pod := Unit{Name: podUnit, Content: render(o, podUnit, "pod "+p.Name, unit, s, installSection())}
	return append([]Unit{pod}, members...), nil
}

// memberUnit starts and stops one member with its pod.
func memberUnit(m Member, podUnit string, o *Options) (Unit, error) {
	id := m.ID
	if o.UseName {
		id = m.Name
	}
	name := UnitName(o.ContainerPrefix, o.Separator, id)
	stop := m.StopTimeout
	if o.StopTimeout != nil {
		stop = *o.StopTimeout
	}
	unit := unitSection(o, "Roost container "+m.Name+" in pod unit "+podUnit)
	unit.add("BindsTo", podUnit)
	unit.add("After", podUnit)
	s := forkingService(o, stop, m.PidFile)
	s.add("ExecStart", ExecLine(append(append([]string(nil), o.Roost...), "start", m.Name)))
	s.add("ExecStop", "-"+ExecLine(append(append([]string(nil), o.Roost...), "stop", fmt.Sprintf("--time=%d", stop), m.Name)))
	return Unit{Name: name, Content: render(o, name, "container "+m.Name, unit, s, installSection())}, nil
}

// forkingService is a [Service] whose main process is read from a pid file.
func forkingService(o *Options, stopTimeout uint, pidFile string) *section {
	s := &section{name: "Service"}
	s.add("Restart", o.RestartPolicy)
	if o.RestartSec > 0 {
		s.add("RestartSec", fmt.Sprint(o.RestartSec))
	}
	if o.StartTimeout > 0 {
		s.add("TimeoutStartSec", fmt.Sprint(o.StartTimeout))
	}
	s.add("TimeoutStopSec", fmt.Sprint(stopTimeout+60))
	s.add("Type", "forking")
	s.add("PIDFile", pidFile)
	return s
}
