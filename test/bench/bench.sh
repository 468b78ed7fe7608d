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
