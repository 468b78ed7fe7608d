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
