#!/usr/bin/env bash
# Published ports and egress: Roost's default network (slirp4netns egress,
# the monitor's forwarder), Roost with pasta (roost.conf backend), Roost
# --network pasta (pasta's own forwarding), and Podman's default rootless
# network (slirp4netns + rootlesskit's port handler), beside the floor: the
# same server on the host's loopback. The server and client are
# test/bench/netbench (static Go; the server writes 200 MB from one buffer
# and is not the bottleneck). Beside Roost's forwarder, rootlesskit's builtin
# port driver (test/bench/rkport) publishes the same container's port: its
# child side in the container's namespace (dialing 127.0.0.1, as Roost's
# forwarder does) and in Roost's shared namespace (dialing the container's
# address over the bridge, as rootlesskit is used behind one). Tools
# alternate run by run; medians.
# Run by bench.sh, or alone: bash test/bench/network.sh (as root, after make build).
# BENCH_NET=ports measures only the published-port drivers against the floor
# (no Podman, pasta or egress rows): quick, and needs no Podman.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
only_ports=
[ "${BENCH_NET:-}" = ports ] && only_ports=1
if [ -z "${work:-}" ]; then # alone, not from bench.sh
	source "$here/../host/env.sh"
	source "$here/lib.sh"
	[ -n "$only_ports" ] || ensure_podman
	bench_setup
fi
runs=${BENCH_RUNS:-5}
nreq=${BENCH_REQUESTS:-2000}
nload=${BENCH_LOAD:-20000} # keep-alive requests a round, over 8 connections (as wrk)
box="$ROOST_TEST_REGISTRY/busybox:latest"
nb="$work/netbench"
(cd "$repo" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o "$nb" ./test/bench/netbench)
# rkport is a module of its own, so rootlesskit never enters Roost's go.mod.
rk="$work/rkport"
(cd "$repo/test/bench/rkport" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o "$rk" .)
chmod 0755 "$nb" "$rk"
prun=$work/runs/podman-net
as_user mkdir -p "$prun"
pod() { as_user podman --root "$prun/root" --runroot "$prun/run" "$@"; }
[ -n "$only_ports" ] || pod pull -q --tls-verify=false "$box" >/dev/null
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
# rkport_pids prints the pids of the rkport parents this bench started (each
# writes its own pid file; its child side dies with it).
rkport_pids() { cat "$work"/rk-*.pid 2>/dev/null || true; }
# (|| true: under set -e a failing command in the trap would end it there,
# skip the rest of the clean-up, and fail the bench after it printed all.)
trap 'kill $floor_pid $egress_pid $(rkport_pids) 2>/dev/null || true; as_user roost rm -fa >/dev/null 2>&1 || true; [ -n "$only_ports" ] || pod rm -fa >/dev/null 2>&1 || true; bench_cleanup' EXIT
server_args=(-v "$nb:/netbench:ro" "$box" /netbench serve :8080)
port[roost]=$(free_port)
as_user roost run -d --name nb-default -p "${port[roost]}:8080" "${server_args[@]}" >/dev/null
# start_rkport NAME NETNS [CHILD-IP]: rootlesskit's builtin driver publishes
# nb-default's port 8080 on port[NAME], its child side in NETNS.
start_rkport() {
	port[$1]=$(free_port)
	as_user mkdir -p "$work/runs/$1"
	as_user roost unshare "$rk" -netns "$2" -listen "127.0.0.1:${port[$1]}" -port 8080 ${3:+-child-ip "$3"} \
		-state "$work/runs/$1" -pidfile "$work/runs/$1/pid" >"$work/$1.log" 2>&1 &
	for _ in $(seq 100); do [ -s "$work/runs/$1/pid" ] && break; sleep 0.1; done
	cp "$work/runs/$1/pid" "$work/rk-$1.pid"
}
nb_netns=$(as_user roost inspect --format '{{.NetworkSettings.SandboxKey}}' nb-default)
nb_ip=$(as_user roost inspect --format '{{.NetworkSettings.IPAddress}}' nb-default)
start_rkport rk-container "$nb_netns"
start_rkport rk-bridge "$runtime_dir/roost/netns/roost" "$nb_ip"
tools=(loopback roost rk-container rk-bridge)
if [ -z "$only_ports" ]; then
	port[roost-netpasta]=$(free_port)
	as_user roost run -d --name nb-netpasta --network pasta -p "${port[roost-netpasta]}:8080" "${server_args[@]}" >/dev/null
	port[podman]=$(free_port)
	pod run -d --name nb --runtime crun -p "${port[podman]}:8080" "${server_args[@]}" >/dev/null
	tools+=(roost-netpasta podman)
