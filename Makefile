# kp-token: an IBM Cloud CLI plug-in that prints IAM access tokens.
# Two commands on a fresh machine: 'make demo' and 'make test'.

GO      ?= go
VERSION ?= 0.1.0
PKG     := github.com/kp-token/kp-token
ifeq ($(origin COMMIT),undefined)
COMMIT  := $(shell git rev-parse --short HEAD 2>/dev/null)
endif
BASE_URL ?=
PORT    ?= 8765

# Values people and CI give (VERSION may be a tag name) are taken
# literally: a '$' in them is not make syntax, and recipes pass each one to
# the shell as a single quoted word (shword), so a value with spaces, ';',
# quotes, '$(...)' or backquotes runs nothing. The tools then check them.
override VERSION  := $(value VERSION)
override COMMIT   := $(value COMMIT)
override BASE_URL := $(value BASE_URL)
override PORT     := $(value PORT)
shword = '$(subst ','\'',$(value $(1)))'

LDFLAGS := -s -w -X $(PKG)/plugin/kptoken.Version=$(VERSION) -X $(PKG)/plugin/kptoken.Commit=$(COMMIT)
BIN     := bin/kp-token$(if $(filter windows,$(shell $(GO) env GOOS)),.exe,)

.PHONY: all build demo test tree unit vet cross fuzz cover bench install repotool release repo repo-serve clean

all: build

# A static binary (no cgo): it runs on any Linux, and starts faster. The
# linker splits its flags at spaces and quotes, so VERSION and COMMIT may
# hold only the characters of a semantic version.
build:
	@for v in $(call shword,VERSION) $(call shword,COMMIT); do case "$$v" in *[!0-9A-Za-z.+-]*) \
	  echo "make build: VERSION and COMMIT may hold only 0-9 A-Z a-z . + - (VERSION=1.2.3)" >&2; exit 2;; esac; done
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags $(call shword,LDFLAGS) -o $(BIN) .

# Runs the built plug-in the way 'ibmcloud' does (SendMetadata, then
# commands with IBMCLOUD_CONFIG_HOME and IBMCLOUD_PLUGIN_NAMESPACE) against
# a local IAM-compatible server, in English, French and Korean.
demo: build
	$(GO) run ./plugin/tools/demo ./$(BIN)

# All tests: vet (host, Windows, macOS), unit and integration tests, and a
# short run of each fuzz target. testsummary runs each step as 'make STEP'
# (all of them, even after one fails), shows the tests' output as
# 'go test' does (a failed test's in full), and ends with one line: PASS
# or FAIL, packages, tests, fuzz targets, seconds. It exits non-zero when a
# step fails. Each step also runs alone: 'make unit', 'make fuzz'. ('+':
# the steps are sub-makes, so 'make -n test' lists their commands.)
TESTSUMMARY  = out/tools/testsummary$(EXE)
MAKECMD     := $(MAKE)
test:
	+@$(GO) build -o $(TESTSUMMARY) ./plugin/tools/testsummary
	+@exec $(TESTSUMMARY) -make $(call shword,MAKECMD) tree vet cross unit fuzz

# Sources only: no tracked executable, no file over 1 MiB.
tree:
	bash .ci/check-tree

# TESTJSON=-json (set by 'make test') makes go test print its event stream.
TESTJSON ?=
unit:
	$(GO) test $(TESTJSON) -count=1 ./...

vet:
	$(GO) vet ./...

cross:
	GOOS=windows GOARCH=amd64 $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null .
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null .

# A fixed number of executions, not a time: time-based -fuzztime races in
# Go's fuzz coordinator ("context deadline exceeded") and made CI flaky.
FUZZTIME ?= 2000x
fuzz:
	$(GO) test $(TESTJSON) -run '^$$' -fuzz '^FuzzParseKey$$' -fuzztime $(FUZZTIME) ./plugin/apikey
	$(GO) test $(TESTJSON) -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./plugin/token
	$(GO) test $(TESTJSON) -run '^$$' -fuzz '^FuzzParseFile$$' -fuzztime $(FUZZTIME) ./plugin/token
	$(GO) test $(TESTJSON) -run '^$$' -fuzz '^FuzzParseEntry$$' -fuzztime $(FUZZTIME) ./plugin/cache
	$(GO) test $(TESTJSON) -run '^$$' -fuzz '^FuzzEncodeEntry$$' -fuzztime $(FUZZTIME) ./plugin/cache
	$(GO) test $(TESTJSON) -run '^$$' -fuzz '^FuzzOn$$' -fuzztime $(FUZZTIME) ./plugin/kpapi

