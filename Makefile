# otelcol-node. `make help` lists the targets.

GO            ?= go
BIN           := bin/otelcol-node
# The flags ocb uses for its own build: keeping them keeps the build cache warm.
BUILD_FLAGS   := -trimpath -ldflags="-s -w"
TEST_TIMEOUT  ?= 45m
# Kernel, Docker and end-to-end tests share one machine: run two packages at once at most.
TEST_FLAGS    ?= -count=1 -p 2 -timeout $(TEST_TIMEOUT)
BENCH_FLAGS   ?= -run=^$$ -bench=. -benchmem -count=1 -timeout 30m
# `make image` tags the FROM scratch image of build/image/Dockerfile with this.
IMAGE         ?= otelcol-node:dev

.PHONY: help build image run test test-unit bench generate generate-code generate-distribution vmlinux check-generated lint

help:
	@echo "build                  build $(BIN) from distribution/ (ocb output)"
	@echo "image                  build the $(IMAGE) container image (FROM scratch) from $(BIN)"
	@echo "run                    build and run the collector with its embedded default config"
	@echo "test                   build, then run every test tier (kernel/e2e tiers need root; all run under CI=true)"
	@echo "test-unit              unit tests only (no root needed; kernel tiers skip outside CI)"
	@echo "bench                  benchmarks, each with its baseline in the same run"
	@echo "generate               regenerate bpf2go objects, mdatagen code and distribution/ (ocb)"
	@echo "check-generated        regenerate and fail if anything differs from what is committed"
	@echo "lint                   gofmt and go vet"

build:
	cd distribution && CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o ../$(BIN) .

# The image needs only the static binary; the script keeps the build context
# to three files and works against any daemon DOCKER_HOST names.
image: build
	build/image/build.sh $(BIN) $(IMAGE)

run: build
	./$(BIN)

# The end-to-end tier runs after the others, alone: its whole-node tests
# check exact counts of every workload on the node, and the kernel tests of
# other packages (storms, OOM kills) would share the node with them.
test: build
	$(GO) test $(TEST_FLAGS) $$($(GO) list ./... | grep -v '/e2e$$')
	$(GO) test $(TEST_FLAGS) ./e2e/
	cd distribution && $(GO) test -count=1 ./...

test-unit:
	$(GO) test -short -count=1 ./...

bench:
	$(GO) test $(BENCH_FLAGS) ./...

generate: generate-code generate-distribution

# bpf2go (Debian's clang, so objects regenerate byte-identically) and mdatagen,
# both pinned as tools in go.mod.
generate-code:
	$(GO) generate ./...

# ocb's own compile step fails here on a Windows-only module, so it only writes
# the sources (gofmt'd, which ocb does not do); `make build` compiles them.
generate-distribution:
	$(GO) tool builder --config builder-config.yaml --skip-compilation
	gofmt -w distribution/*.go

# vmlinux.h is this kernel's BTF as C; regenerate it on purpose only.
vmlinux:
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > internal/bpf/headers/vmlinux.h

check-generated: generate
	@git status --porcelain --untracked-files=all -- . | grep -v '^??.*\.test$$' > /tmp/otelcol-node-drift.txt || true
	@if [ -s /tmp/otelcol-node-drift.txt ]; then \
		echo "generated files drifted from what is committed:"; cat /tmp/otelcol-node-drift.txt; \
		git --no-pager diff --stat; exit 1; fi
	@echo "generated files are in sync"

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | xargs grep -L '^// Code generated .* DO NOT EDIT\.$$')); \
		if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd distribution && $(GO) vet ./...
