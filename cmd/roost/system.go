package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/format"
)

// newSystemCommand makes `system` and its subcommands, as Podman names them.
func newSystemCommand(a *app) *cobra.Command {
	group := &cobra.Command{Use: "system", Short: "Manage roost"}
	info := newInfoCommand(a)
	group.AddCommand(info, newSystemDfCommand(a), newSystemPruneCommand(a), newSystemResetCommand(a),
		newSystemMigrateCommand(a), newSystemRenumberCommand(a), newSystemConnectionCommand(a),
		newSystemServiceCommand(a))
	return group
}

func newSystemDfCommand(a *app) *cobra.Command {
	var verbose bool
	var f string
	cmd := &cobra.Command{
		Use:   "df [options]",
		Short: "Show roost disk usage",
		Long:  "Show how much disk space images, containers and local volumes use, and how much of it could be reclaimed.",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			du, err := a.Core().DiskUsage(cmd.Context())
			if err != nil {
				return err
			}
			if verbose {
				return printDfVerbose(a, du)
			}
			rows := dfSummaries(du)
			if f == "" {
				return format.Table(a.out, "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}", nil, rows, false)
			}
			return format.List(a.out, f, "", nil, rows, false)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "Show detailed information on disk usage")
	cmd.Flags().StringVar(&f, "format", "", "Pretty-print images using a Go template")
	return cmd
}

// dfSummary is one row of `system df`, with Podman's field names.
type dfSummary struct {
	Type           string
	Total          int
	Active         int
	RawSize        int64 `json:"Size"`
	RawReclaimable int64 `json:"Reclaimable"`
}

func (d dfSummary) Size() string { return units.HumanSize(float64(d.RawSize)) }

// Reclaimable is "SIZE (PERCENT%)" as Podman prints it.
func (d dfSummary) Reclaimable() string {
	pct := 0
	if d.RawSize > 0 {
		pct = int(math.Round(float64(d.RawReclaimable) / float64(d.RawSize) * 100))
	}
	return fmt.Sprintf("%s (%d%%)", units.HumanSize(float64(d.RawReclaimable)), pct)
}

// dfSummaries counts as Podman does: an image is active when a container
// uses it, a container when it runs, a volume once per container using it.
func dfSummaries(du engine.DiskUsage) []dfSummary {
	img := dfSummary{Type: "Images", Total: len(du.Images)}
	for _, i := range du.Images {
		img.RawSize += i.Size
		if i.Containers > 0 {
			img.Active++
		} else {
			img.RawReclaimable += i.Size
		}
	}
	ctr := dfSummary{Type: "Containers", Total: len(du.Containers)}
	for _, c := range du.Containers {
		ctr.RawSize += c.RWSize
		if c.Status == "running" {
			ctr.Active++
		} else {
			ctr.RawReclaimable += c.RWSize
		}
	}
	vol := dfSummary{Type: "Local Volumes", Total: len(du.Volumes)}
	for _, v := range du.Volumes {
		vol.Active += v.Links
		vol.RawSize += v.Size
		vol.RawReclaimable += v.ReclaimableSize
	}
	return []dfSummary{img, ctr, vol}
}

