# ptpd-wl: the PTP daemon (IEEE 1588-2019, linuxptp-compatible).
#
# core/   pure protocol core (codec, management, BMCA, port FSM, delay math): no I/O, linked into
#         the unit-test binary and into the daemon.
# tools/  test-only helpers, e.g. ptp-mgmt-testsrv (answers pmc over a Unix socket with the core
#         codec; used by tests/integration/test_ptp_mgmt_codec.sh), ptp-inject (crafts hostile
#         PTP messages for tests/integration/test_hostile_ptpd.sh).

# wifi_tstamp nl80211 (ptpd-wl/wifi/wifi_nl80211.c): libnl-genl-3 through pkg-config
# (Debian's paths as the fallback: on a fresh machine this is read before make deps installs it)
PTPD_NL_CFLAGS := $(or $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null),-I/usr/include/libnl3)
PTPD_NL_LIBS   := $(or $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null),-lnl-genl-3 -lnl-3)
$(BUILD)/obj/ptpd-wl/%.o: CPPFLAGS += $(PTPD_NL_CFLAGS)
$(BUILD)/obj/tests/unit/ptpd-wl/%.o: CPPFLAGS += $(PTPD_NL_CFLAGS)
UNIT_LDLIBS += $(PTPD_NL_LIBS)

PTPD_CORE_SRCS := $(sort $(wildcard ptpd-wl/core/*.c))
PTPD_CORE_OBJS := $(PTPD_CORE_SRCS:%.c=$(BUILD)/obj/%.o)

UNIT_EXTRA_OBJS += $(PTPD_CORE_OBJS)
MODULE_OBJS     += $(PTPD_CORE_OBJS)

# Unit tests and tools include the core as "core/msg.h" etc.
$(BUILD)/obj/tests/unit/ptpd-wl/%.o: CPPFLAGS += -Iptpd-wl
$(BUILD)/obj/ptpd-wl/%.o: CPPFLAGS += -Iptpd-wl

# --- test tools -------------------------------------------------------------------------------
PTPD_TOOL_SRCS := $(sort $(wildcard ptpd-wl/tools/*.c))
PTPD_TOOLS     := $(PTPD_TOOL_SRCS:ptpd-wl/tools/%.c=$(BUILD)/bin/%)
BINS           += $(PTPD_TOOLS)
MODULE_OBJS    += $(PTPD_TOOL_SRCS:%.c=$(BUILD)/obj/%.o)

$(PTPD_TOOLS): $(BUILD)/bin/%: $(BUILD)/obj/ptpd-wl/tools/%.o $(PTPD_CORE_OBJS) $(LIB)
	$(link)
# ptp-wifi-replay and ptp-wifi-tap use the wifi transport's frame code (ptpd-wl/wifi/)
PTPD_WIFI_TOOLS := $(BUILD)/bin/ptp-wifi-replay $(BUILD)/bin/ptp-wifi-tap
$(PTPD_WIFI_TOOLS): $(BUILD)/obj/ptpd-wl/wifi/wifi_frame.o $(BUILD)/obj/ptpd-wl/wifi/wifi_tsf.o \
                    $(BUILD)/obj/ptpd-wl/wifi/wifi_io.o
$(PTPD_WIFI_TOOLS): LDLIBS := -lpcap $(LDLIBS)

# --- the daemon: build/bin/ptpd-wl ------------------------------------------------------------
# >>> DAEMON ENGINEER: this section is yours. The binary is built only once ptpd-wl/main.c (or
# >>> ptpd-wl/daemon/main.c) exists; it links every ptpd-wl/*.c and ptpd-wl/daemon/*.c with the
# >>> core objects. Add extra libraries to LDLIBS with a target-specific variable, e.g.
# >>>   $(BUILD)/bin/ptpd-wl: LDLIBS += -lfoo
# >>> and daemon objects without main() to UNIT_EXTRA_OBJS if unit tests need them.
# (daemon engineer) daemon/*.c hold everything but main(): they are also linked into the
# unit-test binary (tests/unit/ptpd-wl/daemon/*.c); main.c only into build/bin/ptpd-wl.
PTPD_DAEMON_SRCS := $(sort $(wildcard ptpd-wl/daemon/*.c ptpd-wl/wifi/*.c))
PTPD_DAEMON_OBJS := $(PTPD_DAEMON_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_EXTRA_OBJS  += $(PTPD_DAEMON_OBJS)
MODULE_OBJS      += $(PTPD_DAEMON_OBJS)
ifneq ($(wildcard ptpd-wl/main.c),)
BINS             += $(BUILD)/bin/ptpd-wl
MODULE_OBJS      += $(BUILD)/obj/ptpd-wl/main.o

$(BUILD)/bin/ptpd-wl: LDLIBS := -lpcap $(PTPD_NL_LIBS) $(LDLIBS)
$(BUILD)/bin/ptpd-wl: $(BUILD)/obj/ptpd-wl/main.o $(PTPD_DAEMON_OBJS) $(PTPD_CORE_OBJS) $(LIB)
	$(link)
endif
# <<< end of the daemon section
