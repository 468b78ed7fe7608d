//go:build kube || compose

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/engine"
	"github.com/roost-containers/roost/pkg/kube"
	"github.com/roost-containers/roost/pkg/spec"
)

// addKubeCommands adds `kube play|down|generate`, with Podman's aliases
// `play kube` and `generate kube`. They live in roost-compose (k8s.io's
// types weigh about 9 MB): plain roost hands them over (kube_plugin.go).
func addKubeCommands(a *app, root *cobra.Command) {
	group := &cobra.Command{Use: "kube", Short: "Play, remove and generate Kubernetes YAML"}
	group.AddCommand(newKubePlay(a, "play"), newKubeDown(a), newKubeGenerate(a, "generate"))
	root.AddCommand(group)
	play := &cobra.Command{Use: "play", Short: "Play Kubernetes YAML (alias of kube play)"}
	play.AddCommand(newKubePlay(a, "kube"))
	root.AddCommand(play)
	for _, c := range root.Commands() {
		if c.Name() == "generate" {
			c.AddCommand(newKubeGenerate(a, "kube"))
		}
	}
}

type kubePlayFlags struct {
	registry                     registryFlags
	creds                        string
	network, publish, configMaps []string
	annotations                  []string
	logDriver, contextDir        string
	userns                       string
	replace, down, start, wait   bool
	build, quiet                 bool
}

func newKubePlay(a *app, use string) *cobra.Command {
	var f kubePlayFlags
	cmd := &cobra.Command{
		Use:   use + " [options] FILE|-|URL",
		Short: "Create pods, containers and volumes from Kubernetes YAML",
		Long:  "Create pods, containers and volumes from Kubernetes YAML: Pod, Deployment, DaemonSet, Job, ConfigMap, Secret, PersistentVolumeClaim.",
		Args:  exactlyOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.kubePlay(cmd, &f, args[0])
		},
	}
	fl := cmd.Flags()
	stringArray(fl, &f.network, "network", nil, "network of the pods (as run's --network)")
	stringArray(fl, &f.publish, "publish", nil, "publish a port of every pod: [ip:][hostPort:]containerPort[/tcp|udp]")
	fl.StringSliceVar(&f.configMaps, "configmap", nil, "YAML file of ConfigMaps the pods' env and volumes may name")
	fl.StringVar(&f.logDriver, "log-driver", "", "log driver of the containers (k8s-file, journald, none, passthrough)")
	fl.BoolVar(&f.replace, "replace", false, "remove what this YAML made before, then play it")
	fl.BoolVar(&f.down, "down", false, "remove what this YAML made (as kube down)")
	fl.BoolVar(&f.start, "start", true, "start the pods")
	fl.BoolVar(&f.wait, "wait", false, "stay in the foreground until the containers exit (or SIGINT/SIGTERM), then remove what was made")
	fl.BoolVar(&f.build, "build", false, "build images that have a Containerfile in a directory of their name in the context directory")
	fl.StringVar(&f.contextDir, "context-dir", "", "where --build looks for the images' directories (default: the current directory)")
	stringArray(fl, &f.annotations, "annotation", nil, "add an annotation KEY=VALUE to every container")
	fl.StringVar(&f.userns, "userns", "", "user namespace of the pods' containers: \"\" (Roost's), keep-id[:uid=U,gid=G], nomap, auto[:...] or ns:PATH")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print no pull or build progress")
	fl.StringVar(&f.creds, "creds", "", "registry credentials USERNAME[:PASSWORD] for pulls")
	f.registry.add(fl)
	return cmd
}

func exactlyOneFile(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("`%s` takes one YAML file (or - for stdin, or a URL): see `%s --help`", cmd.CommandPath(), cmd.CommandPath())
	}
	return nil
}

