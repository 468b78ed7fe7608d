package compose

import (
	"context"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
)

// PsOptions are `compose ps`' choices.
type PsOptions struct {
	Services []string // empty: every service
	All      bool     // stopped containers too
	Status   string   // --filter status=: only containers in this state (implies All)
}

// PsRow is one line of `compose ps`, in Docker Compose's columns; its field
// names are the --format fields and JSON keys users read.
type PsRow struct {
	ID, Name, Image, Command, Service, Project, State, Status, Health, Ports string
	Created                                                                  string
	ExitCode                                                                 int
	Labels                                                                   map[string]string
}

// Ps lists the services' containers (one-off ones left out) as rows.
func (c *Compose) Ps(ctx context.Context, o PsOptions) ([]PsRow, error) {
	services, err := c.ServiceNames(o.Services)
	if err != nil {
		return nil, err
	}
	list, err := c.Containers(ctx, o.All || o.Status != "", false)
	if err != nil {
		return nil, err
	}
	return psRows(list, services, o.Status, time.Now()), nil
}

// psRows projects the containers of the services that are in status (any
// when "") into rows, as of now.
func psRows(list []container.Container, services []string, status string, now time.Time) []PsRow {
	want := map[string]bool{}
	for _, s := range services {
		want[s] = true
	}
	var rows []PsRow
	for _, ct := range list {
		if !want[ct.Labels[LabelService]] {
			continue
		}
		st := string(ct.State.Status)
		if ct.Paused() {
			st = "paused"
		}
		if status != "" && st != status {
			continue
		}
		cmdline := strings.Join(ct.Command, " ")
		if len(cmdline) > 20 {
			cmdline = cmdline[:17] + "..."
		}
		rows = append(rows, PsRow{
			ID: ct.ID[:12], Name: ct.Name, Image: ct.ImageName, Command: `"` + cmdline + `"`,
			Service: ct.Labels[LabelService], Project: ct.Labels[LabelProject],
			State: st, Status: container.StatusText(ct, now), Health: ct.State.Health, Ports: container.PortsText(ct.Ports),
			Created: image.HumanAgo(ct.Created, now), ExitCode: ct.State.ExitCode, Labels: ct.Labels,
		})
	}
	return rows
}
