package main

import (
	"github.com/spf13/pflag"

	"github.com/roost-containers/roost/pkg/spec"
)

// addResourceFlags registers Podman's cgroup limit flags; spec.ResourceFlags
// parses and checks them.
func addResourceFlags(fl *pflag.FlagSet, f *spec.ResourceFlags, kernelMemory *string) {
	fl.StringVarP(&f.Memory, "memory", "m", "", "memory limit (format: <number>[<unit>], where unit = b, k, m or g)")
	fl.StringVar(&f.MemoryReservation, "memory-reservation", "", "memory soft limit (format: <number>[<unit>])")
	fl.StringVar(&f.MemorySwap, "memory-swap", "", "memory plus swap limit; -1 for unlimited swap")
	fl.Int64Var(&f.MemorySwappiness, "memory-swappiness", -1, "tune the container's memory swappiness (0 to 100, or -1 for the system's)")
	fl.BoolVar(&f.OOMKillDisable, "oom-kill-disable", false, "disable the OOM killer for the container")
	fl.Uint64VarP(&f.CPUShares, "cpu-shares", "c", 0, "CPU shares (relative weight)")
	fl.Float64Var(&f.CPUs, "cpus", 0, "number of CPUs: the quota over a 100ms period")
	fl.Uint64Var(&f.CPUPeriod, "cpu-period", 0, "limit the CPU CFS (Completely Fair Scheduler) period")
	fl.Int64Var(&f.CPUQuota, "cpu-quota", 0, "limit the CPU CFS (Completely Fair Scheduler) quota")
	fl.Uint64Var(&f.CPURtPeriod, "cpu-rt-period", 0, "limit the CPU real-time period in microseconds")
	fl.Int64Var(&f.CPURtRuntime, "cpu-rt-runtime", 0, "limit the CPU real-time runtime in microseconds")
	fl.StringVar(&f.CpusetCpus, "cpuset-cpus", "", "CPUs in which to allow execution (0-3, 0,1)")
	fl.StringVar(&f.CpusetMems, "cpuset-mems", "", "memory nodes (MEMs) in which to allow execution (0-3, 0,1)")
	fl.StringVar(&f.PidsLimit, "pids-limit", "", "tune the container's pids limit (-1 or 0 for unlimited)")
	fl.StringVar(&f.BlkioWeight, "blkio-weight", "", "block IO weight (relative weight), 10 to 1000")
	stringArray(fl, &f.BlkioWeightDevice, "blkio-weight-device", nil, "block IO weight for a device: DEVICE:WEIGHT")
	stringArray(fl, &f.DeviceReadBps, "device-read-bps", nil, "limit read rate (bytes per second) from a device: DEVICE:RATE[unit]")
	stringArray(fl, &f.DeviceWriteBps, "device-write-bps", nil, "limit write rate (bytes per second) to a device: DEVICE:RATE[unit]")
	stringArray(fl, &f.DeviceReadIOps, "device-read-iops", nil, "limit read rate (IO per second) from a device: DEVICE:RATE")
	stringArray(fl, &f.DeviceWriteIOps, "device-write-iops", nil, "limit write rate (IO per second) to a device: DEVICE:RATE")
	stringArray(fl, &f.CgroupConf, "cgroup-conf", nil, "cgroup v2 file to set: KEY=VALUE")
	fl.StringVar(kernelMemory, "kernel-memory", "", "no longer supported: ignored")
	_ = fl.MarkHidden("kernel-memory")
}

// warnKernelMemory is Podman's words for the flag runtimes no longer honour.
const warnKernelMemory = "The --kernel-memory flag is no longer supported. This flag is a noop."
