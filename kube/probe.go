package kube

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/roost-containers/roost/pkg/monitor"
)

// probe turns a liveness probe into the monitor's healthcheck: exec runs
// its command; httpGet and tcpSocket become a shell check against
// localhost (the pod shares its network), with curl or busybox's wget
// and nc, whichever the image has.
func probe(p *corev1.Probe) (*monitor.HealthConfig, error) {
	if p == nil {
		return nil, nil
	}
	var test []string
	switch h := p.ProbeHandler; {
	case h.Exec != nil:
		if len(h.Exec.Command) == 0 {
			return nil, fmt.Errorf("exec.command is empty")
		}
		test = h.Exec.Command
	case h.HTTPGet != nil:
		port := h.HTTPGet.Port.String()
		url := fmt.Sprintf("http://localhost:%s%s", port, h.HTTPGet.Path)
		test = []string{"/bin/sh", "-c", fmt.Sprintf("if command -v curl >/dev/null; then curl -fs -o /dev/null %q; else wget -q -O /dev/null %q; fi", url, url)}
	case h.TCPSocket != nil:
		test = []string{"/bin/sh", "-c", fmt.Sprintf("nc -z localhost %s", h.TCPSocket.Port.String())}
	default:
		return nil, fmt.Errorf("only exec, httpGet and tcpSocket probes are supported")
	}
	c := monitor.HealthConfig{Test: test, Retries: int(p.FailureThreshold),
		Interval: seconds(p.PeriodSeconds), Timeout: seconds(p.TimeoutSeconds), StartPeriod: seconds(p.InitialDelaySeconds)}
	c = c.WithDefaults()
	return &c, nil
}

func seconds(n int32) time.Duration { return time.Duration(n) * time.Second }
