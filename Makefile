# qrun: one non-recursive GNU Makefile (see ../shared/STYLE.md section 7).
#
#   make [all]        build/qrun (installs missing build dependencies first, see .ci/deps)
#   make check        unit + e2e tests, as root and as an unprivileged user
#   make check-asan   the same with address + undefined sanitizers, in build-asan/
#   make bench        benchmarks (ratios vs native and peers)
#   make demo         the main job on a built-in example
#   make install      PREFIX=/usr/local DESTDIR=
#   V=1 shows commands; DEVELOPER=1 adds -Werror; NO_DEPS=1 skips the dependency check.

-include config.mak

BUILD ?= build
# Guest programs, test tools and fixtures are never sanitized and are shared by both builds.
GUEST_BUILD := build
PREFIX ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC ?= gcc

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS := libarchive libcurl libcrypto yajl libcap libseccomp
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
# qrun itself loads libarchive and libcurl on first use (image/libarchive-lazy.c,
# image/libcurl-lazy.c): not linked.
QRUN_LIBS = $(shell $(PKG_CONFIG) --libs $(filter-out libarchive libcurl,$(PKGS)) 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wpointer-arith -Wwrite-strings -Wvla -Wundef -fno-common \
	-Werror=implicit-function-declaration -Werror=incompatible-pointer-types \
	-Werror=int-conversion -Werror=return-type
ifeq ($(DEVELOPER),1)
WARN += -Werror
endif

OPT ?= -O2 -g
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2
ifeq ($(SAN),1)
OPT := -O1 -g
HARDEN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDSAN := -fsanitize=address,undefined
endif

BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -I.
ALL_CFLAGS = $(BASE_CFLAGS) $(OPT) $(HARDEN) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDSAN) $(LDFLAGS)