fi
for t in "${tools[@]}"; do wait_port "${port[$t]}"; done
# The processes that forward each of these ports, for their CPU time: on a
# loaded machine wall-clock rates swing with the neighbours, CPU time per
# byte or per connection much less. Roost: nb-default's monitor; rootlesskit:
# rkport's parent and its child side.
declare -A fwd_pids
nb_id=$(as_user roost inspect --format '{{.ID}}' nb-default)
fwd_pids[roost]=$(cat "$runtime_dir/roost/containers/$nb_id/monitor.pid")
for t in rk-container rk-bridge; do
	p=$(cat "$work/rk-$t.pid")
	fwd_pids[$t]="$p $(pgrep -P "$p" | tr '\n' ' ')"
done

# cpu_ticks PIDS...: user + system clock ticks the processes have used.
cpu_ticks() {
	local p total=0
	for p in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo "$total"
}
# sample TOOL ARGS...: one netbench client measurement against TOOL's
# port. A failure (a transfer that stalls a minute, a refused connection) is
# said with the tool's name and tried once more; a second failure leaves the
# sample out (the median is of the others) rather than end the whole bench.
sample() {
	local tool=$1 out try
	shift
	for try in 1 2; do
		if out=$("$nb" "$@" 2>&1); then
			echo "$out"
			return 0
		fi
		echo "  netbench $1 through $tool failed (try $try): $out" >&2
	done
}
declare -A mbs rps kps get_ticks rate_ticks
measure_round() {
	local t c0 c1 c2
	for t in "$@"; do
		c0=$(cpu_ticks ${fwd_pids[$t]:-})
		mbs[$t]+=" $(sample "$t" get "http://127.0.0.1:${port[$t]}/big")"
		c1=$(cpu_ticks ${fwd_pids[$t]:-})
		rps[$t]+=" $(sample "$t" rate "http://127.0.0.1:${port[$t]}/small" "$nreq")"
		c2=$(cpu_ticks ${fwd_pids[$t]:-})
		kps[$t]+=" $(sample "$t" load "http://127.0.0.1:${port[$t]}/small" "$nload" 8)"
		get_ticks[$t]=$((${get_ticks[$t]:-0} + c1 - c0))
		rate_ticks[$t]=$((${rate_ticks[$t]:-0} + c2 - c1))
	done
}
for i in $(seq "$runs"); do measure_round "${tools[@]}"; done
# What each forwarder keeps resident after the rounds (PSS; Roost's is the
# container's whole monitor, which exists whether a port is published or not).
declare -A fwd_pss
for t in roost rk-container rk-bridge; do
	fwd_pss[$t]=0
	for p in ${fwd_pids[$t]}; do
		fwd_pss[$t]=$((fwd_pss[$t] + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")))
	done
done
# shellcheck disable=SC2046
kill $(rkport_pids) 2>/dev/null || true
rm -f "$work"/rk-*.pid
med() { median $1; }
label() {
	case $1 in
	loopback) echo "floor: host client, host loopback server" ;;
	roost) echo "roost -p, default network (slirp4netns)" ;;
	rk-container) echo "rootlesskit builtin, child in container ns" ;;
	rk-bridge) echo "rootlesskit builtin, child in shared ns" ;;
	roost-pasta) echo "roost -p, default network, pasta backend" ;;
	roost-netpasta) echo "roost -p --network pasta (pasta forwards)" ;;
	podman) echo "podman -p, default (slirp4netns+rootlesskit)" ;;
	esac
}
# port_table TOOLS...: each tool's medians beside the floor's.
# Columns: 200 MiB download; new connections (one request each); requests
# over 8 kept-alive connections (wrk's small-file measure).
port_table() {
	local t m r k fl_m fl_r fl_k
	fl_m=$(med "${mbs[loopback]}"); fl_r=$(med "${rps[loopback]}"); fl_k=$(med "${kps[loopback]}")
	printf '\n%-46s %8s %8s %9s %8s %9s %8s\n' "published port, median of $runs" "MB/s" "vs floor" "conn/s" "vs floor" "keep-al/s" "vs floor"
	for t in "$@"; do
		m=$(med "${mbs[$t]}"); r=$(med "${rps[$t]}"); k=$(med "${kps[$t]}")
		printf '%-46s %8s %8s %9s %8s %9s %8s\n' "$(label "$t")" "$m" "$(ratio "$m" "$fl_m")x" "$r" "$(ratio "$r" "$fl_r")x" "$k" "$(ratio "$k" "$fl_k")x"
	done
}
# cpu_table: the forwarders' CPU time over every round: per GB downloaded
# (200 MiB a round) and per new connection ($nreq a round).
cpu_table() {
	local t hz
	hz=$(getconf CLK_TCK)
	printf '\n%-46s %10s %18s %9s\n' "forwarder CPU time, all $runs rounds" "ms per GB" "us per connection" "PSS KiB"
	for t in roost rk-container rk-bridge; do
		printf '%-46s %10s %18s %9s\n' "$(label "$t")" \
			"$(awk -v k="${get_ticks[$t]}" -v hz="$hz" -v n="$runs" 'BEGIN { printf "%.0f", k * 1000 / hz / (n * 200 * 1.048576 / 1000) }')" \
			"$(awk -v k="${rate_ticks[$t]}" -v hz="$hz" -v n="$runs" -v r="$nreq" 'BEGIN { printf "%.0f", k * 1e6 / hz / (n * r) }')" \
			"${fwd_pss[$t]}"
	done
}
if [ -n "$only_ports" ]; then
	port_table "${tools[@]}"
	cpu_table
	exit 0
