# SPDX-License-Identifier: Apache-2.0
# amt-agent — the one entry point: build, check, demo, install, bench, fuzz.
#
#   make            build everything into build/ (gcc, -Werror)
#   make check      install missing build deps, build with gcc and with
#                   clang+ASan+UBSan, run unit and integration tests
#   make demo       install deps, build, run the agent against the simulator
#   make bench      benchmarks (never part of check)
#   make fuzz       build libFuzzer targets and run each for FUZZ_SECONDS
#   make gui-test   amt-help on Xvfb driven through AT-SPI, with screenshots
#   make install    install what the packages hold: binaries, network module,
#                   config, systemd unit, udev rule, sysusers, man pages, bash
#                   completion (DESTDIR, PREFIX and the *DIR variables below);
#                   amt-help too where GTK 4 is (alone: make install-desktop);
#                   builds only what it installs
#   make uninstall  remove what install put there (an edited config stays)
#   make deb        Debian packages into build/packages/ (dpkg-buildpackage)
#   make rpm        RPM packages into build/packages/ (rpmbuild)
#   make man        the man pages (scdoc) into build/man/
#   V=1             print full compiler and linker commands (default: one
#                   short line per object, library or binary)
#
# Layout: every directory becomes a static library of its .c files except
# its main.c, so tests link the same objects the binaries do.

BUILD   ?= build
CC      ?= cc
SAN     ?= 0
WERROR  ?= -Werror

# Install layout. Everything follows PREFIX except the configuration, which
# the agent reads from /etc/amt-agent whatever PREFIX is. Debian 12 keeps
# units and udev rules in /lib (debian/rules passes UNITDIR and UDEVRULESDIR).
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
PKGLIBDIR    ?= $(PREFIX)/lib/amt-agent
MANDIR       ?= $(PREFIX)/share/man
SYSCONFDIR   ?= /etc
UNITDIR      ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
SYSUSERSDIR  ?= $(PREFIX)/lib/sysusers.d
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions

PKGS := libcurl openssl inih libxml-2.0 jansson fuse3 sqlite3 libevent libevent_openssl libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wvla $(WERROR)
CFLAGS  ?= -O2 -g
# Hardening, always on whatever CFLAGS say (a distribution's dpkg-buildflags
# or %optflags add some of it again, harmlessly): stack protector and clash
# protection, CET where the compiler has it, position-independent
# executables, read-only relocations bound at start. _FORTIFY_SOURCE only
# when CPPFLAGS/CFLAGS do not choose a level themselves (a second
# definition would be a -Werror error).
cc_has = $(shell $(CC) -Werror $(1) -x c -c /dev/null -o /dev/null 2>/dev/null && echo $(1))
HARDEN_CFLAGS  := -fstack-protector-strong $(call cc_has,-fstack-clash-protection) \
                  $(call cc_has,-fcf-protection) -fPIE
HARDEN_LDFLAGS := -Wl,-z,relro -Wl,-z,now
EXE_LDFLAGS    := -pie
FORTIFY := $(if $(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),,-D_FORTIFY_SOURCE=2)
ifeq ($(SAN),1)
  CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDSAN  := -fsanitize=address,undefined
endif
ifeq ($(FUZZ),1)
  CFLAGS += -fsanitize=fuzzer-no-link
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(FORTIFY) -DAMT_VERSION='"$(VERSION)"' \
              $(CPPFLAGS) $(WARN) $(HARDEN_CFLAGS) $(CFLAGS) -MMD -MP
