#!/usr/bin/env bash
# make bench: Roost against Podman on this machine, in one run, as ratios.
# Tools alternate run by run (A B C A B C ...); each figure is a median, and
# each measure is printed beside its floor (what no tool can beat here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/../host/env.sh"
source "$here/lib.sh"

runs=${BENCH_RUNS:-5}
ensure_podman
bench_setup

image="$ROOST_TEST_REGISTRY/debian:bookworm"
echo "Pull $image into empty storage, $runs runs each, alternating."
declare -a roost_ms skopeo_ms podman_ms
for i in $(seq "$runs"); do
	d="$work/runs/run$i"
	as_user mkdir -p "$d"
	roost_ms+=("$(time_ms as_user roost --root "$d/roost" pull -q "$image")")
	skopeo_ms+=("$(time_ms as_user skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$d/oci:latest")")
	podman_ms+=("$(time_ms as_user podman --root "$d/podman" --runroot "$d/podman-run" pull -q --tls-verify=false "$image")")
	rm -rf "$d"
done
r=$(median "${roost_ms[@]}")
s=$(median "${skopeo_ms[@]}")
p=$(median "${podman_ms[@]}")
printf '\n%-44s %10s %12s\n' "pull debian:bookworm (3 layers), empty storage" "median ms" "vs Roost"
printf '%-44s %10s %12s\n' "roost pull" "$r" "1.00x"
printf '%-44s %10s %12s\n' "podman pull" "$p" "$(ratio "$p" "$r")x"
printf '%-44s %10s %12s\n' "floor: skopeo copy to an oci directory" "$s" "$(ratio "$s" "$r")x"
printf '\nRoost is %sx faster than Podman on this pull (higher is better for Roost).\n' "$(ratio "$p" "$r")"

# Container start latency: `run --rm busybox true`, same runtime (crun), no network.
box="$ROOST_TEST_REGISTRY/busybox:latest"
as_user mkdir -p "$work/runs/podman-run"
as_user roost pull -q "$box" >/dev/null
as_user podman --root "$work/runs/podman-run/root" --runroot "$work/runs/podman-run/run" pull -q --tls-verify=false "$box" >/dev/null
bundle_floor_setup
declare -a roost_run podman_run floor_run
for i in $(seq 10); do
	roost_run+=("$(time_ms as_user roost run --rm --runtime crun "$box" true)")
	podman_run+=("$(time_ms as_user podman --root "$work/runs/podman-run/root" --runroot "$work/runs/podman-run/run" run --rm --runtime crun --network none "$box" true)")
	floor_run+=("$(time_ms as_user unshare -Ur crun --root "$work/runs/crun-floor" run --bundle "$floor_bundle" "floor$i")")
done
r=$(median "${roost_run[@]}")
p=$(median "${podman_run[@]}")
f=$(median "${floor_run[@]}")
printf '\n%-44s %10s %12s\n' "run --rm busybox true (crun), 10 runs" "median ms" "vs Roost"
printf '%-44s %10s %12s\n' "roost run" "$r" "1.00x"
printf '%-44s %10s %12s\n' "podman run" "$p" "$(ratio "$p" "$r")x"
printf '%-44s %10s %12s\n' "floor: unshare -Ur + crun run of a bundle" "$f" "$(ratio "$f" "$r")x"
printf '\nRoost starts a container %sx faster than Podman (target: 3x).\n' "$(ratio "$p" "$r")"

# The remaining container measures use the same image, runtime and storage as above.
pod() { as_user podman --root "$work/runs/podman-run/root" --runroot "$work/runs/podman-run/run" "$@"; }

# 20 detached containers, then one `rm -f` of all of them: wall time of each phase.
roost_up20() { for n in $(seq 20); do as_user roost run -d --runtime crun "$box" sleep 1000 || return 1; done; }
podman_up20() { for n in $(seq 20); do pod run -d --runtime crun --network none "$box" sleep 1000 || return 1; done; }
declare -a r_up r_down p_up p_down
for i in $(seq 3); do
	r_up+=("$(time_ms roost_up20)")
	r_down+=("$(time_ms as_user roost rm -f -a)")
	p_up+=("$(time_ms podman_up20)")
	p_down+=("$(time_ms pod rm -f -a)")
