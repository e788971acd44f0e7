# analysis/: tsync-analyze (readers/, metrics/, plots/, the CLI).
ANALYSIS_SRCS := $(sort $(wildcard analysis/*.c analysis/readers/*.c analysis/metrics/*.c \
		   analysis/plots/*.c))
ANALYSIS_OBJS := $(ANALYSIS_SRCS:%.c=$(BUILD)/obj/%.o)
ANALYSIS_LIBS := -lpcap -lgsl -lgslcblas
ANALYSIS_BIN  := $(BUILD)/bin/tsync-analyze

BINS            += $(ANALYSIS_BIN)
UNIT_EXTRA_OBJS += $(filter-out $(BUILD)/obj/analysis/main.o,$(ANALYSIS_OBJS))
UNIT_LDLIBS     += $(ANALYSIS_LIBS)
MODULE_OBJS     += $(ANALYSIS_OBJS)

$(BUILD)/obj/analysis/%.o: CPPFLAGS += -Ianalysis
$(BUILD)/obj/tests/unit/analysis/%.o: CPPFLAGS += -Ianalysis

$(ANALYSIS_BIN): LDLIBS := $(ANALYSIS_LIBS) $(LDLIBS)
$(ANALYSIS_BIN): $(ANALYSIS_OBJS) $(LIB)
	$(link)

# the metrics kernels (MTIE window doubling, deviation sums) want loops with an epilogue
# vectorized, which -O2's very-cheap cost model refuses
$(BUILD)/obj/analysis/metrics/%.o: CFLAGS += -fvect-cost-model=dynamic