ALL_LDFLAGS := -Wl,--as-needed $(HARDEN_LDFLAGS) $(LDSAN) $(LDFLAGS)
# Every object is rebuilt when the compiler or a flag changes: the stamp is
# rewritten only when they differ from the last build in $(BUILD).
FLAGS_STAMP := $(BUILD)/flags
FLAGS_NOW    = $(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(EXE_LDFLAGS)

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
# Generated sources (build/gen): the store's migrations, quoted from
# tools/verify/migrations by scripts/embed-sql.sh.
INC_$(BUILD)/gen := -Itools/verify
INC_desktop      = -Icommon -Idesktop $(PKG_CFLAGS) $(GIO_CFLAGS)
INC_desktop/app  = -Idesktop -Idesktop/app $(GTK_CFLAGS) -DGETTEXT_PACKAGE='"amt-help"' \
                    -DHELP_LOCALEDIR='"$(HELP_LOCALEDIR)"'
INC_tests        = -I. -Iproto -Iheci -Icommon -Iagent -Itools/sim -Itools/verify -Idesktop \
                    $(PKG_CFLAGS) $(GIO_CFLAGS)
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
MIGRATIONS := $(sort $(wildcard tools/verify/migrations/*/*.sql))
GEN_MIGRATIONS := $(BUILD)/gen/store_migrations.c
VERIFY_SRC := $(filter-out tools/verify/main.c,$(wildcard tools/verify/*.c)) $(GEN_MIGRATIONS)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
MAN_SRC    := $(wildcard packaging/man/*.scd)

# Quiet recipes: $(call say,WHAT,NAME) prefixes a recipe line and prints
# "  WHAT NAME" instead of the command; V=1 prints the commands themselves.
V ?= 0
ifeq ($(V),1)
  say =
else
  say = @printf '  %-4s %s%s\n' '$(1)' '$(2)' '$(if $(filter-out build,$(BUILD)), [$(BUILD)])';
  MAKEFLAGS += --no-print-directory
endif

# amt-help, the desktop app (desktop/): built only where GTK 4 is installed.
# desktop/*.c is libdesktop (socket client and state logic over GIO, no
# GTK: unit-tested without a display); desktop/app/*.c is the GTK window.
GTK_OK := $(shell pkg-config --exists gtk4 2>/dev/null && echo yes)
HELP_LIB_SRC := $(wildcard desktop/*.c)
HELP_APP_SRC := $(wildcard desktop/app/*.c)
HELP_LANGS   := $(shell sed '/^[[:punct:]]/d' po/LINGUAS 2>/dev/null)
HELP_LOCALEDIR := $(PREFIX)/share/locale
ifeq ($(GTK_OK),yes)
  GIO_CFLAGS := $(shell pkg-config --cflags gio-unix-2.0)
  GIO_LIBS   := $(shell pkg-config --libs gio-unix-2.0)
  GTK_CFLAGS := $(shell pkg-config --cflags gtk4)
  GTK_LIBS   := $(shell pkg-config --libs gtk4)
  DESKTOP_TARGETS := $(BUILD)/amt-help $(BUILD)/po/amt-help.pot \
                     $(BUILD)/desktop/org.amtagent.Help.desktop \
                     $(BUILD)/desktop/org.amtagent.Help.metainfo.xml \
                     $(patsubst %,$(BUILD)/locale/%/LC_MESSAGES/amt-help.mo,$(HELP_LANGS))
else
  UNIT_SRC := $(filter-out tests/unit/test_desktop_%,$(UNIT_SRC))
  DESKTOP_TARGETS := desktop-skipped
endif

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBPROTO  := $(BUILD)/libproto.a
LIBHECI   := $(BUILD)/libheci.a
LIBCOMMON := $(BUILD)/libcommon.a
LIBAGENT  := $(BUILD)/libagent.a
LIBSIM    := $(BUILD)/libsim.a
LIBVERIFY := $(BUILD)/libverify.a
LIBDESKTOP := $(BUILD)/libdesktop.a
BINS      := $(BUILD)/amt-agent $(BUILD)/amt-sim $(BUILD)/amt-verify
NETMOD    := $(BUILD)/amt-agent-net.so
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
MAN_PAGES := $(patsubst packaging/man/%.scd,$(BUILD)/man/%,$(MAN_SRC))

.PHONY: all check demo bench fuzz install uninstall man programs deb rpm clean deps unit integration \
	lint gui-test desktop-skipped install-desktop FORCE
FORCE:
# Benchmark tools (tests/bench/*.c): built with everything so both
# compilers check them; run only by make bench.
BENCH_BINS := $(BUILD)/bench/report_load $(BUILD)/bench/wsman_loop
all: $(BINS) $(NETMOD) $(UNIT_BINS) $(MAN_PAGES) $(DESKTOP_TARGETS) $(BENCH_BINS)

$(BUILD)/bench/%: $(call obj,tests/bench/%.c)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(GEN_MIGRATIONS): scripts/embed-sql.sh $(MIGRATIONS)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)scripts/embed-sql.sh $@ $(MIGRATIONS)

$(FLAGS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@

# The last fallback directory of the network module (net_load.c); kept out
# of the stamp: an install with another PREFIX finds the module from the
# binary's own path and need not rebuild anything.
$(call obj,agent/net_load.c): private ALL_CFLAGS += -DAMT_AGENT_LIBDIR='"$(PKGLIBDIR)"'

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) $(call src_incs,$<) -c $< -o $@

$(BUILD)/pic/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(call say,CC,$< (pic))$(CC) $(ALL_CFLAGS) $(call src_incs,$<) -fPIC -c $< -o $@

# Sanitizer runtimes live in the executable, so only a plain build can
# insist that the module resolves every symbol itself.
NET_LDFLAGS := -shared -Wl,--version-script=agent/net/net.map $(if $(filter 1,$(SAN)),,-Wl,--no-undefined)
PIC_COMMON := $(BUILD)/pic/libcommon.a
PIC_PROTO  := $(BUILD)/pic/libproto.a
$(NETMOD): $(patsubst %.c,$(BUILD)/pic/%.o,$(NET_SRC)) $(PIC_COMMON) $(PIC_PROTO) agent/net/net.map
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) $(NET_LDFLAGS) -o $@ $(filter-out %.map,$^) $(PKG_LIBS)
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
$(eval $(call static_lib,$(LIBDESKTOP),$(HELP_LIB_SRC)))

$(BUILD)/amt-agent: $(call obj,agent/main.c) $(LIBAGENT) $(LIBCOMMON) $(LIBHECI) $(LIBPROTO)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) $(EXE_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/amt-sim: $(call obj,tools/sim/main.c) $(LIBSIM) $(LIBCOMMON) $(LIBHECI) $(LIBPROTO)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) $(EXE_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BUILD)/amt-verify: $(call obj,tools/verify/main.c) $(LIBVERIFY) $(LIBCOMMON) $(LIBPROTO)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) $(EXE_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# ---- amt-help ----
desktop-skipped:
	@echo "amt-help (the desktop app) skipped: GTK 4 not found (pkg-config gtk4) —" \
	      "install libgtk-4-dev to build it; everything else is built"

# The icon is compiled in, so a window run from the build tree shows it too.
# Generated code: compiled without the house warnings.
$(BUILD)/desktop/help_resources.c: desktop/data/amt-help.gresource.xml desktop/data/org.amtagent.Help.svg
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)glib-compile-resources --sourcedir=desktop/data --generate-source --target=$@ $<
$(BUILD)/desktop/help_resources.o: $(BUILD)/desktop/help_resources.c
	$(call say,CC,$<)$(CC) -std=c11 $(CPPFLAGS) $(HARDEN_CFLAGS) $(CFLAGS) $(GIO_CFLAGS) -c $< -o $@
$(BUILD)/amt-help: $(call obj,$(HELP_APP_SRC)) $(BUILD)/desktop/help_resources.o $(LIBDESKTOP) $(LIBCOMMON)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) $(EXE_LDFLAGS) -o $@ $^ $(GTK_LIBS) $(PKG_LIBS)

# Translations: the template from the sources in po/POTFILES, one .mo per
# po/LINGUAS language, and the .desktop and metainfo files with the
# translations merged in (what gets installed).
HELP_POTFILES := $(shell sed '/^[[:punct:]]/d' po/POTFILES)
$(BUILD)/po/amt-help.pot: po/POTFILES $(HELP_POTFILES)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)xgettext --from-code=UTF-8 --add-comments=TRANSLATORS: -k_ -kN_ -kC_:1c,2 \
		--package-name=amt-help --package-version=$(VERSION) \
		--msgid-bugs-address="the amt-agent issue tracker" -o $@ $(HELP_POTFILES)
$(BUILD)/locale/%/LC_MESSAGES/amt-help.mo: po/%.po
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)msgfmt --check -o $@ $<
$(BUILD)/desktop/org.amtagent.Help.desktop: desktop/data/org.amtagent.Help.desktop po/LINGUAS $(wildcard po/*.po)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)msgfmt --desktop --template=$< -d po -o $@
$(BUILD)/desktop/org.amtagent.Help.metainfo.xml: desktop/data/org.amtagent.Help.metainfo.xml po/LINGUAS $(wildcard po/*.po)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)msgfmt --xml --template=$< -d po -o $@

# Per-test extra link flags, e.g. the transport tests wrap the syscalls
# (tests/unit/heci_linux_test.h scripts them).
HECI_WRAP := -Wl,--wrap=open -Wl,--wrap=ioctl -Wl,--wrap=read -Wl,--wrap=write \
             -Wl,--wrap=poll -Wl,--wrap=close
WRAP_test_heci_linux    := $(HECI_WRAP)
WRAP_test_heci_probe    := $(HECI_WRAP)
WRAP_test_heci_backends := $(HECI_WRAP)
# A test links libcommon, libheci and libproto, plus the library its name says it
# tests: test_sim_* -> libsim, test_agent_* -> libagent, test_verify_* -> libverify,
# test_desktop_* -> libdesktop (and GIO; built only where GTK 4 is).
test_libs = $(if $(filter test_sim_%,$1),$(LIBSIM)) $(if $(filter test_agent_%,$1),$(LIBAGENT)) \
            $(if $(filter test_verify_%,$1),$(LIBVERIFY)) \
            $(if $(filter test_desktop_%,$1),$(LIBDESKTOP)) $(LIBCOMMON) $(LIBHECI) $(LIBPROTO)
# The unit tests' objects are intermediate files of a pattern chain: keep
# them, or make deletes them after every build (and prints an rm line).
.SECONDARY: $(call obj,$(UNIT_SRC))
.SECONDEXPANSION:
$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $$(call test_libs,$$*)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) $(EXE_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) $(WRAP_$*) \
		$(if $(filter test_desktop_%,$*),$(GIO_LIBS))

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

# gui-test: amt-help on a real display (Xvfb), driven through AT-SPI as
# assistive technology would, against amt-sim + the daemon + amt-verify as
# the MPS; screenshots of each state go to BUILD/screenshots/.
gui-test:
	@scripts/install-deps.sh --gui
	$(MAKE) all
	tests/run.sh $(BUILD) gui

unit: all
	tests/run.sh $(BUILD) unit
integration: all
	tests/run.sh $(BUILD) integration

demo: deps
	$(call say,MAKE,all)$(MAKE) all
	$(call say,DEMO,scripts/demo.sh $(BUILD))scripts/demo.sh $(BUILD)

# a WS-Man client in a loop for tests/bench/tunnel.sh (common/wsman.c, as amt-verify uses it)
$(BUILD)/bench/wsman_loop: $(call obj,tests/bench/wsman_loop.c) $(LIBCOMMON) $(LIBPROTO)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

bench: deps
	$(MAKE) all $(BENCH_BINS)
	tests/bench/run.sh $(BUILD)

FUZZ_SECONDS ?= 30
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
fuzz: deps
	$(MAKE) $(addprefix build-fuzz/,libproto.a libheci.a libcommon.a libagent.a libsim.a libverify.a) BUILD=build-fuzz CC=clang SAN=1 FUZZ=1
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

lint:
	@scripts/checksrc.sh

# ---- install, packages --------------------------------------------------
# What is installed comes from lists a new binary, man page or completion
# joins by itself: BINS, packaging/man/*.scd (NAME.SECTION.scd), and the
# programs in BASHCOMP_FOR. Files that name an install directory are
# generated from packaging/*.in with the directories of this run.
GEN_UNIT  := $(BUILD)/packaging/amt-agent.service
BASHCOMP_FOR := $(notdir $(BINS))
INSTALL_DIRS = BINDIR=$(BINDIR) PKGLIBDIR=$(PKGLIBDIR) SYSCONFDIR=$(SYSCONFDIR)
# Substitutes @BINDIR@, @PKGLIBDIR@, @SYSCONFDIR@ and @VERSION@.
subst_dirs = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@PKGLIBDIR@|$(PKGLIBDIR)|g' \
                 -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@VERSION@|$(VERSION)|g'

# Rewritten only when a directory changed, so the generated files follow
# the directories of each make run without being remade on every run.
$(BUILD)/packaging/dirs: FORCE
	@mkdir -p $(dir $@)
	@echo '$(INSTALL_DIRS) VERSION=$(VERSION)' | cmp -s - $@ || echo '$(INSTALL_DIRS) VERSION=$(VERSION)' > $@
$(BUILD)/packaging/%: packaging/%.in $(BUILD)/packaging/dirs
	$(call say,GEN,$@)$(subst_dirs) $< > $@.tmp && mv $@.tmp $@
$(BUILD)/man/%: packaging/man/%.scd $(BUILD)/packaging/dirs
	@mkdir -p $(dir $@)
	@command -v scdoc >/dev/null || { echo "scdoc is needed for the man pages: apt-get install scdoc" >&2; exit 1; }
	$(call say,MAN,$@)$(subst_dirs) $< | scdoc > $@.tmp && mv $@.tmp $@

man: $(MAN_PAGES)
# What install installs, built without the unit tests (a package built
# with DEB_BUILD_OPTIONS=nocheck needs no cmocka).
programs: $(BINS) $(NETMOD) $(MAN_PAGES) $(GEN_UNIT)

D := $(DESTDIR)
install: programs $(if $(filter yes,$(GTK_OK)),install-desktop)
	$(call say,INST,$(D)$(BINDIR)/ ...)install -d $(D)$(BINDIR) $(D)$(PKGLIBDIR) $(D)$(SYSCONFDIR)/amt-agent
	@install -m 0755 $(BINS) $(D)$(BINDIR)/
	@install -m 0644 $(NETMOD) $(D)$(PKGLIBDIR)/amt-agent-net.so
	@# An administrator's edited configuration is never overwritten.
	@if [ -e $(D)$(SYSCONFDIR)/amt-agent/agent.conf ] && ! cmp -s packaging/agent.conf $(D)$(SYSCONFDIR)/amt-agent/agent.conf; then \
		echo "  kept $(D)$(SYSCONFDIR)/amt-agent/agent.conf (changed); the shipped one is packaging/agent.conf"; \
	else install -m 0644 packaging/agent.conf $(D)$(SYSCONFDIR)/amt-agent/agent.conf; fi
	@install -D -m 0644 $(GEN_UNIT) $(D)$(UNITDIR)/amt-agent.service
	@install -D -m 0644 packaging/90-amt-agent-mei.rules $(D)$(UDEVRULESDIR)/90-amt-agent-mei.rules
	@install -D -m 0644 packaging/amt-agent.sysusers $(D)$(SYSUSERSDIR)/amt-agent.conf
	@for m in $(MAN_PAGES); do s=$${m##*.}; install -D -m 0644 $$m $(D)$(MANDIR)/man$$s/$${m##*/}; done
	@for p in $(BASHCOMP_FOR); do install -D -m 0644 packaging/bash-completion/amt-tools.bash $(D)$(BASHCOMPDIR)/$$p; done

uninstall:
	$(call say,RM,$(D)$(BINDIR)/ ...)rm -f $(addprefix $(D)$(BINDIR)/,$(notdir $(BINS)))
	@rm -f $(D)$(PKGLIBDIR)/amt-agent-net.so $(D)$(UNITDIR)/amt-agent.service \
		$(D)$(UDEVRULESDIR)/90-amt-agent-mei.rules $(D)$(SYSUSERSDIR)/amt-agent.conf \
		$(foreach m,$(MAN_PAGES),$(D)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
		$(addprefix $(D)$(BASHCOMPDIR)/,$(BASHCOMP_FOR))
	@rmdir $(D)$(PKGLIBDIR) 2>/dev/null || true
	@if cmp -s packaging/agent.conf $(D)$(SYSCONFDIR)/amt-agent/agent.conf; then \
		rm -f $(D)$(SYSCONFDIR)/amt-agent/agent.conf; rmdir $(D)$(SYSCONFDIR)/amt-agent 2>/dev/null || true; \
	elif [ -e $(D)$(SYSCONFDIR)/amt-agent/agent.conf ]; then \
		echo "  kept $(D)$(SYSCONFDIR)/amt-agent/agent.conf (changed since install)"; fi
	@rm -f $(D)$(BINDIR)/amt-help $(D)$(PREFIX)/share/applications/org.amtagent.Help.desktop \
		$(D)$(PREFIX)/share/metainfo/org.amtagent.Help.metainfo.xml \
		$(D)$(PREFIX)/share/icons/hicolor/scalable/apps/org.amtagent.Help.svg \
		$(foreach l,$(HELP_LANGS),$(D)$(PREFIX)/share/locale/$(l)/LC_MESSAGES/amt-help.mo)
	@echo "  kept the state in /var/lib/amt-agent (host-ID copy, unsent reports) and the amt-agent user"

# Packages are built from a copy of the tree's files (tracked and new, not
# ignored: no build/), so the package's own clean never touches this tree.
PKG_DIR  := build/packages
PKG_SRC   = $(PKG_DIR)/src/amt-agent-$(VERSION)
pkg_files = if git rev-parse --git-dir >/dev/null 2>&1; then git ls-files -z -co --exclude-standard; \
	else find . -path ./build -prune -o -path ./build-san -prune -o -path ./build-fuzz -prune -o \
		-path ./.git -prune -o ! -type d -print0; fi
pkg_tree = rm -rf $(PKG_DIR)/src && mkdir -p $(1) && \
	{ $(pkg_files); } | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C $(1) -xf -
deb:
	@v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(VERSION)" ] || \
		{ echo "debian/changelog is at $$v but VERSION is $(VERSION): add a changelog entry (dch -v $(VERSION))"; exit 1; }
	$(call say,DEB,$(PKG_DIR)/)$(call pkg_tree,$(PKG_SRC))
	@cd $(PKG_SRC) && dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || \
		{ echo "dpkg-buildpackage failed; the end of $(PKG_DIR)/src/build.log:"; tail -30 ../build.log; exit 1; }
	@mv $(PKG_DIR)/src/*.deb $(PKG_DIR)/src/*.buildinfo $(PKG_DIR)/src/*.changes $(PKG_DIR)/
	@mv $(PKG_DIR)/src/build.log $(PKG_DIR)/deb-build.log && rm -rf $(PKG_DIR)/src
	@ls -1 $(PKG_DIR)/*.deb

RPM_TOP := $(abspath $(PKG_DIR))/rpm
rpm:
	$(call say,RPM,$(PKG_DIR)/)$(call pkg_tree,$(PKG_SRC))
	@mkdir -p $(RPM_TOP)/SOURCES
	@tar -C $(PKG_DIR)/src -czf $(RPM_TOP)/SOURCES/amt-agent-$(VERSION).tar.gz amt-agent-$(VERSION)
	@cp packaging/amt-agent.sysusers $(RPM_TOP)/SOURCES/
	@sed 's|@VERSION@|$(VERSION)|g' packaging/rpm/amt-agent.spec > $(RPM_TOP)/amt-agent.spec
	@rpmbuild --define '_topdir $(RPM_TOP)' --nodeps -bb $(RPM_TOP)/amt-agent.spec > $(PKG_DIR)/rpm-build.log 2>&1 || \
		{ echo "rpmbuild failed; the end of $(PKG_DIR)/rpm-build.log:"; tail -30 $(PKG_DIR)/rpm-build.log; exit 1; }
	@mv $(RPM_TOP)/RPMS/*/*.rpm $(PKG_DIR)/ && rm -rf $(PKG_DIR)/src
	@ls -1 $(PKG_DIR)/*.rpm

# amt-help and its desktop integration (the amt-agent-desktop package).
install-desktop: $(DESKTOP_TARGETS)
	install -D -m 0755 $(BUILD)/amt-help $(DESTDIR)$(BINDIR)/amt-help
	install -D -m 0644 $(BUILD)/desktop/org.amtagent.Help.desktop \
		$(DESTDIR)$(PREFIX)/share/applications/org.amtagent.Help.desktop
	install -D -m 0644 $(BUILD)/desktop/org.amtagent.Help.metainfo.xml \
		$(DESTDIR)$(PREFIX)/share/metainfo/org.amtagent.Help.metainfo.xml
	install -D -m 0644 desktop/data/org.amtagent.Help.svg \
		$(DESTDIR)$(PREFIX)/share/icons/hicolor/scalable/apps/org.amtagent.Help.svg
	for l in $(HELP_LANGS); do install -D -m 0644 $(BUILD)/locale/$$l/LC_MESSAGES/amt-help.mo \
		$(DESTDIR)$(PREFIX)/share/locale/$$l/LC_MESSAGES/amt-help.mo || exit 1; done

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj $(BUILD)/pic -name '*.d' 2>/dev/null)
