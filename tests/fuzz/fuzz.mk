# make fuzz: libFuzzer targets for every parser (tests/fuzz/fuzz_<name>.c), built with clang in
# their own tree ($(BUILD)/fuzz: obj/ and bin/, never mixed with the gcc objects).
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS=...]  each target N s on a scratch copy of its corpus
#   make fuzz-check                                 the short pass for make check (~5 s a target)
#   make fuzz-seeds                                 regenerate tests/fuzz/corpus/*/gen-* seeds
# Both runs replay tests/fuzz/regress/<target>/ first and fail on any crash, leak, timeout or
# sanitizer report (tests/fuzz/run.sh prints the target and the artifact's path).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# (clang warns about the GNU variable-sized kvm_xsave member in vmm/vcpu.h; gcc accepts it)
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -MMD -MP \
		-Wno-gnu-variable-sized-type-not-at-end \
		$(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LDLIBS  := -lpcap $(PTPD_NL_LIBS) -lgsl -lgslcblas -lxxhash -llz4 -lzstd -lgnutls -ljansson -lm -lrt -lpthread

# Everything a target may need, in one archive: the linker takes only what is referenced.
FUZZ_DEP_SRCS := $(LIB_SRCS) $(wildcard ptpd-wl/core/*.c ptpd-wl/daemon/*.c ptpd-wl/wifi/*.c) \
		 $(wildcard analysis/readers/*.c analysis/metrics/*.c) \
		 vmm/control_json.c vmm/migrate/stream.c vmm/migrate/compress.c vmm/migrate/tls.c \
		 vmm/vcpu_tsc_rec.c vmm/manager/evac_spec.c vmm/migrate/postcopy_rec.c \
		 $(filter-out vmclock/main.c,$(wildcard vmclock/*.c)) $(wildcard dtp/core/*.c)
FUZZ_DEP_OBJS := $(FUZZ_DEP_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_DEP_LIB  := $(FUZZ_DIR)/libfuzzdeps.a
FUZZ_SRCS     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES    := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS     := $(FUZZ_NAMES:%=$(FUZZ_DIR)/bin/fuzz_%)
FUZZ_HELPERS  := $(FUZZ_DIR)/libfuzzhelp.a
FUZZ_HELP_OBJS := $(FUZZ_DIR)/obj/tests/fuzz/util.o $(FUZZ_DIR)/obj/tests/fuzz/readers.o
FUZZ_SEEDGEN  := $(FUZZ_DIR)/bin/seedgen

# include paths per directory, as the module.mk files give them to gcc
$(FUZZ_DIR)/obj/analysis/%.o:   FUZZ_INC := -Ianalysis
$(FUZZ_DIR)/obj/ptpd-wl/%.o:    FUZZ_INC := -Iptpd-wl $(PTPD_NL_CFLAGS)
$(FUZZ_DIR)/obj/vmm/%.o:        FUZZ_INC := -Ivmm
$(FUZZ_DIR)/obj/vmclock/%.o:    FUZZ_INC := -Ivmclock
$(FUZZ_DIR)/obj/dtp/%.o:        FUZZ_INC := -Idtp
$(FUZZ_DIR)/obj/tests/fuzz/%.o: FUZZ_INC := -Ianalysis -Iptpd-wl -Ivmm -Ivmclock -Itests/fuzz \
				 $(PTPD_NL_CFLAGS)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_INC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DEP_LIB): $(FUZZ_DEP_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_HELPERS): $(FUZZ_HELP_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/bin/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_HELPERS) $(FUZZ_DEP_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $< -Wl,--start-group $(FUZZ_HELPERS) \
		$(FUZZ_DEP_LIB) -Wl,--end-group $(FUZZ_LDLIBS) -o $@

# the seed generator: the project's own encoders, no libFuzzer main
$(FUZZ_SEEDGEN): $(FUZZ_DIR)/obj/tests/fuzz/seedgen.o $(FUZZ_HELPERS) $(FUZZ_DEP_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_SAN) $< -Wl,--start-group $(FUZZ_HELPERS) $(FUZZ_DEP_LIB) -Wl,--end-group \
		$(FUZZ_LDLIBS) -o $@

# the harness objects are not intermediates to delete after the link
.SECONDARY: $(FUZZ_SRCS:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/tests/fuzz/seedgen.o

.PHONY: fuzz-build fuzz-check fuzz-seeds
fuzz-build: $(DEPS_STAMP) $(FUZZ_BINS)

fuzz: fuzz-build
	@tests/fuzz/run.sh --build $(BUILD) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-check: fuzz-build
	@tests/fuzz/run.sh --build $(BUILD) --short $(FUZZ_TARGETS)

fuzz-seeds: $(FUZZ_SEEDGEN)
	$(FUZZ_SEEDGEN) tests/fuzz/corpus

-include $(FUZZ_DEP_OBJS:.o=.d) $(FUZZ_SRCS:%.c=$(FUZZ_DIR)/obj/%.d) \
	 $(FUZZ_HELP_OBJS:.o=.d) $(FUZZ_DIR)/obj/tests/fuzz/seedgen.d
