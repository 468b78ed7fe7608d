package systemd

import (
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	cstorage "go.podman.io/storage"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/image"
)

// Auto-update outcomes, as Podman prints them in UPDATED.
const (
	UpdatePending    = "pending" // --dry-run: a newer image exists
	UpdateDone       = "true"
	UpdateNone       = "false"
	UpdateFailed     = "failed"
	UpdateRolledBack = "rolled back"
)

// UpdateReport is one unit's line of `roost auto-update`.
type UpdateReport struct {
	Unit      string `json:"Unit"`
	Container string `json:"Container"` // short id (name)
	Image     string `json:"Image"`
	Policy    string `json:"Policy"`
	Updated   string `json:"Updated"`
	Error     string `json:"Error,omitempty"`
}

// AutoUpdater restarts the units of containers labelled
// io.containers.autoupdate=registry|local whose image has a newer version.
type AutoUpdater struct {
	Engine   *container.Engine
	Store    cstorage.Store
	Cfg      *config.Config
	DryRun   bool
	Rollback bool
	// Systemctl runs systemctl (with --user for a rootless user); nil: the
	// real one.
	Systemctl func(args ...string) error
}

// candidate is a unit to look at and the container it runs.
type candidate struct {
	unit   string
	policy string
	c      container.Container
}

// Run checks every candidate and updates those with a newer image. An error
// about one unit is in its report; the error returned is for the whole run.
func (u *AutoUpdater) Run(ctx context.Context) ([]UpdateReport, error) {
	cands, err := u.candidates(ctx)
	if err != nil {
		return nil, err
	}
	var out []UpdateReport
	for _, cd := range cands {
		out = append(out, u.one(ctx, cd))
	}
	return out, nil
}

// candidates are the running containers with both labels, one per unit.
func (u *AutoUpdater) candidates(ctx context.Context) ([]candidate, error) {
	list, err := u.Engine.List(ctx, container.ListOptions{})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []candidate
	for _, c := range list {
		policy, unit := c.Labels[AutoUpdateLabel], c.Labels[UnitLabel]
		if (policy != "registry" && policy != "local") || unit == "" || seen[unit] {
			continue
		}
		seen[unit] = true
		out = append(out, candidate{unit: unit, policy: policy, c: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].unit < out[j].unit })
	return out, nil
}

func (u *AutoUpdater) one(ctx context.Context, cd candidate) UpdateReport {
	r := UpdateReport{Unit: cd.unit, Container: fmt.Sprintf("%s (%s)", cd.c.ID[:12], cd.c.Name),
		Image: cd.c.ImageName, Policy: cd.policy, Updated: UpdateNone}
	fail := func(err error) UpdateReport {
		r.Updated, r.Error = UpdateFailed, err.Error()
		return r
	}
	newer, err := u.hasNewer(ctx, cd)
	if err != nil {
		return fail(err)
	}
	if !newer {
		return r
	}
	if u.DryRun {
		r.Updated = UpdatePending
		return r
	}
	if cd.policy == "registry" {
		if _, err := image.Pull(ctx, u.Store, u.Cfg, cd.c.ImageName, image.PullOptions{}); err != nil {
			return fail(err)
		}
	}
	err = u.restart(cd.unit)
	if err == nil {
		r.Updated = UpdateDone
		return r
	}
	if !u.Rollback {
		return fail(err)
	}
	// The image name goes back to the image the unit ran, and the unit
	// runs it again.
	if terr := image.Tag(u.Store, cd.c.ImageID, []string{cd.c.ImageName}, u.Cfg.Events); terr != nil {
		return fail(fmt.Errorf("%v; rollback: %w", err, terr))
	}
	if rerr := u.restart(cd.unit); rerr != nil {
		return fail(fmt.Errorf("%v; rollback: %w", err, rerr))
	}
	r.Updated, r.Error = UpdateRolledBack, err.Error()
	return r
}

// hasNewer: for registry, the registry's manifest is not the running
// image's; for local, the image name now names another local image.
func (u *AutoUpdater) hasNewer(ctx context.Context, cd candidate) (bool, error) {
	if cd.policy == "registry" {
		return image.RegistryHasNewer(ctx, u.Store, u.Cfg, cd.c.ImageName, cd.c.ImageID)
	}
	img, _, err := image.Find(u.Store, cd.c.ImageName)
	if err != nil {
		return false, err
	}
	return img.ID != cd.c.ImageID, nil
}

func (u *AutoUpdater) restart(unit string) error {
	if u.Systemctl != nil {
		return u.Systemctl("restart", unit)
	}
	args := []string{"restart", unit}
	if u.Cfg.Rootless {
		args = append([]string{"--user"}, args...)
	}
	out, err := exec.Command("systemctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// AutoUpdateUnits are roost-auto-update.service, which runs `roost
// auto-update` once, and roost-auto-update.timer, which runs it daily.
func AutoUpdateUnits(roost []string) []Unit {
	svc := `[Unit]
Description=Roost auto-update: newer images for containers run by units

[Service]
Type=oneshot
ExecStart=` + ExecLine(append(append([]string(nil), roost...), "auto-update")) + `

[Install]
WantedBy=default.target
`
	timer := `[Unit]
Description=Roost auto-update, daily

[Timer]
OnCalendar=daily
RandomizedDelaySec=900
Persistent=true

[Install]
WantedBy=timers.target
`
	return []Unit{{Name: "roost-auto-update.service", Content: svc}, {Name: "roost-auto-update.timer", Content: timer}}
}
