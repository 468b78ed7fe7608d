package compose

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/roost-containers/roost/pkg/container"
)

// ProjectSummary is one project in `compose ls`; its field names are the
// --format fields and JSON keys users read.
type ProjectSummary struct {
	Name, Status, ConfigFiles string
}

// ListOptions are `compose ls`' choices.
type ListOptions struct {
	All bool // projects without a running container too
}

// ListProjects finds every project from its containers' labels: no file
// needs to be loaded, so it sees projects of any directory.
func ListProjects(ctx context.Context, eng *container.Engine, o ListOptions) ([]ProjectSummary, error) {
	list, err := eng.List(ctx, container.ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	return summarizeProjects(list, o), nil
}

// summarizeProjects groups containers by project, counting them by state
// ("exited(1), running(2)"), sorted by name.
func summarizeProjects(list []container.Container, o ListOptions) []ProjectSummary {
	counts := map[string]map[string]int{}
	files := map[string]string{}
	for _, ct := range list {
		p := ct.Labels[LabelProject]
		if p == "" {
			continue
		}
		if counts[p] == nil {
			counts[p] = map[string]int{}
		}
		counts[p][string(ct.State.Status)]++
		files[p] = ct.Labels[LabelFiles]
	}
	var rows []ProjectSummary
	for p, c := range counts {
		if !o.All && c["running"] == 0 {
			continue
		}
		var parts []string
		for st, n := range c {
			parts = append(parts, fmt.Sprintf("%s(%d)", st, n))
		}
		sort.Strings(parts)
		rows = append(rows, ProjectSummary{Name: p, Status: strings.Join(parts, ", "), ConfigFiles: files[p]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows
}
