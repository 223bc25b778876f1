# amt-agent — the one entry point: build, check, demo, install, bench, fuzz.
#
#   make            build everything into build/ (gcc, -Werror)
#   make check      install missing build deps, build with gcc and with
#                   clang+ASan+UBSan, run unit and integration tests
#   make demo       install deps, build, run the agent against the simulator
#   make bench      benchmarks (never part of check)
#   make fuzz       build libFuzzer targets and run each for FUZZ_SECONDS
#   make install    install binaries, config, units (DESTDIR, PREFIX)
#   V=1             print full compiler and linker commands (default: one
#                   short line per object, library or binary)
#
# Layout: every directory becomes a static library of its .c files except
# its main.c, so tests link the same objects the binaries do.

BUILD   ?= build
CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?= 0
WERROR  ?= -Werror

PKGS := libcurl openssl inih libxml-2.0 jansson fuse3 sqlite3 libevent libevent_openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wvla $(WERROR)
CFLAGS  ?= -O2 -g
ifeq ($(SAN),1)
  CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDSAN  := -fsanitize=address,undefined
endif
ifeq ($(FUZZ),1)
  CFLAGS += -fsanitize=fuzzer-no-link
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -DAMT_VERSION='"$(VERSION)"' \
              -DAMT_AGENT_LIBDIR='"$(PREFIX)/lib/amt-agent"' \
              $(WARN) $(CFLAGS) -MMD -MP
ALL_LDFLAGS := -Wl,--as-needed $(LDSAN) $(LDFLAGS)

# Include flags per folder: each library sees only itself and the folders
# it may use, so a wrong arrow does not compile (scripts/checksrc.sh checks
# the same rule on the #include lines). proto/ is the floor and sees only
# libc; amt-verify and common/ never see libheci; agent/ and tools/ never
# see each other. A subfolder (agent/net) uses its parent's flags unless it
# defines its own INC_ line. Tests may include what they test.
INC_proto        := -Iproto
INC_heci         := -Iproto -Iheci
INC_common       := -Iproto -Icommon $(PKG_CFLAGS)
INC_agent        := -Iproto -Iheci -Icommon -Iagent $(PKG_CFLAGS)
INC_tools/sim    := -Iproto -Iheci -Icommon -Itools/sim $(PKG_CFLAGS)
INC_tools/verify := -Iproto -Icommon -Itools/verify $(PKG_CFLAGS)
INC_tests        := -I. -Iproto -Iheci -Icommon -Iagent -Itools/sim -Itools/verify $(PKG_CFLAGS)
src_incs = $(or $(INC_$(patsubst %/,%,$(dir $1))),$(INC_$(firstword $(subst /, ,$1))),\
                $(error no include flags for $1: add an INC_ line to the Makefile))

