package info

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Store is Podman's store section. GraphDriver repeats GraphDriverName for
// the templates written against Roost's earlier name; DriverReason says
// why the driver was chosen (Roost's own).
type Store struct {
	ConfigFile         string            `json:"configFile"`
	ContainerStore     ContainerStore    `json:"containerStore"`
	GraphDriverName    string            `json:"graphDriverName"`
	GraphOptions       map[string]any    `json:"graphOptions"`
	GraphRoot          string            `json:"graphRoot"`
	GraphRootAllocated uint64            `json:"graphRootAllocated"`
	GraphRootUsed      uint64            `json:"graphRootUsed"`
	GraphStatus        map[string]string `json:"graphStatus"`
	ImageCopyTmpDir    string            `json:"imageCopyTmpDir"`
	ImageStore         ImageStore        `json:"imageStore"`
	RunRoot            string            `json:"runRoot"`
	VolumePath         string            `json:"volumePath"`

	GraphDriver  string `json:"-"`
	DriverReason string `json:"graphDriverReason"`
	// ContainersConfFiles are the containers.conf files read, in order.
	ContainersConfFiles []string `json:"containersConfFiles"`
}

// ContainerStore counts the user's containers by state.
type ContainerStore struct {
	Number  int `json:"number"`
	Paused  int `json:"paused"`
	Running int `json:"running"`
	Stopped int `json:"stopped"`
}

// ImageStore counts the user's images.
type ImageStore struct {
	Number int `json:"number"`
}

// GraphOptions turns storage's KEY=VALUE options into Podman's map.
func GraphOptions(opts []string) map[string]any {
	m := map[string]any{}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		m[k] = v
	}
	return m
}

// DiskUsage is the size of the file system holding dir and how much of it
// is used, in bytes.
func DiskUsage(dir string) (allocated, used uint64) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0
	}
	bs := uint64(st.Bsize)
	return st.Blocks * bs, (st.Blocks - st.Bfree) * bs
}
