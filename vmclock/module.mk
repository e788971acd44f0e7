# vmclock/: vmclockd, the host service that publishes vmclock pages (uapi/vmclock-abi.h) and
# applies the migration policies. The reader/writer library is lib/refclock/vmclock_*.c.
#   $(BUILD)/bin/vmclockd
#   $(BUILD)/vmclock/vmclock_read-freestanding.o   the reader built with guest flags (checked:
#                                                  no undefined symbols beyond mem*)
VMCLOCK_SRCS      := $(sort $(wildcard vmclock/*.c))
VMCLOCK_OBJS      := $(VMCLOCK_SRCS:%.c=$(BUILD)/obj/%.o)
VMCLOCK_LIB_OBJS  := $(filter-out $(BUILD)/obj/vmclock/main.o,$(VMCLOCK_OBJS))
VMCLOCK_FS_OBJ    := $(BUILD)/vmclock/vmclock_read-freestanding.o
VMCLOCK_FS_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-pic \
		     -fno-pie -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx -mno-80387 \
		     -fno-stack-protector -fno-builtin -fno-tree-loop-distribute-patterns

BINS            += $(BUILD)/bin/vmclockd $(VMCLOCK_FS_OBJ)
UNIT_EXTRA_OBJS += $(VMCLOCK_LIB_OBJS)
MODULE_OBJS     += $(VMCLOCK_OBJS)

$(BUILD)/obj/vmclock/%.o: CPPFLAGS += -Ivmclock
$(BUILD)/obj/tests/unit/vmclock/%.o: CPPFLAGS += -Ivmclock
# the stop record through the tsvmm vmclock device (devices/device.h, devices/vmclock_dev.h)
$(BUILD)/obj/tests/unit/vmclock/test_vmclock_stop.o: CPPFLAGS += -Ivmm
$(BUILD)/obj/tests/unit/vmclock/test_vmclock_hostile.o: CPPFLAGS += -Ivmm
$(BUILD)/obj/tests/unit/vmclock/test_vmclock_migplan.o: CPPFLAGS += -Ivmm
$(BUILD)/obj/tools/tsync-vmclock-read.o: CPPFLAGS += -Ivmclock

$(BUILD)/bin/vmclockd: $(VMCLOCK_OBJS) $(LIB)
	$(link)

$(VMCLOCK_FS_OBJ): lib/refclock/vmclock_read.c include/tsync/vmclock.h include/uapi/vmclock-abi.h
	@mkdir -p $(@D)
	$(CC) -Iinclude $(VMCLOCK_FS_CFLAGS) -c $< -o $@
	@u=$$(nm -u $@ | awk '{print $$2}' | grep -v -E '^(memcpy|memset|memmove|memcmp)$$'); \
	 if [ -n "$$u" ]; then echo "vmclock_read.c is not freestanding: needs $$u"; rm -f $@; exit 1; fi
