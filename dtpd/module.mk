# dtpd/: the DTP daemon (issue 13): build/bin/dtpd.
#
# node.c, dtpd_status.c, dtpd_config.c  everything but main(): also linked into the unit tests
#                                  (tests/unit/dtpd/); they include dtp/core as "core/...".
# main.c                           the daemon (AF_PACKET transport, reactor, control socket).

DTPD_LIB_SRCS := $(filter-out dtpd/main.c dtpd/dpdk_%.c,$(sort $(wildcard dtpd/*.c)))
DTPD_LIB_OBJS := $(DTPD_LIB_SRCS:%.c=$(BUILD)/obj/%.o)

UNIT_EXTRA_OBJS += $(DTPD_LIB_OBJS)
MODULE_OBJS     += $(DTPD_LIB_OBJS) $(BUILD)/obj/dtpd/main.o
BINS            += $(BUILD)/bin/dtpd

$(BUILD)/obj/dtpd/%.o: CPPFLAGS += -Idtp -Idtpd
$(BUILD)/obj/tests/unit/dtpd/%.o: CPPFLAGS += -Idtp -Idtpd

$(BUILD)/bin/dtpd: $(BUILD)/obj/dtpd/main.o $(DTPD_LIB_OBJS) $(DTP_CORE_OBJS) $(LIB)
	$(link)

# DPDK transport (dpdk_*.c): Debian's libdpdk through pkg-config, flags for these objects and
# the daemon only (the unit-test binary does not link DPDK).
DTPD_DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null) -DALLOW_EXPERIMENTAL_API
DTPD_DPDK_LIBS   := $(shell pkg-config --libs libdpdk 2>/dev/null)
DTPD_DPDK_OBJS   := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard dtpd/dpdk_*.c)))
MODULE_OBJS      += $(DTPD_DPDK_OBJS)
$(DTPD_DPDK_OBJS) $(BUILD)/obj/dtpd/main.o: CPPFLAGS += $(DTPD_DPDK_CFLAGS)
$(BUILD)/bin/dtpd: $(DTPD_DPDK_OBJS)
$(BUILD)/bin/dtpd: LDLIBS += $(DTPD_DPDK_LIBS)
