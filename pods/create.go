package pods

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/events"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pkg/state"
)

// CreateOptions are `pod create`'s choices.
type CreateOptions struct {
	Name     string
	Labels   map[string]string
	Hostname string // default: the pod's name
	Share    []string
	// Infra false makes a pod without an infra container: nothing is shared.
	Infra bool
	// InfraImage* name an image to run the infra from (--infra-image);
	// empty: an image-less root with catatonit bind-mounted.
	InfraImageID, InfraImageName string
	InfraImage                   spec.ImageConfig
	InfraCommand                 []string
	// Net and Ports are the pod's network: the infra holds them.
	Net        container.NetOptions
	Ports      []container.PortMapping
	PublishAll bool
	UserNS     string
	// UIDMap and GIDMap are the members' default --uidmap/--gidmap.
	UIDMap, GIDMap []string
	Runtime        string // the runtime binary for the infra
	// InfraName names the infra container (default: ID[:12]-infra).
	InfraName string
	// Replace removes a pod of the same name first (with its containers).
	Replace bool
	// ExitPolicy is what happens when the last member exits: continue
	// (the infra keeps running) or stop (the pod stops). See ParseExitPolicy.
	ExitPolicy string
	// ShareParent puts the pod's containers under one cgroup of the pod's
	// (--share-parent): limits and accounting then cover the whole pod.
	ShareParent bool
	// CreateCommand is the command line, for inspect; CreateArgs the flags
	// in the form generate systemd --new runs again.
	CreateCommand, CreateArgs []string
}

// Exit policies of a pod (--exit-policy).
const (
	ExitContinue = "continue"
	ExitStop     = "stop"
)

// ParseExitPolicy reads --exit-policy; "" is the default, continue.
func ParseExitPolicy(s string) (string, error) {
	switch s {
	case "":
		return ExitContinue, nil
	case ExitContinue, ExitStop:
		return s, nil
	}
	return "", fmt.Errorf("running pod create option: invalid pod exit policy: %q (use continue or stop)", s)
}

// DefaultShare is what a pod shares unless --share says otherwise.
var DefaultShare = []string{container.ShareIPC, container.ShareNet, container.ShareUTS}

// ParseShare reads --share: a comma list of net, ipc, uts, pid (cgroup is
// accepted and ignored: without delegation there is no cgroup to share), or
// "+list" to add to the defaults, or "none".
func ParseShare(s string) ([]string, error) {
	out := []string{}
	if strings.HasPrefix(s, "+") {
		out = slices.Clone(DefaultShare)
		s = s[1:]
	}
	if s == "none" || s == "" {
		return out, nil
	}
	for _, ns := range strings.Split(s, ",") {
		switch ns {
		case container.ShareNet, container.ShareIPC, container.ShareUTS, container.SharePID:
			if !slices.Contains(out, ns) {
				out = append(out, ns)
			}
		case "cgroup":
		default:
			return nil, fmt.Errorf("invalid kernel namespace to share: %s. Options are: cgroup, ipc, net, pid, uts or none", ns)
		}
	}
	sort := slices.Clone(out)
	slices.Sort(sort)
	return sort, nil
}

// Create makes a pod and its infra container (created, not started). On
// any failure nothing is left: the record goes with the infra.
func (m *Manager) Create(ctx context.Context, o CreateOptions) (*Pod, error) {
	if err := checkCreate(&o); err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	if o.Replace {
		if err := m.replace(ctx, o.Name); err != nil {
			return nil, err
		}
	}
	p := &Pod{
		ID: id, Name: o.Name, Created: time.Now().UTC(), Labels: o.Labels,
		Hostname: o.Hostname, Share: o.Share, UserNS: o.UserNS, UIDMap: o.UIDMap, GIDMap: o.GIDMap, ExitPolicy: o.ExitPolicy,
		CreateCommand: o.CreateCommand, CreateArgs: o.CreateArgs,
	}
	if p.Hostname == "" {
		p.Hostname = p.Name
	}
	if o.ShareParent {
		p.CgroupPath = path.Join(m.Eng.DefaultCgroupParent(), "roost_pod_"+id)
	}
	l, err := m.lock(ctx, id)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	if err := m.Eng.DB.Update(func(tx *state.Tx) error { return tx.Put(state.Pods, p.ID, p.Name, p) }); err != nil {
		if errors.Is(err, state.ErrNameInUse) {
			return nil, fmt.Errorf("the pod name %q is already in use: remove that pod or choose another --name: %w", p.Name, ErrNameInUse)
		}
		return nil, err
	}
	if !o.Infra {
		return p, m.recorded(p, events.Create, nil)
	}
	co, err := infraOptions(p, o)
	if err == nil {
		var infra *container.Container
		if infra, err = m.Eng.Create(ctx, co); err == nil {
			p.Infra = infra.ID
			err = m.Eng.DB.Update(func(tx *state.Tx) error { return tx.Put(state.Pods, p.ID, p.Name, p) })
			if err != nil {
				_, _ = m.Eng.Remove(ctx, infra.ID, container.RemoveOptions{Force: true, Pod: true})
			}
		}
	}
	if err != nil {
		_ = m.Eng.DB.Update(func(tx *state.Tx) error { return tx.Delete(state.Pods, p.ID) })
		return nil, err
	}
	return p, m.recorded(p, events.Create, nil)
}

