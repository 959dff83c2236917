# lossbook: two commands do all set-up on a fresh Debian/Ubuntu machine.
#   make lab    installs what is missing, builds GoNB, installs the "Go (lossbook)" kernel and starts Jupyter on
#               notebooks/
#   make test   vet, unit tests, Example output check, noxla/CGO_ENABLED=0 builds, every notebook executed,
#               and `make lab` checked end to end with a real client and in a real browser (Chromium)
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
GO ?= $(shell command -v go || echo /usr/local/go/bin/go)
GOROOT_BIN := $(shell $(GO) env GOROOT)/bin
export PATH := $(CURDIR)/bin:$(GOROOT_BIN):$(PATH)
# debugpy (in Jupyter's Python) prints four lines about frozen modules on every jupyter command without this.
export PYDEVD_DISABLE_FILE_VALIDATION := 1

TOOLS := bin/gonb bin/gopls bin/goimports
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
NBOUT := build/notebooks
LAB_PORT ?= 8888
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: all lab test deps tools kernel kernel-test browser-test xla-plugin vet gotest gotest-xla fuzz examples noxla notebooks-committed notebooks notebooks-xla lab-test parity bench cell-times clean experiment-optimizers textclass-peers textclass-compare experiment-finetune

all: test

## The main job: Jupyter with the "Go (lossbook)" kernel on notebooks/, on 127.0.0.1 with a token.
lab: deps kernel xla-plugin
	@echo "lossbook: starting Jupyter on 127.0.0.1:$(LAB_PORT); open the URL with the token printed below"
	jupyter notebook --no-browser --ip=127.0.0.1 --port=$(LAB_PORT) --notebook-dir=notebooks $(ROOT_FLAG)

## Every test. The Docker image's chroot test needs root: as another user it is skipped, saying so.
test: deps kernel xla-plugin vet gotest gotest-xla fuzz examples noxla notebooks-committed notebooks notebooks-xla kernel-test lab-test browser-test docker-lint docker

deps:
	scripts/apt-deps.sh

# GoNB, gopls and goimports are built from tools/go.mod, which pins their versions
# (`go install gonb@v0.11.1` is refused by the module proxy here).
tools: $(TOOLS)
$(TOOLS) &: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../bin/ github.com/janpfeifer/gonb golang.org/x/tools/gopls golang.org/x/tools/cmd/goimports
	touch $(TOOLS)

# Two kernels: "Go (lossbook)" (lossbook kernel install: GoNB from tools/go.mod, under which any notebook, in any
# folder, imports this working tree's lossbook with no set-up cell; it republishes the tree when it changed), which
# the notebooks declare, and the plain GoNB kernel "gonb" for notebooks that still carry the go.work set-up cell.
kernel: tools
	bin/gonb --install
	/usr/bin/python3 scripts/kernel_env.py "$(CURDIR)/bin:$(GOROOT_BIN)"
	/usr/bin/python3 scripts/notebook_config.py
	$(GO) run ./cmd/lossbook kernel install
	jupyter kernelspec list | grep -w -e gonb -e lossbook

vet:
	$(GO) vet ./...

# The XLA CPU PJRT plugin into ~/.local/lib/go-xla: GoMLX's installer where GitHub answers, else OpenXLA's
# xla-cpu-pjrt wheel from PyPI, pinned by sha256 (lib.CPUPluginWheels). Once installed, lossbook chooses XLA.
xla-plugin:
	$(GO) run ./cmd/lossbook xla install cpu
	$(GO) run ./cmd/lossbook backend

# Every package on the pure-Go backend (forced: with the plugin installed, lossbook would choose XLA) ...
gotest:
	GOMLX_BACKEND=go $(GO) test ./...

# ... and the packages that build and run graphs again on XLA's CPU plugin, with the same golden values.
XLA_PACKAGES := ./losses/... ./training/... ./lib ./lib/models/... ./lib/dotgrad/... ./examples/... ./internal/bench/...
gotest-xla: xla-plugin
	GOMLX_BACKEND=xla:cpu $(GO) test -timeout 40m $(XLA_PACKAGES)

# Each fuzz target beyond its seed corpus (which go test already runs), for a count of executions: about 5 s each
# on 2 cores. A count, not a duration: go1.26's coordinator can fail a duration run with a bare "context deadline
# exceeded" as -fuzztime expires (golang/go#75804, fixed in go1.27), which failed CI on FuzzTokenizers with no
# failing input. FUZZTIME=10m (or 1000000x) gives every target that budget instead, for a long run.
# Inputs that found a bug are kept in the package's testdata/fuzz/<target> and replay under go test.
FUZZTIME ?=
FUZZ_TARGETS := ./metrics:FuzzBLEU:2000x ./metrics:FuzzTokenizers:20000x ./lib/data:FuzzZText:50000x \
	./lib/data:FuzzTarGz:5000x ./lib/tokenize:FuzzWordPiece:20000x ./lib/tokenize:FuzzTrain:20000x \
	./losses:FuzzNew:20000x ./losses:FuzzLossShapes:8000x ./lib/data:FuzzMailText:50000x ./losses:FuzzNewKeras:20000x
