#!/usr/bin/env bash
# Published ports and egress: Roost's default network (slirp4netns egress,
# the monitor's forwarder), Roost with pasta (roost.conf backend), Roost
# --network pasta (pasta's own forwarding), and Podman's default rootless
# network (slirp4netns + rootlesskit's port handler), beside the floor: the
# same server on the host's loopback. The server and client are
# test/bench/netbench (static Go; the server writes 200 MB from one buffer
# and is not the bottleneck). Tools alternate run by run; medians.
# Run by bench.sh, or alone: bash test/bench/network.sh (as root, after make build).
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
nreq=${BENCH_REQUESTS:-2000}
box="$ROOST_TEST_REGISTRY/busybox:latest"
nb="$work/netbench"
(cd "$repo" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o "$nb" ./test/bench/netbench)
chmod 0755 "$nb"
prun=$work/runs/podman-net
as_user mkdir -p "$prun"
pod() { as_user podman --root "$prun/root" --runroot "$prun/run" "$@"; }
pod pull -q --tls-verify=false "$box" >/dev/null
as_user roost pull -q "$box" >/dev/null
conf="$home/.config/roost/roost.conf"
as_user mkdir -p "$home/.config/roost"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do "$nb" rate "http://127.0.0.1:$1/small" 1 >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "server on $1 did not answer" >&2; return 1; }

# Start each server once, then measure them in turn.
declare -A port
port[loopback]=$(free_port)
"$nb" serve "127.0.0.1:${port[loopback]}" & floor_pid=$!
egress_pid=
# (|| true: under set -e a failing command in the trap would end it there,
# skip the rest of the clean-up, and fail the bench after it printed all.)
trap 'kill $floor_pid $egress_pid 2>/dev/null || true; as_user roost rm -fa >/dev/null 2>&1 || true; pod rm -fa >/dev/null 2>&1 || true; bench_cleanup' EXIT
server_args=(-v "$nb:/netbench:ro" "$box" /netbench serve :8080)
port[roost]=$(free_port)
as_user roost run -d --name nb-default -p "${port[roost]}:8080" "${server_args[@]}" >/dev/null
port[roost-netpasta]=$(free_port)
as_user roost run -d --name nb-netpasta --network pasta -p "${port[roost-netpasta]}:8080" "${server_args[@]}" >/dev/null
port[podman]=$(free_port)
pod run -d --name nb --runtime crun -p "${port[podman]}:8080" "${server_args[@]}" >/dev/null
tools=(loopback roost roost-netpasta podman)
for t in "${tools[@]}"; do wait_port "${port[$t]}"; done

declare -A mbs rps
measure_round() {
	local t
	for t in "$@"; do
		mbs[$t]+=" $("$nb" get "http://127.0.0.1:${port[$t]}/big")"
		rps[$t]+=" $("$nb" rate "http://127.0.0.1:${port[$t]}/small" "$nreq")"
	done
}
for i in $(seq "$runs"); do measure_round "${tools[@]}"; done
as_user roost rm -f nb-default nb-netpasta >/dev/null
# The pasta backend for the shared namespace (no member runs now, so the
# next start makes the namespace with pasta).
echo '[network]
backend = "pasta"' | as_user tee "$conf" >/dev/null
port[roost-pasta]=$(free_port)
as_user roost run -d --name nb-pasta -p "${port[roost-pasta]}:8080" "${server_args[@]}" >/dev/null
wait_port "${port[roost-pasta]}"
for i in $(seq "$runs"); do measure_round loopback roost-pasta; done

# Egress: a container downloads 200 MB from the host's loopback server
# through host.containers.internal (Podman: the host's address, as its
# slirp4netns does not reach the host's loopback by default).
hostip=$(ip -4 -o route get 1.1.1.1 2>/dev/null | awk '{for (i=1;i<=NF;i++) if ($i=="src") print $(i+1)}')
port[egress]=$(free_port)
"$nb" serve "0.0.0.0:${port[egress]}" & egress_pid=$!
wait_port "${port[egress]}"
declare -A egr
for i in $(seq "$runs"); do
	egr[roost-pasta]+=" $(as_user roost run --rm -v "$nb:/netbench:ro" "$box" /netbench get "http://host.containers.internal:${port[egress]}/big")"
	egr[podman]+=" $(pod run --rm --runtime crun -v "$nb:/netbench:ro" "$box" /netbench get "http://$hostip:${port[egress]}/big")"
done
as_user roost rm -f nb-pasta >/dev/null
as_user rm -f "$conf"
for i in $(seq "$runs"); do
	egr[roost]+=" $(as_user roost run --rm -v "$nb:/netbench:ro" "$box" /netbench get "http://host.containers.internal:${port[egress]}/big")"
	egr[loopback]+=" $("$nb" get "http://127.0.0.1:${port[egress]}/big")"
done
pod rm -f nb >/dev/null
kill "$floor_pid" "$egress_pid" 2>/dev/null || true

med() { median $1; }
printf '\n%-46s %10s %8s %12s %8s\n' "published port, median of $runs" "MB/s" "vs floor" "requests/s" "vs floor"
label() {
	case $1 in
	loopback) echo "floor: host client, host loopback server" ;;
	roost) echo "roost -p, default network (slirp4netns)" ;;
	roost-pasta) echo "roost -p, default network, pasta backend" ;;
	roost-netpasta) echo "roost -p --network pasta (pasta forwards)" ;;
	podman) echo "podman -p, default (slirp4netns+rootlesskit)" ;;
	esac
}
fl_m=$(med "${mbs[loopback]}"); fl_r=$(med "${rps[loopback]}")
for t in loopback roost roost-pasta roost-netpasta podman; do
	m=$(med "${mbs[$t]}"); r=$(med "${rps[$t]}")
	printf '%-46s %10s %8s %12s %8s\n' "$(label "$t")" "$m" "$(ratio "$m" "$fl_m")x" "$r" "$(ratio "$r" "$fl_r")x"
done
pm=$(med "${mbs[podman]}"); pr=$(med "${rps[podman]}")
rm_=$(med "${mbs[roost]}"); rr=$(med "${rps[roost]}")
printf '\nRoost default vs Podman default: %sx throughput, %sx requests/s (target: 2x); vs floor %sx, %sx (target: 0.9x).\n' \
	"$(ratio "$rm_" "$pm")" "$(ratio "$rr" "$pr")" "$(ratio "$rm_" "$fl_m")" "$(ratio "$rr" "$fl_r")"
printf '\n%-46s %10s %8s\n' "egress: 200 MB from a host server, median" "MB/s" "vs floor"
el=$(med "${egr[loopback]}")
declare -A elabel=([loopback]="floor: host client, host loopback server" [roost]="roost, default network (slirp4netns)"
	[roost-pasta]="roost, default network, pasta backend" [podman]="podman, default (slirp4netns)")
for t in loopback roost roost-pasta podman; do
	printf '%-46s %10s %8s\n' "${elabel[$t]}" "$(med "${egr[$t]}")" "$(ratio "$(med "${egr[$t]}")" "$el")x"
done
