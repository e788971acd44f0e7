# wifi-medium/: tsync-wifi-medium, the emulated 802.11 medium (issue 12 item 4): the pure DCF
# core (dcf.c), the per-station capture files (main.c) and the live medium on Unix sockets
# (live.c), unit-tested through tests/unit/wifi-medium/.
WIFI_MEDIUM_SRCS     := $(sort $(wildcard wifi-medium/*.c))
WIFI_MEDIUM_OBJS     := $(WIFI_MEDIUM_SRCS:%.c=$(BUILD)/obj/%.o)
WIFI_MEDIUM_LIB_OBJS := $(filter-out $(BUILD)/obj/wifi-medium/main.o,$(WIFI_MEDIUM_OBJS))

UNIT_EXTRA_OBJS += $(WIFI_MEDIUM_LIB_OBJS)
MODULE_OBJS     += $(WIFI_MEDIUM_OBJS)

$(BUILD)/obj/tests/unit/wifi-medium/%.o: CPPFLAGS += -Iwifi-medium

WIFI_MEDIUM_BIN := $(BUILD)/bin/tsync-wifi-medium
BINS            += $(WIFI_MEDIUM_BIN)
UNIT_LDLIBS     += -lpcap
$(BUILD)/obj/wifi-medium/%.o: CPPFLAGS += -Iwifi-medium
$(WIFI_MEDIUM_BIN): LDLIBS := -lpcap $(LDLIBS)
$(WIFI_MEDIUM_BIN): $(WIFI_MEDIUM_OBJS) $(LIB)
	$(link)
