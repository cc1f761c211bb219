# Release builds: static, reproducible paths, stripped, version stamped.
#   make release VERSION=v0.3.0     -> dist/steward_<os>_<arch>
#   make build                      -> ./steward for this machine
MODULE   := github.com/steward-sre/steward
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X $(MODULE)/internal/cli.Version=$(VERSION)
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64

.PHONY: build release test clean

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o steward ./cmd/steward

release:
	@mkdir -p dist
	@for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "dist/steward_$${os}_$${arch}$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags "$(LDFLAGS)" \
			-o dist/steward_$${os}_$${arch}$$ext ./cmd/steward || exit 1; \
	done
	@cd dist && sha256sum steward_* > SHA256SUMS

test:
	go test -race ./...

clean:
	rm -rf dist steward
