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
# Podman left to itself picks vfs here (no storage.conf), which copies every
# layer; Roost uses native overlay. Both get the same driver so the figures
# compare the tools, not the drivers.
pdriver=(--storage-driver overlay)
echo "Podman runs with ${pdriver[*]} and, for containers, --network none; Roost uses its default bridge network (a veth per container), which costs it time, except on the run --rm row it is compared on."

image="$ROOST_TEST_REGISTRY/debian:bookworm"
echo "Pull $image into empty storage, $runs runs each, alternating."
declare -a roost_ms skopeo_ms podman_ms
for i in $(seq "$runs"); do
	d="$work/runs/run$i"
	as_user mkdir -p "$d"
	roost_ms+=("$(time_ms as_user roost --root "$d/roost" pull -q "$image")")
	skopeo_ms+=("$(time_ms as_user skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$d/oci:latest")")
	podman_ms+=("$(time_ms as_user podman "${pdriver[@]}" --root "$d/podman" --runroot "$d/podman-run" pull -q --tls-verify=false "$image")")
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
pull_r=$r pull_p=$p pull_s=$s

# The same over a slow link, for an image of several big layers: a proxy
# holds each connection to 30 MiB/s (as a registry's CDN serves each of a
# client's connections). Layers are applied one after the other; what a
# tool can overlap is fetching them. The image: busybox and three layers of
# 25 MB of random data each (nothing to gain from compression).
layered="$ROOST_TEST_REGISTRY/bench/layers:3"
slow_port=5009
ctx="$home/layers-ctx"
as_user mkdir -p "$ctx"
printf 'FROM %s\n' "$ROOST_TEST_REGISTRY/busybox:latest" >"$work/Containerfile.layers"
for f in a b c; do printf 'RUN head -c 25000000 /dev/urandom > /%s\n' "$f" >>"$work/Containerfile.layers"; done
as_user cp "$work/Containerfile.layers" "$ctx/Containerfile"
as_user roost build -q -t "$layered" "$ctx" >/dev/null
as_user roost push -q "$layered" >/dev/null
as_user roost rmi -f "$layered" >/dev/null
(cd "$repo" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o "$work/netbench" ./test/bench/netbench)
"$work/netbench" throttle "127.0.0.1:$slow_port" "$ROOST_TEST_REGISTRY" $((30 << 20)) &
slow_pid=$!
printf '\n[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$slow_port" | as_user tee -a "$home/.config/containers/registries.conf" >/dev/null
slow="127.0.0.1:$slow_port/bench/layers:3"
echo "Pull $slow (4 layers, 76 MB, through a 30 MiB/s-per-connection proxy) into empty storage, $runs runs each, alternating."
declare -a slow_r slow_p
for i in $(seq "$runs"); do
	d="$work/runs/slow$i"
	as_user mkdir -p "$d"
	slow_r+=("$(time_ms as_user roost --root "$d/roost" pull -q "$slow")")
	slow_p+=("$(time_ms as_user podman "${pdriver[@]}" --root "$d/podman" --runroot "$d/podman-run" pull -q --tls-verify=false "$slow")")
	as_user podman "${pdriver[@]}" --root "$d/podman" --runroot "$d/podman-run" system reset -f >/dev/null 2>&1 || true
	rm -rf "$d"
done
kill "$slow_pid" 2>/dev/null || true
r=$(median "${slow_r[@]}")
p=$(median "${slow_p[@]}")
printf '\n%-44s %10s %12s\n' "pull 4 layers over a 30 MiB/s link" "median ms" "vs Roost"
printf '%-44s %10s %12s\n' "roost pull" "$r" "1.00x"
printf '%-44s %10s %12s\n' "podman pull" "$p" "$(ratio "$p" "$r")x"
slow_floor=$((25000000 * 1000 / (30 << 20)))
printf '%-44s %10s %12s\n' "floor: 25 MB at 30 MiB/s (layers at once)" "$slow_floor" "$(ratio "$slow_floor" "$r")x"
slow_pull_r=$r slow_pull_p=$p

