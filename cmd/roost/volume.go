package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/state"
	"github.com/roost-containers/roost/pkg/volume"
)

// addVolumeCommands adds `volume` and its subcommands, as Podman names them.
func addVolumeCommands(a *app, root *cobra.Command) {
	group := newGroup("volume", "Manage volumes",
		newVolumeCreateCommand(a), newVolumeLsCommand(a), newVolumeInspectCommand(a),
		newVolumeRmCommand(a), newVolumePruneCommand(a), newVolumeExistsCommand(a),
		newVolumeExportCommand(a), newVolumeImportCommand(a),
		newVolumeMountCommand(a), newVolumeUnmountCommand(a),
	)
	root.AddCommand(group)
}

func newVolumeCreateCommand(a *app) *cobra.Command {
	var labels, opts []string
	var driver string
	var ignore bool
	cmd := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create a volume",
		Long:  "Create a volume. The local driver takes --opt type=tmpfs|bind|none, device=DIR, o=size=,uid=,gid=,mode=,... and uid=, gid=.",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := volume.CreateOptions{Driver: driver, IgnoreExisting: ignore}
			if len(args) == 1 {
				o.Name = args[0]
			}
			var err error
			if o.Labels, err = keyValues("label", labels); err != nil {
				return err
			}
			if o.Options, err = volume.ParseOptions(opts); err != nil {
				return err
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			v, err := eng.Volumes.Create(o)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, v.Name)
			return nil
		},
	}
	f := cmd.Flags()
	stringArrayP(f, &labels, "label", "l", nil, "set a label (KEY=VALUE)")
	stringArrayP(f, &opts, "opt", "o", nil, "driver option: type=tmpfs|bind|none, device=DIR, o=OPTIONS, uid=, gid=")
	f.StringVarP(&driver, "driver", "d", volume.DriverLocal, "volume driver (local)")
	f.BoolVar(&ignore, "ignore", false, "do nothing if the volume exists")
	return cmd
}

func newVolumeLsCommand(a *app) *cobra.Command {
	var filters []string
	var tmpl string
	var quiet, noHeading bool
	cmd := &cobra.Command{
		Use:     "ls [options]",
		Aliases: []string{"list"},
		Short:   "List volumes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := volume.ParseFilter(filters, volume.ListFilterKeys)
			if err != nil {
				return err
			}
			if tmpl != "" && !format.IsJSON(tmpl) {
				if _, err := format.Template(tmpl); err != nil {
					return err
				}
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			list, err := eng.ListVolumes(f)
			if err != nil {
				return err
			}
			if quiet {
				for _, v := range list {
					fmt.Fprintln(a.out, v.Name)
				}
				return nil
			}
			return format.List(a.out, tmpl, "table {{.Driver}}\t{{.Name}}", map[string]string{"Name": "VOLUME NAME"}, list, noHeading)
		},
	}
	fl := cmd.Flags()
	stringArrayP(fl, &filters, "filter", "f", nil, "name=REGEX, label=KEY[=VALUE], label!=KEY[=VALUE], dangling=true|false, driver=, until= (repeatable)")
	fl.StringVar(&tmpl, "format", "", "json, or a Go template ({{.Name}}, {{.Driver}}, {{.Mountpoint}}, {{.Labels}}...)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only the names")
	fl.BoolVarP(&noHeading, "noheading", "n", false, "do not print the header row")
	return cmd
}

func newVolumeInspectCommand(a *app) *cobra.Command {
	var tmpl string
	var all bool
	cmd := &cobra.Command{
		Use:   "inspect [options] VOLUME [VOLUME...]",
		Short: "Show volumes in detail (JSON)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return errors.New("give volume names or --all, not both and not neither")
			}
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			var list []volume.Inspect
			if all {
				if list, err = eng.ListVolumes(volume.Filter{}); err != nil {
					return err
				}
			}
			for _, ref := range args {
				in, err := eng.InspectVolume(ref)
				if err != nil {
					return err
				}
				list = append(list, in)
			}
			if tmpl == "" || format.IsJSON(tmpl) {
				if list == nil {
					list = []volume.Inspect{}
				}
				return format.JSON(a.out, list)
			}
			return format.Each(a.out, tmpl, list)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "json, or a Go template ({{.Mountpoint}}...)")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "inspect every volume")
	return cmd
}

func newVolumeExistsCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "exists VOLUME",
		Short: "Exit 0 if the volume exists, 1 if not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			if _, err := eng.Volumes.Exact(args[0]); errors.Is(err, state.ErrNotFound) {
				return &exitError{code: 1}
			} else if err != nil {
				return err
			}
			return nil
		},
	}
}
