# The two commands in the README:
#   make run    build a release, migrate, seed demo data (first start only) and serve on :3000
#   make test   unit, integration (SQLite, plus PostgreSQL when PLINTH_TEST_POSTGRES_URL is set) and end2end tests
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
TARGET_DIR := $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),$(CURDIR)/target)
# scripts/build.mjs builds with this flag (server and WASM must agree on it)
# and sets LEPTOS_OUTPUT_NAME (leptos reads it with option_env!, so cargo
# tracks it); giving `cargo test` the same lets the tests and end2end share
# one build, and `make bench` share `make run`'s release build.
BUILD_RUSTFLAGS := --cfg erase_components
BUILD_ENV := LEPTOS_OUTPUT_NAME=plinth RUSTFLAGS="$(BUILD_RUSTFLAGS)"

.PHONY: run test lint bench unit-and-integration end2end cargo-leptos watch

run:
	scripts/setup.sh
	node scripts/build.mjs --release
	$(TARGET_DIR)/release/plinth migrate
	$(TARGET_DIR)/release/plinth seed-demo
	$(TARGET_DIR)/release/plinth serve

test:
	scripts/setup.sh --test
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit-and-integration
	$(MAKE) --no-print-directory end2end

# Formatting, then clippy with warnings denied on the server build and every
# test target (about 2 minutes on a cold cache: clippy checks dependencies
# apart from the test build's compiled ones).
lint:
	cargo fmt --all --check
	$(BUILD_ENV) cargo clippy --all-targets --no-default-features --features ssr -- -D warnings

unit-and-integration:
	$(BUILD_ENV) cargo test --no-default-features --features ssr

end2end:
	node scripts/build.mjs --server-from-tests
	cd end2end && PLINTH_BIN=$(TARGET_DIR)/debug/plinth node run.mjs

# Benchmarks print figures: the console's pages against their server function
# and a first visit's bytes (on the release site), and the team table with
# 10,000 members (SQLite, and PostgreSQL when configured). Release builds, with
# the same settings as `make run`'s, so the two share compiled dependencies.
# Last, instructions per request under callgrind: the figures that stay the
# same from run to run on a busy machine, where req/s vary by a third.
# The scale and retention benchmarks load 10M events per engine (about an
# hour and a half in all here); PLINTH_BENCH_EVENTS=1000000 makes it quick.
# `plinth serve`'s memory while it ingests 1M events (bench_memory), and
# last, each console page from navigation to hydrated in chromium.
bench:
	scripts/setup.sh --test
	node scripts/build.mjs --release
	PLINTH_BENCH_SITE=$(TARGET_DIR)/release/site $(BUILD_ENV) cargo test --release --no-default-features --features ssr --test api bench_ -- --ignored --nocapture --test-threads=1
	CARGO_TARGET_DIR=$(TARGET_DIR) scripts/bench-instructions.sh
	PLINTH_BIN=$(TARGET_DIR)/release/plinth node end2end/bench/hydration.mjs

# Optional, for development only: live reload with cargo-leptos (about 20
# minutes to install, once). `make run` and `make test` do not need it.
cargo-leptos:
	scripts/setup.sh
	cargo leptos --version 2>/dev/null | grep -q ' 0\.3\.10$$' || cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads

watch: cargo-leptos
	cargo leptos watch --split
