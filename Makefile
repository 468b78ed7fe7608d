# Roost: `make demo` shows what Roost does; `make test` runs every test.
# Both prepare the host first (as root, idempotent) on a fresh Debian 12 machine.

GO        ?= go
TAGS      := containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS   := -X github.com/roost-containers/roost/pkg/version.GitCommit=$(COMMIT) \
             -X github.com/roost-containers/roost/pkg/version.BuildTime=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)
GOFLAGS_B := -buildvcs=false -tags "$(TAGS)" -ldflags "$(LDFLAGS)"
GOFLAGS_C := -buildvcs=false -tags "$(TAGS) compose" -ldflags "$(LDFLAGS)"
comma := ,
space := $() $()
export GOFLAGS := -buildvcs=false -tags=$(subst $(space),$(comma),$(TAGS))

.PHONY: all build host test unit e2e demo bench clean vet install

all: build

# roost-compose is roost with compose built in (tag "compose"); plain roost
# hands `roost compose` to it (cmd/roost/compose_plugin.go).
build:
	$(GO) build $(GOFLAGS_B) -o bin/roost ./cmd/roost
	$(GO) build $(GOFLAGS_C) -o bin/roost-compose ./cmd/roost
	$(GO) build $(GOFLAGS_B) -o bin/roost-monitor ./cmd/roost-monitor

# Host preparation: packages, the test user, registries, fixture images.
host:
	@if [ "$$(id -u)" != 0 ]; then echo "make host needs root (it installs packages and creates the test user)"; exit 1; fi
	bash test/host/prepare.sh

vet:
	$(GO) vet ./...
	$(GO) vet -tags "$(TAGS) compose" ./cmd/roost

unit:
	$(GO) test -count=1 ./cmd/... ./pkg/... ./userns/... ./slirp/... ./pods/... ./compose/... ./systemd/...
	$(GO) test -count=1 -tags "$(TAGS) compose" ./cmd/roost

e2e: build
	$(GO) test -count=1 -timeout 35m ./test/e2e/ $(E2EFLAGS)

test: host build vet unit e2e

demo: host build
	bash test/demo.sh

bench: host build
	bash test/bench/bench.sh

install: build
	install -D -m 0755 bin/roost $(DESTDIR)/usr/local/bin/roost
	install -D -m 0755 bin/roost-compose $(DESTDIR)/usr/local/bin/roost-compose
	install -D -m 0755 bin/roost-monitor $(DESTDIR)/usr/local/bin/roost-monitor
	# The Quadlet generator is roost under another name (see docs/commands/quadlet.md).
	install -d $(DESTDIR)/usr/local/lib/systemd/user-generators $(DESTDIR)/usr/local/lib/systemd/system-generators
	ln -sf /usr/local/bin/roost $(DESTDIR)/usr/local/lib/systemd/user-generators/roost-generator
	ln -sf /usr/local/bin/roost $(DESTDIR)/usr/local/lib/systemd/system-generators/roost-generator

clean:
	rm -rf bin