# Moving the image out: save to a docker-archive, push to the registry (after the
# first run the registry has the blobs, so later pushes only check and write the
# manifest, for both tools alike).
mv_dir="$work/runs/move"
as_user mkdir -p "$mv_dir"
mpod() { as_user podman "${pdriver[@]}" --root "$mv_dir/podman" --runroot "$mv_dir/podman-run" "$@"; }
as_user roost --root "$mv_dir/roost" pull -q "$image" >/dev/null
mpod pull -q --tls-verify=false "$image" >/dev/null
# The floor: skopeo copying the same image from an OCI layout on disk (no
# storage to read through) to the same kind of destination.
as_user skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$mv_dir/oci:latest" >/dev/null
declare -a rsave psave fsave rpush ppush fpush
for i in $(seq "$runs"); do
	rsave+=("$(time_ms as_user roost --root "$mv_dir/roost" save -q -o "$mv_dir/r$i.tar" "$image")")
	psave+=("$(time_ms mpod save -q -o "$mv_dir/p$i.tar" "$image")")
	fsave+=("$(time_ms as_user skopeo copy -q "oci:$mv_dir/oci:latest" "docker-archive:$mv_dir/f$i.tar:$image")")
	rm -f "$mv_dir/r$i.tar" "$mv_dir/p$i.tar" "$mv_dir/f$i.tar"
	rpush+=("$(time_ms as_user roost --root "$mv_dir/roost" push -q "$image" "$ROOST_TEST_REGISTRY/bench/roost-push:$i")")
	ppush+=("$(time_ms mpod push -q --tls-verify=false "$image" "$ROOST_TEST_REGISTRY/bench/podman-push:$i")")
	fpush+=("$(time_ms as_user skopeo copy -q --dest-tls-verify=false "oci:$mv_dir/oci:latest" "docker://$ROOST_TEST_REGISTRY/bench/skopeo-push:$i")")
done
for row in "save -o FILE debian:bookworm|rsave|psave|fsave|skopeo copy oci: to docker-archive:" \
	"push debian:bookworm to the registry|rpush|ppush|fpush|skopeo copy oci: to the registry"; do
	IFS="|" read -r what rv pv fv floor <<<"$row"
	declare -n rarr=$rv parr=$pv farr=$fv
	r=$(median "${rarr[@]}")
	p=$(median "${parr[@]}")
	f=$(median "${farr[@]}")
	printf '\n%-44s %10s %12s\n' "$what" "median ms" "vs Roost"
	printf '%-44s %10s %12s\n' "roost" "$r" "1.00x"
	printf '%-44s %10s %12s\n' "podman" "$p" "$(ratio "$p" "$r")x"
	printf '%-44s %10s %12s\n' "floor: $floor" "$f" "$(ratio "$f" "$r")x"
	unset -n rarr parr farr
done

# Container start latency: `run --rm busybox true`, same runtime (crun), no network.
box="$ROOST_TEST_REGISTRY/busybox:latest"
as_user mkdir -p "$work/runs/podman-run"
as_user roost pull -q "$box" >/dev/null
as_user podman "${pdriver[@]}" --root "$work/runs/podman-run/root" --runroot "$work/runs/podman-run/run" pull -q --tls-verify=false "$box" >/dev/null
bundle_floor_setup
declare -a roost_run roost_none podman_run floor_run
for i in $(seq 10); do
	roost_run+=("$(time_ms as_user roost run --rm --runtime crun "$box" true)")
	roost_none+=("$(time_ms as_user roost run --rm --runtime crun --network none "$box" true)")
	podman_run+=("$(time_ms as_user podman "${pdriver[@]}" --root "$work/runs/podman-run/root" --runroot "$work/runs/podman-run/run" run --rm --runtime crun --network none "$box" true)")
	floor_run+=("$(time_ms as_user unshare -Ur crun --root "$work/runs/crun-floor" run --bundle "$floor_bundle" "floor$i")")
done
r=$(median "${roost_none[@]}")
rd=$(median "${roost_run[@]}")
p=$(median "${podman_run[@]}")
f=$(median "${floor_run[@]}")
printf '\n%-44s %10s %12s\n' "run --rm busybox true (crun), 10 runs" "median ms" "vs Roost"
printf '%-44s %10s %12s\n' "roost run --network none" "$r" "1.00x"
printf '%-44s %10s %12s\n' "podman run --network none" "$p" "$(ratio "$p" "$r")x"
printf '%-44s %10s %12s\n' "floor: unshare -Ur + crun run of a bundle" "$f" "$(ratio "$f" "$r")x"
# The default network's namespace and slirp4netns live only while a member
# runs (DESIGN.md), so a lone run --rm makes and removes them each time.
printf '%-44s %10s %12s\n' "roost run, default network (made and removed)" "$rd" "$(ratio "$rd" "$r")x"
printf '\nRoost starts a container %sx faster than Podman, both without a network (target: 3x).\n' "$(ratio "$p" "$r")"
run_ratio=$(ratio "$p" "$r")
run_none=$r run_def=$rd run_pod=$p run_floor=$f

# The remaining container measures use the same image, runtime and storage as above.
pod() { as_user podman "${pdriver[@]}" --root "$work/runs/podman-run/root" --runroot "$work/runs/podman-run/run" "$@"; }

# 20 detached containers, then one `rm -f` of all of them: wall time of each phase.
# Roost's rm -f kills at once (as Docker's does); Podman's waits the stop
# timeout first (10 s: sleep as PID 1 ignores SIGTERM), so it gets -t 0.
# up_down ROUNDS RUP RDOWN PUP PDOWN: ROUNDS rounds of the four commands in
# turn (Roost up, down, Podman up, down); sets ru rd pu pd to their medians.
up_down() {
	local -a a b c d
	local i
	for i in $(seq "$1"); do
		a+=("$(time_ms "$2")")
		b+=("$(time_ms "$3")")
		c+=("$(time_ms "$4")")
		d+=("$(time_ms "$5")")
	done
	ru=$(median "${a[@]}"); rd=$(median "${b[@]}")
	pu=$(median "${c[@]}"); pd=$(median "${d[@]}")
}
# up_down_table TITLE ROOST_UP PODMAN_UP ROOST_DOWN PODMAN_DOWN: the table of
# up_down's medians, each Podman figure beside Roost's.
up_down_table() {
	printf '\n%-44s %10s %12s\n' "$1" "median ms" "vs Roost"
	printf '%-44s %10s %12s\n' "$2" "$ru" "1.00x"
	printf '%-44s %10s %12s\n' "$3" "$pu" "$(ratio "$pu" "$ru")x"
	printf '%-44s %10s %12s\n' "$4" "$rd" "1.00x"
	printf '%-44s %10s %12s\n' "$5" "$pd" "$(ratio "$pd" "$rd")x"
}
roost_up20() { for n in $(seq 20); do as_user roost run -d --runtime crun "$box" sleep 1000 || return 1; done; }
podman_up20() { for n in $(seq 20); do pod run -d --runtime crun --network none "$box" sleep 1000 || return 1; done; }
roost_down() { as_user roost rm -f -a; }
podman_down() { pod rm -f -t 0 -a; }
up_down 3 roost_up20 roost_down podman_up20 podman_down
up_down_table "20 x run -d sleep (crun), 3 rounds" "roost: 20 run -d" "podman: 20 run -d (--network none)" \
	"roost: rm -f of the 20" "podman: rm -f -t 0 of the 20"
sum_up=$(ratio "$((pu + pd))" "$((ru + rd))")
rm_r=$rd rm_p=$pd

# Resident memory per idle container: PSS of every process each tool keeps
# for its containers, divided by the number of containers. Roost: one
# roost-monitor per container, the user's namespace holder and, on the
# default network, the shared slirp4netns helper (and the idle reaper);
# Podman: one conmon per container, its rootless pause process (catatonit)
# and, on its default network, a slirp4netns per container (and a
# rootlessport per container with -p). Shared processes are split over the
# containers. PSS already splits shared pages among the processes.
pss_kib() { # pids...: the sum of their PSS in KiB
	local total=0 p v
	for p in "$@"; do
		v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}
idle=10
# roost_tool_pids / podman_tool_pids: every process each tool keeps while its
# containers idle (not the containers' own). Only this bench's: its own
# binaries, conmons under its own run directory, helpers naming its own
# runtime directory, holders from its own pid files (other worktrees' e2e
# suites run as the same user at the same time).
# Roost's idle reaper is left out: it lives only in the grace after the last
# member of the shared namespace left and ends when one joins, so it is never
# beside running containers on a network (a --network none row may follow
# such a grace).
roost_tool_pids() {
	echo "$(pgrep -U "$uid" -f "^$bindir/roost(-monitor)? " | while read -r p; do
		grep -q "reap-idle" "/proc/$p/cmdline" 2>/dev/null || echo "$p"; done | tr '\n' ' ')" \
		"$(pgrep -U "$uid" -f "slirp4netns .*$runtime_dir/roost/" | tr '\n' ' ')" "$(holder_pid roost)"
}
podman_tool_pids() {
	local p
	echo "$(pgrep -U "$uid" -f "^(/usr/bin/)?conmon .*$work/runs/podman-run/" | tr '\n' ' ') $(holder_pid podman)"
	# slirp4netns and rootlessport of Podman's containers: the user's, less Roost's.
	for p in $(pgrep -U "$uid" -f "slirp4netns|rootlessport"); do
		grep -q "$runtime_dir/roost/" "/proc/$p/cmdline" 2>/dev/null || echo "$p"
	done | tr '\n' ' '
}
# pss_row LABEL TOOL ARGS...: $idle idle containers of TOOL (roost|podman)
# made with run -d ARGS; prints their tools' PSS per container, sets pss_last.
pss_row() {
	local label=$1 tool=$2 n pids
	shift 2
	for n in $(seq "$idle"); do
		if [ "$tool" = roost ]; then as_user roost run -d --runtime crun "$@" "$box" sleep 1000 >/dev/null
		else pod run -d --runtime crun "$@" "$box" sleep 1000 >/dev/null; fi
	done
	sleep 1
	if [ "$tool" = roost ]; then pids=$(roost_tool_pids); else pids=$(podman_tool_pids); fi
	# shellcheck disable=SC2086
	pss_last=$(( $(pss_kib $pids) / idle ))
	printf '%-50s %10s %6s\n' "$label" "$pss_last" "$(echo $pids | wc -w)"
	if [ "$tool" = roost ]; then as_user roost rm -f -a >/dev/null; else pod rm -f -t 0 -a >/dev/null; fi
}
printf '\n%-50s %10s %6s\n' "resident memory per idle container ($idle idle)" "PSS KiB" "procs"
pss_row "roost, default network (monitor, holder, helper)" roost; r_pss=$pss_last
pss_row "roost --network none" roost --network none; r_none_pss=$pss_last
pss_row "roost -p HOST:80 (the monitor forwards)" roost -p 127.0.0.1::80; r_port_pss=$pss_last
pss_row "roost --health-cmd (every 30s)" roost --health-cmd true --health-interval 30s; r_health_pss=$pss_last
pss_row "podman --network none (conmon, pause)" podman --network none; p_pss=$pss_last
pss_row "podman, default network (+ slirp4netns each)" podman; p_def_pss=$pss_last
pss_row "podman -p HOST:80 (+ rootlessport each)" podman -p 127.0.0.1::80; p_port_pss=$pss_last

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
pod rm -f -t 0 -a >/dev/null

