package systemd

import (
	"os"
	"path/filepath"
	"strings"
)

var buildKeys = map[string]keyFlag{
	"Arg": {flag: "--build-arg", words: true}, "Label": {flag: "--label", words: true},
	"Annotation": {flag: "--annotation", words: true}, "Target": {flag: "--target"},
	"Network": {flag: "--network"}, "Pull": {flag: "--pull"}, "Secret": {flag: "--secret"},
	"TLSVerify": {flag: "--tls-verify"}, "AuthFile": {flag: "--authfile"},
	"ForceRM": {flag: "--force-rm", boolean: true},
}

// build converts a .build file, as Podman's Quadlet does: a oneshot
// `roost build` tagging ImageTag=, run in SetWorkingDirectory= (the build
// context); a .container with Image=NAME.build requires this unit and runs
// its image.
func (q *quadlet) build() *section {
	q.checkSections("Build")
	var tags, flags []string
	var file, workdir string
	for _, e := range q.file.Section("Build").Entries {
		if f, ok := q.flags(e, buildKeys); ok {
			flags = append(flags, f...)
			continue
		}
		switch e.Key {
		case "ImageTag":
			tags = append(tags, e.Value)
		case "File":
			file = e.Value
		case "SetWorkingDirectory":
			workdir = e.Value
		case "RoostArgs", "PodmanArgs":
			flags = append(flags, q.words(e)...)
		default:
			q.warn(e.Line, "unknown key %s in [Build]: ignored", e.Key)
		}
	}
	if len(tags) == 0 {
		q.fail(0, "no ImageTag= in [Build]: a .build file names the image it builds")
	}
	dir := q.buildDir(workdir, file)
	if file == "" && dir == "" {
		q.fail(0, "no SetWorkingDirectory= or File= in [Build]: give the build context (a path, file or unit)")
	}
	args := []string{"build"}
	for _, t := range tags {
		args = append(args, "--tag="+t)
	}
	if file != "" {
		args = append(args, "--file="+file)
	}
	args = append(args, flags...)
	if dir == "" {
		dir = filepath.Dir(file)
	}
	q.run = append(args, dir)
	s := q.oneshot()
	s.add("WorkingDirectory", dir)
	return s
}

// buildDir is the context SetWorkingDirectory= names: unit (the .build
// file's directory), file (File='s directory), or a path.
func (q *quadlet) buildDir(workdir, file string) string {
	switch workdir {
	case "":
		return ""
	case "unit":
		return q.dir
	case "file":
		if file == "" {
			q.fail(0, "SetWorkingDirectory=file needs File=")
			return ""
		}
		if filepath.IsAbs(file) {
			return filepath.Dir(file)
		}
		return filepath.Join(q.dir, filepath.Dir(file))
	}
	if strings.Contains(workdir, "://") {
		q.fail(0, "SetWorkingDirectory=%s: Roost builds only from a local directory", workdir)
	}
	return workdir
}

// buildRef resolves Image=NAME.build: the image that file's unit tags
// (its first ImageTag=), the unit required first.
func (q *quadlet) buildRef(e Entry) string {
	if !strings.HasSuffix(e.Value, ".build") {
		return e.Value
	}
	path := e.Value
	if !filepath.IsAbs(path) {
		path = filepath.Join(q.dir, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		q.fail(e.Line, "Image refers to %s, which cannot be read: %v", e.Value, err)
		return e.Value
	}
	f, err := ParseFile(path, data)
	if err != nil {
		q.fail(e.Line, "%v", err)
		return e.Value
	}
	for _, be := range f.Section("Build").Entries {
		if be.Key == "ImageTag" {
			q.deps = append(q.deps, QuadletUnitName(path))
			return be.Value
		}
	}
	q.fail(e.Line, "Image=%s: that file has no ImageTag=", e.Value)
	return e.Value
}
