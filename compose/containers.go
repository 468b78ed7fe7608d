package compose

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/roost-containers/roost/pkg/container"
)

// ServiceContainer is the service's container number index (1 first), as
// exec and port pick it with --index.
func (c *Compose) ServiceContainer(ctx context.Context, service string, index int) (*container.Container, error) {
	list, err := c.ServiceContainers(ctx, service)
	if err != nil {
		return nil, err
	}
	if _, ok := c.Project.Services[service]; !ok {
		return nil, fmt.Errorf("no such service: %s", service)
	}
	for _, ct := range list {
		if ct.Labels[LabelNumber] == strconv.Itoa(index) {
			return &ct, nil
		}
	}
	return nil, fmt.Errorf("service %s has no container number %d: start it with `roost compose up -d %s`", service, index, service)
}

// PortOptions are `compose port`'s choices.
type PortOptions struct {
	Service  string
	Index    int // the service's container number, 1 first
	Port     int // the container's port
	Protocol string
}

// PublishedPort is the host address ("IP:PORT") a service's container port
// is published on.
func (c *Compose) PublishedPort(ctx context.Context, o PortOptions) (string, error) {
	ct, err := c.ServiceContainer(ctx, o.Service, o.Index)
	if err != nil {
		return "", err
	}
	for _, p := range ct.Ports {
		if int(p.ContainerPort) == o.Port && p.Proto() == o.Protocol {
			return p.HostAddr(), nil
		}
	}
	return "", fmt.Errorf("service %s: port %d/%s is not published", o.Service, o.Port, o.Protocol)
}

// ContainerProcesses are one running container's processes, `ps` rows
// with the header first.
type ContainerProcesses struct {
	Container string
	Processes [][]string
}

// Top lists the processes of the services' running containers (every
// service when services is empty), service by service. On an error it
// returns what it found before it too.
func (c *Compose) Top(ctx context.Context, services []string) ([]ContainerProcesses, error) {
	list, err := c.containersOf(ctx, services)
	if err != nil {
		return nil, err
	}
	var out []ContainerProcesses
	for _, ct := range list {
		if ct.State.Status != container.StatusRunning {
			continue
		}
		rows, err := c.Engine.Top(ct.ID, nil)
		if err != nil {
			return out, err
		}
		out = append(out, ContainerProcesses{Container: ct.Name, Processes: rows})
	}
	return out, nil
}

// ContainerImage is the image one of the project's containers uses.
type ContainerImage struct {
	Container, Repository, Tag, ID string // ID: the short (12) image id
}

// Images lists the images of the services' containers (every service when
// services is empty), service by service.
func (c *Compose) Images(ctx context.Context, services []string) ([]ContainerImage, error) {
	list, err := c.containersOf(ctx, services)
	if err != nil {
		return nil, err
	}
	var out []ContainerImage
	for _, ct := range list {
		repo, tag := ct.ImageName, "latest"
		if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
			repo, tag = repo[:i], repo[i+1:]
		}
		out = append(out, ContainerImage{Container: ct.Name, Repository: repo, Tag: tag, ID: ct.ImageID[:12]})
	}
	return out, nil
}

// ContainerExit is one container's exit, as `compose wait` reports it.
type ContainerExit struct {
	Service, Container string
	ExitCode           int
}

// Wait waits for each of the services' containers to exit, in turn,
// service by service, and calls exited for each as soon as it has.
func (c *Compose) Wait(ctx context.Context, services []string, exited func(ContainerExit)) error {
	list, err := c.containersOf(ctx, services)
	if err != nil {
		return err
	}
	for _, ct := range list {
		code, err := c.Engine.Wait(ctx, ct.ID)
		if err != nil {
			return err
		}
		exited(ContainerExit{Service: ct.Labels[LabelService], Container: ct.Name, ExitCode: code})
	}
	return nil
}

// containersOf lists the services' containers (every service's when
// services is empty; one-off ones left out), service by service in the
// order given, each service's by number.
func (c *Compose) containersOf(ctx context.Context, services []string) ([]container.Container, error) {
	services, err := c.ServiceNames(services)
	if err != nil {
		return nil, err
	}
	list, err := c.Containers(ctx, true, false)
	if err != nil {
		return nil, err
	}
	var out []container.Container
	for _, s := range services {
		for _, ct := range list {
			if ct.Labels[LabelService] == s {
				out = append(out, ct)
			}
		}
	}
	return out, nil
}