# A pod: create, start 3 containers in it, remove it all (pod rm -f); median
# of 5, tools alternating. Podman builds its pause image on its first pod:
# a warm-up round keeps that out of the figures.
roost_pod3() {
	as_user roost pod create --runtime crun --name benchpod >/dev/null || return 1
	for n in 1 2 3; do as_user roost run -d --runtime crun --pod benchpod "$box" sleep 1000 >/dev/null || return 1; done
	as_user roost pod rm -f -t 0 benchpod >/dev/null
}
podman_pod3() {
	pod pod create --network none --name benchpod >/dev/null || return 1
	for n in 1 2 3; do pod run -d --runtime crun --pod benchpod "$box" sleep 1000 >/dev/null || return 1; done
	pod pod rm -f -t 0 benchpod >/dev/null
}
roost_pod3 && podman_pod3
declare -a r_pod p_pod
for i in $(seq 5); do
	r_pod+=("$(time_ms roost_pod3)")
	p_pod+=("$(time_ms podman_pod3)")
done
rp=$(median "${r_pod[@]}"); pp=$(median "${p_pod[@]}")
printf '\n%-44s %10s %12s\n' "pod create + 3 run -d + pod rm -f, 5 runs" "median ms" "vs Roost"
printf '%-44s %10s %12s\n' "roost (roost network)" "$rp" "1.00x"
printf '%-44s %10s %12s\n' "podman (--network none)" "$pp" "$(ratio "$pp" "$rp")x"
pod_ratio=$(ratio "$pp" "$rp")

