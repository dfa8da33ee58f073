# Thin wrapper over CMake. `make demo` and `make check` install missing
# Debian build dependencies first (as root), then build.
BUILD ?= build
SAN_BUILD ?= build-san
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
JOBS ?= $(shell nproc)
DEPS = cmake gcc make pkg-config libnng-dev libprotobuf-c-dev \
	protobuf-c-compiler check libsubunit-dev libseccomp-dev libinih-dev \
	lprng ghostscript jq libcups2-dev libgnutls28-dev cups-daemon \
	cups-ipp-utils libcairo2-dev libpango1.0-dev fonts-dejavu-core \
	fonts-wqy-zenhei poppler-utils qpdf libmagic-dev \
	libpoppler-glib-dev libjpeg62-turbo-dev libpng-dev libgs-dev clang \
	libsystemd-dev debhelper dpkg-dev lintian scdoc prometheus systemd \
	systemd-container curl libsqlite3-dev sqlite3 libpam0g-dev gnuplot-nox \
	libavahi-client-dev avahi-daemon avahi-utils dbus-daemon \
	cups-filters-core-drivers file libexif-dev fonts-noto-core \
	fonts-noto-color-emoji chromium tidy python3-websocket strace

.PHONY: all deps build demo check check-sanitize fuzz bench bench-store scale soak chaos corpus broker-leak package clean

all: build

deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "run as root to install: $$missing" >&2; exit 1; fi; \
		apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DSPOOLBOX_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)

# The whole suite twice: the release build, then ASan+UBSan (any finding
# fails a test; see tests/integration/lib.sh).
check: build
	cd $(BUILD) && ctest --output-on-failure -j 1
	$(MAKE) check-sanitize
	$(MAKE) fuzz

check-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DSPOOLBOX_SANITIZE=ON -DSPOOLBOX_WERROR=ON >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ctest --output-on-failure -j 1

# libFuzzer (clang) on every parser for FUZZ_SECONDS each, from the
# corpus in tests/fuzz/corpus; a crash fails and leaves its input in
# $(FUZZ_BUILD)/ (copy it into the corpus once fixed).
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang \
		-DCMAKE_BUILD_TYPE=Debug -DSPOOLBOX_SANITIZE=ON \
		-DSPOOLBOX_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_lpd fuzz_ipp \
		fuzz_chan fuzz_config fuzz_detect fuzz_ippresp fuzz_text fuzz_form
	for f in lpd ipp chan config detect ippresp text form; do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$f && \
		(cd $(FUZZ_BUILD) && \
			LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
			./tests/fuzz_$$f \
			-max_total_time=$(FUZZ_SECONDS) -timeout=5 \
			-rss_limit_mb=1024 -print_final_stats=1 \
			corpus/$$f ../tests/fuzz/corpus/$$f) || exit 1; \
	done

# The Debian package (build-pkg/spoolbox_*.deb), checked by lintian.
package: deps
	bash scripts/package.sh build-pkg

bench: build
	bash bench/run-throughput.sh $(BUILD)

# The job store at scale (issue 15): QUEUED jobs held (100000 for the
# full run; the default is a quicker 10000).
QUEUED ?= 10000
bench-store: build
	bash bench/store.sh $(BUILD) $(QUEUED)

# The suite's it_scale (10,000 jobs) and it_storekill (50 kills) at full
# size: SCALE_JOBS jobs held, restarted and printed; KILLS kills.
SCALE_JOBS ?= 100000
KILLS ?= 200
scale: build
	BUILD=$(abspath $(BUILD)) SCALE_JOBS=$(SCALE_JOBS) \
		bash tests/integration/it_scale.sh
	BUILD=$(abspath $(BUILD)) KILLS=$(KILLS) \
		bash tests/integration/it_storekill.sh

# The suite's it_soak at full size: SOAK_JOBS text jobs with every
# worker leaking, beside a clean run; soak.png and the figures in
# bench-out/.
SOAK_JOBS ?= 100000
soak: build
	bash bench/soak.sh $(BUILD) $(SOAK_JOBS) bench-out

# The suite's it_chaos at full size: CHAOS_JOBS jobs from the CLI, LPD
# and IPP while every kind and the broker are SIGKILLed in turn.
CHAOS_JOBS ?= 1000
chaos: build
	BUILD=$(abspath $(BUILD)) CHAOS_JOBS=$(CHAOS_JOBS) \
		bash tests/integration/it_chaos.sh

# The suite's it_corpus over every PDF in /usr/share/doc as well (the
# suite's: a few, and the generated documents); then the same corpus
# timed beside CUPS' filters (pages, valid, time ratio, peak memory).
corpus: build
	CORPUS=full BUILD=$(abspath $(BUILD)) bash tests/integration/it_corpus.sh
	CORPUS=full bash bench/vs-cups.sh $(BUILD)

# The broker over RECYCLES recycles (lprmon recycled after every job),
# built with ASan+UBSan: LeakSanitizer at its clean stop, and the slope of
# its private bytes (ASan's quarantine grows it there; `bash
# bench/broker-leak.sh build` gives the release build's slope).
RECYCLES ?= 10000
broker-leak: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DSPOOLBOX_SANITIZE=ON -DSPOOLBOX_WERROR=ON >/dev/null
	cmake --build $(SAN_BUILD) -j $(JOBS)
	bash bench/broker-leak.sh $(SAN_BUILD) $(RECYCLES)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD) build-pkg