# Coverage (not part of 'make test'): every test, the in-process ones and
# the binary suite's runs of a binary built with -cover (their GOCOVERDIR),
# merged with 'go tool covdata': per product package and in total, in
# out/cover/ (cover.out for 'go tool cover -html'). The binary is stamped
# with the version the tests expect (cmdtest.Version).
COVERPKG = $(shell $(GO) list ./... | grep -v -e /iamtest -e /tools/ -e /cmd/cmdtest | paste -sd, -)
cover:
	rm -rf out/cover && mkdir -p out/cover/unit out/cover/binary
	CGO_ENABLED=0 $(GO) build -cover -coverpkg=$(COVERPKG) -ldflags '-X $(PKG)/plugin/kptoken.Version=9.8.7' -o out/cover/kp-token .
	KP_TOKEN_COVERDIR=$(CURDIR)/out/cover/binary KP_TOKEN_TEST_BINARY=$(CURDIR)/out/cover/kp-token \
	  $(GO) test -count=1 -cover -coverpkg=$(COVERPKG) ./... -args -test.gocoverdir=$(CURDIR)/out/cover/unit >out/cover/test.log
	$(GO) tool covdata percent -i=out/cover/unit,out/cover/binary | sed 's,github.com/kp-token/kp-token/,,' | sort
	$(GO) tool covdata textfmt -i=out/cover/unit,out/cover/binary -o out/cover/cover.out
	@$(GO) tool cover -func=out/cover/cover.out | tail -1

# Speed and size against the page's curl exchange (needs curl; not part of
# 'make test'): prints the table and writes it into the bench's README,
# beside its method.
bench: build
	$(GO) run ./plugin/tools/bench -runs $(BENCHRUNS) -readme plugin/tools/bench/README.md ./$(BIN)

BENCHRUNS ?= 200

# Installs the built binary into a real IBM Cloud CLI.
install: build
	@command -v ibmcloud >/dev/null 2>&1 || { \
	  echo "make install: the IBM Cloud CLI ('ibmcloud') is not on PATH."; \
	  echo "  Install it first: https://cloud.ibm.com/docs/cli?topic=cli-install-ibmcloud-cli"; \
	  echo "  The plug-in was built: $(BIN). Install it later with 'ibmcloud plugin install $(BIN) -f'."; \
	  exit 1; }
	ibmcloud plugin install ./$(BIN) -f

# The release tool, built and then run directly (never through 'go run':
# go run's own process dies on make's SIGTERM and leaves its child behind).
EXE       = $(if $(filter windows,$(shell $(GO) env GOHOSTOS)),.exe,)
REPOTOOL  = out/tools/repotool$(EXE)
repotool:
	$(GO) build -o $(REPOTOOL) ./plugin/tools/release/repotool

# Release binaries for every CLI platform, reproducible, with checksums.txt
# (SHA-1 and SHA-256): 'make release VERSION=1.2.3' -> out/release/1.2.3/.
# Other versions' folders stay.
release: repotool
	$(REPOTOOL) release -version $(call shword,VERSION) -out out/release -base-url $(call shword,BASE_URL)

# A plug-in repository in out/repo/ (bx/list and the binaries); an older
# index there keeps its versions, and every entry gets the same BASE_URL
# (absolute binary URLs; none: relative ones).
repo: release
	$(REPOTOOL) repo -version $(call shword,VERSION) -release out/release -out out/repo -base-url $(call shword,BASE_URL)

# Serves out/repo/ on 127.0.0.1 for 'ibmcloud plugin repo-add'. exec: the
# server is make's own child, so make's SIGTERM reaches it.
repo-serve: repotool
	exec $(REPOTOOL) serve -dir out/repo -addr 127.0.0.1:$(call shword,PORT)

clean:
	rm -rf bin out
