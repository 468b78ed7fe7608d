package compose

import (
	"fmt"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// checkProject finds what compose-go lets through but Roost cannot run:
// a cycle in depends_on, dependencies on unknown services.
func checkProject(p *types.Project) error {
	file := "compose file"
	if len(p.ComposeFiles) > 0 {
		file = displayPath(p.ComposeFiles[0])
	}
	for _, name := range p.ServiceNames() {
		for dep := range p.Services[name].DependsOn {
			if _, ok := p.Services[dep]; !ok {
				if _, off := p.DisabledServices[dep]; !off {
					return fmt.Errorf("%s: services.%s.depends_on: service %q is not defined", file, name, dep)
				}
			}
		}
	}
	if cycle := findCycle(p); cycle != nil {
		return fmt.Errorf("%s: services.%s.depends_on: dependency cycle %s", file, cycle[0], strings.Join(cycle, " -> "))
	}
	return nil
}

// findCycle returns one depends_on cycle (first service repeated at the
// end), or nil.
func findCycle(p *types.Project) []string {
	const (
		unseen = iota
		active
		done
	)
	mark := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(n string) []string {
		switch mark[n] {
		case active:
			for i, s := range stack {
				if s == n {
					return append(append([]string{}, stack[i:]...), n)
				}
			}
		case done:
			return nil
		}
		mark[n] = active
		stack = append(stack, n)
		for _, d := range sortedDeps(p.Services[n]) {
			if _, ok := p.Services[d]; !ok {
				continue
			}
			if c := visit(d); c != nil {
				return c
			}
		}
		stack = stack[:len(stack)-1]
		mark[n] = done
		return nil
	}
	names := p.ServiceNames()
	sort.Strings(names)
	for _, n := range names {
		if c := visit(n); c != nil {
			return c
		}
	}
	return nil
}

func sortedDeps(s types.ServiceConfig) []string {
	var out []string
	for d := range s.DependsOn {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// order lists the services so that each comes after what it depends on.
func order(p *types.Project, names []string) []string {
	seen := map[string]bool{}
	var out []string
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		if s, ok := p.Services[n]; ok {
			for _, d := range sortedDeps(s) {
				visit(d)
			}
			out = append(out, n)
		}
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	for _, n := range sorted {
		visit(n)
	}
	return out
}
