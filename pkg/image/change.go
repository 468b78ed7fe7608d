package image

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/roost-containers/roost/pkg/spec"
)

// changeInstructions are the Dockerfile instructions `commit --change` takes,
// as Podman lists them.
var changeInstructions = []string{"CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}

// Change is one parsed --change instruction, ready to edit an image's config.
type Change struct {
	Instruction string // upper case: CMD, ENV, ...
	Raw         string // as the user wrote it, for messages and history
	apply       func(*ConfigEdit)
}

// ConfigEdit is what changes act on: the image's runtime config, and the
// ONBUILD triggers that only Docker's format can carry.
type ConfigEdit struct {
	Config  imgspecv1.ImageConfig
	OnBuild []string
}

// Apply makes every change, in order, to e.
func Apply(changes []Change, e *ConfigEdit) {
	for _, c := range changes {
		c.apply(e)
	}
}

// ParseChanges reads --change values ("CMD [\"sh\"]", "ENV A=1 B=2", ...);
// the first bad one is an error that names it, so that nothing is made from
// a half-understood request.
func ParseChanges(values []string) ([]Change, error) {
	out := make([]Change, 0, len(values))
	for _, v := range values {
		c, err := parseChange(v)
		if err != nil {
			return nil, fmt.Errorf("invalid --change %q: %w", v, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func parseChange(raw string) (Change, error) {
	s := strings.TrimSpace(raw)
	// Podman accepts "CMD /bin/sh" and "CMD=/bin/sh" alike.
	end := strings.IndexAny(s, " \t=")
	if end < 0 {
		end = len(s)
	}
	instr := strings.ToUpper(s[:end])
	arg := ""
	if end < len(s) {
		arg = strings.TrimSpace(s[end+1:])
	}
	if instr == "" {
		return Change{}, fmt.Errorf("empty instruction: use one of %s", strings.Join(changeInstructions, ", "))
	}
	parse, ok := changeParsers[instr]
	if !ok {
		return Change{}, fmt.Errorf("unknown instruction %s: use one of %s", instr, strings.Join(changeInstructions, ", "))
	}
	apply, err := parse(arg)
	if err != nil {
		return Change{}, fmt.Errorf("%s: %w", instr, err)
	}
	return Change{Instruction: instr, Raw: s, apply: apply}, nil
}

type changeParser func(arg string) (func(*ConfigEdit), error)

var changeParsers = map[string]changeParser{
	"CMD":        parseCmd,
	"ENTRYPOINT": parseEntrypoint,
	"ENV":        parseEnv,
	"EXPOSE":     parseExpose,
	"LABEL":      parseLabel,
	"ONBUILD":    parseOnBuild,
	"STOPSIGNAL": parseStopSignal,
	"USER":       parseUser,
	"VOLUME":     parseVolume,
	"WORKDIR":    parseWorkdir,
}

// commandForm reads the exec form (a JSON array of strings) or the shell
// form (run by /bin/sh -c), as a Dockerfile does: text that is not a valid
// JSON array is the shell form.
func commandForm(arg string) ([]string, error) {
	if strings.HasPrefix(arg, "[") {
		var argv []string
		if err := json.Unmarshal([]byte(arg), &argv); err == nil {
			return argv, nil
		}
	}
	if arg == "" {
		return nil, fmt.Errorf("needs a command: a JSON array such as [\"/bin/sh\"] or a shell command line")
	}
	return []string{"/bin/sh", "-c", arg}, nil
}

func parseCmd(arg string) (func(*ConfigEdit), error) {
	argv, err := commandForm(arg)
	if err != nil {
		return nil, err
	}
	return func(e *ConfigEdit) { e.Config.Cmd = argv }, nil
}

// parseEntrypoint: `ENTRYPOINT []` clears it. The image's CMD stays, as
// Podman's commit keeps it.
func parseEntrypoint(arg string) (func(*ConfigEdit), error) {
	argv, err := commandForm(arg)
	if err != nil {
		return nil, err
	}
	return func(e *ConfigEdit) { e.Config.Entrypoint = argv }, nil
}

func parseEnv(arg string) (func(*ConfigEdit), error) {
	pairs, err := keyValues(arg)
	if err != nil {
		return nil, err
	}
	return func(e *ConfigEdit) {
		for _, p := range pairs {
			e.Config.Env = setEnv(e.Config.Env, p[0], p[1])
		}
	}, nil
}

// setEnv replaces KEY's entry in place, or appends one.
func setEnv(env []string, key, value string) []string {
	entry := key + "=" + value
	for i, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			out := slices.Clone(env)
			out[i] = entry
			return out
		}
	}
	return append(slices.Clone(env), entry)
}

func parseLabel(arg string) (func(*ConfigEdit), error) {
	pairs, err := keyValues(arg)
	if err != nil {
		return nil, err
	}
	return func(e *ConfigEdit) {
		labels := make(map[string]string, len(e.Config.Labels)+len(pairs))
		for k, v := range e.Config.Labels {
			labels[k] = v
		}
		for _, p := range pairs {
			labels[p[0]] = p[1]
		}
		e.Config.Labels = labels
	}, nil
}

// keyValues reads "K=V K2='V 2'" or the old form "K some value".
func keyValues(arg string) ([][2]string, error) {
	words, err := splitWords(arg)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("needs KEY=VALUE")
	}
	if !strings.Contains(words[0], "=") {
		// The old form: the first word is the key, the rest the value.
		key, rest, _ := strings.Cut(strings.TrimSpace(arg), " ")
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return nil, fmt.Errorf("%q has no value: use KEY=VALUE", key)
		}
		return [][2]string{{key, rest}}, nil
	}
	out := make([][2]string, 0, len(words))
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not KEY=VALUE", w)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// splitWords splits on blanks, honouring '...' and "..." quotes and
// backslash escapes, as a Dockerfile's ENV and LABEL do.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote %c", quote)
	}
	if escaped {
		return nil, fmt.Errorf("ends with a lone backslash")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func parseExpose(arg string) (func(*ConfigEdit), error) {
	words := strings.Fields(arg)
	if len(words) == 0 {
		return nil, fmt.Errorf("needs a port, e.g. 8080 or 53/udp")
	}
	ports := make([]string, 0, len(words))
	for _, w := range words {
		p, err := exposedPort(w)
		if err != nil {
			return nil, err
		}
		ports = append(ports, p)
	}
	return func(e *ConfigEdit) {
		set := make(map[string]struct{}, len(e.Config.ExposedPorts)+len(ports))
		for p := range e.Config.ExposedPorts {
			set[p] = struct{}{}
		}
		for _, p := range ports {
			set[p] = struct{}{}
		}
		e.Config.ExposedPorts = set
	}, nil
}

// exposedPort checks PORT[/PROTO] and returns it with the protocol spelled
// out (tcp by default), as image configs record it.
func exposedPort(w string) (string, error) {
	port, proto, hasProto := strings.Cut(strings.ToLower(w), "/")
	if !hasProto {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return "", fmt.Errorf("port %q: protocol must be tcp, udp or sctp", w)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("port %q: want a number from 1 to 65535", w)
	}
	return port + "/" + proto, nil
}

func parseOnBuild(arg string) (func(*ConfigEdit), error) {
	if arg == "" {
		return nil, fmt.Errorf("needs an instruction to run in builds FROM this image")
	}
	return func(e *ConfigEdit) { e.OnBuild = append(slices.Clone(e.OnBuild), arg) }, nil
}

// parseStopSignal keeps the signal as written, once the runtime's parser
// accepts it.
func parseStopSignal(arg string) (func(*ConfigEdit), error) {
	if _, err := spec.ParseSignal(arg); err != nil {
		return nil, err
	}
	return func(e *ConfigEdit) { e.Config.StopSignal = arg }, nil
}

func parseUser(arg string) (func(*ConfigEdit), error) {
	if arg == "" || strings.ContainsAny(arg, " \t") {
		return nil, fmt.Errorf("needs one USER[:GROUP], e.g. 1000 or nobody:nogroup")
	}
	return func(e *ConfigEdit) { e.Config.User = arg }, nil
}

func parseVolume(arg string) (func(*ConfigEdit), error) {
	var paths []string
	if strings.HasPrefix(arg, "[") {
		if err := json.Unmarshal([]byte(arg), &paths); err != nil {
			return nil, fmt.Errorf("not a JSON array of paths: %w", err)
		}
	} else {
		paths = strings.Fields(arg)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("needs a path")
	}
	for _, p := range paths {
		if !path.IsAbs(p) {
			return nil, fmt.Errorf("volume %q must be an absolute path", p)
		}
	}
	return func(e *ConfigEdit) {
		set := make(map[string]struct{}, len(e.Config.Volumes)+len(paths))
		for v := range e.Config.Volumes {
			set[v] = struct{}{}
		}
		for _, p := range paths {
			set[path.Clean(p)] = struct{}{}
		}
		e.Config.Volumes = set
	}, nil
}

// parseWorkdir: a relative directory is taken from the current one, as in a
// Dockerfile.
func parseWorkdir(arg string) (func(*ConfigEdit), error) {
	if arg == "" {
		return nil, fmt.Errorf("needs a directory")
	}
	return func(e *ConfigEdit) {
		if path.IsAbs(arg) {
			e.Config.WorkingDir = path.Clean(arg)
			return
		}
		base := e.Config.WorkingDir
		if base == "" {
			base = "/"
		}
		e.Config.WorkingDir = path.Join(base, arg)
	}, nil
}
