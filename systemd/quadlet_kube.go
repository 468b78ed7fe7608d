package systemd

import "path/filepath"

var kubeKeys = map[string]keyFlag{
	"Network": {flag: "--network"}, "PublishPort": {flag: "--publish"}, "LogDriver": {flag: "--log-driver"},
}

// kube converts a .kube file, as Podman's Quadlet does: `roost kube play
// --replace` of Yaml= (relative to the file) when the unit starts, `roost
// kube down` when it stops. Roost has no service container: the unit is
// a oneshot that stays active while the pods run.
func (q *quadlet) kube() *section {
	q.checkSections("Kube")
	var yaml, workdir string
	var flags []string
	for _, e := range q.file.Section("Kube").Entries {
		if f, ok := q.flags(e, kubeKeys); ok {
			flags = append(flags, f...)
			continue
		}
		switch e.Key {
		case "Yaml":
			yaml = q.relative(e.Value)
		case "ConfigMap":
			flags = append(flags, "--configmap="+q.relative(e.Value))
		case "SetWorkingDirectory":
			workdir = e.Value
		case "RoostArgs", "PodmanArgs":
			flags = append(flags, q.words(e)...)
		default:
			q.warn(e.Line, "unknown key %s in [Kube]: ignored", e.Key)
		}
	}
	if yaml == "" {
		q.fail(0, "no Yaml= in [Kube]: a .kube file names the Kubernetes YAML it plays")
	}
	q.run = append(append([]string{"kube", "play", "--replace"}, flags...), yaml)
	s := q.oneshot()
	s.add("ExecStop", execLine(append(append([]string(nil), q.roost...), "kube", "down", yaml), true))
	// --build looks in the working directory: the YAML's or the unit's.
	switch workdir {
	case "":
	case "yaml":
		s.add("WorkingDirectory", filepath.Dir(yaml))
	case "unit":
		s.add("WorkingDirectory", q.dir)
	default:
		q.fail(0, "SetWorkingDirectory=%s: use yaml or unit", workdir)
	}
	return s
}

// relative makes a path of the file relative to its directory absolute.
func (q *quadlet) relative(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(q.dir, p)
}
