#!/usr/bin/env bash
# Prepare this Debian 12 host for Roost's end-to-end tests (run as root).
# Idempotent and quick when everything is already in place.
#   test/host/prepare.sh           prepare (or check) the host
#   test/host/prepare.sh --reset   stop the test registries, delete their data and the caches
# The contract (users, registries, credentials, images) is in README.md beside this file.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=env.sh
. "$SCRIPT_DIR/env.sh"

ETC_DIR=/etc/roost-test
LIB_DIR=/var/lib/roost-test
CACHE_DIR=/var/cache/roost-test
RUN_DIR=/run/roost-test
OCI_DIR=$CACHE_DIR/oci
WORK_DIR=$CACHE_DIR/work
DEBIAN_TAR=$CACHE_DIR/debian-bookworm-minbase.tar
MKIMAGE=$CACHE_DIR/mkimage
# Bump to force every fixture image to be rebuilt and pushed again.
FIXTURE_VERSION=1
CREATED=2024-01-01T00:00:00Z
TEST_UID=1500
NOSUB_UID=1501
SUBID_START=200000
SUBID_COUNT=65536

PACKAGES=(uidmap slirp4netns passt fuse-overlayfs crun runc catatonit busybox-static
  docker-registry skopeo debootstrap apache2-utils iproute2 nftables curl jq util-linux procps psmisc
  strace buildah docker-compose podman)

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

step() { printf '[prepare] %-11s %s\n' "$1" "$2"; }
warn() { printf '[prepare] WARNING: %s\n' "$*" >&2; }
die() { printf '[prepare] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root"

# ---------------------------------------------------------------- helpers

# pid_is_registry PID: true if PID is a docker-registry serving one of our configs.
pid_is_registry() {
  local pid=$1 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *docker-registry*"$ETC_DIR/"* ]]
}

# registry_pids PORT: pids of our registries, from the pid file and from the listening socket.
registry_pids() {
  local port=$1 pid
  {
    cat "$RUN_DIR/registry-$port.pid" 2>/dev/null || true
    ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 || true
  } | sort -u | while read -r pid; do
    if pid_is_registry "$pid"; then echo "$pid"; fi
  done
  return 0
}

stop_registry() {
  local port=$1 pid pids i
  pids=$(registry_pids "$port")
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for pid in $pids; do
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  done
  rm -f "$RUN_DIR/registry-$port.pid"
  [[ -z $pids ]] || step registry "stopped 127.0.0.1:$port (pid ${pids//$'\n'/ })"
}

# http_code PORT: the status of GET /v2/ (000 when nothing answers).
http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/v2/" 2>/dev/null || true
}

# unmount_below DIR: undo mounts a failed debootstrap may have left inside DIR.
unmount_below() {
  local dir=$1 m
  [[ -d $dir ]] || return 0
  dir=$(realpath "$dir")
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

safe_rm_rf() {
  local dir
  for dir in "$@"; do
    [[ -e $dir ]] || continue
    unmount_below "$dir"
    if awk -v d="$(realpath "$dir")" 'index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
      die "mounts remain below $dir, not deleting it"
    fi
    rm -rf --one-file-system "$dir"
  done
}

# ---------------------------------------------------------------- --reset

if [[ ${1:-} == --reset ]]; then
  stop_registry 5000
  stop_registry 5001
  safe_rm_rf "$LIB_DIR" "$CACHE_DIR"
  rm -rf "$RUN_DIR"
  step reset "registries stopped, $LIB_DIR and $CACHE_DIR deleted"
  exit 0
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--reset]" >&2
  exit 2
fi

START_TIME=$(date +%s.%N)
mkdir -p "$RUN_DIR" "$ETC_DIR" "$LIB_DIR" "$CACHE_DIR"
chmod 0755 "$RUN_DIR" "$ETC_DIR" "$LIB_DIR" "$CACHE_DIR"
# One preparation at a time. The lock fd is closed for the registries we start.
exec 9>"$RUN_DIR/prepare.lock"
flock 9

