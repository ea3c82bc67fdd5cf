# Kext toolchain for FreeBSD: one Makefile, out-of-tree build.
#
#   make                 libraries, tools and tests into $(BUILD) (default build/)
#   make check           build, then run every test (unit tests also under ASan+UBSan),
#                        -jN of them at a time, one line each
#   make bench           benchmarks; they print figures
#   make smoke           boot a Linux VM (QEMU/TCG) and load, list, unload kexts in it
#   make install         tools to $(DESTDIR)$(PREFIX)/sbin, man pages to share/man/man8,
#                        bundles to $(DESTDIR)/System/Library/Extensions
#   make extensions      the shipped bundles into $(EXT_DIR): Kernel.kext, and Mach.kext
#                        with MACH_KO=/path/mach.ko or MACH_RELEASE=/path/mach.ko-FreeBSD-*.tar.gz
#                        (MACH_VERSION= for a mach.ko without MODULE_VERSION)
#   make clean
#
# Needs GNU make (gmake on FreeBSD). The build is quiet; V=1 shows every command.

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?=

# --- platform and libraries ----------------------------------------------------
# The target comes from the compiler, so a cross build (CC="clang --target=...")
# is configured for the system it builds for, not the one it runs on.
TARGET   := $(shell $(CC) -dumpmachine 2>/dev/null)
TARGET_OS := $(if $(findstring freebsd,$(TARGET)),FreeBSD,$(if $(findstring linux,$(TARGET)),Linux,$(shell uname -s)))

# Cross-building: SYSROOT is the target's root (its /usr/include, /usr/lib and
# the packages' /usr/local); pkg-config then reads the target's .pc files only
# (PKG_CONFIG_LIBDIR, PKG_CONFIG_SYSROOT_DIR from the environment win). A
# compiler for another OS links with lld (LD_FLAVOR=... to change).
SYSROOT ?=
PKG_CONFIG ?= pkg-config
ifneq ($(SYSROOT),)
CFLAGS_SYSROOT := --sysroot=$(SYSROOT)
LDFLAGS  += --sysroot=$(SYSROOT)
PKG_CONFIG_SYSROOT_DIR ?= $(SYSROOT)
ifeq ($(TARGET_OS),FreeBSD)
PKG_CONFIG_LIBDIR ?= $(SYSROOT)/usr/libdata/pkgconfig:$(SYSROOT)/usr/local/libdata/pkgconfig
else
PKG_CONFIG_LIBDIR ?= $(SYSROOT)/usr/lib/pkgconfig:$(SYSROOT)/usr/share/pkgconfig
endif
# given on the command line of $(shell): GNU make < 4.4 does not export to it
PKG_CONFIG := PKG_CONFIG_SYSROOT_DIR='$(PKG_CONFIG_SYSROOT_DIR)' PKG_CONFIG_LIBDIR='$(PKG_CONFIG_LIBDIR)' $(PKG_CONFIG)
endif
ifneq ($(TARGET_OS),$(shell uname -s))
LD_FLAVOR ?= lld
endif
ifneq ($(LD_FLAVOR),)
LDFLAGS  += -fuse-ld=$(LD_FLAVOR)
endif

# pkg-config one package at a time, so one missing .pc costs only its own flags.
pkg_exists = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pkg_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

# Required: libplist and libxml2 (packages libplist/libxml2 on FreeBSD,
# libplist-dev/libxml2-dev on Debian).
ifneq ($(MAKECMDGOALS),clean)
$(foreach p,libplist-2.0 libxml-2.0,$(if $(call pkg_exists,$(p)),,\
  $(warning pkg-config does not know $(p): install its development package (README.md, Building))))
endif
PKG_CFLAGS := $(call pkg_cflags,libplist-2.0) $(call pkg_cflags,libxml-2.0)
PKG_LIBS   := $(call pkg_libs,libplist-2.0)
# libarchive: FreeBSD's base system has it without a .pc file. Linked only
# where archives are read (ko2kext, ARCHIVE_USERS below): Debian's brings
# libxml2 with it, which the other tools open only when they need it, and a
# link without --as-needed (Debian's gcc with sanitizers, clang) keeps what
# it is given.
PKG_CFLAGS += $(call pkg_cflags,libarchive)
ARCHIVE_LIBS := $(or $(call pkg_libs,libarchive),-larchive)