# Modules, in link order (a module may use only those after it).
MODULES := runtime image tracer specs common
define module_vars
$(1)_SRCS := $$(wildcard $(1)/*.c)
$(1)_OBJS := $$(patsubst %.c,$$(BUILD)/%.o,$$($(1)_SRCS))
$(1)_LIB := $$(if $$($(1)_SRCS),$$(BUILD)/lib$(1).a)
endef
$(foreach m,$(MODULES),$(eval $(call module_vars,$(m))))
# runtime/main.c is the program, not part of libruntime.a
runtime_OBJS := $(filter-out $(BUILD)/runtime/main.o,$(runtime_OBJS))
LIBS := $(foreach m,$(MODULES),$($(m)_LIB))

QRUN := $(BUILD)/qrun
# The in-process shim (preload/): no libc, no sanitizer, loaded into guest programs.
PRELOAD := $(BUILD)/libqrun-preload.so
PRELOAD_CFLAGS := -std=gnu11 $(WARN) -O2 -g -I. -fPIC -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-delete-null-pointer-checks -fno-tree-loop-distribute-patterns \
	-fvisibility=hidden -U_FORTIFY_SOURCE
PRELOAD_LDFLAGS := -shared -nostdlib -Wl,-z,now -Wl,-z,noexecstack -Wl,--hash-style=both

UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
UNIT_HARNESS := $(BUILD)/tests/unit/harness.o

TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(GUEST_BUILD)/tools/%,$(TOOL_SRCS))

# Guest helper, cross-built static for every test architecture (Debian's cross compilers).
GUEST_ARCHS := amd64 armhf arm64 i386 ppc64el s390x riscv64
CC_amd64 := x86_64-linux-gnu-gcc
CC_armhf := arm-linux-gnueabihf-gcc
CC_arm64 := aarch64-linux-gnu-gcc
CC_i386 := i686-linux-gnu-gcc
CC_ppc64el := powerpc64le-linux-gnu-gcc
CC_s390x := s390x-linux-gnu-gcc
CC_riscv64 := riscv64-linux-gnu-gcc
GUEST_BINS := $(foreach a,$(GUEST_ARCHS),$(GUEST_BUILD)/guest/$(a)/qrun-test-init)
GUEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -O2 -static -pthread

.PHONY: all deps deps-check deps-bench check check-unit check-e2e check-asan check-valgrind \
	bench demo install clean fixtures guests tools fuzz format format-check lint \
	check-headers check-deps

# The dependencies are installed before anything compiles: a sub-make, like check below (under
# -j the prerequisites of one target are made in parallel, so `all: deps $(QRUN)` would race).
# The empty recipe keeps an up-to-date sub-make from saying "Nothing to be done".
ifeq ($(NO_DEPS),)
all: deps
	$(Q)$(MAKE) --no-print-directory NO_DEPS=1 all
else
all: $(QRUN) $(PRELOAD)
	@:
endif

deps:
	$(Q).ci/deps build
deps-check:
	$(Q).ci/deps check
deps-bench:
	$(Q).ci/deps bench

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

define module_lib
$$($(1)_LIB): $$($(1)_OBJS)
	@$$(if $$(Q),echo "  AR      $$@")
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(if $($(m)_LIB),$(eval $(call module_lib,$(m)))))

$(QRUN): $(BUILD)/runtime/main.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(QRUN_LIBS)

$(PRELOAD): preload/qrun-preload.c preload/redirect.c preload/owners.c preload/preload.h \
	    preload/redirect.h preload/owners.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(PRELOAD_CFLAGS) $(PRELOAD_LDFLAGS) -o $@ $(filter %.c,$^)
	$(Q)! nm -u $@ | grep -v ' w ' | grep . || { echo "$@: undefined symbols" >&2; rm -f $@; exit 1; }

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(UNIT_HARNESS) $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

$(GUEST_BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)gcc -std=gnu11 -D_GNU_SOURCE $(WARN) -O2 -I. $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

$(GUEST_BUILD)/guest/%/qrun-test-init: tests/guest/qrun-test-init.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC_$*) $(GUEST_CFLAGS) -o $@ $<

guests: $(GUEST_BINS)
tools: $(TOOL_BINS)

# Fuzzing (tests/fuzz/, ../shared/STYLE.md section 6). fuzz-replay runs every seed corpus
# through its target built with $(CC) and replay-main.c; `fuzz` builds the same targets with
# clang's libFuzzer and sanitizers into build-fuzz/ and runs each for FUZZ_TIME seconds.
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_REPLAY_BINS := $(patsubst %,$(BUILD)/tests/fuzz/fuzz-%,$(FUZZ_TARGETS))
FUZZ_REPLAY_MAIN := $(BUILD)/tests/fuzz/replay-main.o
FUZZ_BUILD ?= build-fuzz
FUZZ_TIME ?= 60
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -I. -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	$(PKG_CFLAGS)
FUZZ_LIBS = $(PKG_LIBS)
FUZZ_LIB_SRCS := $(image_SRCS) $(specs_SRCS) $(common_SRCS)
FUZZ_BINS := $(patsubst %,$(FUZZ_BUILD)/fuzz-%,$(FUZZ_TARGETS))

.PHONY: fuzz-replay
.SECONDARY: $(patsubst %,$(BUILD)/tests/fuzz/fuzz-%.o,$(FUZZ_TARGETS))
$(BUILD)/tests/fuzz/fuzz-%: $(BUILD)/tests/fuzz/fuzz-%.o $(FUZZ_REPLAY_MAIN) $(image_LIB) \
		$(specs_LIB) $(common_LIB)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Layer seeds are tarballs: made from tests/fuzz/layer-seeds/*.spec at build time.
LAYER_SEEDS = tests/fuzz/layer-seeds/seeds.sh $(GUEST_BUILD)/tools/mklayer

fuzz-replay: $(FUZZ_REPLAY_BINS) $(GUEST_BUILD)/tools/mklayer
	$(Q)$(LAYER_SEEDS) $(BUILD)/tests/fuzz/corpus/layer
	$(Q)tests/fuzz/replay.sh $(BUILD)/tests/fuzz

$(FUZZ_BUILD)/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(FUZZ_LIB_SRCS) $(wildcard specs/*.h common/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(FUZZ_LIBS)

fuzz: $(FUZZ_BINS) $(GUEST_BUILD)/tools/mklayer
	$(Q)$(LAYER_SEEDS) $(FUZZ_BUILD)/seeds/layer
	$(Q)tests/fuzz/run-libfuzzer.sh $(FUZZ_BUILD) $(FUZZ_TIME) $(FUZZ_TARGETS)

-include $(patsubst %,$(BUILD)/tests/fuzz/fuzz-%.d,$(FUZZ_TARGETS)) $(FUZZ_REPLAY_MAIN:.o=.d)

# Test root filesystems, cached under build/fixtures and rebuilt when missing.
fixtures: $(GUEST_BINS)
	$(Q)tests/fixtures/mkrootfs.sh all $(GUEST_BUILD)/fixtures $(GUEST_BUILD)/guest

TEST_ENV = QRUN=$(abspath $(QRUN)) QRUN_BUILD=$(abspath $(BUILD)) \
	QRUN_FIXTURES=$(abspath $(GUEST_BUILD)/fixtures) QRUN_TOOLS=$(abspath $(GUEST_BUILD)/tools) \
	QRUN_GUEST=$(abspath $(GUEST_BUILD)/guest) QRUN_SRC=$(abspath .)

check: $(if $(NO_DEPS),,deps-check)
	$(Q)$(MAKE) --no-print-directory NO_DEPS=1 $(QRUN) $(PRELOAD) $(UNIT_BINS) guests tools
	$(Q)$(MAKE) --no-print-directory NO_DEPS=1 fixtures check-headers check-deps fuzz-replay
	$(Q)$(TEST_ENV) tests/run.sh $(UNIT_BINS)

check-asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SAN=1 check

check-valgrind: $(if $(NO_DEPS),,deps-check)
	$(Q)$(MAKE) --no-print-directory NO_DEPS=1 $(UNIT_BINS)
	$(Q)QRUN_UNIT_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full" \
		$(TEST_ENV) tests/run.sh --unit-only $(UNIT_BINS)

bench: $(if $(NO_DEPS),,deps-bench)
	$(Q)$(MAKE) --no-print-directory NO_DEPS=1 $(QRUN) $(PRELOAD) guests tools fixtures
	$(Q)$(TEST_ENV) tests/bench/run.sh

demo: $(if $(NO_DEPS),,deps-check)
	$(Q)$(MAKE) --no-print-directory NO_DEPS=1 $(QRUN) $(PRELOAD) guests fixtures
	$(Q)$(TEST_ENV) examples/demo.sh

install: $(QRUN) $(PRELOAD)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(QRUN) $(DESTDIR)$(PREFIX)/bin/qrun
	install -d $(DESTDIR)$(PREFIX)/lib/qrun
	install -m 0644 $(PRELOAD) $(DESTDIR)$(PREFIX)/lib/qrun/libqrun-preload.so

clean:
	rm -rf build build-asan build-fuzz

# Every header compiles alone.
HEADERS := $(foreach m,$(MODULES),$(wildcard $(m)/*.h))
check-headers:
	$(Q)for h in $(HEADERS); do \
		echo "#include \"$$h\"" | $(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) -Werror -x c -fsyntax-only - \
		|| { echo "header $$h does not compile alone"; exit 1; }; done; echo "headers ok"

# Dependencies point one way: runtime -> {image, tracer, specs} -> common; image -> specs.
check-deps:
	$(Q)bad=$$( { grep -Hn '#include "\(image\|runtime\|specs\)/' tracer/*.[ch] 2>/dev/null; \
		grep -Hn '#include "\(image\|runtime\|specs\|tracer\|common\)/' preload/*.[ch] 2>/dev/null; \
		grep -Hn '#include "\(image\|runtime\|tracer\|specs\)/' common/*.[ch] 2>/dev/null; \
		grep -Hn '#include "\(image\|runtime\|tracer\)/' specs/*.[ch] 2>/dev/null; \
		grep -Hn '#include "\(runtime\|tracer\)/' image/*.[ch] 2>/dev/null; } ); \
	if [ -n "$$bad" ]; then echo "forbidden includes:"; echo "$$bad"; exit 1; fi; echo "module deps ok"

format:
	clang-format -i $(foreach m,$(MODULES) preload,$(wildcard $(m)/*.[ch])) tests/*/*.c \
		tests/e2e/data/*/*.c
format-check:
	clang-format --dry-run --Werror $(foreach m,$(MODULES) preload,$(wildcard $(m)/*.[ch]))

lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
		--suppress=missingIncludeSystem -I. $(MODULES)

ALL_OBJS := $(foreach m,$(MODULES),$($(m)_OBJS)) $(BUILD)/runtime/main.o $(UNIT_HARNESS) \
	$(UNIT_BINS:=.o)
-include $(ALL_OBJS:.o=.d)