fi
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

port_table loopback roost rk-container rk-bridge roost-pasta roost-netpasta podman
cpu_table
fl_m=$(med "${mbs[loopback]}"); fl_r=$(med "${rps[loopback]}")
pm=$(med "${mbs[podman]}"); pr=$(med "${rps[podman]}")
rm_=$(med "${mbs[roost]}"); rr=$(med "${rps[roost]}")
fl_k=$(med "${kps[loopback]}"); rk_=$(med "${kps[roost]}"); pk=$(med "${kps[podman]}")
printf '\nRoost default vs Podman default: %sx throughput, %sx new connections/s, %sx keep-alive requests/s.\n' \
	"$(ratio "$rm_" "$pm")" "$(ratio "$rr" "$pr")" "$(ratio "$rk_" "$pk")"
printf '%-40s %12s %10s %8s\n' "Published port goals: Roost / loopback" "ratio" "target" ""
for row in "200 MiB download|$rm_|$fl_m|0.9" "new connections|$rr|$fl_r|0.8" "keep-alive small file (wrk)|$rk_|$fl_k|0.8"; do
	IFS='|' read -r what v f goal <<<"$row"
	printf '%-40s %12s %10s %8s\n' "$what" "$(ratio "$v" "$f")x" ">=${goal}x" "$(awk -v r="$(ratio "$v" "$f")" -v g="$goal" 'BEGIN { print (r >= g) ? "met" : "not met" }')"
	if declare -F headline >/dev/null; then headline "-p $what, roost/loopback" "$(ratio "$v" "$f")" higher; fi
done
printf '\n%-46s %10s %8s\n' "egress: 200 MB from a host server, median" "MB/s" "vs floor"
el=$(med "${egr[loopback]}")
declare -A elabel=([loopback]="floor: host client, host loopback server" [roost]="roost, default network (slirp4netns)"
	[roost-pasta]="roost, default network, pasta backend" [podman]="podman, default (slirp4netns)")
for t in loopback roost roost-pasta podman; do
	printf '%-46s %10s %8s\n' "${elabel[$t]}" "$(med "${egr[$t]}")" "$(ratio "$(med "${egr[$t]}")" "$el")x"
done