# libplist has no version macro: pkg-config's version becomes one (2.7.0 -> 20700).
LIBPLIST_VERSION := $(shell $(PKG_CONFIG) --modversion libplist-2.0 2>/dev/null)
LIBPLIST_VERSION_NUM := $(shell echo '$(LIBPLIST_VERSION)' | \
                          awk -F. '{ printf "%d", $$1 * 10000 + $$2 * 100 + $$3 }')
PKG_CFLAGS += -DKEXT_LIBPLIST_VERSION=$(LIBPLIST_VERSION_NUM)

# strlcpy/strlcat: FreeBSD's libc and glibc >= 2.38 have them; older glibc gets
# them from libbsd's overlay. LIBBSD=yes or LIBBSD=no overrides the probe.
ifeq ($(TARGET_OS)$(origin LIBBSD),Linuxundefined)
LIBBSD := $(if $(shell printf '\043include <string.h>\nsize_t f(char *d);\nsize_t f(char *d) { return strlcpy(d, "", 1); }\n' | \
    $(CC) $(CFLAGS_SYSROOT) -D_GNU_SOURCE -Werror -fsyntax-only -x c - >/dev/null 2>&1 && echo ok),no,yes)
endif
ifeq ($(LIBBSD),yes)
PKG_CFLAGS += $(call pkg_cflags,libbsd-overlay)
PKG_LIBS   += $(or $(call pkg_libs,libbsd-overlay),-lbsd)
endif

# libxml2 is not linked: CoreFoundation-lite opens it with dlopen when XML must
# really be parsed (src/cflite_libxml_load.c), since starting it (with ICU and
# libstdc++ on Debian) cost every tool ~1.1 ms of CPU. The file it opens is the
# soname of the libxml2 compiled against, read from libxml2.so in pkg-config's
# libdir: 2.14 changed it from libxml2.so.2 to libxml2.so.16 (libxml2's NEWS,
# v2.14.0). Expanded only when that file is compiled; LIBXML2_SONAME= overrides.
LIBXML2_SONAME = $(or $(shell d=$$($(PKG_CONFIG) --variable=libdir libxml-2.0 2>/dev/null); \
    for f in "$(SYSROOT)$$d/libxml2.so" "$$d/libxml2.so"; do [ -e "$$f" ] || continue; \
    { readelf -d "$$f" || objdump -p "$$f"; } 2>/dev/null | \
    awk '/SONAME/ { s = $$NF; gsub(/[][]/, "", s); print s; exit }'; break; done),\
  $(error no soname found for libxml2.so in pkg-config's libdir of libxml-2.0 \
  ("$(shell $(PKG_CONFIG) --variable=libdir libxml-2.0 2>&1)"; needs readelf or objdump): \
  install libxml2's development package, or set LIBXML2_SONAME=))
$(BUILD)/obj/CoreFoundation-lite/src/cflite_libxml_load.o: \
  CPPFLAGS += -DCFLITE_LIBXML2_SONAME='"$(LIBXML2_SONAME)"'
# dlopen: older glibc has it in libdl (2.34 moved libdl into libc, its release
# notes), the C library elsewhere; a test link decides. LIBDL=-ldl or LIBDL=
# overrides it.
ifeq ($(origin LIBDL)$(filter clean,$(MAKECMDGOALS)),undefined)
LIBDL := $(if $(shell printf '\043include <dlfcn.h>\nint main(void) { return dlopen(0, 0) == 0; }\n' | \
    $(CC) $(CFLAGS_SYSROOT) $(LDFLAGS) -x c - -o /dev/null >/dev/null 2>&1 && echo ok),,-ldl)
endif

CMOCKA_CFLAGS := $(call pkg_cflags,cmocka)
CMOCKA_LIBS   := $(or $(call pkg_libs,cmocka),-lcmocka)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += $(CFLAGS_SYSROOT) -std=c17 $(WARN) -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
ifneq ($(SAN),)
CFLAGS   += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif
# FUZZ=1: coverage for libFuzzer (clang only; see "fuzzing" below)
ifneq ($(FUZZ),)
CFLAGS   += -fsanitize=fuzzer-no-link
endif
CPPFLAGS += -ICoreFoundation-lite/include -Ikext_tools/include $(PKG_CFLAGS)

