# medfw — top-level entry points. See README.md.
#   make demo    install missing Debian packages, build, run the main job
#   make check   install missing Debian packages, build, run every test
#   make bench   run the benchmarks and write BENCHMARKS.md
.PHONY: all deps build web build-asan build-fuzz demo check unit fuzz-check e2e e2e-asan browser bench clean

JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
BUILD   := build/release
ASAN    := build/asan
FUZZ    := build/fuzz
PYTHON  := /usr/bin/python3
FUZZ_SECONDS ?= 6

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	scripts/build-web.sh

# the web dashboard alone (web/ -> build/web; medfwd serves it: docs/web.md)
web: deps
	scripts/build-web.sh

build-asan: deps
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DMEDFW_SANITIZE=ON >/dev/null
	cmake --build $(ASAN) -j $(JOBS)

build-fuzz: deps
	CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=Debug -DMEDFW_FUZZ=ON >/dev/null
	cmake --build $(FUZZ) -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD)/medfw

unit: build-asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

fuzz-check: build-fuzz
	scripts/run-fuzz.sh $(FUZZ) $(FUZZ_SECONDS)

e2e: build
	cd tests/e2e && MEDFW_BUILD_DIR=$(CURDIR)/$(BUILD) TZ=UTC LC_ALL=C \
		$(PYTHON) -m pytest -q -p no:cacheprovider

# The server's and the agent's end-to-end tests again, against the ASan+UBSan build: the
# fixture fails a test whose medfwd reports a leak, a memory error or undefined behaviour,
# and an agent run that does exits with status 86, which no test accepts.
E2E_SERVER_TESTS = test_server.py test_people.py test_people_admin.py test_devices.py test_device_sessions.py \
	test_device_events.py test_device_client.py \
	test_device_statement.py test_repo_server.py test_repo_stream.py \
	test_director_rotation.py test_fleet_flow.py test_agent.py test_agent_inputs.py \
	test_sim.py test_rollouts.py test_rollout_fleet.py test_rollout_clock.py test_rollout_preview.py \
	test_vulns_server.py test_vuln_import_cli.py test_vex_roundtrip.py test_sbom_attach.py \
	test_web_static.py test_releases_api.py test_advisory_api.py

e2e-asan: build-asan
	cd tests/e2e && MEDFW_BUILD_DIR=$(CURDIR)/$(ASAN) TZ=UTC LC_ALL=C \
		ASAN_OPTIONS=detect_leaks=1:exitcode=86 UBSAN_OPTIONS=print_stacktrace=1 \
		$(PYTHON) -m pytest -q -p no:cacheprovider -m "not faketime" $(E2E_SERVER_TESTS)

# The dashboard in Debian's chromium (playwright-core, axe-core) against a real medfwd and
# a medfw-sim fleet; screenshots of every page in tests/browser/artifacts/.
browser: build
	scripts/build-web.sh --tests
	cd tests/browser && MEDFW_BUILD_DIR=$(CURDIR)/$(BUILD) MEDFW_WEB_DIR=$(CURDIR)/build/web TZ=UTC LC_ALL=C \
		node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec

check: unit fuzz-check e2e e2e-asan browser

bench: build
	@scripts/install-deps.sh --bench
	bench/run.sh $(BUILD)/medfw

clean:
	rm -rf build
