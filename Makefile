# wiregan: make demo runs the main job on built-in defaults, make test runs the tests.
# Both install what they need first.

SHELL := /bin/bash
NODE_BIN := node_modules/.bin
WIREGAN := node bin/wiregan.js
OUT ?= data/out
DETECTOR ?= protodune-sp
EVENTS ?= 4
SEED ?= 1
WORKERS ?= 2
PY := /usr/bin/python3
PY_DEBS := python3-h5py python3-numpy hdf5-tools python3-onnx

export ONNXRUNTIME_NODE_INSTALL := skip

.PHONY: install pydeps test check typecheck format demo demo-real events dataset evaluate bench clean

node_modules/.install-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: node_modules/.install-stamp

# Debian packages the tests read files with; installed where we are root.
pydeps:
	@if $(PY) -c 'import h5py, numpy, onnx' 2>/dev/null && command -v h5dump >/dev/null; then \
	  echo "pydeps: python3-h5py, numpy, onnx and hdf5-tools present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "pydeps: installing $(PY_DEBS) with apt-get"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PY_DEBS) >/dev/null) \
	    || echo "pydeps: apt-get failed; tests that need h5py or onnx will be skipped and say so"; \
	else \
	  echo "pydeps: not root, cannot install $(PY_DEBS); tests that need h5py or onnx will be skipped and say so"; \
	fi

typecheck: install
	$(NODE_BIN)/tsc -p tsconfig.json --noEmit

check: install
	$(NODE_BIN)/prettier --check .

format: install
	$(NODE_BIN)/prettier --write .

test: install pydeps check typecheck
	$(NODE_BIN)/mocha 'test/**/*.test.ts'

events: install
	mkdir -p $(OUT)
	$(WIREGAN) simulate --detector $(DETECTOR) --events $(EVENTS) --seed $(SEED) \
	  --workers $(WORKERS) --out $(OUT)/events.h5 --force


# make demo: the whole chain on built-in physics, about 15 minutes on 2 cores:
# slats-style events (lines, noiseless) -> paired tiles -> inpainting
# pre-training -> CycleGAN training -> ONNX export -> translation of a fresh
# full event -> evaluation on our test tiles, on that event's frames and,
# where it exists, on the SLATS excerpt. DEMO_* variables set the sizes
# (CI runs it with tiny ones); DEMO_SIM_FLAGS adds simulate flags (demo-real).
DEMO_OUT ?= $(OUT)/demo
DEMO_RUN ?= runs/demo
DEMO_EVENTS ?= 12
DEMO_PRESET ?= cpu-short
DEMO_PRETRAIN_STEPS ?= 300
DEMO_STEPS ?= 1500
DEMO_EVAL_TILES ?= 400
# Scoring during training: L1 ratio on the first DEMO_TRAIN_EVAL_TILES test
# tiles every DEMO_EVAL_EVERY steps, into $(DEMO_RUN)/eval-history.arrow.
DEMO_EVAL_EVERY ?= 250
DEMO_TRAIN_EVAL_TILES ?= 16
DEMO_SIM_FLAGS ?= --preset slats
DEMO_TILE_FLAGS ?= --preset slats
SLATS_DIR ?= ../shared/data/slats-excerpt

demo: install
	mkdir -p $(DEMO_OUT)
	rm -rf $(DEMO_RUN) $(DEMO_RUN)-pretrain
	$(WIREGAN) simulate $(DEMO_SIM_FLAGS) --detector $(DETECTOR) --events $(DEMO_EVENTS) \
	  --seed $(SEED) --workers $(WORKERS) --out $(DEMO_OUT)/events.h5 --force
	$(WIREGAN) tiles $(DEMO_OUT)/events.h5 $(DEMO_TILE_FLAGS) --out $(DEMO_OUT)/tiles.h5 --force
	$(WIREGAN) pretrain --data $(DEMO_OUT)/tiles.h5 --preset $(DEMO_PRESET) --crop \
	  --steps $(DEMO_PRETRAIN_STEPS) --seed $(SEED) --out $(DEMO_RUN)-pretrain
	$(WIREGAN) train --data $(DEMO_OUT)/tiles.h5 --preset $(DEMO_PRESET) --crop \
	  --steps $(DEMO_STEPS) --seed $(SEED) --init $(DEMO_RUN)-pretrain --out $(DEMO_RUN) \
	  --eval-data $(DEMO_OUT)/tiles.h5 --eval-every $(DEMO_EVAL_EVERY) --eval-tiles $(DEMO_TRAIN_EVAL_TILES)
	$(WIREGAN) export $(DEMO_RUN) --force
	$(WIREGAN) simulate $(DEMO_SIM_FLAGS) --detector $(DETECTOR) --events 1 \
	  --seed $$(( $(SEED) + 1000 )) --out $(DEMO_OUT)/fresh.h5 --force
	$(WIREGAN) translate $(DEMO_OUT)/fresh.h5 --model $(DEMO_RUN)/g_ab.onnx \
	  --out $(DEMO_OUT)/fresh-translated.h5 --force
	$(WIREGAN) evaluate --model $(DEMO_RUN) --data $(DEMO_OUT)/tiles.h5 --split test \
	  --max-tiles $(DEMO_EVAL_TILES) --truth $(DEMO_OUT)/fresh.h5 \
	  --translated $(DEMO_OUT)/fresh-translated.h5 --out $(DEMO_RUN)/eval --force
	@if [ -d $(SLATS_DIR) ]; then \
	  $(WIREGAN) import slats $(SLATS_DIR) --out $(DEMO_OUT)/slats.h5 --force && \
	  $(WIREGAN) evaluate --model $(DEMO_RUN) --data $(DEMO_OUT)/slats.h5 --split train \
	    --max-tiles $(DEMO_EVAL_TILES) --out $(DEMO_RUN)/eval-slats --force; \
	else echo "demo: $(SLATS_DIR) not found, SLATS excerpt evaluation skipped"; fi
	@echo "demo: reports in $(DEMO_RUN)/eval/report/index.html and $(DEMO_RUN)/eval-slats/report/index.html"

