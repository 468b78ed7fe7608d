package main

import (
	"github.com/spf13/cobra"

	"github.com/roost-containers/roost/pkg/format"
	"github.com/roost-containers/roost/pkg/info"
)

func newInfoCommand(a *app) *cobra.Command {
	var f string
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Show how Roost runs on this machine: namespace, storage, runtime, cgroups",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			// Storage problems are part of the report, not a reason to print none.
			choice, storeErr := a.Core().StorageChoice()
			store, _ := a.Store()
			in := info.Gather(a.cfg, store, choice)
			in.Host.Network = info.NetworkReport(a.networks())
			if storeErr != nil {
				in.Store.DriverReason = "cannot open storage: " + storeErr.Error()
			}
			if f == "" {
				return format.Each(a.out, infoText, []info.Info{in})
			}
			return format.One(a.out, f, in)
		},
	}
	cmd.Flags().StringVarP(&f, "format", "f", "", "json or a Go template (e.g. {{.Store.GraphDriver}})")
	return cmd
}

// infoText is the default, human form of `roost info`.
const infoText = `host:
  arch: {{.Host.Arch}}
  os: {{.Host.OS}}
  kernel: {{.Host.Kernel}}
  rootless: {{.Host.Security.Rootless}}
  uid: {{.Host.Security.UID}}
  gid: {{.Host.Security.GID}}
  idMappings:
    uidmap:{{range .Host.IDMappings.UIDMap}}
    - container_id: {{.ContainerID}}
      host_id: {{.HostID}}
      size: {{.Size}}{{end}}
    gidmap:{{range .Host.IDMappings.GIDMap}}
    - container_id: {{.ContainerID}}
      host_id: {{.HostID}}
      size: {{.Size}}{{end}}
{{- if .Host.SubIDWarning}}
  subidWarning: {{.Host.SubIDWarning}}{{end}}
{{- if .Host.NamespacePid}}
  namespaceHolderPid: {{.Host.NamespacePid}}{{end}}
  cgroups:
    version: {{.Host.Cgroups.Version}}
    limitsAvailable: {{.Host.Cgroups.Limits}}
{{- if .Host.Cgroups.Note}}
    note: {{.Host.Cgroups.Note}}{{end}}
  ociRuntime:
{{- if .Host.OCIRuntime}}
    name: {{.Host.OCIRuntime.Name}}
    path: {{.Host.OCIRuntime.Path}}
    version: {{.Host.OCIRuntime.Version}}
    reason: {{.Host.OCIRuntime.Reason}}
{{- else}}
    error: {{.Host.RuntimeError}}{{end}}
  network:
    backend: {{.Host.Network.Backend}}
    namespace: {{.Host.Network.Namespace}}
    namespaceActive: {{.Host.Network.NamespaceActive}}
    egressUp: {{.Host.Network.EgressUp}}
    sourceAddressKept: {{range $i, $m := .Host.Network.SourceAddressKept}}{{if $i}}, {{end}}{{$m}}{{end}}
  tools:{{range $name, $t := .Host.Tools}}
    {{$name}}: {{if $t}}{{$t.Path}}{{if $t.Version}} ({{$t.Version}}){{end}}{{else}}not found{{end}}{{end}}
store:
  graphRoot: {{.Store.GraphRoot}}
  runRoot: {{.Store.RunRoot}}
  graphDriverName: {{.Store.GraphDriver}}
  graphOptions: {{.Store.GraphOptions}}
  graphDriverReason: {{.Store.DriverReason}}
  imageCount: {{.Store.ImageCount}}
  containerCount: {{.Store.ContainerCount}}
  configFile: {{.Store.ConfigFile}}
version:
  Version: {{.Version.Version}}
  GoVersion: {{.Version.GoVersion}}`