# --- sources -----------------------------------------------------------------
CF_SRC     := $(sort $(wildcard CoreFoundation-lite/src/*.c))
ENGINE_SRC := $(sort $(wildcard kext_tools/lib/*/*.c))
CONV_SRC   := $(sort $(wildcard converter/*.c))
TOOLS      := $(basename $(notdir $(wildcard kext_tools/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(sort $(filter-out tests/unit/test_%,$(wildcard tests/unit/*.c)))

CF_LIB     := $(BUILD)/lib/libCoreFoundation-lite.a
ENGINE_LIB := $(BUILD)/lib/libkext.a
BINS       := $(addprefix $(BUILD)/bin/,$(TOOLS) kextutil) \
              $(if $(CONV_SRC),$(BUILD)/bin/ko2kext $(BUILD)/bin/ko2kext.sh)
UNITS      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCHES    := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))
# Test helpers the integration tests run (tests/tools/README.md); never installed.
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/testbin/%,$(wildcard tests/tools/*.c))
MANS       := $(wildcard kext_tools/man/*.8 converter/*.8)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# Quiet by default: compiling says nothing, each library and program one line.
V ?= 0
ifeq ($(V),0)
Q    := @
say   = @printf '  %-5s %s\n' $(1) $(2)
else
Q    :=
say   =
endif

# Benchmarks are built with everything so they never fall behind the code.
all: $(BINS) $(UNITS) $(BENCHES) $(TEST_TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(CF_LIB): $(call obj,$(CF_SRC))
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(ENGINE_LIB): $(call obj,$(ENGINE_SRC))
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

LIBS := $(ENGINE_LIB) $(CF_LIB) $(PKG_LIBS) $(LIBDL) -lm

$(BUILD)/bin/ko2kext: $(call obj,$(CONV_SRC)) $(ENGINE_LIB) $(CF_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(call obj,$(CONV_SRC)) $(ARCHIVE_LIBS) $(LIBS)

# ko2kext.sh is ko2kext under NextBSD's converter's name, taking its command line.
$(BUILD)/bin/ko2kext.sh: $(BUILD)/bin/ko2kext
	$(Q)ln -f $< $@

# kextutil is kextload under another name: it plans and checks without loading.
$(BUILD)/bin/kextutil: $(BUILD)/bin/kextload
	$(Q)ln -f $< $@

$(BUILD)/bin/%: $(BUILD)/obj/kext_tools/%.o $(ENGINE_LIB) $(CF_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(call obj,$(UNIT_HELPERS)) $(ENGINE_LIB) $(CF_LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(UNIT_HELPERS)) $(ARCHIVE) $(LIBS) $(CMOCKA_LIBS)

$(BUILD)/testbin/%: $(BUILD)/obj/tests/tools/%.o $(ENGINE_LIB) $(CF_LIB)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(call obj,$(UNIT_HELPERS)) $(ENGINE_LIB) $(CF_LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(UNIT_HELPERS)) $(ARCHIVE) $(LIBS) $(CMOCKA_LIBS)

$(BUILD)/obj/tests/%.o: CPPFLAGS += $(CMOCKA_CFLAGS) -Itests/unit
# The tests that read archives themselves.
ARCHIVE_USERS := test_kernel_sim test_kmod_corpus
$(addprefix $(BUILD)/tests/,$(ARCHIVE_USERS)): ARCHIVE = $(ARCHIVE_LIBS)

# --- tests -------------------------------------------------------------------
# make check builds everything (plain, ASan+UBSan, fixtures), then runs each
# test as a target of its own, so -jN runs N at a time: tests/run1.sh prints
# one line a test (status, name, seconds) and tests/summary.sh closes with
# "N passed, N failed, N skipped". The slowest come first so the cores
# finish together.
UNIT_TESTS  := $(patsubst tests/unit/%.c,%,$(UNIT_SRC))
INTEG_TESTS := $(filter-out lib,$(basename $(notdir $(wildcard tests/integration/*.sh))))
SLOW_TESTS  := $(foreach t,ko2kext_corpus linux_symbols fuzz_short hostile valgrind_tools boot,$(filter $(t),$(INTEG_TESTS))) \
               $(filter test_scale,$(UNIT_TESTS))
TESTS       := $(SLOW_TESTS) $(filter-out $(SLOW_TESTS),$(INTEG_TESTS) $(UNIT_TESTS))
RESULTS     := $(BUILD)/results

check: all fixtures
	@echo "building with ASan+UBSan in $(BUILD)/san"
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN=1 all
	@rm -rf $(RESULTS)
	@echo "running $(words $(TESTS)) tests"
	@$(MAKE) --no-print-directory --output-sync=target $(addprefix test-,$(TESTS))
	@tests/summary.sh $(RESULTS) $(TESTS)

test-%:
	@MAKE='$(MAKE)' BUILD=$(BUILD) tests/run1.sh $* $(RESULTS)

# FreeBSD-format test modules built from our own sources (clang + ld.lld).
fixtures: $(BUILD)/fixtures/.stamp
$(BUILD)/fixtures/.stamp: $(wildcard tests/fixtures/*)
	$(call say,GEN,$(BUILD)/fixtures)
	$(Q)tests/fixtures/build.sh $(BUILD)/fixtures
	@touch $@

bench: all fixtures $(BENCHES)
	BUILD=$(BUILD) tests/bench/run.sh

# The bundles we ship (Extensions/build.sh says what each needs).
FREEBSD_VERSION ?= $(shell sysctl -n kern.osreldate 2>/dev/null || echo 1500000)
EXT_DIR ?= $(BUILD)/Extensions
extensions: $(BUILD)/bin/ko2kext $(BUILD)/bin/kextutil
	FREEBSD_VERSION='$(FREEBSD_VERSION)' MACH_KO='$(MACH_KO)' MACH_RELEASE='$(MACH_RELEASE)' \
	    MACH_VERSION='$(MACH_VERSION)' Extensions/build.sh $(BUILD)/bin/ko2kext $(EXT_DIR)

# root:wheel when run as root; never group or other writable.
install-extensions: extensions
	Extensions/install.sh $(EXT_DIR) $(DESTDIR)/System/Library/Extensions

install: all install-extensions
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/sbin/
	$(if $(MANS),install -m 0644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man8/)
	ln -sf ko2kext.8 $(DESTDIR)$(PREFIX)/share/man/man8/ko2kext.sh.8

clean:
	rm -rf $(BUILD)

# Load smoke test in a real kernel (ci/smoke/run.sh; exit 77 = skipped).
smoke:
	BUILD=$(BUILD) sh ci/smoke/run.sh

# --- fuzzing -----------------------------------------------------------------
# libFuzzer harnesses (tests/fuzz/fuzz_*.c), built with clang into $(BUILD)/fuzz
# whatever CC is; `make fuzz` runs each for FUZZ_SECONDS, `make check` briefly
# (tests/integration/fuzz_short.sh).
FUZZ_SECONDS ?= 300
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzzers/%,$(wildcard tests/fuzz/fuzz_*.c))
fuzzers: $(FUZZERS)
$(BUILD)/fuzzers/%: $(BUILD)/obj/tests/fuzz/%.o $(ENGINE_LIB) $(CF_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBS)
# Harnesses of ko2kext's own readers (archives, README, +MANIFEST) link its
# objects, all but main's.
CONV_FUZZERS := $(addprefix $(BUILD)/fuzzers/,fuzz_archive fuzz_release)
CONV_PARTS   := $(call obj,$(filter-out converter/ko2kext.c,$(CONV_SRC)))
$(patsubst $(BUILD)/fuzzers/%,$(BUILD)/obj/tests/fuzz/%.o,$(CONV_FUZZERS)): CPPFLAGS += -Iconverter
$(CONV_FUZZERS): $(BUILD)/fuzzers/%: $(BUILD)/obj/tests/fuzz/%.o $(CONV_PARTS) $(ENGINE_LIB) $(CF_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(CONV_PARTS) $(ARCHIVE_LIBS) $(LIBS)

fuzz: fixtures
	BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

.PHONY: all check bench install clean fixtures extensions install-extensions smoke fuzz fuzzers
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