// readKubeFile reads FILE, stdin (-) or an http(s) URL.
func readKubeFile(ctx context.Context, name string) ([]byte, error) {
	switch {
	case name == "-":
		return io.ReadAll(os.Stdin)
	case strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://"):
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, name, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", name, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("fetch %s: %s", name, resp.Status)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	}
	return os.ReadFile(name)
}

// kubePlan reads and checks the YAML, with the --configmap files: any
// error is found here, before anything is made.
func kubePlan(ctx context.Context, file string, configMaps []string, o kube.PlanOptions) (*kube.Plan, error) {
	data, err := readKubeFile(ctx, file)
	if err != nil {
		return nil, err
	}
	docs, err := kube.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for _, cm := range configMaps {
		b, err := os.ReadFile(cm)
		if err != nil {
			return nil, fmt.Errorf("--configmap: %w", err)
		}
		more, err := kube.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("--configmap %s: %w", cm, err)
		}
		o.ConfigMaps = append(o.ConfigMaps, more...)
	}
	p, err := kube.MakePlan(docs, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return p, nil
}

func (a *app) kubePlay(cmd *cobra.Command, f *kubePlayFlags, file string) error {
	ctx := cmd.Context()
	if f.down {
		return a.kubeDown(ctx, file)
	}
	po, o, err := a.kubePlayOptions(cmd, f)
	if err != nil {
		return err
	}
	p, err := kubePlan(ctx, file, f.configMaps, po)
	if err != nil {
		return err
	}
	for _, pp := range p.Pods {
		for _, w := range pp.Warnings {
			fmt.Fprintln(a.errOut, "WARNING: "+w)
		}
	}
	if f.wait {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	r, err := kube.Play(ctx, a.Core(), p, o)
	if r != nil {
		for _, w := range r.Warnings {
			fmt.Fprintln(a.errOut, w)
		}
		a.printPlay(r)
	}
	if err != nil || !f.wait {
		return err
	}
	// --wait: until the containers exit or a signal comes, then down.
	werr := kube.Wait(ctx, a.Core(), r)
	_, derr := kube.Down(context.WithoutCancel(ctx), a.Core(), p)
	if errors.Is(werr, context.Canceled) {
		werr = nil
	}
	return errors.Join(werr, derr)
}

// kubePlayOptions checks the flags and turns them into the plan's and the
// play's options.
func (a *app) kubePlayOptions(cmd *cobra.Command, f *kubePlayFlags) (kube.PlanOptions, kube.PlayOptions, error) {
	var po kube.PlanOptions
	var o kube.PlayOptions
	var err error
	if f.logDriver != "" {
		if po.LogDriver, err = engine.ParseLogDriver(f.logDriver); err != nil {
			return po, o, err
		}
	}
	if po.Annotations, err = kubeAnnotations(f.annotations); err != nil {
		return po, o, err
	}
	if f.contextDir != "" && !f.build {
		return po, o, errors.New("--context-dir needs --build")
	}
	var users spec.NamespaceOptions
	if err := (&createFlags{userns: f.userns}).userNamespace(&users); err != nil {
		return po, o, err
	}
	o = kube.PlayOptions{
		Network: f.network, Publish: f.publish, Start: f.start, Replace: f.replace, Build: f.build,
		Registry: f.registry.options(cmd), UserNS: users.UserNS,
	}
	o.Registry.Creds = f.creds
	if !f.quiet {
		o.Progress = a.errOut
	}
	if f.build {
		o.BuildDir = "."
		if f.contextDir != "" {
			o.BuildDir = f.contextDir
		}
	}
	return po, o, nil
}

// printPlay prints what was made, as Podman does.
func (a *app) printPlay(r *kube.Report) {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	}
	if len(r.Volumes) > 0 {
		fmt.Fprintln(a.out, plural(len(r.Volumes), "Volume:", "Volumes:"))
		for _, v := range r.Volumes {
			fmt.Fprintln(a.out, v)
		}
	}
	for _, p := range r.Pods {
		fmt.Fprintln(a.out, "Pod:")
		fmt.Fprintln(a.out, p.ID)
		fmt.Fprintln(a.out, plural(len(p.Containers), "Container:", "Containers:"))
		for _, c := range p.Containers {
			fmt.Fprintln(a.out, c)
		}
		fmt.Fprintln(a.out)
	}
}

func newKubeDown(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "down FILE|-|URL",
		Short: "Remove the pods and volumes kube play made from the YAML",
		Args:  exactlyOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.kubeDown(cmd.Context(), args[0])
		},
	}
}

func (a *app) kubeDown(ctx context.Context, file string) error {
	p, err := kubePlan(ctx, file, nil, kube.PlanOptions{Lenient: true})
	if err != nil {
		return err
	}
	removed, err := kube.Down(ctx, a.Core(), p)
	if len(removed) > 0 {
		fmt.Fprintln(a.out, "Pods stopped:")
		for _, id := range removed {
			fmt.Fprintln(a.out, id)
		}
		fmt.Fprintln(a.out, "Pods removed:")
		for _, id := range removed {
			fmt.Fprintln(a.out, id)
		}
	}
	return err
}

type kubeGenerateFlags struct {
	opts kube.GenerateOptions
	file string
}

func newKubeGenerate(a *app, use string) *cobra.Command {
	var f kubeGenerateFlags
	cmd := &cobra.Command{
		Use:   use + " [options] {CONTAINER...|POD...|VOLUME...}",
		Short: "Write Kubernetes YAML for containers, pods and volumes",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("`%s` needs at least one container or pod: see `%s --help`", cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.kubeGenerate(cmd.Context(), &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.opts.Type, "type", "t", kube.TypePod, "kind to generate: pod, deployment or job")
	fl.Int32VarP(&f.opts.Replicas, "replicas", "r", 0, "replicas of a deployment (default 1)")
	fl.BoolVarP(&f.opts.Service, "service", "s", false, "add a Service for the published ports")
	fl.StringVarP(&f.file, "filename", "f", "", "write the YAML to this file instead of stdout")
	return cmd
}

func (a *app) kubeGenerate(ctx context.Context, f *kubeGenerateFlags, refs []string) error {
	in, volumes, err := kube.Inputs(ctx, a.Core(), refs)
	if err != nil {
		return err
	}
	o := f.opts
	o.Volumes = volumes
	objs, err := kube.Generate(in, o)
	if err != nil {
		return err
	}
	data, err := kube.Encode(objs...)
	if err != nil {
		return err
	}
	header := "# Generated by roost\n"
	if f.file == "" {
		_, err := fmt.Fprint(a.out, header+string(data))
		return err
	}
	if _, err := os.Stat(f.file); err == nil {
		return fmt.Errorf("cannot write to %q: the file exists", f.file)
	}
	return os.WriteFile(f.file, []byte(header+string(data)), 0o644)
}

// kubeAnnotations reads --annotation KEY=VALUE; Podman holds values to
// Kubernetes' 63 characters of a label.
func kubeAnnotations(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid --annotation %q: use KEY=VALUE", kv)
		}
		if len(v) > 63 {
			return nil, fmt.Errorf("annotation exceeds maximum size, 63, of kubernetes annotation: %s", v)
		}
		out[k] = v
	}
	return out, nil
}
