package systemd

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Pod is what a pod's units are made from.
type Pod struct {
	ID, Name string
	// InfraID is the infra container, which the pod unit runs. A pod
	// without one cannot be a unit.
	InfraID string
	// Members are the pod's other containers.
	Members []Container
	// CreateArgs are the pod create flags (--name=value) recorded at
	// create; --new runs them again.
	CreateArgs []string
}

// podUnitFlags are the pod create flags a --new pod unit sets itself.
var podUnitFlags = []string{"name", "replace", "infra-name"}

// InfraName is the infra container's name in a --new pod unit's pod: known
// before the pod exists, so the unit can start it by name.
func InfraName(pod string) string { return pod + "-infra" }

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
	if o.Template {
		return nil, errors.New("--template is not supported for pods")
	}
	if p.InfraID == "" {
		return nil, fmt.Errorf("pod %s has no infra container: a pod unit needs one", p.Name)
	}
	id := p.ID
	if o.UseName || o.New {
		id = p.Name
	}
	podUnit := UnitName(o.PodPrefix, o.Separator, id)
	var members []Unit
	var names []string
	for _, m := range p.Members {
		u, err := memberUnit(m, p, podUnit, o)
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
	s := serviceBasics(o, stop, unitRestart(o))
	infra := p.InfraID
	if o.New {
		// The pod is made at each start and removed at each stop; its
		// members' units make theirs in it.
		s.add("ExecStartPre", ExecLine(roostArgs(o, newPodCreateArgs(p)...)))
		infra = InfraName(p.Name)
	}
	s.add("ExecStart", ExecLine(roostArgs(o, "start", infra)))
	s.add("ExecStop", "-"+ExecLine(roostArgs(o, "pod", "stop", "--ignore", fmt.Sprintf("--time=%d", stop), p.Name)))
	if o.New {
		s.add("ExecStopPost", "-"+ExecLine(roostArgs(o, "pod", "rm", "--ignore", "--force", p.Name)))
	}
	pod := Unit{Name: podUnit, Content: render(o, podUnit, "pod "+p.Name, unit, s, installSection())}
	return append([]Unit{pod}, members...), nil
}

// newPodCreateArgs is the pod unit's `pod create`: the recorded flags, the
// pod named as now, replacing a pod left by an unclean stop, and an infra
// container whose name the unit knows.
func newPodCreateArgs(p Pod) []string {
	out := []string{"pod", "create", "--name=" + p.Name, "--replace", "--infra-name=" + InfraName(p.Name)}
	for _, a := range p.CreateArgs {
		key, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if strings.HasPrefix(a, "--") && !slices.Contains(podUnitFlags, key) {
			out = append(out, a)
		}
	}
	return out
}

// roostArgs is the unit's roost command with args.
func roostArgs(o *Options, args ...string) []string {
	return append(append([]string(nil), o.Roost...), args...)
}

// memberUnit starts and stops one member with its pod; with --new it
// creates the member in the pod and removes it, as ContainerUnit does.
func memberUnit(m Container, p Pod, podUnit string, o *Options) (Unit, error) {
	if o.New {
		return containerUnit(m, o, &inPod{Pod: p.Name, Unit: podUnit})
	}
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
	s := serviceBasics(o, stop, unitRestart(o))
	s.add("ExecStart", ExecLine(roostArgs(o, "start", m.Name)))
	s.add("ExecStop", "-"+ExecLine(roostArgs(o, "stop", fmt.Sprintf("--time=%d", stop), m.Name)))
	return Unit{Name: name, Content: render(o, name, "container "+m.Name, unit, s, installSection())}, nil
}
