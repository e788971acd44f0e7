# tsvmm: the bundled KVM VMM (host code) and its freestanding guest payload.
#   $(BUILD)/bin/tsvmm                  the VMM
#   $(BUILD)/guest/tsvmm-guest.bin      the guest payload (flat binary loaded at 0x200000)
# The guest is built with its own flags (never the sanitizer or host CFLAGS).
# A subdirectory (e.g. vmm/migrate/) may bring a sub.mk that adds its sources to
# VMM_EXTRA_SRCS (non-main objects, linked into tsvmm and the unit tests).
VMM_EXTRA_SRCS :=
-include $(sort $(wildcard vmm/*/sub.mk))
VMM_SRCS      := $(sort $(wildcard vmm/*.c vmm/arch/x86/*.c vmm/devices/*.c) $(VMM_EXTRA_SRCS))
VMM_MAIN_SRCS := vmm/main.c
VMM_OBJS      := $(VMM_SRCS:%.c=$(BUILD)/obj/%.o)
VMM_LIB_OBJS  := $(filter-out $(VMM_MAIN_SRCS:%.c=$(BUILD)/obj/%.o),$(VMM_OBJS))

TSVMM_GUEST      := $(BUILD)/guest/tsvmm-guest.bin
GUEST_SRCS       := $(sort $(wildcard vmm/guest/*.c vmm/guest/*.S))
GUEST_OBJS       := $(patsubst vmm/guest/%,$(BUILD)/guest/obj/%.o,$(GUEST_SRCS))
GUEST_CFLAGS     := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdlib -fno-pic \
                    -fno-pie -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx -mno-80387 \
                    -fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
                    -fno-builtin -fno-tree-loop-distribute-patterns -mcmodel=small -MMD -MP
GUEST_LDFLAGS    := -nostdlib -static -no-pie -Wl,-T,vmm/guest/guest.ld -Wl,--build-id=none \
                    -Wl,-z,noexecstack

# the control sockets' JSON (vmm/control_json.c) goes through jansson
VMM_LDLIBS      := -ljansson
BINS            += $(BUILD)/bin/tsvmm $(TSVMM_GUEST)
UNIT_EXTRA_OBJS += $(VMM_LIB_OBJS)
UNIT_LDLIBS     += $(VMM_LDLIBS)
$(BUILD)/bin/tsvmm: LDLIBS += $(VMM_LDLIBS)
MODULE_OBJS     += $(VMM_OBJS) $(GUEST_OBJS)

$(BUILD)/bin/tsvmm: $(VMM_OBJS) $(LIB)
	$(link)

$(BUILD)/guest/obj/%.c.o: vmm/guest/%.c
	@mkdir -p $(@D)
	$(CC) -Iinclude $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/obj/%.S.o: vmm/guest/%.S
	@mkdir -p $(@D)
	$(CC) -Iinclude $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/tsvmm-guest.elf: $(GUEST_OBJS) vmm/guest/guest.ld
	$(CC) $(GUEST_LDFLAGS) $(GUEST_OBJS) -o $@

$(TSVMM_GUEST): $(BUILD)/guest/tsvmm-guest.elf
	objcopy -O binary $< $@

# vmm sources and their unit tests include vmm headers by path from vmm/ ("devices/device.h")
$(BUILD)/obj/vmm/%.o: CPPFLAGS += -Ivmm
$(BUILD)/obj/tests/unit/vmm/%.o: CPPFLAGS += -Ivmm
