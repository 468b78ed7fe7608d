package pods

import (
	"context"
	"strconv"
	"time"

	"github.com/roost-containers/roost/pkg/container"
)

// Inspect is a pod in the shape of Podman's `pod inspect`.
type Inspect struct {
	ID               string             `json:"Id"`
	Name             string             `json:"Name"`
	Created          time.Time          `json:"Created"`
	CreateCommand    []string           `json:"CreateCommand,omitempty"`
	State            string             `json:"State"`
	Hostname         string             `json:"Hostname"`
	Labels           map[string]string  `json:"Labels"`
	CgroupParent     string             `json:"CgroupParent"`
	CgroupPath       string             `json:"CgroupPath,omitempty"`
	CreateCgroup     bool               `json:"CreateCgroup"`
	CreateInfra      bool               `json:"CreateInfra"`
	InfraContainerID string             `json:"InfraContainerID,omitempty"`
	InfraConfig      *InfraConfig       `json:"InfraConfig,omitempty"`
	SharedNamespaces []string           `json:"SharedNamespaces"`
	ExitPolicy       string             `json:"ExitPolicy"`
	NumContainers    int                `json:"NumContainers"`
	Containers       []InspectContainer `json:"Containers"`
}

// InfraConfig is the network the infra holds for the pod.
type InfraConfig struct {
	PortBindings map[string][]PortBinding `json:"PortBindings"`
	HostNetwork  bool                     `json:"HostNetwork"`
	StaticIP     string                   `json:"StaticIP"`
	DNSServer    []string                 `json:"DNSServer,omitempty"`
	HostAdd      []string                 `json:"HostAdd,omitempty"`
	Networks     []string                 `json:"Networks,omitempty"`
	PidNS        string                   `json:"pid_ns,omitempty"`
	UserNS       string                   `json:"userns,omitempty"`
}

// PortBinding is one host side of a published port.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// InspectContainer is one container of the pod.
type InspectContainer struct {
	ID    string `json:"Id"`
	Name  string `json:"Name"`
	State string `json:"State"`
}

// Inspect describes a pod with its containers' live state.
func (m *Manager) Inspect(ctx context.Context, ref string) (*Inspect, error) {
	p, list, err := m.GetWithContainers(ctx, ref)
	if err != nil {
		return nil, err
	}
	in := &Inspect{
		ID: p.ID, Name: p.Name, Created: p.Created, CreateCommand: p.CreateCommand,
		State: Status(list), Hostname: p.Hostname, Labels: p.Labels,
		CreateInfra: p.Infra != "", InfraContainerID: p.Infra,
		SharedNamespaces: p.Share, NumContainers: len(list), Containers: []InspectContainer{},
		ExitPolicy: p.ExitPolicy, CgroupParent: m.Eng.DefaultCgroupParent(),
		CgroupPath: p.CgroupPath, CreateCgroup: p.CgroupPath != "",
	}
	if in.ExitPolicy == "" {
		in.ExitPolicy = ExitContinue
	}
	if in.Labels == nil {
		in.Labels = map[string]string{}
	}
	if in.SharedNamespaces == nil {
		in.SharedNamespaces = []string{}
	}
	for _, c := range list {
		in.Containers = append(in.Containers, InspectContainer{ID: c.ID, Name: c.Name, State: string(c.State.Status)})
		if c.ID == p.Infra {
			in.InfraConfig = infraConfig(&c, p)
		}
	}
	return in, nil
}

func infraConfig(c *container.Container, p *Pod) *InfraConfig {
	ic := &InfraConfig{PortBindings: map[string][]PortBinding{}, HostNetwork: c.Net.Mode == container.NetHost,
		DNSServer: c.Net.DNS, HostAdd: c.Net.AddHosts, UserNS: p.UserNS}
	for _, port := range c.Ports {
		key := strconv.Itoa(int(port.ContainerPort)) + "/" + port.Proto()
		ic.PortBindings[key] = append(ic.PortBindings[key], PortBinding{HostIP: port.HostIP, HostPort: strconv.Itoa(int(port.HostPort))})
	}
	for _, r := range c.Net.Networks {
		ic.Networks = append(ic.Networks, r.Network)
		if r.IP != "" && ic.StaticIP == "" {
			ic.StaticIP = r.IP
		}
	}
	for _, ns := range p.Share {
		if ns == container.SharePID {
			ic.PidNS = "pod"
		}
	}
	return ic
}
