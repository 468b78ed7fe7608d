#!/bin/sh
# make-v1-db.sh BINDIR OUT.gz: writes OUT.gz, a gzipped state database made by the roost in
# BINDIR (the release before schema versions: schema 1), as the test user
# roosttest with a throwaway HOME and XDG_RUNTIME_DIR. Run as root on a host
# prepared by test/host (registry on 127.0.0.1:5000 with the busybox fixture).
set -eu
bin=$1
out=$2
user=roosttest
uid=$(id -u $user)
gid=$(id -g $user)
work=$(mktemp -d /tmp/roost-v1-db.XXXXXX)
chmod 755 "$work"
mkdir "$work/bin"
cp "$bin/roost" "$bin/roost-monitor" "$work/bin/"
chmod 755 "$work/bin/roost" "$work/bin/roost-monitor"
home=$work/home
rt=/run/user/$uid/roost-v1-db.$$
mkdir -p "$home/.config/containers" "$rt"
cat >"$home/.config/containers/registries.conf" <<'CONF'
unqualified-search-registries = ["127.0.0.1:5000"]

[[registry]]
location = "127.0.0.1:5000"
insecure = true
CONF
chown -R "$uid:$gid" "$home" "$rt"
chmod 700 "$rt"
cd "$home"

# The paths here have no spaces: $as is split into words on purpose.
as="setpriv --reuid=$uid --regid=$gid --clear-groups env -i HOME=$home USER=$user
	LOGNAME=$user XDG_RUNTIME_DIR=$rt PATH=$work/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8"
as() { $as "$@"; }

cleanup() {
	# Every process left in the test user's namespace was started here.
	if [ -s "$rt/roost/userns.pid" ]; then
		ns=$(readlink "/proc/$(cut -d' ' -f1 "$rt/roost/userns.pid")/ns/user" || true)
		for p in /proc/[0-9]*; do
			[ -n "$ns" ] && [ "$(readlink "$p/ns/user" 2>/dev/null)" = "$ns" ] && kill -9 "${p#/proc/}" 2>/dev/null || true
		done
		sleep 1
	fi
	rm -rf "$rt" "$work"
}
trap cleanup EXIT

img=127.0.0.1:5000/busybox:latest
as roost pull -q $img
as roost network create --subnet 10.89.42.0/24 --label fixture=v1 fixnet
as roost volume create --label fixture=v1 --label keep=yes fixvol
as roost create --name fix-created --label fixture=v1 --label role=created \
	--network fixnet -v fixvol:/data $img sleep 60
as roost run --name fix-exited --label fixture=v1 --label role=exited $img sh -c 'exit 3' || [ $? = 3 ]
as roost pod create --name fixpod --label fixture=v1
as roost create --pod fixpod --name fixpod-member --label fixture=v1 --label role=member $img sleep 60

# A create killed with -9 half-way leaves a record 'creating' owned by a dead
# pid. Try delays until one stays (inspect does not reconcile; create does, so
# this is the last create).
for delay in 0.03 0.05 0.07 0.09 0.11 0.13 0.15 0.2 0.04 0.06 0.08 0.1 0.12 0.14; do
	# exec: $! must be roost itself, not a subshell.
	(exec $as roost create --name fix-half --label fixture=v1 --label role=half $img true >/dev/null 2>&1) &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null || true
	wait $pid || true
	status=$(as roost inspect --format '{{.State.Status}}' fix-half 2>/dev/null || true)
	echo "killed after ${delay}s: '${status}'"
	[ "$status" = creating ] && break
	[ -z "$status" ] || as roost rm -f fix-half >/dev/null
done
[ "$status" = creating ] || { echo "no half-made container: try other delays" >&2; exit 1; }

# gzip: the database is mostly empty pages (128 KiB; 3 KiB compressed).
gzip -9 -n -c "$home/.local/share/roost/storage/roost-state.db" >"$out"
echo "wrote $out"
