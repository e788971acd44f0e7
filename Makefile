# tsync: one build for the whole toolkit.
#   make deps         install the Debian packages the project needs (idempotent, silent when present)
#   make              build everything into build/ (binaries in build/bin/)
#   make check        deps, build, unit tests, integration tests, unit tests again under ASan+UBSan
#   make demo         show what tsync can do now
#   make bench        benchmarks (results go to BENCHMARKS.md by hand, with their commands)
#   make fuzz         libFuzzer targets for every parser (FUZZ_SECONDS=N each; tests/fuzz/)
#   make format-check clang-format --dry-run over every C file
.DEFAULT_GOAL := all
CC       ?= gcc
BUILD    ?= build
SAN      ?= 0
OPT      ?= -O2
CPPFLAGS += -Iinclude -D_GNU_SOURCE
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -g $(OPT) -fno-strict-aliasing -MMD -MP
LDLIBS   += -lm -lrt -lpthread
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
OPT      := -O1
endif

DEB_PKGS := linuxptp chrony libpcap-dev libdpdk-dev libgsl-dev libcriterion-dev iproute2 \
            gnuplot-nox pkg-config clang-format libxxhash-dev liblz4-dev libzstd-dev python3 \
            clang libclang-rt-14-dev libgnutls28-dev openssl tshark libjansson-dev libnl-genl-3-dev \
            python3-numpy
# make bench also compares against QEMU (qemu-system-data holds qboot.rom)
BENCH_PKGS := qemu-system-x86 qemu-system-data qemu-utils ethtool time
DEPS_STAMP := $(BUILD)/.deps-ok

LIB_SRCS  := $(sort $(shell find lib -name '*.c'))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/libtsync.a
TOOL_SRCS := $(sort $(wildcard tools/*.c))
TOOLS     := $(TOOL_SRCS:tools/%.c=$(BUILD)/bin/%)
UNIT_SRCS := $(sort $(shell find tests/unit -name '*.c'))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)
# tests/unit/ mirrors the source tree; each top directory there (lib, ptpd-wl, vmm, ...) is one
# component with its own Criterion binary $(BUILD)/tests/unit/COMPONENT.
UNIT_COMPONENTS := $(sort $(patsubst tests/unit/%/,%,$(wildcard tests/unit/*/)))
UNIT_BINS := $(UNIT_COMPONENTS:%=$(BUILD)/tests/unit/%)

# Each program directory (ptpd-wl/, analysis/, vmm/, ...) owns a module.mk that adds to:
#   BINS             its binaries (build rule written there with $(link))
#   UNIT_EXTRA_OBJS  its objects without main(), linked into the unit-test binary
#   UNIT_LDLIBS      libraries those objects need
#   MODULE_OBJS      every object it builds (for dependency files)
# Per-directory compiler flags go in target-specific variables, e.g.
#   $(BUILD)/obj/dtp/%.o: CPPFLAGS += $(DPDK_CFLAGS)
BINS            :=
UNIT_EXTRA_OBJS :=
UNIT_LDLIBS     :=
MODULE_OBJS     :=
define link
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(filter %.o,$^) $(LIB) $(LDLIBS) -o $@
endef
-include $(sort $(wildcard */module.mk))
# make fuzz: tests/fuzz/fuzz.mk (clang + libFuzzer, its own build tree under $(BUILD)/fuzz)
-include tests/fuzz/fuzz.mk

# LD_PRELOAD library that puts a program on a vclock (tools/preload/): position-independent
# objects of its own, never sanitized (an ASan runtime cannot be preloaded into ptp4l/chronyd)
PRELOAD      := $(BUILD)/lib/libtsync-vclock-preload.so
PRELOAD_SRCS := $(sort $(wildcard tools/preload/*.c)) lib/preload/vtimex.c lib/preload/cmsg_ts.c \
                lib/clock/vclock.c lib/clock/vclock_model.c lib/clock/sim_rng.c lib/time/tmv.c
PRELOAD_OBJS := $(PRELOAD_SRCS:%.c=$(BUILD)/pic/%.o)
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) -fPIC \
		-fvisibility=hidden -c $< -o $@
$(PRELOAD): $(PRELOAD_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-z,defs $^ -ldl -lm -lpthread -o $@

.PHONY: all deps check unit integration asan demo bench fuzz format format-check clean
all: $(DEPS_STAMP) $(LIB) $(TOOLS) $(BINS) $(UNIT_BINS) $(PRELOAD)

deps:
	@scripts/deps.sh $(DEB_PKGS)

$(DEPS_STAMP):
	@scripts/deps.sh $(DEB_PKGS)
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/tools/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

define unit_bin
$(BUILD)/tests/unit/$(1): $(filter $(BUILD)/obj/tests/unit/$(1)/%,$(UNIT_OBJS)) $(UNIT_EXTRA_OBJS) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) $$(filter %.o,$$^) $$(LIB) -lcriterion $$(UNIT_LDLIBS) $$(LDLIBS) -o $$@
endef
$(foreach c,$(UNIT_COMPONENTS),$(eval $(call unit_bin,$(c))))

unit: all
	@scripts/run-unit.sh $(UNIT_BINS)

integration: all
	@BUILD=$(BUILD) tests/integration/run.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build/asan SAN=1 all
	@scripts/run-unit.sh $(UNIT_COMPONENTS:%=build/asan/tests/unit/%)

check: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@scripts/check.sh $(BUILD)

demo: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@testbeds/demo.sh $(BUILD)

bench: $(DEPS_STAMP)
	@scripts/deps.sh $(BENCH_PKGS)
	@$(MAKE) --no-print-directory all
	@bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h') && echo "format-check: clean"

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(PRELOAD_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(MODULE_OBJS:.o=.d) $(TOOL_SRCS:tools/%.c=$(BUILD)/obj/tools/%.d)
