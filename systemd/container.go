package systemd

import (
	"fmt"
	"slices"
	"strings"
)

// Container is what a container's unit is made from.
type Container struct {
	ID, Name string
	// CreateArgs are the create/run flags (--name=value) and arguments
	// recorded at create; --new runs them again.
	CreateArgs  []string
	StopTimeout uint
	// Restart and RestartRetries are the container's own --restart
	// (no, always, on-failure[:N], unless-stopped).
	Restart        string
	RestartRetries int
}

// containerRestart is --restart-policy when given, else the container's
// own --restart in systemd's words (unless-stopped is always; on-failure:N
// is on-failure with StartLimitBurst=N), else on-failure.
func containerRestart(c Container, o *Options) restart {
	if o.RestartPolicy != "" {
		return restart{policy: o.RestartPolicy}
	}
	switch c.Restart {
	case "always", "unless-stopped":
		return restart{policy: "always"}
	case "on-failure":
		return restart{policy: "on-failure", burst: c.RestartRetries}
	}
	return restart{policy: "on-failure"}
}

// RestartWarning is Podman's warning for a unit that starts an existing
// container with a restart policy of its own (its monitor and systemd
// would both restart it); "" when there is nothing to say.
func RestartWarning(c Container, o *Options) string {
	if o.New || c.Restart == "" || c.Restart == "no" {
		return ""
	}
	return fmt.Sprintf("Container %s has restart policy %q which can lead to issues on shutdown: consider recreating the container without a restart policy and use systemd's restart mechanism instead", c.ID, c.Restart)
}

// unitFlags are the run flags a --new unit sets itself; the container's own
// values of them are dropped. (--restart: systemd restarts the unit.)
var unitFlags = []string{"name", "detach", "rm", "replace", "cidfile", "sdnotify", "restart", "pod"}

// UnitName is the unit's file name: PREFIX SEPARATOR (name or id) .service.
func UnitName(prefix, sep, id string) string {
	if prefix == "" {
		return id + ".service"
	}
	return prefix + sep + id + ".service"
}

// ContainerUnit makes the unit of one container.
func ContainerUnit(c Container, o *Options) (Unit, error) {
	return containerUnit(c, o, nil)
}

// inPod is the pod unit a member's unit belongs to.
type inPod struct {
	Pod  string // the pod's name, for --new's run --pod
	Unit string // the pod's unit
}

// containerUnit makes a container's unit; a member of a pod unit is bound
// to it and ordered after it.
func containerUnit(c Container, o *Options, pod *inPod) (Unit, error) {
	if err := o.Validate(); err != nil {
		return Unit{}, err
	}
	id := c.ID
	if o.UseName || o.New {
		id = c.Name
	}
	name := UnitName(o.ContainerPrefix, o.Separator, id)
	// ctr is the container's name in the unit's commands: an instance of a
	// template names its container NAME-INSTANCE (systemd's %i), added after
	// quoting so that systemd expands it.
	ctr := quoteArg(strings.ReplaceAll(c.Name, "%", "%%"))
	if o.Template {
		name = strings.TrimSuffix(name, ".service") + "@.service"
		ctr += "-%i"
	}
	stop := c.StopTimeout
	if o.StopTimeout != nil {
		stop = *o.StopTimeout
	}
	s := serviceBasics(o, stop, containerRestart(c, o))
	roost := ExecLine(o.Roost)
	stopLine := roost + " stop " + fmt.Sprintf("--time=%d", stop) + " " + ctr
	if o.New {
		flags, image, err := newRunArgs(c, pod)
		if err != nil {
			return Unit{}, err
		}
		s.add("ExecStart", roost+" run --name="+ctr+" "+ExecLine(flags)+
			" --label="+UnitLabel+"=%n "+ExecLine(image))
		// A leading "-": a container already gone is not a failure.
		s.add("ExecStop", "-"+stopLine)
		s.add("ExecStopPost", "-"+roost+" rm --force --ignore "+ctr)
	} else {
		s.add("ExecStart", roost+" start "+ctr)
		s.add("ExecStop", "-"+stopLine)
	}
	desc := "Roost container " + c.Name
	if pod != nil {
		desc += " in pod unit " + pod.Unit
	}
	unit := unitSection(o, desc)
	if pod != nil {
		unit.add("BindsTo", pod.Unit)
		unit.add("After", pod.Unit)
	}
	content := render(o, name, "container "+c.Name, unit, s, installSection())
	return Unit{Name: name, Content: content}, nil
}

// newRunArgs turns the recorded create command into the unit's `run`: the
// container is made anew at each start, removed at each stop, named as it
// is now, and labelled with the unit (%n) for auto-update.
// It returns the flags after `run --name=NAME` and then the image with the
// container's command.
func newRunArgs(c Container, pod *inPod) (flags, image []string, err error) {
	if len(c.CreateArgs) == 0 {
		return nil, nil, fmt.Errorf("container %s has no recorded create command (it was not made by `roost create` or `roost run`): generate a unit without --new", c.Name)
	}
	out := []string{"--replace", "--rm", "--detach", "--sdnotify=conmon"}
	if pod != nil {
		out = append(out, "--pod="+pod.Pod)
	}
	i := 0
	for ; i < len(c.CreateArgs) && strings.HasPrefix(c.CreateArgs[i], "--"); i++ {
		a := c.CreateArgs[i]
		key, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if slices.Contains(unitFlags, key) || strings.HasPrefix(a, "--label="+UnitLabel+"=") {
			continue
		}
		out = append(out, a)
	}
	if i == len(c.CreateArgs) {
		return nil, nil, fmt.Errorf("container %s: its create command names no image", c.Name)
	}
	return out, c.CreateArgs[i:], nil
}
