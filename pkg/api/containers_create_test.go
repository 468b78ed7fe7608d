package api

import (
	"encoding/json"
	"testing"

	dcontainer "github.com/moby/moby/api/types/container"
)

// FuzzContainerCreate: whatever body a client sends, turning it into the
// engine's request either works or fails with an error; it never panics.
func FuzzContainerCreate(f *testing.F) {
	for _, seed := range []string{
		`{"Image":"busybox","Cmd":["echo","hi"]}`,
		`{"Image":"busybox","Tty":true,"OpenStdin":true,"HostConfig":{"AutoRemove":true,"PortBindings":{"80/tcp":[{"HostPort":"8080"}]}}}`,
		`{"Image":"busybox","HostConfig":{"Binds":["/tmp:/data:ro","vol:/v"],"Mounts":[{"Type":"tmpfs","Target":"/t"}],"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}}`,
		`{"Image":"busybox","ExposedPorts":{"53/udp":{}},"Healthcheck":{"Test":["CMD","true"],"Interval":1000000000},"NetworkingConfig":{"EndpointsConfig":{"net1":{"Aliases":["a"]}}}}`,
		`{"Image":"busybox","HostConfig":{"NetworkMode":"host","CapAdd":["NET_ADMIN"],"SecurityOpt":["no-new-privileges"],"Memory":1048576,"CpuShares":512}}`,
		`{"Image":"","HostConfig":{"PortBindings":{"nonsense":[{}]}}}`,
	} {
		f.Add(seed, "name", "linux/amd64")
	}
	f.Add(`{}`, "", "")
	f.Fuzz(func(t *testing.T, body, name, platform string) {
		var req dcontainer.CreateRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		_, _, _ = createRequest(req, name, platform, true)
	})
}
