//go:build compose

package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/kube"
	"github.com/roost-containers/roost/pkg/engine"
)

// addKubeCommands adds `kube play|down|generate`, Podman's older spellings
// `play kube` and `generate kube`, all over package kube.
func addKubeCommands(a *app, root *cobra.Command) {
	group := &cobra.Command{Use: "kube", Short: "Play, generate and tear down Kubernetes YAML"}
	group.AddCommand(newKubePlay(a, "play"), newKubeDown(a), newKubeGenerate(a, "generate"))
	play := &cobra.Command{Use: "play", Short: "Play Kubernetes YAML (play kube is kube play)"}
	play.AddCommand(newKubePlay(a, "kube"))
	root.AddCommand(group, play)
	if g := subcommand(root, "generate"); g != nil {
		g.AddCommand(newKubeGenerate(a, "kube"))
	}
}

type kubePlayFlags struct {
	start, replace, down, force bool
	publishAll                  bool
	build                       string
	contextDir                  string
	networks, publish           []string
	annotations                 []string
	configMaps                  []string
	logDriver                   string
	quiet                       bool
}

func newKubePlay(a *app, use string) *cobra.Command {
	var f kubePlayFlags
	cmd := &cobra.Command{
		Use:   use + " [options] FILE|-|URL",
		Short: "Make pods, containers and volumes from Kubernetes YAML",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			docs, err := readKube(args[0])
			if err != nil {
				return err
			}
			if f.down {
				return a.kubeDown(cmd, docs, f.force)
			}
			o := kube.PlayOptions{Start: f.start, Replace: f.replace, Networks: f.networks, Publish: f.publish, LogDriver: f.logDriver, PublishAll: f.publishAll}
			if o.Annotations, err = kubeAnnotations(f.annotations); err != nil {
				return err
			}
			if o.Build, o.ContextDir, err = kubeBuild(cmd, f); err != nil {
				return err
			}
			o.BuildOutput = a.errOut
			for _, path := range f.configMaps {
				b, err := os.ReadFile(path)
				if err != nil {
					return fmt.Errorf("--configmap: %w", err)
				}
				o.ConfigMaps = append(o.ConfigMaps, b)
			}
			if !f.quiet {
				o.Progress = engine.ImageRequest{Progress: a.errOut}
			}
			rep, err := kube.Play(cmd.Context(), a.Core(), docs, o)
			if err != nil {
				return err
			}
			printPlay(a.out, rep)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.start, "start", true, "start the pods")
	fl.BoolVar(&f.replace, "replace", false, "remove pods of the same names first")
	fl.BoolVar(&f.down, "down", false, "remove what the file made instead (kube down)")
	fl.BoolVar(&f.force, "force", false, "with --down: remove the claims' volumes too")
	fl.StringArrayVar(&f.networks, "network", nil, "the pods' network")
	fl.StringArrayVar(&f.publish, "publish", nil, "publish a port of every pod: [ip:]hostPort:containerPort")
	fl.BoolVar(&f.publishAll, "publish-all", false, "publish every containerPort without a hostPort on the same host port")
	fl.StringArrayVar(&f.annotations, "annotation", nil, "KEY=VALUE annotation for every container")
	fl.StringArrayVar(&f.configMaps, "configmap", nil, "a YAML file of ConfigMaps the pods may read")
	fl.StringVar(&f.logDriver, "log-driver", "", "log driver of the containers")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no pull progress")
	fl.StringVar(&f.build, "build", "", "build images from directories of the context named after them: true (always), false (never); default: when missing")
	fl.Lookup("build").NoOptDefVal = "true"
	fl.StringVar(&f.contextDir, "context-dir", "", "where --build finds image directories (default: the working directory)")
	return cmd
}

func newKubeDown(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "down [options] FILE|-|URL",
		Short: "Remove the pods (and their own volumes) a Kubernetes YAML file made",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			docs, err := readKube(args[0])
			if err != nil {
				return err
			}
			return a.kubeDown(cmd, docs, force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "remove the claims' volumes too")
	return cmd
}

