# Day-to-day targets; CI runs .ci/run.
.PHONY: build test race lint bench demo rules

# build makes the release binary, bin/tagpulse: static (CGO_ENABLED=0, no
# libc; the zone database is embedded), with paths trimmed and symbols
# stripped. The version and VCS revision come from the repository (git tags
# and commit) when it is there; a build without it (a source archive, the
# Dockerfile) can pass them: make build VERSION=1.2.3 REVISION=abc123.
BIN      ?= bin/tagpulse
VERSION  ?=
REVISION ?=
pkg      := github.com/tagpulse/tagpulse/internal/buildinfo
LDFLAGS  := -s -w
ifneq ($(VERSION),)
LDFLAGS  += -X $(pkg).version=$(VERSION)
endif
ifneq ($(REVISION),)
LDFLAGS  += -X $(pkg).revision=$(REVISION)
endif

build:
	CGO_ENABLED=0 go build -trimpath -buildvcs=auto -ldflags='$(LDFLAGS)' -o $(BIN) ./cmd/tagpulse

test:
	go test ./...

race:
	go test -race -count=1 ./...

lint:
	go vet ./...
	test -z "$$(gofmt -l .)"
	go run honnef.co/go/tools/cmd/staticcheck@v0.6.1 ./...

bench:
	go test ./cmd/tagpulse -run XXX -bench ImportV1 -benchtime 3x
	go test ./aggregator -run XXX -bench . -benchtime 3x
	go test ./dashboard -run XXX -bench Scrape

demo:
	go run ./cmd/tagpulse demo

# rules regenerates deploy/prometheus/tagpulse.rules.yml from its template.
rules:
	go generate ./deploy
