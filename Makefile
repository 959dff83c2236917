# lossbook: two commands do all set-up on a fresh Debian/Ubuntu machine.
#   make lab    installs what is missing, builds GoNB, installs the kernel and starts Jupyter on notebooks/
#   make test   vet, unit tests, Example output check, noxla/CGO_ENABLED=0 builds, every notebook executed
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
GO ?= $(shell command -v go || echo /usr/local/go/bin/go)
GOROOT_BIN := $(shell $(GO) env GOROOT)/bin
export PATH := $(CURDIR)/bin:$(GOROOT_BIN):$(PATH)

TOOLS := bin/gonb bin/gopls bin/goimports
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
NBOUT := build/notebooks
LAB_PORT ?= 8888

.PHONY: all lab test deps tools kernel vet gotest examples noxla notebooks notebooks-clean bench golden parity clean

all: test

## The main job: Jupyter with the GoNB kernel on notebooks/, on 127.0.0.1 with a token.
lab: deps kernel
	@echo "lossbook: starting Jupyter on http://127.0.0.1:$(LAB_PORT)/ (the URL with the token follows)"
	jupyter notebook --no-browser --ip=127.0.0.1 --port=$(LAB_PORT) --notebook-dir=notebooks

## Every test.
test: deps kernel vet gotest examples noxla notebooks-clean notebooks

deps:
	scripts/apt-deps.sh

# GoNB, gopls and goimports are built from tools/go.mod, which pins their versions
# (`go install gonb@v0.11.1` is refused by the module proxy here).
tools: $(TOOLS)
bin/gonb bin/gopls bin/goimports: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../bin/ github.com/janpfeifer/gonb golang.org/x/tools/gopls golang.org/x/tools/cmd/goimports
	touch $(TOOLS)

kernel: tools
	bin/gonb --install --logtostderr
	jupyter kernelspec list | grep -q gonb

vet:
	$(GO) vet ./...

gotest:
	$(GO) test ./...

# Every Example function must have an // Output: line, or `go test` never runs it.
examples:
	$(GO) run ./internal/cmd/examplecheck .

# The library builds without XLA: with -tags noxla and with CGO_ENABLED=0.
noxla:
	$(GO) build -tags noxla ./...
	CGO_ENABLED=0 $(GO) build ./...

# Committed notebooks carry no outputs and no execution counts.
notebooks-clean:
	$(GO) run ./internal/cmd/nbcheck -committed $(NOTEBOOKS)

# Every notebook executed headless with the GoNB kernel, on the pure-Go backend, at the small size.
notebooks: kernel
	mkdir -p $(NBOUT)
	for nb in $(NOTEBOOKS); do \
	  echo "== executing $$nb"; \
	  GOMLX_BACKEND=go:parallelism=-1 LOSSBOOK_SMOKE=1 jupyter nbconvert --to notebook --execute \
	    --ExecutePreprocessor.kernel_name=gonb --ExecutePreprocessor.timeout=1200 \
	    --output-dir $(NBOUT) "$$nb"; \
	done
	$(GO) run ./internal/cmd/nbcheck -executed $(addprefix $(NBOUT)/,$(notdir $(NOTEBOOKS)))

# Random parity check of every loss against PyTorch (needs Debian's python3-torch): make parity SEED=7 PER_LOSS=50
SEED ?= 1
PER_LOSS ?= 20
parity:
	$(GO) run ./losses/internal/paritycheck -seed $(SEED) -per-loss $(PER_LOSS)

clean:
	rm -rf bin build