# compose up -d and down of a 5-service file (busybox sleepers on the
# project's default network), Roost against podman-compose, alternating.
cdir="$work/runs/compose5"
as_user mkdir -p "$cdir"
{
	echo "services:"
	for n in 1 2 3 4 5; do printf '  s%d:\n    image: %s\n    command: ["sleep", "1000"]\n' "$n" "$box"; done
} | as_user tee "$cdir/compose.yaml" >/dev/null
pc() { as_user podman-compose --podman-args "--root $work/runs/podman-run/root --runroot $work/runs/podman-run/run" -f "$cdir/compose.yaml" "$@"; }
rc() { as_user roost compose -f "$cdir/compose.yaml" "$@"; }
rc_up() { rc up -d; }
rc_down() { rc down; }
pc_up() { pc up -d; }
pc_down() { pc down; }
up_down 5 rc_up rc_down pc_up pc_down
up_down_table "compose, 5 services, 5 rounds" "roost compose up -d" "podman-compose up -d" \
	"roost compose down" "podman-compose down"
compose_sum=$(ratio "$((pu + pd))" "$((ru + rd))")

met() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t) ? "met" : "not met" }'; }
printf '\n%-40s %12s %10s %8s\n' "Summary: Podman / Roost (higher is better)" "ratio" "target" ""
printf '%-40s %12s %10s %8s\n' "run --rm latency" "${run_ratio}x" "3x" "$(met "$run_ratio" 3)"
printf '%-40s %12s %10s %8s\n' "20 run -d + rm -f" "${sum_up}x" "-" ""
printf '%-40s %12s %10s %8s\n' "ps -a, 50 containers" "${ps50}x" "3x" "$(met "$ps50" 3)"
printf '%-40s %12s %10s %8s\n' "ps -a, 500 containers" "${ps500}x" "3x" "$(met "$ps500" 3)"
printf '%-40s %12s %10s %8s\n' "pod create + 3 starts + pod rm" "${pod_ratio}x" "-" ""
printf '%-40s %12s %10s %8s\n' "compose up -d + down, 5 services" "${compose_sum}x" "-" ""
printf '%-40s %12s %10s %8s\n' "memory per idle container (both none)" "$(ratio "$p_pss" "$r_none_pss")x" ">1x" "$(met "$(ratio "$p_pss" "$r_none_pss")" 1.0001)"
# The performance issue's goals, each beside its figures (lower is better).
goal() { # what value target: met when value <= target
	printf '%-52s %9s %9s %8s\n' "$1" "$2" "<=$3" "$(awk -v v="$2" -v t="$3" 'BEGIN { print (v + 0 <= t + 0) ? "met" : "not met" }')"
}
printf '\n%-52s %9s %9s %8s\n' "Performance goals" "now" "target" ""
goal "run --rm, default network / own --network none" "$(ratio "$run_def" "$run_none")x" 1.2
goal "run --rm, default network / Podman's (none) run" "$(ratio "$run_def" "$run_pod")x" 0.35
goal "run --rm --network none, ms (floor ${run_floor} ms)" "$run_none" 25
goal "run --rm --network none / 3x the runtime floor" "$(ratio "$run_none" "$((3 * run_floor))")x" 1
goal "idle PSS KiB per container, --network none" "$r_none_pss" 800
goal "idle PSS KiB, default network" "$r_pss" 800
goal "idle PSS, -p: Roost / Podman -p" "$(ratio "$r_port_pss" "$p_port_pss")x" 1
goal "rm -f of 20: Roost / Podman (-t 0)" "$(ratio "$rm_r" "$rm_p")x" 0.5
goal "pull debian: Roost / Podman (floor skopeo $(ratio "$pull_s" "$pull_p")x)" "$(ratio "$pull_r" "$pull_p")x" 0.5
goal "pull 4 layers, slow link: Roost / Podman" "$(ratio "$slow_pull_r" "$slow_pull_p")x" 0.5
echo "(idle PSS with a healthcheck: ${r_health_pss} KiB; published-port goals: after the network tables below)"
headline "run --rm, default network / none" "$(ratio "$run_none" "$run_def")" higher
headline "rm -f of 20" "$(ratio "$rm_p" "$rm_r")" higher
headline "pull debian" "$(ratio "$pull_p" "$pull_r")" higher
headline "pull 4 layers, slow link" "$(ratio "$slow_pull_p" "$slow_pull_r")" higher
headline "run --rm latency" "$run_ratio" higher
headline "20 run -d + rm -f" "$sum_up" higher
headline "ps -a, 50 containers" "$ps50" higher
headline "ps -a, 500 containers" "$ps500" higher
headline "pod create + 3 starts + pod rm" "$pod_ratio" higher
headline "compose up -d + down, 5 services" "$compose_sum" higher
headline "memory per idle container" "$(ratio "$p_pss" "$r_none_pss")" higher

# Builds: first, unchanged and one-file-changed (test/bench/build.sh).
source "$here/build.sh"

# The Docker API through each tool's service (test/bench/api.sh).
source "$here/api.sh"

# Published ports and egress (test/bench/network.sh), in the same run.
source "$here/network.sh"

check_headlines
