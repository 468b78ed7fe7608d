package compose

import (
	"reflect"
	"testing"

	"github.com/roost-containers/roost/pkg/container"
)

func TestSummarizeProjects(t *testing.T) {
	ct := func(project, status string) container.Container {
		labels := map[string]string{}
		if project != "" {
			labels[LabelProject] = project
			labels[LabelFiles] = "/srv/" + project + "/compose.yaml"
		}
		return container.Container{Labels: labels, State: container.State{Status: container.Status(status)}}
	}
	list := []container.Container{
		ct("web", "running"), ct("", "running"), ct("web", "exited"), ct("web", "running"),
		ct("batch", "exited"), ct("api", "created"), ct("api", "running"),
	}
	running := summarizeProjects(list, ListOptions{})
	want := []ProjectSummary{
		{Name: "api", Status: "created(1), running(1)", ConfigFiles: "/srv/api/compose.yaml"},
		{Name: "web", Status: "exited(1), running(2)", ConfigFiles: "/srv/web/compose.yaml"},
	}
	if !reflect.DeepEqual(running, want) {
		t.Fatalf("running projects:\n got %+v\nwant %+v", running, want)
	}
	all := summarizeProjects(list, ListOptions{All: true})
	want = []ProjectSummary{want[0], {Name: "batch", Status: "exited(1)", ConfigFiles: "/srv/batch/compose.yaml"}, want[1]}
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("all projects:\n got %+v\nwant %+v", all, want)
	}
	if got := summarizeProjects(nil, ListOptions{All: true}); len(got) != 0 {
		t.Fatalf("no containers: %+v", got)
	}
}
