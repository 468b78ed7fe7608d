package systemd

import (
	"errors"
	"fmt"
)

// Pod is what a pod's units are made from.
type Pod struct {
	ID, Name string
	// InfraID is the infra container, which the pod unit runs. A pod
	// without one cannot be a unit.
	InfraID string
	// Members are the pod's other containers.
	Members []Container
}

// PodUnits makes the pod's unit and one unit per member, pod first. As in
// Podman, the pod unit starts only the infra container and wants the member
// units, which start their containers themselves: so every container's
// monitor lives in its own unit's cgroup and is that unit's main process
// (Type=notify, as for single containers). Member units are bound to the
// pod unit and ordered after it, so they stop first.
func PodUnits(p Pod, o *Options) ([]Unit, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.New {
		return nil, errors.New("--new is not supported for pods yet: generate the pod's units without it")
	}
	if p.InfraID == "" {
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
	stop := uint(10)
	if o.StopTimeout != nil {
		stop = *o.StopTimeout
	}
	s := serviceBasics(o, stop)
	s.add("ExecStart", ExecLine(append(append([]string(nil), o.Roost...), "start", p.InfraID)))
	s.add("ExecStop", "-"+ExecLine(append(append([]string(nil), o.Roost...), "pod", "stop", fmt.Sprintf("--time=%d", stop), p.Name)))
	pod := Unit{Name: podUnit, Content: render(o, podUnit, "pod "+p.Name, unit, s, installSection())}
	return append([]Unit{pod}, members...), nil
}

// memberUnit starts and stops one member with its pod.
func memberUnit(m Container, podUnit string, o *Options) (Unit, error) {
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
	s := serviceBasics(o, stop)
	s.add("ExecStart", ExecLine(append(append([]string(nil), o.Roost...), "start", m.Name)))
	s.add("ExecStop", "-"+ExecLine(append(append([]string(nil), o.Roost...), "stop", fmt.Sprintf("--time=%d", stop), m.Name)))
	return Unit{Name: name, Content: render(o, name, "container "+m.Name, unit, s, installSection())}, nil
}