done
ru=$(median "${r_up[@]}"); rd=$(median "${r_down[@]}")
pu=$(median "${p_up[@]}"); pd=$(median "${p_down[@]}")
printf '\n%-44s %10s %12s\n' "20 x run -d sleep (crun), 3 rounds" "median ms" "vs Roost"
printf '%-44s %10s %12s\n' "roost: 20 run -d" "$ru" "1.00x"
printf '%-44s %10s %12s\n' "podman: 20 run -d (--network none)" "$pu" "$(ratio "$pu" "$ru")x"
printf '%-44s %10s %12s\n' "roost: rm -f of the 20" "$rd" "1.00x"
printf '%-44s %10s %12s\n' "podman: rm -f of the 20" "$pd" "$(ratio "$pd" "$rd")x"
sum_up=$(ratio "$((pu + pd))" "$((ru + rd))")

# Resident memory per idle container: PSS of every process each tool keeps
# for its containers (Roost: the monitors and the namespace holder; Podman:
# conmon and its rootless pause process), divided by the number of containers.
pss_kib() { # pids...: the sum of their PSS in KiB
	local total=0 p v
	for p in "$@"; do
		v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}
idle=10
for n in $(seq "$idle"); do as_user roost run -d --runtime crun "$box" sleep 1000 >/dev/null; done
for n in $(seq "$idle"); do pod run -d --runtime crun --network none "$box" sleep 1000 >/dev/null; done
sleep 1
roost_pids=$(pgrep -U "$uid" -f "^$bindir/roost-monitor|roost-userns-holder" | tr '\n' ' ')
podman_pids=$(pgrep -U "$uid" -f "^(/usr/bin/)?conmon |podman pause|catatonit -P" | tr '\n' ' ')
# shellcheck disable=SC2086
r_pss=$(( $(pss_kib $roost_pids) / idle ))
# shellcheck disable=SC2086
p_pss=$(( $(pss_kib $podman_pids) / idle ))
as_user roost rm -f -a >/dev/null
pod rm -f -a >/dev/null
printf '\n%-44s %10s %12s\n' "resident memory per idle container ($idle idle)" "PSS KiB" "vs Roost"
printf '%-44s %10s %12s\n' "roost (monitors + holder) / $idle" "$r_pss" "1.00x"
printf '%-44s %10s %12s\n' "podman (conmon + pause) / $idle" "$p_pss" "$(ratio "$p_pss" "$r_pss")x"

# `ps -a` with 50 and with 500 created containers.
ps_round() { # count: create up to count containers in each tool, then time ps -a
	local want=$1 have
	have=$(as_user roost ps -a -q | wc -l)
	for n in $(seq $((want - have))); do as_user roost create --runtime crun "$box" true >/dev/null; done
	have=$(pod ps -a -q | wc -l)
	for n in $(seq $((want - have))); do pod create --runtime crun --network none "$box" true >/dev/null; done
	local -a r p
	for i in $(seq 5); do
		r+=("$(time_ms as_user roost ps -a)")
		p+=("$(time_ms pod ps -a)")
	done
	ps_r=$(median "${r[@]}"); ps_p=$(median "${p[@]}")
	printf '\n%-44s %10s %12s\n' "ps -a with $want containers, 5 runs" "median ms" "vs Roost"
	printf '%-44s %10s %12s\n' "roost ps -a" "$ps_r" "1.00x"
	printf '%-44s %10s %12s\n' "podman ps -a" "$ps_p" "$(ratio "$ps_p" "$ps_r")x"
}
ps_round 50
ps50=$(ratio "$ps_p" "$ps_r")
ps_round 500
ps500=$(ratio "$ps_p" "$ps_r")
as_user roost rm -f -a >/dev/null
pod rm -f -a >/dev/null

run_ratio=$(ratio "$(median "${podman_run[@]}")" "$(median "${roost_run[@]}")")
met() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "met" : "not met" }'; }
printf '\n%-40s %12s %10s %8s\n' "Summary: Podman / Roost (higher is better)" "ratio" "target" ""
printf '%-40s %12s %10s %8s\n' "run --rm latency" "${run_ratio}x" "3x" "$(met "$run_ratio" 3)"
printf '%-40s %12s %10s %8s\n' "20 run -d + rm -f" "${sum_up}x" "-" ""
printf '%-40s %12s %10s %8s\n' "ps -a, 50 containers" "${ps50}x" "3x" "$(met "$ps50" 3)"
printf '%-40s %12s %10s %8s\n' "ps -a, 500 containers" "${ps500}x" "3x" "$(met "$ps500" 3)"
printf '%-40s %12s %10s %8s\n' "memory per idle container" "$(ratio "$p_pss" "$r_pss")x" ">1x" "$(met "$(ratio "$p_pss" "$r_pss")" 1.0001)"

# Published ports and egress (test/bench/network.sh), in the same run.
source "$here/network.sh"
