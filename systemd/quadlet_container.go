package systemd

import (
	"strings"

	"github.com/roost-containers/roost/pkg/secrets"
)

var containerKeys = map[string]keyFlag{
	"Environment": {flag: "--env", words: true}, "EnvironmentFile": {flag: "--env-file"},
	"PublishPort": {flag: "--publish"}, "Label": {flag: "--label", words: true},
	"User": {flag: "--user"}, "WorkingDir": {flag: "--workdir"}, "Entrypoint": {flag: "--entrypoint"},
}

// container converts a .container file: a [Service] whose ExecStart runs
// the container (made anew at each start, removed at each stop), as a
// `generate systemd --new` unit does.
func (q *quadlet) container() *section {
	q.checkSections("Container")
	name := "systemd-%N"
	var image string
	var exec, flags []string
	notify := false
	for _, e := range q.file.Section("Container").Entries {
		if f, ok := q.flags(e, containerKeys); ok {
			flags = append(flags, f...)
			continue
		}
		switch e.Key {
		case "Image":
			image = q.buildRef(e)
		case "ContainerName":
			name = e.Value
		case "Exec":
			exec = q.words(e)
		case "Volume":
			flags = append(flags, "--volume="+q.volumeRef(e))
		case "Network":
			flags = append(flags, "--network="+q.networkRef(e))
		case "Notify":
			notify = q.boolValue(e)
		case "AutoUpdate":
			switch e.Value {
			case "registry", "local":
				flags = append(flags, "--label="+AutoUpdateLabel+"="+e.Value)
			default:
				q.fail(e.Line, "AutoUpdate=%s: use registry or local", e.Value)
			}
		case "RoostArgs", "PodmanArgs":
			// Extra run flags, as Podman's PodmanArgs= (accepted too, so
			// Podman's files work when the flags are ones Roost has).
			flags = append(flags, q.words(e)...)
		case "Secret":
			// Checked now, so a bad option is the file's error (file:line)
			// rather than a unit that fails at every start.
			if _, err := secrets.ParseRef(e.Value); err != nil {
				q.fail(e.Line, "Secret=%s: %v", e.Value, err)
				continue
			}
			flags = append(flags, "--secret="+e.Value)
		case "Pod":
			q.fail(e.Line, "Pod=%s: pods are not available in this build of Roost", e.Value)
		default:
			if strings.HasPrefix(e.Key, "Health") {
				q.warn(e.Line, "%s: health checks are not supported by Roost yet: ignored", e.Key)
				continue
			}
			q.warn(e.Line, "unknown key %s in [Container]: ignored", e.Key)
		}
	}
	if image == "" {
		q.fail(0, "no Image= in [Container]: every .container file names its image")
	}
	mode := "conmon"
	if notify {
		mode = "container"
	}
	run := append(append([]string(nil), q.roost...),
		"run", "--name="+name, "--replace", "--rm", "--detach", "--sdnotify="+mode,
		"--label="+UnitLabel+"=%n")
	run = append(append(run, flags...), image)
	run = append(run, exec...)
	stop := append(append([]string(nil), q.roost...), "stop", "--time=10", name)
	rm := append(append([]string(nil), q.roost...), "rm", "--force", "--ignore", name)

	s := newSection("Service")
	s.add("Type", "notify")
	s.add("NotifyAccess", "all")
	s.add("SyslogIdentifier", "%N")
	s.add("ExecStart", execLine(run, true))
	s.add("ExecStop", "-"+execLine(stop, true))
	s.add("ExecStopPost", "-"+execLine(rm, true))
	return s
}

// volumeRef resolves Volume=SRC:DST[:OPTS] where SRC may be a NAME.volume
// file: the container then needs that unit, and mounts its volume.
func (q *quadlet) volumeRef(e Entry) string {
	src, rest, ok := strings.Cut(e.Value, ":")
	if !ok || !strings.HasSuffix(src, ".volume") {
		return e.Value
	}
	name, unit, err := q.siblingName(src, "Volume")
	if err != nil {
		q.fail(e.Line, "%v", err)
		return e.Value
	}
	q.deps = append(q.deps, unit)
	return name + ":" + rest
}

// networkRef resolves Network=NAME.network the same way.
func (q *quadlet) networkRef(e Entry) string {
	if !strings.HasSuffix(e.Value, ".network") {
		return e.Value
	}
	name, unit, err := q.siblingName(e.Value, "Network")
	if err != nil {
		q.fail(e.Line, "%v", err)
		return e.Value
	}
	q.deps = append(q.deps, unit)
	return name
}
