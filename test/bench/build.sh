#!/usr/bin/env bash
# Builds: the same Containerfile and context built by `roost build` and
# `podman build` (same overlay driver), in one run, tools alternating run by
# run (A B A B ...); medians. Each run starts from fresh storage holding only
# the base image, then times three builds: the first (nothing cached), an
# unchanged rebuild, and a rebuild after one copied file changed. Each row
# has its floor beside it: what no builder can beat here (the steps' own
# work done directly on the host; for the unchanged rebuild, reading the
# context once to know it is unchanged).
# Run by bench.sh, or alone: bash test/bench/build.sh (as root, after make build).
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

# The context: 300 small files under lib/ (one COPY), one file main.txt
# (a later COPY, the one changed), steps that read what was copied.
bctx="$work/runs/build-context"
as_user mkdir -p "$bctx/lib"
as_user sh -c "cd '$bctx/lib' && for i in \$(seq 300); do head -c 2048 /dev/urandom > f\$i; done"
as_user sh -c "head -c 1048576 /dev/urandom > '$bctx/main.txt'"
as_user tee "$bctx/Containerfile" >/dev/null <<EOF
FROM $box
ENV APP=/app
WORKDIR /app
COPY lib/ /app/lib/
RUN find /app/lib -type f | wc -l > /app/count
COPY main.txt /app/main.txt
RUN sha256sum /app/main.txt > /app/main.sum
LABEL bench=build
CMD ["cat", "/app/count"]
EOF

# build_run TOOL N: fresh storage with the base image, then the three
# builds; appends their times to TOOL's arrays.
declare -a rb_first rb_same rb_one pb_first pb_same pb_one fl_first fl_same fl_one
broot() { as_user roost --root "$1/roost" "${@:2}"; }
proot() { as_user podman --storage-driver overlay --root "$1/podman" --runroot "$1/podman-run" "${@:2}"; }
build_run() {
	local tool=$1 d="$work/runs/build$2" ctx="$work/runs/build$2/ctx"
	as_user mkdir -p "$d"
	as_user cp -a "$bctx" "$ctx"
	case $tool in
	roost)
		broot "$d" pull -q "$box" >/dev/null
		rb_first+=("$(time_ms broot "$d" build -t benchbuild "$ctx")")
		rb_same+=("$(time_ms broot "$d" build -t benchbuild "$ctx")")
		as_user sh -c "echo changed >> '$ctx/main.txt'"
		rb_one+=("$(time_ms broot "$d" build -t benchbuild "$ctx")")
		;;
	podman)
		proot "$d" pull -q --tls-verify=false "$box" >/dev/null
		pb_first+=("$(time_ms proot "$d" build -t benchbuild "$ctx")")
		pb_same+=("$(time_ms proot "$d" build -t benchbuild "$ctx")")
		as_user sh -c "echo changed >> '$ctx/main.txt'"
		pb_one+=("$(time_ms proot "$d" build -t benchbuild "$ctx")")
		proot "$d" rmi -a -f >/dev/null 2>&1 || true
		;;
	floor)
		local out="$d/floor"
		fl_first+=("$(time_ms as_user sh -c "mkdir -p '$out' && cp -r '$ctx/lib' '$out/' && find '$out/lib' -type f | wc -l > '$out/count' && cp '$ctx/main.txt' '$out/' && sha256sum '$out/main.txt' > '$out/main.sum'")")
		fl_same+=("$(time_ms as_user sh -c "tar -cf - -C '$ctx' . | sha256sum")")
		as_user sh -c "echo changed >> '$ctx/main.txt'"
		fl_one+=("$(time_ms as_user sh -c "tar -cf - -C '$ctx' . | sha256sum && cp '$ctx/main.txt' '$out/' && sha256sum '$out/main.txt' > '$out/main.sum'")")
		;;
	esac
	rm -rf "$d"
}
echo
echo "build: the same Containerfile (busybox; COPY of 300 files, RUN, COPY of 1 MB, RUN, LABEL, CMD), $runs runs each, alternating; fresh storage holding only busybox per run; both tools on overlay, RUN on their default network."
for i in $(seq "$runs"); do
	build_run roost "$i"
	build_run podman "$i"
	build_run floor "$i"
done
b_row() { # title roost podman floor
	local r p f
	r=$(median "${!2}"); p=$(median "${!3}"); f=$(median "${!4}")
	printf '%-44s %8s %8s %10s %8s\n' "$1" "$r" "$p" "$(ratio "$r" "$p")x" "$f"
}
printf '\n%-44s %8s %8s %10s %8s\n' "build, median ms" "roost" "podman" "roost/pod" "floor"
b_row "first build (nothing cached)" 'rb_first[@]' 'pb_first[@]' 'fl_first[@]'
b_row "unchanged rebuild (every step cached)" 'rb_same[@]' 'pb_same[@]' 'fl_same[@]'
b_row "one copied file changed (4 of 8 steps run)" 'rb_one[@]' 'pb_one[@]' 'fl_one[@]'
b_first=$(ratio "$(median "${rb_first[@]}")" "$(median "${pb_first[@]}")")
b_same=$(ratio "$(median "${rb_same[@]}")" "$(median "${pb_same[@]}")")
at_most() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "met" : "not met" }'; }
printf '\n%-40s %12s %10s %8s\n' "Build goals: Roost / Podman (lower is better)" "ratio" "target" ""
printf '%-40s %12s %10s %8s\n' "first build" "${b_first}x" "<=1x" "$(at_most "$b_first" 1)"
printf '%-40s %12s %10s %8s\n' "unchanged rebuild" "${b_same}x" "<=0.2x" "$(at_most "$b_same" 0.2)"
headline "first build, roost/podman" "$b_first" lower
headline "unchanged rebuild, roost/podman" "$b_same" lower
