package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pods"
)

var podPsHeaders = map[string]string{
	"ID": "POD ID", "InfraID": "INFRA ID", "NumberOfContainers": "# OF CONTAINERS",
	"ContainerIds": "IDS", "ContainerNames": "NAMES", "ContainerStatuses": "STATUS",
}

type podPsFlags struct {
	ctrNames, ctrIDs, ctrStatus, quiet, noTrunc, noHeading bool
	format                                                 string
	filters                                                []string
}

func newPodPsCommand(a *app) *cobra.Command {
	var f podPsFlags
	cmd := &cobra.Command{
		Use:     "ps [options]",
		Aliases: []string{"ls", "list"},
		Short:   "List pods",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			match, err := pods.ParseListFilter(f.filters)
			if err != nil {
				return err
			}
			mgr, err := a.Pods()
			if err != nil {
				return err
			}
			mgr.Eng.Reconcile(cmd.Context())
			rows, err := mgr.List(cmd.Context(), match, f.noTrunc || format.IsJSON(f.format))
			if err != nil {
				return err
			}
			if f.quiet {
				return format.Each(a.out, "{{.ID}}", rows)
			}
			return format.List(a.out, f.format, f.table(), podPsHeaders, rows, f.noHeading)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.ctrNames, "ctr-names", false, "show the names of the pod's containers")
	fl.BoolVar(&f.ctrIDs, "ctr-ids", false, "show the ids of the pod's containers")
	fl.BoolVar(&f.ctrStatus, "ctr-status", false, "show the states of the pod's containers")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print only ids")
	fl.BoolVar(&f.noTrunc, "no-trunc", false, "do not truncate ids")
	fl.BoolVar(&f.noHeading, "noheading", false, "do not print the header")
	fl.StringVar(&f.format, "format", "", "json, or a Go template (table ...)")
	stringArrayP(fl, &f.filters, "filter", "f", nil, "filter KEY=VALUE (repeatable): id, name, label (label!=), status, network, until, ctr-names, ctr-ids, ctr-status, ctr-number")
	return cmd
}

// table is Podman's default layout: the container columns asked for, else
// the infra id and the number of containers.
func (f *podPsFlags) table() string {
	cols := []string{"{{.ID}}", "{{.Name}}", "{{.Status}}", "{{.Created}}"}
	if f.ctrIDs {
		cols = append(cols, "{{.ContainerIds}}")
	}
	if f.ctrNames {
		cols = append(cols, "{{.ContainerNames}}")
	}
	if f.ctrStatus {
		cols = append(cols, "{{.ContainerStatuses}}")
	}
	if !f.ctrIDs && !f.ctrNames && !f.ctrStatus {
		cols = append(cols, "{{.InfraID}}", "{{.NumberOfContainers}}")
	}
	return "table " + strings.Join(cols, "\t")
}

func newPodInspectCommand(a *app) *cobra.Command {
	var f string
	cmd := &cobra.Command{
		Use:   "inspect [options] POD [POD...]",
		Short: "Show a pod's configuration and state as JSON",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mgr, err := a.Pods()
			if err != nil {
				return err
			}
			var out []*pods.Inspect
			for _, ref := range args {
				in, err := mgr.Inspect(cmd.Context(), ref)
				if err != nil {
					return err
				}
				out = append(out, in)
			}
			if f == "" || format.IsJSON(f) {
				return format.JSON(a.out, out)
			}
			return format.Each(a.out, f, out)
		},
	}
	cmd.Flags().StringVarP(&f, "format", "f", "", "json, or a Go template")
	return cmd
}

func newPodTopCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top POD [DESCRIPTORS...]",
		Short: "Show the processes of a pod's running containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			mgr, err := a.Pods()
			if err != nil {
				return err
			}
			p, list, err := mgr.GetWithContainers(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			var table [][]string
			for _, c := range list {
				if c.State.Status != container.StatusRunning {
					continue
				}
				rows, err := mgr.Eng.Top(c.ID, args[1:])
				if err != nil {
					return err
				}
				if table != nil {
					rows = rows[1:] // one header for the pod
				}
				table = append(table, rows...)
			}
			if table == nil {
				return fmt.Errorf("pod %s has no running container: start it first", p.Name)
			}
			tw := tabwriter.NewWriter(a.out, 12, 2, 2, ' ', 0)
			for _, r := range table {
				fmt.Fprintln(tw, strings.Join(r, "\t"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func newPodLogsCommand(a *app) *cobra.Command {
	var o container.LogOptions
	var since, until, only string
	var names bool
	cmd := &cobra.Command{
		Use:   "logs [options] POD",
		Short: "Show the output of a pod's containers",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := logWindow(&o, since, until); err != nil {
				return err
			}
			mgr, err := a.Pods()
			if err != nil {
				return err
			}
			p, list, err := mgr.GetWithContainers(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			members := pods.Members(list)
			if only != "" {
				members = slices.DeleteFunc(members, func(c container.Container) bool { return c.Name != only && !strings.HasPrefix(c.ID, only) })
				if len(members) == 0 {
					return fmt.Errorf("pod %s has no container %q", p.Name, only)
				}
			}
			srcs := make([]container.LogSource, len(members))
			for i := range members {
				srcs[i] = container.LogSource{Ref: members[i].ID, Prefix: linePrefix(&members[i], names)}
			}
			return mgr.Eng.LogsMany(cmd.Context(), srcs, o, a.out, a.errOut)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&o.Follow, "follow", "f", false, "keep printing new output (of every container, as it comes)")
	fl.BoolVarP(&o.Timestamps, "timestamps", "t", false, "show timestamps")
	fl.IntVar(&o.Tail, "tail", -1, "number of lines from the end of each container's log (-1: all)")
	fl.StringVar(&since, "since", "", "show output since a time")
	fl.StringVar(&until, "until", "", "show output until a time")
	fl.BoolVar(&names, "names", false, "prefix lines with the container's name instead of its id")
	fl.StringVarP(&only, "container", "c", "", "show only this container's output")
	return cmd
}

func newPodStatsCommand(a *app) *cobra.Command {
	var f string
	var all, noStream bool
	var interval int
	cmd := &cobra.Command{
		Use:   "stats [options] [POD...]",
		Short: "Show the resource use of pods' running containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			mgr, refs, err := a.podTargets(cmd, all || len(args) == 0, args)
			if err != nil {
				return err
			}
			prev := map[string]container.Stats{}
			return a.statsLoop(cmd.Context(), interval, noStream, f, func() error {
				list, err := mgr.Stats(cmd.Context(), refs, prev)
				if err != nil {
					return err
				}
				for _, s := range list {
					prev[s.ContainerID] = s.Stats
				}
				return a.printPodStats(list, f)
			})
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "every pod (the default without names)")
	fl.BoolVar(&noStream, "no-stream", false, "print one sample and exit")
	fl.IntVarP(&interval, "interval", "i", 5, "seconds between samples")
	fl.StringVar(&f, "format", "", "json, or a Go template (table ...)")
	return cmd
}

// podStatsRow is one line of pod stats, with Podman's field names.
type podStatsRow struct {
	Pod, CID, Name, CPU, MemUsage, MemUsageBytes, Mem, NetIO, BlockIO, PIDS string
}

var podStatsHeaders = map[string]string{
	"Pod": "POD", "CPU": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemUsageBytes": "MEM USAGE / LIMIT",
	"Mem": "MEM %", "NetIO": "NET IO", "BlockIO": "BLOCK IO",
}

const podStatsDefault = "table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPU}}\t{{.MemUsage}}\t{{.Mem}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}"

func (a *app) printPodStats(list []pods.Stats, f string) error {
	rows := make([]podStatsRow, 0, len(list))
	for _, s := range list {
		c := newStatsRow(s.Stats)
		rows = append(rows, podStatsRow{
			Pod: s.PodID[:12], CID: c.ID, Name: c.Name, CPU: c.CPUPerc, MemUsage: c.MemUsage,
			MemUsageBytes: units.BytesSize(float64(s.MemUsage)) + " / " + units.BytesSize(float64(s.MemLimit)),
			Mem:           c.MemPerc, NetIO: c.NetIO, BlockIO: c.BlockIO, PIDS: c.PIDS,
		})
	}
	if format.IsJSON(f) {
		return format.JSON(a.out, rows)
	}
	return format.List(a.out, f, podStatsDefault, podStatsHeaders, rows, false)
}
