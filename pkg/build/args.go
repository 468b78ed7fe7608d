package build

import (
	"runtime"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// predefinedArgs are the platform ARGs every build has (this machine's:
// Roost builds only for its own platform), usable in FROM and, once
// declared with ARG, in a stage.
func predefinedArgs() map[string]string {
	p := "linux/" + runtime.GOARCH
	m := map[string]string{}
	for _, pre := range []string{"TARGET", "BUILD"} {
		m[pre+"PLATFORM"] = p
		m[pre+"OS"] = "linux"
		m[pre+"ARCH"] = runtime.GOARCH
		m[pre+"VARIANT"] = ""
	}
	return m
}

// proxyArgs reach RUN from --build-arg without an ARG, and stay out of the
// image's history, as in Docker.
var proxyArgs = map[string]bool{
	"HTTP_PROXY": true, "http_proxy": true, "HTTPS_PROXY": true, "https_proxy": true,
	"FTP_PROXY": true, "ftp_proxy": true, "NO_PROXY": true, "no_proxy": true,
	"ALL_PROXY": true, "all_proxy": true,
}

// metaArgs resolves the ARGs before the first FROM: a --build-arg wins over
// the default, and defaults may use earlier ones.
func metaArgs(list []instructions.ArgCommand, given map[string]string) map[string]string {
	m := predefinedArgs()
	lex := shell.NewLex('\\')
	for _, a := range list {
		for _, kv := range a.Args {
			if v, ok := given[kv.Key]; ok {
				m[kv.Key] = v
				continue
			}
			if kv.Value != nil {
				v, _, err := lex.ProcessWord(*kv.Value, envOf(m))
				if err != nil {
					v = *kv.Value
				}
				m[kv.Key] = v
			} else if _, ok := m[kv.Key]; !ok {
				m[kv.Key] = ""
			}
		}
	}
	return m
}

// envOf is a variable lookup over a map.
func envOf(m map[string]string) shell.EnvGetter {
	list := make([]string, 0, len(m))
	for k, v := range m {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return shell.EnvsFromSlice(list)
}

// stageRefs are the stage names (or numbers) a stage reads from.
func stageRefs(s instructions.Stage, meta map[string]string) []string {
	lex := shell.NewLex('\\')
	base, _, err := lex.ProcessWord(s.BaseName, envOf(meta))
	if err != nil {
		base = s.BaseName
	}
	refs := []string{base}
	for _, c := range s.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			if c.From != "" {
				refs = append(refs, c.From)
			}
		case *instructions.RunCommand:
			for _, m := range instructions.GetMounts(c) {
				if m.From != "" {
					refs = append(refs, m.From)
				}
			}
		}
	}
	return refs
}

// setEnv sets KEY=VALUE in an env list, replacing an earlier KEY.
func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}
