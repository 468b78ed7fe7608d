#!/usr/bin/env bash
# The Docker API: Docker's own CLI through Roost's service and through
# Podman's (`podman system service`), alternating run by run; medians.
# `docker run --rm` creates, attaches, starts, waits and removes through the
# socket; `docker ps` is one list round trip. Floors: the same run by each
# tool's own CLI (what the service adds is the difference), and curl's
# _ping over the socket (the cost of one request on this machine).
# Run by bench.sh, or alone: bash test/bench/api.sh (as root, after make build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ -z "${work:-}" ]; then # alone, not from bench.sh
	source "$here/../host/env.sh"
	source "$here/lib.sh"
	ensure_podman
	bench_setup
fi
runs=${BENCH_RUNS:-5}
box="$ROOST_TEST_REGISTRY/busybox:latest"
docker_bin=$(command -v docker || echo /usr/local/bin/docker)
aroot=$work/runs/podman-api
as_user mkdir -p "$aroot"
apod() { as_user podman --storage-driver overlay --root "$aroot/root" --runroot "$aroot/run" "$@"; }
as_user roost pull -q "$box" >/dev/null
apod pull -q --tls-verify=false "$box" >/dev/null

rsock=$runtime_dir/bench-roost.sock
psock=$runtime_dir/bench-podman.sock
as_user roost system service --time 0 "unix://$rsock" >"$work/roost-api.log" 2>&1 &
rpid=$!
apod system service --time 0 "unix://$psock" >"$work/podman-api.log" 2>&1 &
ppid=$!
api_stop() { kill "$rpid" "$ppid" 2>/dev/null || true; wait "$rpid" "$ppid" 2>/dev/null || true; }
for s in "$rsock" "$psock"; do
	for _ in $(seq 100); do [ -S "$s" ] && break; sleep 0.1; done
	[ -S "$s" ] || { echo "API service did not make $s" >&2; cat "$work"/*-api.log >&2; api_stop; exit 1; }
done
dk() { local s=$1; shift; as_user env DOCKER_HOST="unix://$s" DOCKER_CONFIG="$home/.docker" "$docker_bin" "$@"; }
ping() { as_user curl -s -o /dev/null --unix-socket "$1" http://d/_ping; }
# One warm-up run each: first-use costs (the network config, the runtime's
# caches) stay out of the figures.
dk "$rsock" run --rm --network none "$box" true >/dev/null
dk "$psock" run --rm --network none "$box" true >/dev/null

declare -a r_run p_run r_cli p_cli r_ps p_ps r_ping p_ping
for i in $(seq $((runs * 2))); do
	r_run+=("$(time_ms dk "$rsock" run --rm --network none "$box" true)")
	p_run+=("$(time_ms dk "$psock" run --rm --network none "$box" true)")
	r_cli+=("$(time_ms as_user roost run --rm --network none "$box" true)")
	p_cli+=("$(time_ms apod run --rm --network none "$box" true)")
	r_ps+=("$(time_ms dk "$rsock" ps)")
	p_ps+=("$(time_ms dk "$psock" ps)")
	r_ping+=("$(time_ms ping "$rsock")")
	p_ping+=("$(time_ms ping "$psock")")
done
api_stop
rr=$(median "${r_run[@]}"); pr=$(median "${p_run[@]}")
rc=$(median "${r_cli[@]}"); pc=$(median "${p_cli[@]}")
rp=$(median "${r_ps[@]}"); pp=$(median "${p_ps[@]}")
rg=$(median "${r_ping[@]}"); pg=$(median "${p_ping[@]}")
n=$((runs * 2))
printf '\n%-44s %10s %12s\n' "docker run --rm --network none, $n runs" "median ms" "vs Roost"
printf '%-44s %10s %12s\n' "docker CLI -> roost system service" "$rr" "1.00x"
printf '%-44s %10s %12s\n' "docker CLI -> podman system service" "$pr" "$(ratio "$pr" "$rr")x"
printf '%-44s %10s %12s\n' "floor: roost run --rm (no service)" "$rc" "$(ratio "$rc" "$rr")x"
printf '%-44s %10s %12s\n' "podman run --rm (no service)" "$pc" "$(ratio "$pc" "$rr")x"
printf '\n%-44s %10s %12s\n' "docker ps round trip, $n runs" "median ms" "vs Roost"
printf '%-44s %10s %12s\n' "docker ps -> roost system service" "$rp" "1.00x"
printf '%-44s %10s %12s\n' "docker ps -> podman system service" "$pp" "$(ratio "$pp" "$rp")x"
printf '%-44s %10s %12s\n' "floor: curl _ping -> roost" "$rg" "$(ratio "$rg" "$rp")x"
printf '%-44s %10s %12s\n' "curl _ping -> podman" "$pg" "$(ratio "$pg" "$rp")x"
api_run=$(ratio "$pr" "$rr")
api_ps=$(ratio "$pp" "$rp")
if declare -F headline >/dev/null; then
	headline "docker run --rm through the API" "$api_run" higher
	headline "docker ps through the API" "$api_ps" higher
fi
