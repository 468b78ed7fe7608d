package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/api"
)

// newSystemServiceCommand serves the Docker Engine API on a socket for as
// long as it is used (docs/commands/system.md): there is no daemon, only a
// command that exits after --time idle seconds.
func newSystemServiceCommand(a *app) *cobra.Command {
	var idle uint
	cmd := &cobra.Command{
		Use:   "service [options] [URI]",
		Short: "Serve the Docker-compatible API on a socket",
		Long: "Serve the Docker Engine API on unix://$XDG_RUNTIME_DIR/roost/roost.sock (or URI)\n" +
			"until no request has come for --time seconds (0: never).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			uri := api.DefaultURI(a.cfg)
			if len(args) == 1 {
				uri = args[0]
			}
			return a.serveAPI(uri, time.Duration(idle)*time.Second)
		},
	}
	cmd.Flags().UintVarP(&idle, "time", "t", 5, "Seconds with no request before the service exits (0: never)")
	return cmd
}

func (a *app) serveAPI(uri string, idle time.Duration) error {
	// Under a unit (roost.service) the service does not own the containers
	// it starts, as a Quadlet unit owns its one container: they must outlive
	// the service's idle exit, so the engine must not hand them the unit's
	// notify socket, and its monitors get scopes of their own.
	os.Unsetenv("NOTIFY_SOCKET")
	l, err := api.Listen(uri)
	if err != nil {
		return err
	}
	defer l.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return api.New(a.Core(), api.Options{Idle: idle}).Serve(ctx, l)
}
