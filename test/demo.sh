#!/usr/bin/env bash
# make demo: shows, step by step, what Roost does so far, as a plain user.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
source "$here/host/env.sh"

user=$ROOST_TEST_USER
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
bindir=/usr/local/lib/roost-demo
install -d -m 0755 "$bindir"
install -m 0755 "$repo/bin/roost" "$repo/bin/roost-compose" "$repo/bin/roost-monitor" "$bindir/"

# The demo user's registries.conf: the local test registry, plain HTTP.
install -d -o "$user" -g "$user" -m 0700 "$home/.config" "$home/.config/containers"
cat > "$home/.config/containers/registries.conf" <<CONF
unqualified-search-registries = ["$ROOST_TEST_REGISTRY"]

[[registry]]
location = "$ROOST_TEST_REGISTRY"
insecure = true

[[registry]]
location = "$ROOST_TEST_AUTH_REGISTRY"
insecure = true
CONF
chown "$user:" "$home/.config/containers/registries.conf"

# CONTAINERS_REGISTRIES_CONF: that file alone, without the host's drop-ins
# (Debian's containers-common aliases busybox to docker.io, out of reach here).
as_user() {
	setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups \
		env -i HOME="$home" USER="$user" XDG_RUNTIME_DIR="/run/user/$uid" \
		CONTAINERS_REGISTRIES_CONF="$home/.config/containers/registries.conf" \
		PATH="$bindir:/usr/bin:/bin:/usr/sbin:/sbin" TERM="${TERM:-dumb}" "$@"
}
step() {
	printf '\n\033[1m== %s\033[0m\n' "$1"
	shift
	printf '$ %s\n' "$*"
	(cd /tmp && as_user "$@")
}

# A compose project directory the user owns.
composedir=$(mktemp -d /tmp/roost-demo-compose.XXXXXX)
cat > "$composedir/compose.yaml" <<'YAML'
name: demo-app
services:
  web:
    image: busybox
    command: httpd -f -p 8080 -h /etc
    ports:
      - "127.0.0.1:8090:8080"
  client:
    image: busybox
    depends_on: [web]
    command: sh -c "until wget -qO- http://web:8080/hostname; do sleep 0.2; done; exec sleep 600"
YAML
chown -R "$user:" "$composedir"
chmod 0755 "$composedir"
builddir=$(mktemp -d /tmp/roost-demo-build.XXXXXX)
echo "hello from a built image" > "$builddir/hello.txt"
cat > "$builddir/Containerfile" <<'CONTAINERFILE'
FROM busybox
COPY hello.txt /hello.txt
RUN wc -c /hello.txt > /size.txt
CMD ["cat", "/hello.txt", "/size.txt"]
CONTAINERFILE
chown -R "$user:" "$builddir"
trap 'rm -rf "$composedir" "$builddir"' EXIT

# What an interrupted earlier demo left behind goes first, quietly.
(cd /tmp && as_user sh -c 'roost pod rm -af; roost rm -af; for n in demo-net demo-app_default; do roost network rm -f $n; done; roost volume rm -f demo-data; roost secret rm demo-token; roost rmi -f demo/built' >/dev/null 2>&1) || true

echo "Roost demo, as the unprivileged user '$user' (uid $uid): no root, no daemon."
step "Which version" roost version
step "Scripts read info with Podman's field names" roost info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupsVersion}} rootless={{.Host.Security.Rootless}} {{.Store.GraphDriverName}}'
step "Roost's view of this machine: rootless, its user namespace, storage driver, runtime, cgroups" \
	roost info
step "Inside Roost's user namespace, uid 0 is $user; 1.. are the /etc/subuid range" \
	roost unshare cat /proc/self/uid_map
step "Pull a small image from the local registry (a short name, resolved by registries.conf)" \
	roost pull busybox
(cd /tmp && as_user roost rm -f demo-ticker demo-f1 demo-f2 >/dev/null 2>&1) || true
step "Run a rootless container: root inside is you outside, with Podman's default capabilities" \
	roost run --rm busybox sh -c 'id; grep CapEff /proc/self/status; cat /proc/self/uid_map'
step "The container's exit code passes through" sh -c 'roost run --rm busybox sh -c "exit 3"; echo "exit code: $?"'
step "Run one in the background: its monitor holds its output and exit code" \
	roost run -d --name demo-ticker busybox sh -c 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done'