func (a *app) kubeDown(cmd *cobra.Command, docs []kube.Document, force bool) error {
	rep, err := kube.Down(cmd.Context(), a.Core(), docs, force)
	if len(rep.Pods) > 0 {
		fmt.Fprintln(a.out, "Pods stopped:")
		for _, id := range rep.Pods {
			fmt.Fprintln(a.out, id)
		}
		fmt.Fprintln(a.out, "Pods removed:")
		for _, id := range rep.Pods {
			fmt.Fprintln(a.out, id)
		}
	}
	if len(rep.Volumes) > 0 {
		fmt.Fprintln(a.out, "Volumes removed:")
		for _, v := range rep.Volumes {
			fmt.Fprintln(a.out, v)
		}
	}
	return err
}

func newKubeGenerate(a *app, use string) *cobra.Command {
	var o kube.GenerateOptions
	var file string
	var replicas int32
	cmd := &cobra.Command{
		Use:   use + " [options] {CONTAINER...|POD...|VOLUME...}",
		Short: "Write Kubernetes YAML for pods, containers and volumes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Replicas = replicas
			out, err := kube.Generate(cmd.Context(), a.Core(), args, o)
			if err != nil {
				return err
			}
			if file == "" {
				_, err = a.out.Write(out)
				return err
			}
			if _, err := os.Stat(file); err == nil {
				return fmt.Errorf("%s exists: remove it or choose another file", file)
			}
			return os.WriteFile(file, out, 0o644)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Type, "type", "t", "pod", "pod, deployment or job")
	fl.Int32VarP(&replicas, "replicas", "r", 0, "replicas of a deployment")
	fl.BoolVarP(&o.Service, "service", "s", false, "also a Service for the published ports")
	fl.StringVarP(&file, "filename", "f", "", "write to this file")
	return cmd
}

// readKube reads FILE, - (stdin) or an http(s) URL and decodes it.
func readKube(src string) ([]kube.Document, error) {
	var data []byte
	var err error
	switch {
	case src == "-":
		data, err = io.ReadAll(os.Stdin)
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		data, err = fetchKube(src)
	default:
		data, err = os.ReadFile(src)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	docs, err := kube.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return docs, nil
}

func fetchKube(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 16<<20))
}

// printPlay prints what a play made in Podman's shape.
func printPlay(w io.Writer, rep kube.PlayReport) {
	if len(rep.Volumes) > 0 {
		fmt.Fprintln(w, "Volumes:")
		for _, v := range rep.Volumes {
			fmt.Fprintln(w, v)
		}
	}
	for _, p := range rep.Pods {
		fmt.Fprintln(w, "Pod:")
		fmt.Fprintln(w, p.ID)
		switch len(p.Containers) { // Podman's headings
		case 0:
		case 1:
			fmt.Fprintln(w, "Container:")
		default:
			fmt.Fprintln(w, "Containers:")
		}
		for _, c := range p.Containers {
			fmt.Fprintln(w, c)
		}
		fmt.Fprintln(w)
	}
}

// kubeAnnotations reads --annotation KEY=VALUE; Kubernetes takes values of
// at most 63 characters here, as Podman checks.
func kubeAnnotations(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range list {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid --annotation %q: use KEY=VALUE", a)
		}
		if len(v) > 63 {
			return nil, fmt.Errorf("annotation exceeds maximum size, 63, of kubernetes annotation: %s", a)
		}
		out[k] = v
	}
	return out, nil
}

// kubeBuild reads --build and --context-dir: the build mode, and where
// image directories are (the working directory by default, as Podman's).
func kubeBuild(cmd *cobra.Command, f kubePlayFlags) (string, string, error) {
	mode := kube.BuildAuto
	if cmd.Flags().Changed("build") {
		switch f.build {
		case "true":
			mode = kube.BuildAlways
		case "false":
			mode = kube.BuildNever
		default:
			return "", "", fmt.Errorf("invalid --build %q: use true or false", f.build)
		}
	}
	dir := f.contextDir
	if dir == "" {
		return mode, ".", nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", "", fmt.Errorf("--context-dir %s: not a directory", dir)
	}
	return mode, dir, nil
}