func printDfVerbose(a *app, du engine.DiskUsage) error {
	now := time.Now()
	fmt.Fprint(a.out, "Images space usage:\n\n")
	var imgs []map[string]string
	for _, i := range du.Images {
		imgs = append(imgs, map[string]string{
			"Repository": i.Repository, "Tag": i.Tag, "ImageID": shortID(i.ImageID),
			"Created": units.HumanDuration(now.Sub(i.Created)), "Size": units.HumanSize(float64(i.Size)),
			"SharedSize": units.HumanSize(float64(i.SharedSize)), "UniqueSize": units.HumanSize(float64(i.UniqueSize)),
			"Containers": fmt.Sprint(i.Containers),
		})
	}
	if err := format.Table(a.out, "table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
		map[string]string{"ImageID": "IMAGE ID", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE"}, imgs, false); err != nil {
		return err
	}
	fmt.Fprint(a.out, "\nContainers space usage:\n\n")
	var ctrs []map[string]string
	for _, c := range du.Containers {
		ctrs = append(ctrs, map[string]string{
			"ContainerID": shortID(c.ContainerID), "Image": shortID(c.Image), "Command": strings.Join(c.Command, " "),
			"LocalVolumes": fmt.Sprint(c.LocalVolumes), "RWSize": units.HumanSize(float64(c.RWSize)),
			"Created": units.HumanDuration(now.Sub(c.Created)), "Status": c.Status, "Names": c.Names,
		})
	}
	if err := format.Table(a.out, "table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.RWSize}}\t{{.Created}}\t{{.Status}}\t{{.Names}}",
		map[string]string{"ContainerID": "CONTAINER ID", "LocalVolumes": "LOCAL VOLUMES", "RWSize": "SIZE"}, ctrs, false); err != nil {
		return err
	}
	fmt.Fprint(a.out, "\nLocal Volumes space usage:\n\n")
	var vols []map[string]string
	for _, v := range du.Volumes {
		vols = append(vols, map[string]string{"VolumeName": v.VolumeName, "Links": fmt.Sprint(v.Links), "Size": units.HumanSize(float64(v.Size))})
	}
	return format.Table(a.out, "table {{.VolumeName}}\t{{.Links}}\t{{.Size}}", map[string]string{"VolumeName": "VOLUME NAME"}, vols, false)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func newSystemPruneCommand(a *app) *cobra.Command {
	var r engine.PruneRequest
	var force bool
	cmd := &cobra.Command{
		Use:   "prune [options]",
		Short: "Remove unused data",
		Long:  "Remove stopped containers, pods without running containers, networks no container uses and dangling images (with --all every unused image, with --volumes unused volumes).\nWithout --force it asks first, reading the answer from standard input.",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force {
				ok, err := confirm(a, os.Stdin, pruneWarning(r))
				if err != nil || !ok {
					return err
				}
			}
			res, err := a.Core().SystemPrune(cmd.Context(), r)
			printPruned(a, "Deleted Containers", res.Containers)
			printPruned(a, "Deleted Pods", res.Pods)
			printPruned(a, "Deleted Volumes", res.Volumes)
			printPruned(a, "Deleted Images", res.Images)
			printPruned(a, "Deleted Networks", res.Networks)
			fmt.Fprintf(a.out, "Total reclaimed space: %s\n", units.HumanSize(float64(res.Reclaimed)))
			return err
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation.  The default is false")
	fl.BoolVarP(&r.All, "all", "a", false, "Remove all unused data")
	fl.BoolVar(&r.Volumes, "volumes", false, "Prune volumes")
	stringArray(fl, &r.Filters, "filter", nil, "Provide filter values (e.g. 'label=<key>=<value>')")
	return cmd
}

// pruneWarning is what Podman asks before a system prune.
func pruneWarning(r engine.PruneRequest) string {
	vol, img := "", "all dangling images"
	if r.Volumes {
		vol = "\n\t- all volumes not used by at least one container"
	}
	if r.All {
		img = "all images without at least one container associated with them"
	}
	return "WARNING! This command removes:\n\t- all stopped containers\n\t- all networks not used by at least one container" + vol + "\n\t- " + img + "\n"
}

func printPruned(a *app, heading string, ids []string) {
	if len(ids) == 0 {
		return
	}
	fmt.Fprintln(a.out, heading)
	for _, id := range ids {
		fmt.Fprintln(a.out, id)
	}
}

func newSystemResetCommand(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "reset [options]",
		Short: "Reset roost storage",
		Long:  "Remove every container (stopped first), pod, image, volume and network, and the storage and state they live in; stop the namespace holder. Roost is then as on its first run.\nWithout --force it asks first, reading the answer from standard input.",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force {
				ok, err := confirm(a, os.Stdin, "WARNING! This will remove:\n        - all containers\n        - all pods\n        - all images\n        - all networks\n        - all build cache\n        - all volumes")
				if err != nil || !ok {
					return err
				}
			}
			return a.Core().SystemReset(cmd.Context())
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

func newSystemMigrateCommand(a *app) *cobra.Command {
	var newRuntime string
	cmd := &cobra.Command{
		Use:   "migrate [options]",
		Short: "Migrate containers",
		Long:  "Check the state database and, with --new-runtime, make every container use another OCI runtime from its next start. Roost's state needs no other migration.",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.Core().Migrate(cmd.Context(), newRuntime)
		},
	}
	cmd.Flags().StringVar(&newRuntime, "new-runtime", "", "Specify a new runtime for all containers")
	return cmd
}

func newSystemRenumberCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "renumber",
		Short: "Migrate lock numbers",
		Long:  "Podman renumbers its shared-memory locks after their number changes. Roost's locks are files, one per object, with no numbers: there is nothing to do, and it succeeds.",
		Args:  noArgs,
		RunE:  func(*cobra.Command, []string) error { return nil },
	}
}

// errNoConnections: connections name remote services, which Roost has not.
var errNoConnections = errors.New("roost has no remote connections: it runs containers on this machine only (run roost over ssh on another machine)")

func newSystemConnectionCommand(*app) *cobra.Command {
	return &cobra.Command{
		Use:                "connection",
		Short:              "Manage remote API service destinations (not available in Roost)",
		DisableFlagParsing: true,
		Annotations:        map[string]string{noNamespace: "true"},
		RunE:               func(*cobra.Command, []string) error { return errNoConnections },
	}
}