step "List running containers" roost ps
sleep 1
step "Its logs" roost logs --tail 3 demo-ticker
step "Stop it (SIGTERM, then SIGKILL after 1 s)" roost stop -t 1 demo-ticker
step "All containers, with exit codes" roost ps -a
step "Filters as Podman's: different keys combine, label!= excludes (one package for ps, images, volumes, networks, pods)" \
	sh -c 'roost create --name demo-f1 --label tier=web busybox true >/dev/null && roost create --name demo-f2 --label tier=db busybox true >/dev/null &&
	 roost ps -a --filter name=demo-f --filter label!=tier=db --format "{{.Names}} {{.Labels}}"; roost rm demo-f1 demo-f2 >/dev/null'
step "A script that reads \$(roost run -d ...) gets its answer at once: no long-lived helper keeps the caller's pipes" \
	sh -c 'id=$(roost run -d --rm busybox sleep 5) && echo "started $(echo "$id" | cut -c1-12)" && roost rm -f -t 0 "$id" >/dev/null'
step "Inspect with a template" roost inspect --format '{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{.OCIRuntime}}' demo-ticker
step "Remove it" roost rm demo-ticker
(cd /tmp && as_user roost rm -f demo-web demo-client demo-c >/dev/null 2>&1; as_user roost network rm -f demo-net >/dev/null 2>&1; as_user roost volume rm -f demo-data >/dev/null 2>&1) || true
step "A long-running container to work with" roost run -d --name demo-c busybox sleep 600
step "exec: run a command in it; its exit code passes through" \
	sh -c 'roost exec demo-c sh -c "hostname; exit 4"; echo "exit code: $?"'
step "top: its processes, with the container's user names" roost top demo-c
step "cp: copy a file in, change it, see the difference from the image" \
	sh -c 'echo hello > /tmp/demo-note.txt && roost cp /tmp/demo-note.txt demo-c:/note.txt && roost exec demo-c rm /bin/vi && roost diff demo-c; rm -f /tmp/demo-note.txt'
step "commit: a new image from its changes, with a new default command" \
	roost commit -q -c 'CMD ["cat", "/note.txt"]' demo-c demo/noted
step "Run the committed image" roost run --rm demo/noted
step "Remove the container and the image" sh -c 'roost rm -f demo-c && roost rmi demo/noted'
step "Containers join Roost's bridge network by default: an address, a route, egress via one slirp4netns" \
	roost run --rm busybox ip -4 addr show eth0
step "A user network: containers reach each other by name (Roost's DNS on the network's gateway)" sh -c \
	'roost network create demo-net && roost run -d --name demo-web --network demo-net busybox httpd -f -p 8080 -h /etc >/dev/null &&
	 roost run --rm --network demo-net busybox wget -qO- "http://demo-web:8080/hostname"'
step "Networks" roost network ls
step "Clean up the network" sh -c 'roost rm -f demo-web && roost network rm demo-net'
step "Publish a port: the monitor forwards the host's 127.0.0.1:8088 to the container" sh -c \
	'roost run -d --name demo-pub -p 127.0.0.1:8088:8080 busybox httpd -f -p 8080 -h /etc >/dev/null &&
	 roost port demo-pub && curl -s http://127.0.0.1:8088/hostname && roost rm -f demo-pub >/dev/null'
step "A pod: containers sharing one network namespace (and one published port), held by catatonit" sh -c \
	'roost pod create --name demo-pod -p 127.0.0.1:8089:80 >/dev/null &&
	 roost run -d --pod demo-pod --name demo-pod-web busybox httpd -f -p 80 -h /etc >/dev/null &&
	 roost run --rm --pod demo-pod busybox wget -qO- http://localhost:80/hostname &&
	 curl -s http://127.0.0.1:8089/hostname'
step "Pods, with their containers" roost pod ps --ctr-names
step "A systemd unit for the pod: with --new, the unit makes the pod and removes it" \
	roost generate systemd --new --no-header demo-pod
step "The same pod as Kubernetes YAML (generate kube --service): it runs on a cluster as it runs here" \
	sh -c 'roost generate kube --service demo-pod | tee /tmp/demo-pod.yaml'
step "Remove the pod with its containers" roost pod rm -f demo-pod
step "Play the YAML: the pod, its containers and its port come back" sh -c \
	'roost kube play /tmp/demo-pod.yaml >/dev/null && until curl -s http://127.0.0.1:8089/hostname; do sleep 0.2; done'
step "kube down removes what the play made" sh -c 'roost kube down /tmp/demo-pod.yaml && rm -f /tmp/demo-pod.yaml'
step "A compose app: a web service and a client that waits for it, on the project's network" sh -c \
	"cd $composedir && cat compose.yaml && roost compose up -d"