# ---------------------------------------------------------------- a. packages

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
for p in "${PACKAGES[@]}"; do
  grep -qx "$p ii " <<<"$installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  step packages "all ${#PACKAGES[@]} installed"
else
  step packages "installing: ${missing[*]}"
  apt_opts=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  for i in 1 2 3 4 5 6; do
    apt-get "${apt_opts[@]}" update -qq && break
    [[ $i -lt 6 ]] || die "apt-get update failed"
    warn "apt-get update failed (lists locked?), retrying in 10 s"
    sleep 10
  done
  apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
  step packages "installed ${#missing[@]}"
fi

# ---------------------------------------------------------------- b. users

ensure_user() { # NAME PREFERRED_UID
  local name=$1 want=$2 args
  if ! id -u "$name" >/dev/null 2>&1; then
    # SUB_*_COUNT=0: useradd must not pick subordinate ranges on its own.
    args=(-m -s /bin/bash -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0)
    # useradd gives the user group the same number when that gid is free.
    getent passwd "$want" >/dev/null || args+=(-u "$want")
    useradd "${args[@]}" "$name" >/dev/null 2>&1 || useradd -m -s /bin/bash -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$name"
  fi
}

# has_subid FILE NAME UID: an entry keyed by the name or the numeric uid.
has_subid() { awk -F: -v n="$2" -v u="$3" '$1 == n || $1 == u { f = 1 } END { exit !f }' "$1"; }

ensure_runtime_dir() { # NAME
  local uid gid dir
  uid=$(id -u "$1")
  gid=$(id -g "$1")
  dir=/run/user/$uid
  [[ -d /run/user ]] || install -d -m 0755 /run/user
  [[ -d $dir ]] || mkdir "$dir"
  chown "$uid:$gid" "$dir"
  chmod 0700 "$dir"
}

ensure_user "$ROOST_TEST_USER" "$TEST_UID"
ensure_user "$ROOST_TEST_NOSUB_USER" "$NOSUB_UID"
test_uid=$(id -u "$ROOST_TEST_USER")
nosub_uid=$(id -u "$ROOST_TEST_NOSUB_USER")
for f in /etc/subuid /etc/subgid; do
  [[ -f $f ]] || install -m 0644 /dev/null "$f"
  if ! has_subid "$f" "$ROOST_TEST_USER" "$test_uid"; then
    echo "$ROOST_TEST_USER:$SUBID_START:$SUBID_COUNT" >>"$f"
  fi
  if has_subid "$f" "$ROOST_TEST_NOSUB_USER" "$nosub_uid"; then
    awk -F: -v n="$ROOST_TEST_NOSUB_USER" -v u="$nosub_uid" '$1 != n && $1 != u' "$f" >"$f.roost-tmp"
    chmod --reference="$f" "$f.roost-tmp"
    mv "$f.roost-tmp" "$f"
  fi
done
ensure_runtime_dir "$ROOST_TEST_USER"
ensure_runtime_dir "$ROOST_TEST_NOSUB_USER"
subuid_line=$(awk -F: -v n="$ROOST_TEST_USER" -v u="$test_uid" '$1 == n || $1 == u { print $2 ":" $3; exit }' /etc/subuid)
subgid_line=$(awk -F: -v n="$ROOST_TEST_USER" -v u="$test_uid" '$1 == n || $1 == u { print $2 ":" $3; exit }' /etc/subgid)
[[ $subuid_line == "$SUBID_START:$SUBID_COUNT" && $subgid_line == "$SUBID_START:$SUBID_COUNT" ]] ||
  warn "$ROOST_TEST_USER has an older subordinate range (uid $subuid_line, gid $subgid_line), left as is"
step users "$ROOST_TEST_USER uid $test_uid subuid $subuid_line subgid $subgid_line; $ROOST_TEST_NOSUB_USER uid $nosub_uid without subids"

# ---------------------------------------------------------------- c. devices, sysctls

[[ -d /dev/net ]] || mkdir -m 0755 /dev/net
[[ -c /dev/net/tun ]] || mknod /dev/net/tun c 10 200
[[ -c /dev/fuse ]] || mknod /dev/fuse c 10 229
chmod 0666 /dev/net/tun /dev/fuse
if [[ -e /proc/sys/kernel/unprivileged_userns_clone ]]; then
  echo 1 >/proc/sys/kernel/unprivileged_userns_clone
fi
if [[ $(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1) -eq 0 ]]; then
  warn "user.max_user_namespaces is 0: rootless containers cannot work"
fi
step devices "/dev/net/tun /dev/fuse 0666"

# ---------------------------------------------------------------- d. crun cgroup quirk

if mountpoint -q /sys/fs/cgroup/hugetlb; then
  hugetlb="hugetlb v1 already mounted"
elif mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb 2>/dev/null; then
  hugetlb="hugetlb v1 mounted"
elif mountpoint -q /sys/fs/cgroup/hugetlb; then
  hugetlb="hugetlb v1 already mounted"
else
  hugetlb="hugetlb v1 NOT mounted"
  warn "could not mount the hugetlb cgroup v1 hierarchy on /sys/fs/cgroup/hugetlb"
fi
crun_version=$(crun --version 2>&1 | head -n1) || die "crun --version failed: $crun_version"
step crun "$hugetlb; $crun_version"

# ---------------------------------------------------------------- e. registries

write_if_changed() { # FILE MODE  (content on stdin); returns 0 when the file changed
  local file=$1 mode=$2 tmp
  tmp=$(mktemp "$file.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv "$tmp" "$file"
  return 0
}

registry_config() { # PORT ROOTDIR [auth]
  cat <<EOF
# Written by test/host/prepare.sh: Roost's test registry on 127.0.0.1:$1.
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $2
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$1
  secret: roost-test-registry-$1
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  if [[ ${3:-} == auth ]]; then
    cat <<EOF
auth:
  htpasswd:
    realm: roost-test
    path: $ETC_DIR/htpasswd
EOF
  fi
}

htpasswd_changed=false
if ! [[ -s $ETC_DIR/htpasswd ]] || ! htpasswd -vb "$ETC_DIR/htpasswd" "$ROOST_TEST_AUTH_USER" "$ROOST_TEST_AUTH_PASS" >/dev/null 2>&1; then
  htpasswd -Bbn "$ROOST_TEST_AUTH_USER" "$ROOST_TEST_AUTH_PASS" | write_if_changed "$ETC_DIR/htpasswd" 0644 || true
  htpasswd_changed=true
fi

ensure_registry() { # PORT ROOTDIR OK_CODES [auth]
  local port=$1 root=$2 ok=$3 auth=${4:-} cfg changed=false pid code i
  cfg=$ETC_DIR/registry-$port.yml
  if registry_config "$port" "$root" "$auth" | write_if_changed "$cfg" 0644; then changed=true; fi
  [[ $auth == auth && $htpasswd_changed == true ]] && changed=true
  mkdir -p "$root"
  code=$(http_code "$port")
  if [[ " $ok " == *" $code "* ]]; then
    if [[ $changed == false ]]; then
      step registry "127.0.0.1:$port already answering ($code)"
      return 0
    elif [[ -z $(registry_pids "$port") ]]; then
      warn "127.0.0.1:$port answers but is not ours: left alone although $cfg changed"
      return 0
    fi
  fi
  stop_registry "$port"
  # setsid+nohup: own session, survives this script; fd 9 (our lock) is not inherited.
  setsid nohup /usr/bin/docker-registry serve "$cfg" >>"/var/log/roost-test-registry-$port.log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$RUN_DIR/registry-$port.pid"
  for ((i = 0; i < 100; i++)); do
    code=$(http_code "$port")
    [[ " $ok " == *" $code "* ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ " $ok " != *" $code "* ]]; then
    tail -n 5 "/var/log/roost-test-registry-$port.log" >&2 || true
    die "registry 127.0.0.1:$port did not answer within 10 s (log: /var/log/roost-test-registry-$port.log)"
  fi
  step registry "127.0.0.1:$port started (pid $pid, answers $code)"
}

ensure_registry 5000 "$LIB_DIR/registry" "200"
ensure_registry 5001 "$LIB_DIR/registry-auth" "401" auth
creds=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -u "$ROOST_TEST_AUTH_USER:$ROOST_TEST_AUTH_PASS" http://127.0.0.1:5001/v2/ || true)
[[ $creds == 200 ]] || die "127.0.0.1:5001 refuses $ROOST_TEST_AUTH_USER's credentials ($creds)"

# ---------------------------------------------------------------- f. fixture images

mkdir -p "$OCI_DIR" "$WORK_DIR"

# mkimage: rebuilt only when its source (or the Go toolchain) changes.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH=$PATH:/usr/local/go/bin
fi
command -v go >/dev/null 2>&1 || die "go is not installed"
mkimage_src=$REPO_ROOT/test/host/mkimage/main.go
mkimage_stamp=$({ sha256sum "$mkimage_src" | cut -d' ' -f1; go env GOVERSION; } | sha256sum | cut -d' ' -f1)
if [[ -x $MKIMAGE && $(cat "$MKIMAGE.stamp" 2>/dev/null) == "$mkimage_stamp" ]]; then
  step mkimage "up to date"
else
  (cd "$REPO_ROOT" && go build -trimpath -o "$MKIMAGE.tmp" ./test/host/mkimage) || die "go build of test/host/mkimage failed"
  mv "$MKIMAGE.tmp" "$MKIMAGE"
  echo "$mkimage_stamp" >"$MKIMAGE.stamp"
  step mkimage "built $MKIMAGE"
fi

# layout_stamp SPEC [EXTRA]: what a layout built from SPEC is stamped with.
layout_stamp() { { echo "$FIXTURE_VERSION"; cat "$MKIMAGE.stamp"; echo "$1"; echo "${2:-}"; } | sha256sum | cut -d' ' -f1; }

# layout_current LAYOUT STAMP REF...: the layout was built from this exact description.
layout_current() {
  local layout=$1 stamp=$2 ref
  shift 2
  [[ -f $layout/index.json && $(cat "$layout/.roost-stamp" 2>/dev/null) == "$stamp" ]] || return 1
  for ref in "$@"; do
    jq -e --arg r "$ref" 'any(.manifests[]; .annotations["org.opencontainers.image.ref.name"] == $r)' \
      "$layout/index.json" >/dev/null || return 1
  done
}

# build_layout NAME SPEC_JSON EXTRA REF...: run mkimage unless the cached layout is current.
# EXTRA: anything else the layout depends on (e.g. the size and mtime of an input).
build_layout() {
  local name=$1 spec=$2 layout=$OCI_DIR/$1 stamp
  stamp=$(layout_stamp "$2" "$3")
  shift 3
  if layout_current "$layout" "$stamp" "$@"; then
    step image "$name layout cached"
    return 0
  fi
  rm -f "$layout/.roost-stamp"
  "$MKIMAGE" -gc -spec - <<<"$spec" >/dev/null || die "mkimage failed for $name"
  echo "$stamp" >"$layout/.roost-stamp"
  step image "$name layout built ($*)"
}

# ---- busybox (+ multiarch, which reuses the busybox layer)
host_arch=$(dpkg --print-architecture)
[[ $host_arch == amd64 ]] || warn "host is $host_arch: the busybox images are labelled amd64 but hold a $host_arch binary"
busybox_bin=$(readlink -f /bin/busybox)
busybox_version=$(dpkg-query -W -f='${Version}' busybox-static)
busybox_spec=$(
  busybox --list-full | jq -R . | jq -s -c \
    --arg layout "$OCI_DIR/busybox" --arg created "$CREATED" \
    --arg bin "$busybox_bin" --arg version "$busybox_version" '
  def dir($p; $m): {path: $p, type: "dir", mode: $m};
  def applet_link($p):
    ($p | split("/") | .[0:-1]) as $d
    | {path: $p, type: "symlink",
       target: (if ($d | join("/")) == "bin" then "busybox"
                elif ($d | length) == 0 then "bin/busybox"
                else ("../" * ($d | length)) + "bin/busybox" end)};
  def pathenv: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
  {
    layout: $layout,
    created: $created,
    layers: {
      busybox: {
        created_by: ("busybox-static " + $version + " with every applet linked"),
        entries: (
          [dir("bin"; "0755"), dir("sbin"; "0755"), dir("usr"; "0755"), dir("usr/bin"; "0755"),
           dir("usr/sbin"; "0755"), dir("etc"; "0755"), dir("root"; "0700"), dir("home"; "0755"),
           {path: "home/tester", type: "dir", mode: "0755", uid: 1000, gid: 1000},
           dir("tmp"; "1777"), dir("var"; "0755"), dir("dev"; "0755"), dir("proc"; "0755"),
           dir("sys"; "0755"), dir("run"; "0755"),
           {path: "bin/busybox", source: $bin, mode: "0755"},
           {path: "etc/passwd", mode: "0644", content:
             "root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000:tester:/home/tester:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
           {path: "etc/group", mode: "0644", content:
             "root:x:0:\ntester:x:1000:\nnobody:x:65534:\n"}]
          + [.[] | select(length > 0 and . != "bin/busybox") | applet_link(.)])
      },
      "arch-amd64": {created_by: "add /etc/arch (amd64)",
        entries: [{path: "etc/arch", mode: "0644", content: "amd64\n"}]},
      "arch-arm64": {created_by: "add /etc/arch (arm64)",
        entries: [dir("etc"; "0755"), {path: "etc/arch", mode: "0644", content: "arm64\n"}]}
    },
    images: [
      {ref: "busybox-latest", manifests: [{
        platform: {architecture: "amd64", os: "linux"}, layers: ["busybox"],
        config: {Env: pathenv, Cmd: ["sh"], Labels: {"org.roost.fixture": "busybox"}}}]},
      {ref: "multiarch-latest", manifests: [
        {platform: {architecture: "amd64", os: "linux"}, layers: ["busybox", "arch-amd64"],
         config: {Env: pathenv, Cmd: ["cat", "/etc/arch"], Labels: {"org.roost.fixture": "multiarch"}}},
        {platform: {architecture: "arm64", os: "linux", variant: "v8"}, layers: ["arch-arm64"],
         config: {Env: pathenv, Cmd: ["cat", "/etc/arch"], Labels: {"org.roost.fixture": "multiarch"}}}]}
    ]
  }')
build_layout busybox "$busybox_spec" "$(sha256sum "$busybox_bin")" busybox-latest multiarch-latest

# ---- debian minbase (debootstrap, cached as a tarball)
detect_mirror() {
  local f
  {
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f $f ]] || continue
      awk '$1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == "bookworm") print $i
      }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -f $f ]] || continue
      awk 'BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; uris = ""; suites = ""; enabled = "yes"
        for (j = 1; j <= NF; j++) {
          line = $j
          if (line ~ /^[ \t]*#/ || index(line, ":") == 0) continue
          k = tolower(substr(line, 1, index(line, ":") - 1))
          v = substr(line, index(line, ":") + 1)
          gsub(/^[ \t]+|[ \t]+$/, "", v)
          if (k == "types") types = v; else if (k == "uris") uris = v
          else if (k == "suites") suites = v; else if (k == "enabled") enabled = tolower(v)
        }
        if (enabled != "no" && (" " types " ") ~ / deb / && (" " suites " ") ~ / bookworm /) {
          split(uris, u, " "); print u[1]
        }
      }' "$f"
    done
  } | grep -E '^(https?|file)://' | awk 'NR == 1' || true
}

