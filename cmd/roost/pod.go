package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/container"
	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/spec"
	"github.com/roost-containers/roost/pods"
)

// addPodCommands adds `pod` and its subcommands.
func addPodCommands(a *app, root *cobra.Command) {
	group := &cobra.Command{Use: "pod", Short: "Manage pods: containers sharing namespaces"}
	group.AddCommand(newPodCreateCommand(a), newPodStartCommand(a), newPodStopCommand(a),
		newPodRestartCommand(a), newPodKillCommand(a), newPodPauseCommand(a, true), newPodPauseCommand(a, false),
		newPodRmCommand(a), newPodPsCommand(a), newPodInspectCommand(a), newPodTopCommand(a),
		newPodLogsCommand(a), newPodExistsCommand(a), newPodPruneCommand(a), newPodStatsCommand(a))
	root.AddCommand(group)
}

// Pods returns the pod manager over the container engine.
func (a *app) Pods() (*pods.Manager, error) {
	return a.Core().Pods()
}

// podCreateFlags are `pod create`'s flags, as Podman names them.
type podCreateFlags struct {
	name, hostname, share, infraImage, infraCommand, infraName, userns string
	uidMap, gidMap                                                     []string
	subUIDName, subGIDName                                             string
	exitPolicy, podIDFile                                              string
	labels                                                             []string
	infra, replace, shareParent                                        bool
	net                                                                engine.NetworkFlags
}

func newPodCreateCommand(a *app) *cobra.Command {
	var f podCreateFlags
	cmd := &cobra.Command{
		Use:   "create [options] [NAME]",
		Short: "Create a pod",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if f.name != "" && f.name != args[0] {
					return fmt.Errorf("the pod's name is given twice (%q and --name %q): give one", args[0], f.name)
				}
				f.name = args[0]
			}
			idFile, err := openIDFile(f.podIDFile, "pod")
			if err != nil {
				return err
			}
			p, err := a.createPod(cmd, &f)
			if err == nil && idFile != nil {
				_, err = idFile.WriteString(p.ID)
			}
			if idFile != nil {
				idFile.Close()
				if err != nil {
					os.Remove(idFile.Name())
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, p.ID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.name, "name", "n", "", "name of the pod (default: a random name)")
	fl.StringVar(&f.hostname, "hostname", "", "host name of the pod (default: its name)")
	fl.StringVar(&f.share, "share", "", "namespaces to share: net, ipc, uts, pid, or +pid to add to the default (net,ipc,uts)")
	stringArrayP(fl, &f.labels, "label", "l", nil, "set a label (KEY=VALUE)")
	fl.BoolVar(&f.infra, "infra", true, "create an infra container holding the shared namespaces")
	fl.StringVar(&f.infraImage, "infra-image", "", "image for the infra container (default: none, catatonit only)")
	fl.StringVar(&f.infraCommand, "infra-command", "", "command of the infra container (default: /catatonit -P)")
	fl.StringVar(&f.infraName, "infra-name", "", "name of the infra container (default: the pod id's first 12 digits and -infra)")
	fl.BoolVar(&f.shareParent, "share-parent", true, "make the pod's cgroup the parent of its containers' cgroups")
	fl.BoolVar(&f.replace, "replace", false, "remove a pod of the same name first, with its containers")
	fl.StringVar(&f.exitPolicy, "exit-policy", pods.ExitContinue, "when the last container exits: continue (the pod keeps running) or stop (the pod stops)")
	fl.StringVar(&f.podIDFile, "pod-id-file", "", "write the pod's id to this file")
	fl.StringVar(&f.userns, "userns", "", "user namespace of the pod's containers: \"\" (Roost's), keep-id[:uid=U,gid=G], nomap, auto[:...] or ns:PATH")
	stringArray(fl, &f.uidMap, "uidmap", nil, "the pod's containers' uid mapping CONTAINER:HOST:SIZE, HOST being an id of the user's namespace")
	stringArray(fl, &f.gidMap, "gidmap", nil, "the pod's containers' gid mapping CONTAINER:HOST:SIZE")
	fl.StringVar(&f.subUIDName, "subuidname", "", "map the pod's containers' uids onto NAME's range in /etc/subuid")
	fl.StringVar(&f.subGIDName, "subgidname", "", "map the pod's containers' gids onto NAME's range in /etc/subgid")
	addNetworkFlags(fl, &f.net)
	// create's -h is --hostname in Podman; pod create's is help, so only --hostname here.
	return cmd
}

// createPod turns the flags into pods.CreateOptions and creates the pod.
func (a *app) createPod(cmd *cobra.Command, f *podCreateFlags) (*pods.Pod, error) {
	var o pods.CreateOptions
	var err error
	o.Name, o.Hostname, o.Infra, o.CreateCommand = f.name, f.hostname, f.infra, os.Args
	o.InfraName, o.Replace, o.CreateArgs = f.infraName, f.replace, createArgs(cmd, nil)
	o.ShareParent = f.shareParent
	if o.Name == "" {
		o.Name = container.RandomName()
	}
	if o.Labels, err = keyValues("label", f.labels); err != nil {
		return nil, err
	}
	o.Share = pods.DefaultShare
	if cmd.Flags().Changed("share") {
		if o.Share, err = pods.ParseShare(f.share); err != nil {
			return nil, err
		}
	} else if !f.infra {
		o.Share = nil
	}
	if o.ExitPolicy, err = pods.ParseExitPolicy(f.exitPolicy); err != nil {
		return nil, err
	}
	cf := createFlags{userns: f.userns, uidMap: f.uidMap, gidMap: f.gidMap, subUIDName: f.subUIDName, subGIDName: f.subGIDName}
	var users spec.NamespaceOptions
	if err := cf.userNamespace(&users); err != nil {
		return nil, err
	}
	o.UserNS, o.UIDMap, o.GIDMap = users.UserNS, users.UIDMap, users.GIDMap
	if o.InfraCommand, err = commandWords(f.infraCommand); err != nil {
		return nil, err
	}
	ns, err := f.net.Parse(a.cfg.Rootless)
	if err != nil {
		return nil, err
	}
	for _, w := range ns.Warnings {
		fmt.Fprintln(a.errOut, "WARNING: "+w)
	}
	o.Net, o.Ports, o.PublishAll = ns.Net, ns.Ports, ns.PublishAll
	r := engine.PodRequest{Options: o, NetworkGiven: cmd.Flags().Changed("network") || len(f.net.DNS) > 0 || len(f.net.AddHosts) > 0}
	if f.infraImage != "" {
		r.InfraImage = engine.ImageRequest{Name: f.infraImage, Pull: engine.PullMissing, Progress: a.errOut}
	}
	return a.Core().CreatePod(cmd.Context(), r)
}

// commandWords reads a command given as one string: a JSON array, or
// words split at spaces.
func commandWords(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "[") {
		var words []string
		if err := json.Unmarshal([]byte(s), &words); err != nil || len(words) == 0 {
			return nil, fmt.Errorf("invalid --infra-command %q: give a command, or a JSON array of words", s)
		}
		return words, nil
	}
	return strings.Fields(s), nil
}

// openIDFile makes a --pod-id-file before anything else is made, so that a
// file in the way fails the command with nothing created. nil for "".
func openIDFile(path, what string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%s id file %s exists: remove it, or choose another file", what, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s id file: %w", what, err)
	}
	return f, nil
}
