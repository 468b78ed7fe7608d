# Shared pieces of the benchmarks: the bench user's environment and timing.

ensure_podman() {
	# Podman is the anchor of the benchmarks only; the tests never use it.
	if ! command -v podman >/dev/null; then
		echo "installing podman (benchmark anchor)"
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq podman >/dev/null
	fi
	if ! command -v podman-compose >/dev/null; then
		echo "installing podman-compose (compose benchmark anchor)"
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq podman-compose >/dev/null
	fi
}

bench_setup() {
	user=$ROOST_TEST_USER
	uid=$(id -u "$user")
	gid=$(id -g "$user")
	work=$(mktemp -d /tmp/roost-bench.XXXXXX)
	chmod 0755 "$work"
	bindir="$work/bin"
	install -d -m 0755 "$bindir"
	install -m 0755 "$repo/bin/roost" "$repo/bin/roost-compose" "$repo/bin/roost-monitor" "$bindir/"
	install -d -o "$user" -g "$gid" -m 0700 "$work/runs"
	home="$work/home"
	install -d -o "$user" -g "$gid" -m 0700 "$home" "$home/.config" "$home/.config/containers"
	cat > "$home/.config/containers/registries.conf" <<CONF
unqualified-search-registries = ["$ROOST_TEST_REGISTRY"]
[[registry]]
location = "$ROOST_TEST_REGISTRY"
insecure = true
CONF
	chown "$user:" "$home/.config/containers/registries.conf"
	runtime_dir="/run/user/$uid/bench-$$"
	install -d -o "$user" -g "$gid" -m 0700 "$runtime_dir"
	trap bench_cleanup EXIT
}

bench_cleanup() {
	# Stop what this bench left running, and only that: the e2e suites of other
	# worktrees run as the same user with their own holders, so nothing is
	# matched by name. The containers go first (their monitors and conmons),
	# then the namespace holders named by this bench's own pid files.
	as_user roost rm -f -a >/dev/null 2>&1 || true
	if [ -d "$work/runs/podman-run" ]; then
		as_user podman --root "$work/runs/podman-run/root" --storage-driver overlay --runroot "$work/runs/podman-run/run" rm -f -t 0 -a >/dev/null 2>&1 || true
	fi
	# Every process in the holders' user namespaces: Roost's shared namespace
	# helpers and their idle reaper outlive the last container by the grace.
	local p ns q
	for p in $(holder_pid roost) $(holder_pid podman); do
		ns=$(readlink "/proc/$p/ns/user") || continue
		for q in /proc/[0-9]*; do
			[ "$(readlink "$q/ns/user" 2>/dev/null)" = "$ns" ] && kill -9 "${q#/proc/}" 2>/dev/null || true
		done
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$work" "$runtime_dir"
}

# holder_pid prints the pid of the process that holds a tool's user namespace
# for this bench (roost: its namespace holder; podman: its pause process), from
# the pid file under the bench's own XDG_RUNTIME_DIR, if it still runs.
holder_pid() {
	local f p=""
	case $1 in
	roost) f="$runtime_dir/roost/userns.pid" ;;
	podman) f="$runtime_dir/libpod/tmp/pause.pid" ;;
	esac
	[ -r "$f" ] && read -r p _ < "$f"
	if [ -n "$p" ] && [ "$(stat -c %u "/proc/$p" 2>/dev/null)" = "$uid" ]; then echo "$p"; fi
	return 0
}

# CONTAINERS_REGISTRIES_CONF: that file alone for both tools, without the
# host's drop-ins (Debian's containers-common aliases busybox to docker.io).
as_user() {
	setpriv --reuid="$uid" --regid="$gid" --init-groups \
		env -i HOME="$home" USER="$user" XDG_RUNTIME_DIR="$runtime_dir" \
		CONTAINERS_REGISTRIES_CONF="$home/.config/containers/registries.conf" \
		PATH="$bindir:/usr/bin:/bin:/usr/sbin:/sbin" "$@"
}

# time_ms runs a command and prints its wall time in milliseconds.
time_ms() {
	local start end
	start=$(date +%s%N)
	if ! "$@" >/dev/null 2>"$work/last.err"; then
		echo "benchmark command failed: $*" >&2
		cat "$work/last.err" >&2
		return 1
	fi
	end=$(date +%s%N)
	echo $(((end - start) / 1000000))
}

median() {
	printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'
}

# ratio a b prints a/b with two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.2f", a / b }'
}

# bundle_floor_setup makes a busybox bundle the bare runtime can run: the
# floor of container start latency (no image, no storage, no monitor).
bundle_floor_setup() {
	floor_bundle="$work/runs/floor-bundle"
	as_user mkdir -p "$floor_bundle/rootfs/bin" "$work/runs/crun-floor"
	cp /bin/busybox "$floor_bundle/rootfs/bin/busybox"
	ln -sf busybox "$floor_bundle/rootfs/bin/true"
	chown -R "$user:" "$floor_bundle"
	(cd "$floor_bundle" && as_user crun spec --rootless && as_user sed -i 's/"terminal": true/"terminal": false/; s/"sh"/"true"/' config.json)
}

# headline keeps a summary ratio for the regression check: $1 its name, $2
# the ratio, $3 "higher" or "lower" (which way is better for Roost).
headlines=()
headline() { headlines+=("$1"$'\t'"$2"$'\t'"$3"); }

# check_headlines compares this run's headline ratios with the previous
# recorded run's and prints a line for each that got worse by more than the
# noise (10%), then records this run. Not a test: it never fails the bench.
check_headlines() {
	local rec=${BENCH_RECORD:-${XDG_CACHE_HOME:-$HOME/.cache}/roost/bench-headlines.tsv}
	local now
	now=$(date -u +%Y-%m-%dT%H:%MZ)
	mkdir -p "$(dirname "$rec")"
	printf '\nRegression check against the previous recorded run (%s):\n' "$rec"
	if [ ! -r "$rec" ]; then
		echo "  no previous run recorded here: this run is the baseline"
	else
		printf '%s\n' "${headlines[@]}" | awk -F'\t' -v prev="$rec" '
			BEGIN { while ((getline l < prev) > 0) { split(l, f, "\t"); if (f[1] == "#") when = f[2]; else old[f[1]] = f[2] } }
			{
				if (!($1 in old)) { printf "  new row: %s %sx\n", $1, $2; next }
				o = old[$1] + 0; n = $2 + 0
				worse = ($3 == "higher") ? (n < o * 0.9) : (n > o * 1.1)
				if (worse) { printf "  REGRESSION: %s: %sx now, %sx in the run of %s\n", $1, $2, old[$1], when; bad++ }
			}
			END { if (!bad) printf "  no headline ratio is worse than in the run of %s (10%% noise allowed)\n", when }'
	fi
	{ printf '#\t%s\n' "$now"; printf '%s\n' "${headlines[@]}"; } > "$rec.tmp" && mv "$rec.tmp" "$rec"
}