PROTO_SRC  := $(wildcard proto/*.c)
HECI_SRC   := $(wildcard heci/*.c)
COMMON_SRC := $(wildcard common/*.c)
AGENT_SRC  := $(filter-out agent/main.c,$(wildcard agent/*.c))
# The agent's network module (agent/net/, public header agent/net/net.h):
# everything that needs libcurl, libxml2 or OpenSSL, loaded with dlopen()
# only by hostid and report sending. Its own sources are agent/net/*.c; what
# it uses from common/ and proto/ comes from position-independent copies of
# those libraries, as a binary takes them from the static ones.
NET_SRC    := $(wildcard agent/net/*.c)
SIM_SRC    := $(filter-out tools/sim/main.c,$(wildcard tools/sim/*.c))
VERIFY_SRC := $(filter-out tools/verify/main.c,$(wildcard tools/verify/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

# Quiet recipes: $(call say,WHAT,NAME) prefixes a recipe line and prints
# "  WHAT NAME" instead of the command; V=1 prints the commands themselves.
V ?= 0
ifeq ($(V),1)
  say =
else
  say = @printf '  %-4s %s%s\n' '$(1)' '$(2)' '$(if $(filter-out build,$(BUILD)), [$(BUILD)])';
  MAKEFLAGS += --no-print-directory
endif

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBPROTO  := $(BUILD)/libproto.a
LIBHECI   := $(BUILD)/libheci.a
LIBCOMMON := $(BUILD)/libcommon.a
LIBAGENT  := $(BUILD)/libagent.a
LIBSIM    := $(BUILD)/libsim.a
LIBVERIFY := $(BUILD)/libverify.a
BINS      := $(BUILD)/amt-agent $(BUILD)/amt-sim $(BUILD)/amt-verify
NETMOD    := $(BUILD)/amt-agent-net.so
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all check demo bench fuzz install clean deps unit integration lint
all: $(BINS) $(NETMOD) $(UNIT_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) $(call src_incs,$<) -c $< -o $@

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$< (pic))$(CC) $(ALL_CFLAGS) $(call src_incs,$<) -fPIC -c $< -o $@

# Sanitizer runtimes live in the executable, so only a plain build can
# insist that the module resolves every symbol itself.
NET_LDFLAGS := -shared $(if $(filter 1,$(SAN)),,-Wl,--no-undefined)
PIC_COMMON := $(BUILD)/pic/libcommon.a
PIC_PROTO  := $(BUILD)/pic/libproto.a
$(NETMOD): $(patsubst %.c,$(BUILD)/pic/%.o,$(NET_SRC)) $(PIC_COMMON) $(PIC_PROTO)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) $(NET_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(PIC_COMMON): $(patsubst %.c,$(BUILD)/pic/%.o,$(COMMON_SRC))
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^
$(PIC_PROTO): $(patsubst %.c,$(BUILD)/pic/%.o,$(PROTO_SRC))
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

define static_lib
$(1): $(call obj,$(2))
	@mkdir -p $$(dir $$@)
	$$(call say,AR,$$@)rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call static_lib,$(LIBPROTO),$(PROTO_SRC)))
$(eval $(call static_lib,$(LIBHECI),$(HECI_SRC)))
$(eval $(call static_lib,$(LIBCOMMON),$(COMMON_SRC)))
$(eval $(call static_lib,$(LIBAGENT),$(AGENT_SRC)))
$(eval $(call static_lib,$(LIBSIM),$(SIM_SRC)))
$(eval $(call static_lib,$(LIBVERIFY),$(VERIFY_SRC)))

$(BUILD)/amt-agent: $(call obj,agent/main.c) $(LIBAGENT) $(LIBCOMMON) $(LIBHECI) $(LIBPROTO)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/amt-sim: $(call obj,tools/sim/main.c) $(LIBSIM) $(LIBCOMMON) $(LIBHECI) $(LIBPROTO)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/amt-verify: $(call obj,tools/verify/main.c) $(LIBVERIFY) $(LIBCOMMON) $(LIBPROTO)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Per-test extra link flags, e.g. the transport tests wrap the syscalls
# (tests/unit/heci_linux_test.h scripts them).
HECI_WRAP := -Wl,--wrap=open -Wl,--wrap=ioctl -Wl,--wrap=read -Wl,--wrap=write \
             -Wl,--wrap=poll -Wl,--wrap=close
WRAP_test_heci_linux    := $(HECI_WRAP)
WRAP_test_heci_probe    := $(HECI_WRAP)
WRAP_test_heci_backends := $(HECI_WRAP)
# A test links libcommon, libheci and libproto, plus the library its name says it
# tests: test_sim_* -> libsim, test_agent_* -> libagent, test_verify_* -> libverify.
test_libs = $(if $(filter test_sim_%,$1),$(LIBSIM)) $(if $(filter test_agent_%,$1),$(LIBAGENT)) \
            $(if $(filter test_verify_%,$1),$(LIBVERIFY)) $(LIBCOMMON) $(LIBHECI) $(LIBPROTO)
# The unit tests' objects are intermediate files of a pattern chain: keep
# them, or make deletes them after every build (and prints an rm line).
.SECONDARY: $(call obj,$(UNIT_SRC))
.SECONDEXPANSION:
$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $$(call test_libs,$$*)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) $(WRAP_$*)

deps:
	@scripts/install-deps.sh

# check: gcc -Werror build of everything, no call loop between the
# simulator's files (scripts/sim-deps.sh), then clang ASan+UBSan build whose
# binaries the unit and integration tests run.
check: deps
	@scripts/checksrc.sh
	$(call say,MAKE,all (gcc -Werror))$(MAKE) all
	@scripts/sim-deps.sh $(BUILD)/obj/tools/sim
	$(call say,MAKE,all (clang ASan+UBSan) BUILD=build-san)$(MAKE) all BUILD=build-san CC=clang SAN=1
	@tests/run.sh build-san

unit: all
	tests/run.sh $(BUILD) unit
integration: all
	tests/run.sh $(BUILD) integration

demo: deps
	$(call say,MAKE,all)$(MAKE) all
	$(call say,DEMO,scripts/demo.sh $(BUILD))scripts/demo.sh $(BUILD)

bench: deps
	$(MAKE) all
	tests/bench/run.sh $(BUILD)

FUZZ_SECONDS ?= 30
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
fuzz: deps
	$(MAKE) $(addprefix build-fuzz/,libproto.a libheci.a libcommon.a libagent.a libsim.a libverify.a) BUILD=build-fuzz CC=clang SAN=1 FUZZ=1
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

lint:
	@scripts/checksrc.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/etc/amt-agent
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -D -m 0644 $(NETMOD) $(DESTDIR)$(PREFIX)/lib/amt-agent/amt-agent-net.so
	install -m 0644 packaging/agent.conf $(DESTDIR)/etc/amt-agent/agent.conf
	install -D -m 0644 packaging/amt-agent.service $(DESTDIR)/lib/systemd/system/amt-agent.service
	install -D -m 0644 packaging/90-amt-agent-mei.rules $(DESTDIR)/lib/udev/rules.d/90-amt-agent-mei.rules
	install -D -m 0644 packaging/amt-agent.sysusers $(DESTDIR)/usr/lib/sysusers.d/amt-agent.conf

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj $(BUILD)/pic -name '*.d' 2>/dev/null)
