# wirescope: live-capture terminal packet sniffer.
# make            build ./wirescope
# make run        build and run (live on the default interface, or the sample)
# make check      install missing packages, then every test under ASan+UBSan
# make tsan       the ring and the pipeline under ThreadSanitizer
# make bench      throughput against tcpdump / tshark / a libpcap loop
# make scaling    time and memory from 10 k to 10 M packets and 1 k to 1 M
#                 connections; the limits on captures larger than them

CC      ?= cc
PKGS    := libpcap ncursesw
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpcap -lncursesw)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wno-error=unused-function
OPT     ?= -O2 -g
SAN     ?=
CFLAGS  := -std=c11 $(OPT) $(WARN) -pthread -D_GNU_SOURCE -Iinclude -Isrc $(PKG_CFLAGS) $(SAN)
LDLIBS  := $(PKG_LIBS) -lpthread -lm
BUILD   ?= build/release
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
CFLAGS  += -DWIRESCOPE_VERSION='"$(VERSION)"'

SRC      := $(sort $(shell find src -name '*.c'))
LIB_SRC  := $(filter-out src/main.c,$(SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
UNIT_SRC := $(sort $(wildcard test/unit/check_*.c))
UNIT_BIN := $(UNIT_SRC:test/unit/%.c=$(BUILD)/test/%)

ASAN_DIR := build/asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_DIR := build/tsan

.PHONY: all run check deps unit golden corpus tsan bench scaling fuzz hardening clean install uninstall install-setcap
all: wirescope

wirescope: $(BUILD)/wirescope
	cp -f $< $@

$(BUILD)/wirescope: $(MAIN_OBJ) $(BUILD)/libws.a
	@echo "  LD  $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libws.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/test/%: test/unit/%.c $(BUILD)/libws.a
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itest -MMD -MP -o $@ $< $(BUILD)/libws.a $(CHECK_LIBS) $(LDLIBS) -lpcap

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

run: wirescope
	./scripts/run.sh

deps:
	./scripts/install-deps.sh

# Unit tests of whichever BUILD flavour is selected.
unit: $(UNIT_BIN)
	@./test/scripts/run-unit.sh $(UNIT_BIN)

check: deps
	$(MAKE) --no-print-directory BUILD=$(ASAN_DIR) OPT="-O1 -g" SAN="$(ASAN_FLAGS)" unit $(ASAN_DIR)/wirescope
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-golden.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-errors.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-live.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-manpage.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-completion.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-install.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-follow.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-tcp-golden.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-checksums.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-app.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-terminal-safety.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/corpus-sweep.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/scripts/run-fuzz-regress.sh
	WIRESCOPE=$(ASAN_DIR)/wirescope ./test/ui/run.sh
	$(MAKE) --no-print-directory tsan
	@echo "make check: all test layers passed"

# The ring alone (two-thread stress), then the whole capture -> ring ->
# decoder pipeline on a generated capture, under ThreadSanitizer; last the
# UI's snapshot path (its request loop without a terminal, while the decoder
# is still reading the capture).
tsan:
	$(MAKE) --no-print-directory BUILD=$(TSAN_DIR) OPT="-O1 -g" SAN="-fsanitize=thread" \
	    $(TSAN_DIR)/test/check_ring $(TSAN_DIR)/wirescope
	TSAN_OPTIONS=halt_on_error=1 ./test/scripts/run-unit.sh $(TSAN_DIR)/test/check_ring
	@mkdir -p build
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -o build/gen-pcap tools/gen-pcap.c
	build/gen-pcap -o build/tsan.pcap -n 200000 -c 2000 2>/dev/null
	TSAN_OPTIONS=halt_on_error=1 $(TSAN_DIR)/wirescope --ring 1 -r build/tsan.pcap --conns >/dev/null
	TSAN_OPTIONS=halt_on_error=1 $(TSAN_DIR)/wirescope --ring 1 -r - --flows <build/tsan.pcap >/dev/null
	TSAN_OPTIONS=halt_on_error=1 WIRESCOPE_UI_SELFTEST=3000 $(TSAN_DIR)/wirescope --ring 1 -r build/tsan.pcap >/dev/null

# libFuzzer over the whole decode path (FUZZ_SECONDS, default 60), seeded
# from the tcpdump corpus and our own captures; crashes land in
# build/fuzz/crashes (minimise with -minimize_crash=1, keep in test/fuzz/regress).
# The last lines libFuzzer prints give executions per second and coverage.
FUZZ_SECONDS ?= 60
FUZZ_DIR := build/fuzz
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz:
	$(MAKE) --no-print-directory BUILD=$(FUZZ_DIR) CC=clang OPT="-O1 -g" \
	    SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" $(FUZZ_DIR)/libws.a
	clang -std=c11 -O1 -g -D_GNU_SOURCE -Iinclude -Isrc $(FUZZ_FLAGS) -o $(FUZZ_DIR)/fuzz_decode \
	    test/fuzz/fuzz_decode.c $(FUZZ_DIR)/libws.a -lpcap
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/crashes
	python3 test/fuzz/make-seeds.py $(FUZZ_DIR)/seeds ../shared/corpus/tcpdump-tests test/fixtures test/tcp test/app
	$(FUZZ_DIR)/fuzz_decode -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(FUZZ_DIR)/crashes/ -print_final_stats=1 \
	    $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds test/fuzz/regress

# Bounded memory under hostile captures (SYN flood, one-packet flows,
# fragments, a huge gap, DNS loops) and capture faults (root for the live
# parts); ~1.7 GB of generated captures in build/hardening/, reused.
# Release build only: sanitizers change RSS.
hardening: wirescope
	./test/hardening/run.sh

bench: wirescope
	./scripts/bench.sh

# ~12 GB of generated captures in build/scaling/ (reused), ~10 minutes the
# first time; results in build/scaling-results.md.
scaling: wirescope
	./scripts/scaling.sh

PREFIX  ?= /usr/local
DESTDIR ?=
# INSTALL_BIN: the binary installed (the tests install the ASan build).
INSTALL_BIN ?= wirescope
install: $(INSTALL_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/wirescope
	install -m 644 docs/wirescope.1 $(DESTDIR)$(PREFIX)/share/man/man1/wirescope.1
	install -m 644 share/bash-completion/wirescope \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/wirescope

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/wirescope $(DESTDIR)$(PREFIX)/share/man/man1/wirescope.1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/wirescope

install-setcap: install
	setcap cap_net_raw,cap_net_admin=eip $(DESTDIR)$(PREFIX)/bin/wirescope

clean:
	rm -rf build wirescope
