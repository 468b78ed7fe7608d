#!/usr/bin/env bash
# Published-port forwarder (slirp/portfwd) against the host-loopback floor:
# a 200 MB download (MB/s) and small requests (connections/s), the same
# server behind the forwarder (in a real network namespace) and on loopback.
# Needs root (it makes the namespace). Usage: test/bench/portfwd.sh [runs]
# Not pass/fail: it prints figures. The end-to-end comparison through
# `roost run -p` and Podman is test/bench/network.sh (part of make bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=${1:-5}
cd "$repo"
out=$(go test -run '^$' -bench 'Download|SmallRequests' -benchtime 10x -count "$runs" ./slirp/portfwd/)
echo "$out" | grep '^Benchmark'
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
fig() { echo "$out" | awk -v b="$1" -v u="$2" '$1 ~ b {for (i=2;i<=NF;i++) if ($(i+1)==u) print $i}' | median; }
lmb=$(fig 'Download/loopback' 'MB/s'); fmb=$(fig 'Download/forwarded' 'MB/s')
lcs=$(fig 'SmallRequests/loopback' 'conns/s'); fcs=$(fig 'SmallRequests/forwarded' 'conns/s')
printf '\n%-40s %12s %12s %8s\n' "published port (median of $runs)" "forwarded" "loopback" "ratio"
printf '%-40s %12s %12s %8s\n' "200 MB download, MB/s" "$fmb" "$lmb" "$(awk -v a="$fmb" -v b="$lmb" 'BEGIN{printf "%.2f", a/b}')"
printf '%-40s %12s %12s %8s\n' "small requests, connections/s" "$fcs" "$lcs" "$(awk -v a="$fcs" -v b="$lcs" 'BEGIN{printf "%.2f", a/b}')"
