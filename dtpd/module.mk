# dtpd/: the DTP daemon (issue 13): build/bin/dtpd.
#
# node.c, status.c, dtpd_config.c  everything but main(): also linked into the unit tests
#                                  (tests/unit/dtpd/); they include dtp/core as "core/...".
# main.c                           the daemon (AF_PACKET transport, reactor, control socket).

DTPD_LIB_SRCS := $(filter-out dtpd/main.c,$(sort $(wildcard dtpd/*.c)))
DTPD_LIB_OBJS := $(DTPD_LIB_SRCS:%.c=$(BUILD)/obj/%.o)

UNIT_EXTRA_OBJS += $(DTPD_LIB_OBJS)
MODULE_OBJS     += $(DTPD_LIB_OBJS) $(BUILD)/obj/dtpd/main.o
BINS            += $(BUILD)/bin/dtpd

$(BUILD)/obj/dtpd/%.o: CPPFLAGS += -Idtp -Idtpd
$(BUILD)/obj/tests/unit/dtpd/%.o: CPPFLAGS += -Idtp -Idtpd

$(BUILD)/bin/dtpd: $(BUILD)/obj/dtpd/main.o $(DTPD_LIB_OBJS) $(DTP_CORE_OBJS) $(LIB)
	$(link)