step "The app's containers" sh -c "cd $composedir && roost compose ps"
step "The client reached the web service by its name" sh -c \
	"cd $composedir && until roost compose logs client | grep -q .; do sleep 0.2; done; roost compose logs client"
step "The web service, from the host through its published port" curl -s http://127.0.0.1:8090/hostname
step "Take the app down: containers and network go" sh -c "cd $composedir && roost compose down"
step "A named volume outlives its container" sh -c \
	'roost run --rm -v demo-data:/data busybox sh -c "echo kept > /data/f" && roost run --rm -v demo-data:/data busybox cat /data/f'
step "Volumes" roost volume ls
step "Remove the volume" roost volume rm demo-data
step "Pull a multi-layer Debian image" roost pull "$ROOST_TEST_REGISTRY/debian:bookworm"
step "Pulling again copies nothing" roost pull -q "$ROOST_TEST_REGISTRY/debian:bookworm"
step "Choose the arm64 image from a multi-arch index" \
	roost pull --platform linux/arm64 "$ROOST_TEST_REGISTRY/multiarch:latest"
step "List images" roost images
step "Inspect with a Go template" roost image inspect --format \
	'{{.Id}} {{.Architecture}} {{.Config.WorkingDir}} {{.Config.Env}}' "$ROOST_TEST_REGISTRY/debian:bookworm"
step "Tag an image" roost tag busybox demo/mybox:v1
step "Images as JSON, one field" roost images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
step "Remove the tag (the image stays under its other name)" roost rmi demo/mybox:v1
step "Log in to the registry that needs a password" \
	roost login -u "$ROOST_TEST_AUTH_USER" -p "$ROOST_TEST_AUTH_PASS" "$ROOST_TEST_AUTH_REGISTRY"
step "Pull a private image" roost pull -q "$ROOST_TEST_AUTH_REGISTRY/private/busybox:latest"
step "Log out" roost logout "$ROOST_TEST_AUTH_REGISTRY"
step "Remove what the demo pulled" roost rmi -f "$ROOST_TEST_REGISTRY/multiarch:latest" "$ROOST_TEST_AUTH_REGISTRY/private/busybox:latest"
step "Resource limits: enforced where cgroup v2 is delegated to the user; on this cgroup v1 host, Podman's one warning and the container runs" \
	roost run --rm -m 64m --cpus 0.5 --pids-limit 100 busybox echo ran
step "A secret: a file in the container, never in inspect, logs or a commit" sh -c \
	'printf s3cret | roost secret create demo-token - >/dev/null &&
	 roost run --name demo-sec --secret demo-token busybox cat /run/secrets/demo-token; echo &&
	 roost inspect --format "{{json .Config.Secrets}}" demo-sec && roost rm demo-sec >/dev/null && roost secret rm demo-token'
step "Events: one record per lifecycle step, filtered" sh -c \
	'roost run --rm --name demo-ev busybox true && roost events --stream=false --filter container=demo-ev --format "{{.Status}}"'
step "Containers made by other tools (Buildah, a crashed build) are listed too" roost ps -a --external
step "Disk use by kind" roost system df
step "Build an image from a Containerfile (RUN steps run rootless, as roost run does)" roost build -t demo/built "$builddir"
step "Build it again: every step comes from the cache, same image id" roost build -q -t demo/built "$builddir"
step "Run what was built" roost run --rm demo/built
step "Its history, step by step" roost history demo/built
step "Save it to an archive, remove it, load it back: same id" sh -c \
	"roost save -o $builddir/built.tar demo/built && roost rmi demo/built && roost load -i $builddir/built.tar && roost images --format '{{.Repository}} {{.ID}}' demo/built"
step "Push it to the registry" roost push -q demo/built "$ROOST_TEST_REGISTRY/demo/built:latest"
step "Run straight from the archive (docker-archive:FILE), as Podman does" \
	roost run --rm "docker-archive:$builddir/built.tar"
docker_bin=$(command -v docker || echo /usr/local/bin/docker)
step "Docker's own CLI drives Roost through the API socket (roost system service; no daemon: it exits 2 s after its last request)" sh -c \
	"sock=\$XDG_RUNTIME_DIR/roost/demo.sock; roost system service --time 2 unix://\$sock & sleep 1;
	 DOCKER_HOST=unix://\$sock $docker_bin run --rm $ROOST_TEST_REGISTRY/busybox echo hello from docker run &&
	 DOCKER_HOST=unix://\$sock $docker_bin images --format '{{.Repository}}:{{.Tag}}'; wait"

step "Remove the built image" roost rmi demo/built
printf '\nDone.\n'