# make demo-real: the same chain on real third-party input: Geant4 energy
# deposits, Garfield field responses (the -wires0 file for domain A, the full
# one for B) and measured ProtoDUNE-SP noise spectra, from REALDATA.
REALDATA ?= ../shared/data/realdata
demo-real:
	@test -d $(REALDATA) || { echo "demo-real: $(REALDATA) not found"; exit 2; }
	$(MAKE) demo DEMO_OUT=$(OUT)/demo-real DEMO_RUN=runs/demo-real DEMO_TILE_FLAGS="--plane u --size 256" \
	  DEMO_SIM_FLAGS="--depo-file $(REALDATA)/g4tuple-qsn-v1-fixed.json.bz2 \
	    --field-response $(REALDATA)/dune-garfield-1d565.json.bz2 \
	    --nearest-field-response $(REALDATA)/dune-garfield-1d565-wires0.json.bz2 \
	    --noise-spectra $(REALDATA)/protodune-noise-spectra-v1.json.bz2"

# Scores EVAL_RUN's g_ab.onnx and g_ba.onnx on EVAL_TILES (split EVAL_SPLIT)
# and, when EVAL_TRUTH is set, EVAL_TRANSLATED against it; metrics, summary
# and report go to EVAL_OUT, and the summary table to stdout.
EVAL_RUN ?= runs/demo
EVAL_TILES ?= $(OUT)/tiles.h5
EVAL_SPLIT ?= test
EVAL_TRUTH ?=
EVAL_TRANSLATED ?= $(OUT)/translated.h5
EVAL_OUT ?= $(EVAL_RUN)/eval-$(EVAL_SPLIT)
EVAL_FLAGS ?=

evaluate: install
	$(WIREGAN) evaluate --model $(EVAL_RUN) --data $(EVAL_TILES) --split $(EVAL_SPLIT) \
	  $(if $(EVAL_TRUTH),--truth $(EVAL_TRUTH) --translated $(EVAL_TRANSLATED)) \
	  --out $(EVAL_OUT) --force $(EVAL_FLAGS)
# Translates every event of IN with the ONNX generator MODEL into the event
# file TRANSLATED (OUT is the output folder); TRANSLATE_FLAGS adds flags
# (e.g. --tag orig --plane u --resume).
MODEL ?= runs/demo/g_ab.onnx
IN ?= $(OUT)/events.h5
TRANSLATED ?= $(OUT)/translated.h5
TRANSLATE_FLAGS ?=

.PHONY: translate
translate: install
	$(WIREGAN) translate $(IN) --model $(MODEL) --out $(TRANSLATED) --force $(TRANSLATE_FLAGS)

# The slats benchmark: lines at 5000 e/mm, noiseless, ProtoDUNE-SP U plane,
# 768 x 5888 centre crop cut into 256 x 256 tiles (69 per event).
DATASET_EVENTS ?= 40
dataset: install
	mkdir -p $(OUT)
	$(WIREGAN) simulate --preset slats --detector protodune-sp --events $(DATASET_EVENTS) \
	  --seed $(SEED) --workers $(WORKERS) --out $(OUT)/slats-events.h5 --force
	$(WIREGAN) tiles $(OUT)/slats-events.h5 --preset slats --out $(OUT)/slats-tiles.h5 --force
	$(WIREGAN) stats $(OUT)/slats-tiles.h5

# Training: TRAIN_PRESET on TRAIN_DATA for TRAIN_STEPS steps into TRAIN_RUN;
# `make pretrain` first pre-trains into PRETRAIN_RUN, which `make train`
# then starts from when it exists. TRAIN_FLAGS adds flags (e.g. --resume).
TRAIN_DATA ?= $(OUT)/slats-tiles.h5
TRAIN_PRESET ?= small
TRAIN_STEPS ?= 2000
PRETRAIN_STEPS ?= 500
TRAIN_RUN ?= runs/$(TRAIN_PRESET)
PRETRAIN_RUN ?= $(TRAIN_RUN)-pretrain
TRAIN_FLAGS ?= --crop

.PHONY: pretrain train
pretrain: install
	$(WIREGAN) pretrain --data $(TRAIN_DATA) --preset $(TRAIN_PRESET) --steps $(PRETRAIN_STEPS) \
	  --out $(PRETRAIN_RUN) $(TRAIN_FLAGS)

train: install
	$(WIREGAN) train --data $(TRAIN_DATA) --preset $(TRAIN_PRESET) --steps $(TRAIN_STEPS) \
	  --out $(TRAIN_RUN) $(if $(wildcard $(PRETRAIN_RUN)/checkpoints/latest),--init $(PRETRAIN_RUN)) \
	  $(TRAIN_FLAGS)

bench: install pydeps
	node --import tsx bench/run.ts

clean:
	rm -rf $(OUT) dist
