# dtp/: the Datacenter Time Protocol (issue 11).
#
# core/  pure protocol core (wire codecs, port FSM, device counters and the max rule): no I/O,
#        no clock reads, no allocation; linked into the unit tests, dtp-sim and later dtpd.
# sim/   dtp-sim, the tick-level datacenter simulator: build/bin/dtp-sim.
# Sources include the core as "core/port.h" etc. and the wire formats as "uapi/dtp.h".

DTP_CORE_SRCS := $(sort $(wildcard dtp/core/*.c))
DTP_CORE_OBJS := $(DTP_CORE_SRCS:%.c=$(BUILD)/obj/%.o)
DTP_SIM_SRCS  := $(sort $(wildcard dtp/sim/*.c))
DTP_SIM_OBJS  := $(DTP_SIM_SRCS:%.c=$(BUILD)/obj/%.o)
DTP_SIM_LIB_OBJS := $(filter-out $(BUILD)/obj/dtp/sim/main.o,$(DTP_SIM_OBJS))

UNIT_EXTRA_OBJS += $(DTP_CORE_OBJS) $(DTP_SIM_LIB_OBJS)
MODULE_OBJS     += $(DTP_CORE_OBJS) $(DTP_SIM_OBJS)

$(BUILD)/obj/dtp/%.o: CPPFLAGS += -Idtp
$(BUILD)/obj/tests/unit/dtp/%.o: CPPFLAGS += -Idtp

ifneq ($(wildcard dtp/sim/main.c),)
BINS += $(BUILD)/bin/dtp-sim
$(BUILD)/bin/dtp-sim: $(DTP_SIM_OBJS) $(DTP_CORE_OBJS) $(LIB)
	$(link)
endif
