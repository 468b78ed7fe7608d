package main

import (
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/config"
	"github.com/roost-containers/roost/pkg/engine"
)

// confFlagDefaults gives --http-proxy and --env-host containers.conf's
// http_proxy and env_host when they were not given: the CLI resolves the
// host's environment itself, so it needs their value before the request.
func (f *createFlags) confFlagDefaults(fl *pflag.FlagSet, c config.ContainersDefaults) {
	if !fl.Changed("http-proxy") {
		f.httpProxy = c.HTTPProxy
	}
	if !fl.Changed("env-host") {
		f.envHost = c.EnvHost
	}
}

// leaveToContainersConf hands the engine the flags the user did not give
// whose own defaults would otherwise hide containers.conf's: the engine
// fills them from the file (Podman takes these flags' defaults from it).
func leaveToContainersConf(fl *pflag.FlagSet, r *engine.CreateRequest) {
	if !fl.Changed("pull") {
		r.Image.Pull = ""
	}
	if !fl.Changed("log-driver") {
		r.Options.Run.LogDriver = ""
	}
	if !fl.Changed("image-volume") {
		r.Options.ImageVolume = ""
	}
	r.Unset = engine.Unset{
		StopTimeout: !fl.Changed("stop-timeout"),
		Init:        !fl.Changed("init"),
		ReadOnly:    !fl.Changed("read-only"),
		NoHosts:     !fl.Changed("no-hosts"),
		Network:     !fl.Changed("network") && !fl.Changed("net"),
	}
}