if [[ -s $DEBIAN_TAR ]]; then
  step debootstrap "cached $DEBIAN_TAR"
else
  mirror=$(detect_mirror)
  mirror=${mirror:-http://deb.debian.org/debian}
  apt_proxy=
  eval "$(apt-config shell apt_proxy Acquire::http::Proxy)"
  [[ -n $apt_proxy && $apt_proxy != DIRECT ]] && export http_proxy=$apt_proxy
  target=$WORK_DIR/debootstrap
  safe_rm_rf "$target"
  step debootstrap "bookworm minbase from $mirror (takes a few minutes)"
  if ! debootstrap --variant=minbase bookworm "$target" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1; then
    unmount_below "$target"
    tail -n 20 "$CACHE_DIR/debootstrap.log" >&2
    die "debootstrap failed (log: $CACHE_DIR/debootstrap.log)"
  fi
  unmount_below "$target"
  # Leave no downloaded packages or package lists in the image.
  find "$target/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -delete 2>/dev/null || true
  find "$target/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete 2>/dev/null || true
  tar --numeric-owner --sort=name -C "$target" -cf "$DEBIAN_TAR.tmp" .
  mv "$DEBIAN_TAR.tmp" "$DEBIAN_TAR"
  safe_rm_rf "$target"
  step debootstrap "cached $DEBIAN_TAR ($(du -h "$DEBIAN_TAR" | cut -f1))"
fi

# Files of the debian-user layer, derived from the minbase tree.
debian_user_files() {
  local dir=$WORK_DIR/debian-user
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -xf "$DEBIAN_TAR" -C "$dir" ./etc/passwd ./etc/group ./etc/shadow ./etc/gshadow ./etc/skel
  echo "app:x:1001:1001::/home/app:/bin/bash" >>"$dir/etc/passwd"
  echo "app:x:1001:" >>"$dir/etc/group"
  echo "app:!:19723:0:99999:7:::" >>"$dir/etc/shadow"
  echo "app:!::" >>"$dir/etc/gshadow"
}
debian_env='["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","ROOST_FIXTURE=debian"]'
user_dir=$WORK_DIR/debian-user
debian_spec=$(jq -n -c --arg layout "$OCI_DIR/debian" --arg created "$CREATED" --arg tar "$DEBIAN_TAR" \
  --arg u "$user_dir" --argjson env "$debian_env" '
  def excl: ["dev/*", "proc/*", "sys/*", "var/cache/apt/archives/*.deb"];
  def cfg: {Env: $env, WorkingDir: "/srv", Volumes: {"/data": {}}, ExposedPorts: {"8080/tcp": {}},
            Cmd: ["bash"], Labels: {"org.roost.fixture": "debian"}};
  {
    layout: $layout,
    created: $created,
    layers: {
      "deb-usr": {created_by: "debootstrap --variant=minbase bookworm: /usr",
        sources: [{tar: $tar, include: ["usr"], exclude: excl, owner: "keep"}]},
      "deb-etc-var": {created_by: "debootstrap --variant=minbase bookworm: /etc /var",
        sources: [{tar: $tar, include: ["etc", "var"], exclude: excl, owner: "keep"}]},
      "deb-rest": {created_by: "debootstrap --variant=minbase bookworm: the rest, plus /etc/roost-fixture",
        sources: [{tar: $tar, exclude: (["usr", "etc", "var"] + excl), owner: "keep"}],
        entries: [{path: "etc/roost-fixture", mode: "0644", content: "debian\n"}]},
      "deb-user": {created_by: "useradd -u 1001 -m app",
        entries: [
          {path: "etc/passwd", source: ($u + "/etc/passwd"), mode: "0644"},
          {path: "etc/group", source: ($u + "/etc/group"), mode: "0644"},
          {path: "etc/shadow", source: ($u + "/etc/shadow"), mode: "0640", gid: 42},
          {path: "etc/gshadow", source: ($u + "/etc/gshadow"), mode: "0640", gid: 42},
          {path: "home/app", type: "dir", mode: "0755", uid: 1001, gid: 1001},
          {path: "home/app/.bashrc", source: ($u + "/etc/skel/.bashrc"), mode: "0644", uid: 1001, gid: 1001},
          {path: "home/app/.profile", source: ($u + "/etc/skel/.profile"), mode: "0644", uid: 1001, gid: 1001},
          {path: "home/app/.bash_logout", source: ($u + "/etc/skel/.bash_logout"), mode: "0644", uid: 1001, gid: 1001}]}
    },
    images: [
      {ref: "debian-bookworm", manifests: [{platform: {architecture: "amd64", os: "linux"},
        layers: ["deb-usr", "deb-etc-var", "deb-rest"], config: cfg}]},
      {ref: "debian-user-bookworm", manifests: [{platform: {architecture: "amd64", os: "linux"},
        layers: ["deb-usr", "deb-etc-var", "deb-rest", "deb-user"], config: (cfg + {User: "app"})}]}
    ]
  }')
debian_extra=$(stat -c '%s %Y' "$DEBIAN_TAR")
if ! layout_current "$OCI_DIR/debian" "$(layout_stamp "$debian_spec" "$debian_extra")" debian-bookworm debian-user-bookworm; then
  debian_user_files
  # The layer's entries give /etc/shadow and /etc/gshadow group 42, Debian's fixed "shadow" gid.
  [[ $(awk -F: '$1 == "shadow" { print $3 }' "$user_dir/etc/group") == 42 ]] ||
    warn "the minbase tree's shadow group is not gid 42"
fi
build_layout debian "$debian_spec" "$debian_extra" debian-bookworm debian-user-bookworm
rm -rf "$user_dir"

# ---- push
# ref_digest LAYOUT REF: the digest index.json records for REF.
ref_digest() {
  jq -r --arg r "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r) | .digest' \
    "$1/index.json"
}

declare -A PUSHED=()
push_image() { # LAYOUT REF DEST [--all] (DEST on 5001 gets the credentials)
  local layout=$1 ref=$2 dest=$3 want have auth=() all=()
  [[ ${4:-} == --all ]] && all=(--all)
  [[ $dest == "$ROOST_TEST_AUTH_REGISTRY"/* ]] && auth=(--creds "$ROOST_TEST_AUTH_USER:$ROOST_TEST_AUTH_PASS")
  want=$(ref_digest "$layout" "$ref")
  have=$(skopeo inspect --raw --tls-verify=false "${auth[@]}" "docker://$dest" </dev/null 2>/dev/null | sha256sum | cut -d' ' -f1) || true
  if [[ sha256:$have == "$want" ]]; then
    PUSHED[$dest]=$want
    return 1
  fi
  local dauth=()
  [[ ${#auth[@]} -gt 0 ]] && dauth=(--dest-creds "${auth[1]}")
  skopeo copy -q "${all[@]}" --dest-tls-verify=false "${dauth[@]}" "oci:$layout:$ref" "docker://$dest" </dev/null >/dev/null ||
    die "skopeo copy oci:$layout:$ref docker://$dest failed"
  have=$(skopeo inspect --raw --tls-verify=false "${auth[@]}" "docker://$dest" </dev/null | sha256sum | cut -d' ' -f1)
  [[ sha256:$have == "$want" ]] || warn "$dest has sha256:$have, the layout has $want (skopeo rewrote the manifest)"
  PUSHED[$dest]=sha256:$have
  return 0
}

pushed=()
skipped=0
R=$ROOST_TEST_REGISTRY
A=$ROOST_TEST_AUTH_REGISTRY
while read -r layout ref dest all; do
  if push_image "$OCI_DIR/$layout" "$ref" "$dest" "$all"; then pushed+=("$dest"); else skipped=$((skipped + 1)); fi
done <<EOF
busybox busybox-latest $R/busybox:latest
busybox busybox-latest $R/busybox:1.35
debian debian-bookworm $R/debian:bookworm
debian debian-user-bookworm $R/debian-user:bookworm
busybox multiarch-latest $R/multiarch:latest --all
busybox busybox-latest $A/private/busybox:latest
EOF
if [[ ${#pushed[@]} -gt 0 ]]; then
  step push "pushed ${pushed[*]}; $skipped already current"
else
  step push "all $skipped images already current"
fi

# ---------------------------------------------------------------- runtimes smoke test

# Run /bin/true from the busybox image under crun and runc, as root (proves the
# cgroup quirk above is handled) and rootless as the test user with a one-uid
# mapping. Failures only warn.
bundle=$WORK_DIR/smoke-bundle
rl_bundle=$WORK_DIR/smoke-rootless
bb_layer=$(jq -r '.layers[0].digest' "$OCI_DIR/busybox/blobs/sha256/$(ref_digest "$OCI_DIR/busybox" busybox-latest | cut -d: -f2)")
if [[ $(cat "$bundle/.layer" 2>/dev/null) != "$bb_layer" || ! -f $rl_bundle/config.json ]]; then
  rm -rf "$bundle" "$rl_bundle"
  mkdir -p "$bundle/rootfs" "$rl_bundle"
  tar -xzf "$OCI_DIR/busybox/blobs/sha256/${bb_layer#sha256:}" -C "$bundle/rootfs"
  (cd "$bundle" && crun spec)
  jq '.process.terminal = false | .process.args = ["/bin/true"] | .root.readonly = true' \
    "$bundle/config.json" >"$bundle/config.json.tmp" && mv "$bundle/config.json.tmp" "$bundle/config.json"
  # crun's rootless template leaves the mappings out; runc needs them.
  (cd "$rl_bundle" && crun spec --rootless)
  jq --arg root "$bundle/rootfs" --argjson uid "$test_uid" --argjson gid "$(id -g "$ROOST_TEST_USER")" '
    .process.terminal = false | .process.args = ["/bin/true"] | .root = {path: $root, readonly: true}
    | .linux.uidMappings = [{containerID: 0, hostID: $uid, size: 1}]
    | .linux.gidMappings = [{containerID: 0, hostID: $gid, size: 1}]' \
    "$rl_bundle/config.json" >"$rl_bundle/config.json.tmp" && mv "$rl_bundle/config.json.tmp" "$rl_bundle/config.json"
  echo "$bb_layer" >"$bundle/.layer"
fi
smoke=()
smoke_run() { # LABEL RUNTIME BUNDLE [as-user]
  local label=$1 rt=$2 b=$3 id=roost-prepare-smoke-$$ out cmd=("$2")
  if [[ ${4:-} == as-user ]]; then
    [[ $rt == runc ]] && cmd+=(--root "/run/user/$test_uid/runc")
    cmd=(runuser -u "$ROOST_TEST_USER" -- env "XDG_RUNTIME_DIR=/run/user/$test_uid" "HOME=$(getent passwd "$ROOST_TEST_USER" | cut -d: -f6)" "${cmd[@]}")
  fi
  if out=$(cd / && "${cmd[@]}" run --bundle "$b" "$id" </dev/null 2>&1); then
    smoke+=("$label ok")
  else
    "${cmd[@]}" delete -f "$id" >/dev/null 2>&1 || true
    smoke+=("$label FAILED")
    warn "$label: $(echo "$out" | tail -n 2)"
  fi
}
smoke_run crun crun "$bundle"
smoke_run runc runc "$bundle"
smoke_run "rootless crun" crun "$rl_bundle" as-user
smoke_run "rootless runc" runc "$rl_bundle" as-user
smoke_line=$(IFS=,; echo "${smoke[*]}")
step runtimes "${smoke_line//,/, } (busybox /bin/true)"

# ---------------------------------------------------------------- g. summary

elapsed=$(awk -v a="$(date +%s.%N)" -v b="$START_TIME" 'BEGIN { printf "%.1f", a - b }')
cat <<EOF
[prepare] summary (${elapsed}s):
  users:      $ROOST_TEST_USER uid $test_uid (subuid $subuid_line, subgid $subgid_line, XDG_RUNTIME_DIR /run/user/$test_uid)
              $ROOST_TEST_NOSUB_USER uid $nosub_uid (no subuid/subgid, XDG_RUNTIME_DIR /run/user/$nosub_uid)
  registries: http://$R (open)   http://$A (htpasswd $ROOST_TEST_AUTH_USER/$ROOST_TEST_AUTH_PASS)
  images:
EOF
for dest in "$R/busybox:latest" "$R/busybox:1.35" "$R/debian:bookworm" "$R/debian-user:bookworm" \
  "$R/multiarch:latest" "$A/private/busybox:latest"; do
  printf '    %-40s %s\n' "$dest" "${PUSHED[$dest]}"
done