// replace removes the pod named name, if any, for create --replace.
func (m *Manager) replace(ctx context.Context, name string) error {
	id, err := m.Eng.DB.NameID(state.Pods, name)
	if err == nil {
		_, err = m.Remove(ctx, id, RemoveOptions{Force: true})
	}
	if err != nil && !errors.Is(err, state.ErrNotFound) {
		return fmt.Errorf("replace pod %s: %w", name, err)
	}
	return nil
}

// checkCreate refuses what a pod cannot have before anything is made.
func checkCreate(o *CreateOptions) error {
	if o.Name == "" {
		return errors.New("a pod needs a name: give --name NAME")
	}
	if err := container.ValidName(o.Name); err != nil {
		return err
	}
	if o.InfraName != "" {
		if err := container.ValidName(o.InfraName); err != nil {
			return fmt.Errorf("--infra-name: %w", err)
		}
	}
	if o.Infra {
		return nil
	}
	switch {
	case len(o.Share) > 0:
		return errors.New("--infra=false shares nothing: leave out --share or give --share none")
	case len(o.Ports) > 0 || o.PublishAll:
		return errors.New("published ports need the pod's infra container: they cannot be used with --infra=false")
	case o.InfraImageID != "" || len(o.InfraCommand) > 0 || o.InfraName != "":
		return errors.New("--infra-image, --infra-command and --infra-name need the infra container: they cannot be used with --infra=false")
	}
	return nil
}

// InfraPath is where the infra's catatonit appears in an image-less infra.
const InfraPath = "/catatonit"

// catatonit finds the binary an image-less infra runs.
func catatonit() (string, error) {
	if p, err := exec.LookPath("catatonit"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/libexec/podman/catatonit"); err == nil {
		return "/usr/libexec/podman/catatonit", nil
	}
	return "", errors.New("a pod's infra container needs catatonit: install the catatonit package, or give --infra-image")
}

func infraName(p *Pod, o CreateOptions) string {
	if o.InfraName != "" {
		return o.InfraName
	}
	return p.ID[:12] + "-infra"
}

// infraOptions is the infra container: the pod's network and ports, its
// hostname, and catatonit -P (or the infra image's command) as its process.
func infraOptions(p *Pod, o CreateOptions) (container.CreateOptions, error) {
	co := container.CreateOptions{
		Name:    infraName(p, o),
		ImageID: o.InfraImageID, ImageName: o.InfraImageName,
		Net: o.Net, Ports: o.Ports, PublishAll: o.PublishAll,
		Pod: &container.PodLink{ID: p.ID, IsInfra: true},
		Run: container.RunOptions{Runtime: o.Runtime, LogDriver: "none", StopTimeout: 10, CgroupParent: p.CgroupPath},
	}
	co.Spec.Image = o.InfraImage
	co.Spec.Hostname = p.Hostname
	if len(o.InfraCommand) > 0 {
		cmd := slices.Clone(o.InfraCommand)
		co.Spec.Process.Entrypoint = &cmd
	}
	if o.InfraImageID != "" {
		return co, nil
	}
	bin, err := catatonit()
	if err != nil {
		return co, err
	}
	if len(o.InfraCommand) == 0 {
		co.Spec.Process.Entrypoint = &[]string{InfraPath, "-P"}
	}
	co.Spec.Mounts = []spec.Mount{{Type: spec.TypeBind, Source: bin, Destination: InfraPath, Options: []string{"ro", "nosuid", "nodev"}}}
	return co, nil
}
