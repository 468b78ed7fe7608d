package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/systemd"
)

func newAutoUpdateCommand(a *app) *cobra.Command {
	var dryRun, rollback bool
	var f string
	cmd := &cobra.Command{
		Use:   "auto-update [options]",
		Short: "Update the images of containers run by systemd units and restart the units",
		Long: "For every running container labelled io.containers.autoupdate=registry|local\n" +
			"and io.roost.systemd.unit=UNIT (set by generate systemd --new and Quadlet units),\n" +
			"pull a newer image (registry) or notice a newer local one (local), restart UNIT,\n" +
			"and with --rollback go back to the previous image if the unit fails.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, err := a.Engine()
			if err != nil {
				return err
			}
			u := &systemd.AutoUpdater{Engine: eng, Store: eng.Store, Cfg: a.cfg, DryRun: dryRun, Rollback: rollback}
			reports, err := u.Run(cmd.Context())
			if err != nil {
				return err
			}
			if err := format.List(a.out, f, "{{.Unit}}\t{{.Container}}\t{{.Image}}\t{{.Policy}}\t{{.Updated}}", nil, reports, false); err != nil {
				return err
			}
			for _, r := range reports {
				if r.Updated == systemd.UpdateFailed {
					return fmt.Errorf("auto-update of %s failed: %s", r.Unit, r.Error)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only check for newer images (UPDATED says pending)")
	cmd.Flags().BoolVar(&rollback, "rollback", true, "go back to the previous image when the restarted unit fails")
	cmd.Flags().StringVar(&f, "format", "", "json or a Go template ({{.Unit}} {{.Container}} {{.Image}} {{.Policy}} {{.Updated}})")
	return cmd
}