fuzz:
	for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${FUZZTIME:-$${rest#*:}}; \
	  echo "== fuzz $$name ($$budget)"; \
	  GOMLX_BACKEND=go $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $$budget "$$pkg" || exit 1; \
	done

# Every Example function must have an // Output: line, or `go test` never runs it.
examples:
	$(GO) run ./internal/cmd/examplecheck .

# The library builds without XLA: with -tags noxla and with CGO_ENABLED=0.
noxla:
	$(GO) build -tags noxla ./...
	CGO_ENABLED=0 $(GO) build ./...

# Committed notebooks carry no outputs and no execution counts, and declare the "Go (lossbook)" kernel with no
# go.work set-up cell (`go run ./internal/cmd/nbkernel NOTEBOOK` moves one there).
notebooks-committed:
	$(GO) run ./internal/cmd/nbcheck -committed $(NOTEBOOKS)
	$(GO) run ./internal/cmd/nbkernel -check $(NOTEBOOKS)

# Every notebook executed headless with the "Go (lossbook)" kernel at the small size, on the pure-Go backend (notebooks),
# and on XLA's CPU plugin (notebooks-xla, into build/notebooks-xla).
notebooks: kernel
	$(MAKE) run-notebooks NB_BACKEND=go NBOUT=$(NBOUT)

notebooks-xla: kernel xla-plugin
	$(MAKE) run-notebooks NB_BACKEND=xla:cpu NBOUT=build/notebooks-xla

.PHONY: run-notebooks
NB_KERNEL ?= lossbook
run-notebooks:
	mkdir -p $(NBOUT)
	for nb in $(NOTEBOOKS); do \
	  echo "== executing $$nb on $(NB_BACKEND)"; \
	  GOMLX_BACKEND=$(NB_BACKEND) LOSSBOOK_SMOKE=1 jupyter nbconvert --to notebook --execute \
	    --ExecutePreprocessor.kernel_name=$(NB_KERNEL) --ExecutePreprocessor.timeout=1200 \
	    --output-dir $(NBOUT) "$$nb" 2>&1 | grep -v '^[IW][0-9]\{4\} '; \
	done
	$(GO) run ./internal/cmd/nbcheck -executed $(addprefix $(NBOUT)/,$(notdir $(NOTEBOOKS)))
	# Executed here, so trusted here: Jupyter shows their SVG and HTML as they are (elsewhere, the PNG twins).
	/usr/bin/python3 -m nbformat.sign $(addprefix $(NBOUT)/,$(notdir $(NOTEBOOKS))) 2>&1 | sed 's/^/lossbook: /'

# How long each notebook cell takes as a student meets it (GoNB builds and links every cell): median and slowest per
# notebook, warm caches (each notebook runs twice; the second run counts). CELL_NOTEBOOKS picks notebooks.
CELL_NOTEBOOKS ?= notebooks/00_setup.ipynb notebooks/01_loss_functions.ipynb
cell-times: kernel
	LOSSBOOK_SMOKE=1 /usr/bin/python3 scripts/cell_times.py --kernel lossbook --runs 2 $(CELL_NOTEBOOKS) 2>&1 | grep -v '^\[\|^[IWE][0-9]\{4\} '

# lossbook against PyTorch on issue #4's workloads (CE, bag-of-embeddings, transformer), alternating, in one run.
# Takes a few minutes; BENCHFLAGS passes flags, e.g. make bench BENCHFLAGS="-workloads ce -cpuprofile build/prof".
bench:
	$(GO) run ./cmd/lossbook bench $(BENCHFLAGS)

# Issue 23's experiment: AdamW, LAMB, Adafactor and Lion on a small transformer classifying SpamAssassin, 3 seeds
# (tasks/optimcompare). Prints the table and writes every run's curves to build/optimcompare.json; 38 minutes on a
# 2-core machine under a load average of 35 (XLA CPU). LOSSBOOK_SMOKE=1 runs a small version.
experiment-optimizers:
	mkdir -p build
	$(GO) run ./internal/cmd/optimcompare -json build/optimcompare.json

# Issue 16's experiment: BERT pre-training (tasks/pretrain) with the fixed objective MLM + NSP and with Kendall et
# al.'s learned uncertainty weights, on the same steps, seed, data and schedule (1,000 steps each of a pre-norm
# 4-layer encoder of width 128). Prints both runs' held-out numbers and writes the JSON that notebook 08 plots.
.PHONY: experiment-loss-weighting
experiment-loss-weighting:
	$(GO) run ./internal/cmd/uwcompare -json tasks/pretrain/testdata/loss_weighting.json

# Text classification (issue 12): the bag model on SpamAssassin, then its split exported with the same tokens and
# the scikit-learn and PyTorch peers on it (PyTorch: same model, optimizer, steps and batch; steps/s ratio).
# TCFLAGS passes flags to lossbook train textclass, e.g. make textclass-peers TCFLAGS="--steps 200".
TCOUT ?= build/textclass
textclass-peers:
	rm -rf $(TCOUT)/run $(TCOUT)/split
	$(GO) run ./cmd/lossbook train textclass --out $(TCOUT)/run $(TCFLAGS)
	$(GO) run ./cmd/lossbook eval --checkpoint $(TCOUT)/run --export $(TCOUT)/split > /dev/null
	/usr/bin/python3 scripts/peer_textclass_sklearn.py $(TCOUT)/split
	/usr/bin/python3 scripts/peer_textclass_torch.py $(TCOUT)/run $(TCOUT)/split

# The loss comparison of notebook 04 (CE, label smoothing, focal, class weights; seeds 1-3; all spam and 5%).
textclass-compare:
	$(GO) run ./cmd/lossbook train textclass --compare-losses $(TCFLAGS)

# Issue 13's fine-tuning experiment: the transformer classifier from the pre-trained encoder of PRETRAIN_DIR (a
# lossbook pretrain run) against the same classifier from scratch, at 10% and 100% of Brown's training labels,
# seeds 1-3, 400 steps of 32 per run (internal/cmd/finetunecompare): 12 runs, about 30 minutes on XLA's CPU plugin
# on 2 cores (estimated from the pre-training step rate). Writes tasks/textclass/testdata/finetune.json, which
# notebook 05 plots. FTFLAGS passes flags, e.g. FTFLAGS="-steps 300" or "-data brown,spamassassin"; -smoke is tiny.
PRETRAIN_DIR ?= build/pretrain
experiment-finetune:
	$(GO) run ./internal/cmd/finetunecompare -init $(PRETRAIN_DIR) -json tasks/textclass/testdata/finetune.json $(FTFLAGS)

# Random parity check of every loss against PyTorch (needs Debian's python3-torch): make parity SEED=7 PER_LOSS=50
SEED ?= 1
PER_LOSS ?= 20
parity:
	$(GO) run ./losses/internal/paritycheck -seed $(SEED) -per-loss $(PER_LOSS)

# The Keras 3 oracle (losses.NewKeras): a virtual environment from PyPI with Keras and JAX (CPU), pinned by
# losses/testdata/keras_requirements.txt. keras-golden rewrites losses/testdata/keras_golden.json; keras-parity is
# the random parity check against Keras: make keras-parity SEED=7 PER_LOSS=50
KERASENV := build/kerasenv
$(KERASENV)/installed: losses/testdata/keras_requirements.txt
	python3 -m venv $(KERASENV)
	$(KERASENV)/bin/pip install -q -r losses/testdata/keras_requirements.txt
	touch $@
kerasenv: $(KERASENV)/installed
keras-golden: kerasenv
	KERAS_BACKEND=jax $(KERASENV)/bin/python losses/testdata/gen_keras_golden.py
keras-parity: kerasenv
	$(GO) run ./losses/internal/kerasparity -seed $(SEED) -per-loss $(PER_LOSS) -python $(KERASENV)/bin/python
.PHONY: kerasenv keras-golden keras-parity

# `make lab` really serves the "Go (lossbook)" kernel, which runs a Go cell importing lossbook with no set-up cell:
# scripts/lab_test.py starts it on a free port, executes the cell through the server's REST and websocket API,
# and shuts everything down.
lab-test: kernel
	/usr/bin/python3 scripts/lab_test.py

# A notebook holding only an import of lossbook's losses and a %% cell computing a cross-entropy, in a folder
# outside the repository, executed by nbconvert with the "Go (lossbook)" kernel with no network at all (a new
# network namespace, where unshare can make one; else GOPROXY=off), and its printed value checked.
kernel-test: kernel
	/usr/bin/python3 scripts/kernel_test.py

# The real browser (Debian's chromium, driven by chromedp): `make lab`'s server with notebook 00 run through the
# UI and its page checked (outputs, no errors, MathJax, the SVG plot; screenshots in build/browser/), then a new
# notebook outside the repository on the "Go (lossbook)" kernel, typed into and run.
browser-test: kernel
	LOSSBOOK_BROWSER_TEST=1 $(GO) test -count=1 -timeout 30m -v ./internal/browsertest

# The workshop Docker image (docker/), tested without a Docker engine, as part of `make test`.
# docker-lint: the Dockerfile with npm's dockerfile-utils (pinned), the image's scripts with shellcheck.
.PHONY: docker docker-lint docker-test
docker-lint:
	docker/lint.sh

# docker-test (root): docker/provision.sh in a fresh Debian bookworm chroot (mmdebstrap), run twice, then
# every notebook executed, the image's command serving a Go cell and the data found, with no network. ~10 minutes.
docker-test: docker-lint
	docker/chroot-test.sh

# As root (CI), the chroot test; as another user, a message that it was skipped. docker-lint runs before it.
docker: docker-lint
	@if [ "$$(id -u)" -eq 0 ]; then docker/chroot-test.sh; \
	else echo "lossbook: SKIPPED docker-test (the chroot test needs root): run sudo make docker-test"; fi

clean:
	rm -rf bin build
