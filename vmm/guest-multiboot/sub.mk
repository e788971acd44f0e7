# vmm/guest-multiboot: the tsvmm guest payload built a second time as a multiboot v1 ELF32
# for QEMU (-kernel), the baseline of the migration benches (testbeds/migrate/qemu.sh).
#   $(BUILD)/guest/tsvmm-guest-mb.elf
# Same freestanding flags as vmm/guest (GUEST_CFLAGS of vmm/module.mk); reuses its lib.c and
# fill.c. Linked as ELF64 at 0x200000, then converted to ELF32 (QEMU's multiboot loader
# refuses ELF64).
MBG_ELF  := $(BUILD)/guest/tsvmm-guest-mb.elf
MBG_SRCS := $(sort $(wildcard vmm/guest-multiboot/*.c vmm/guest-multiboot/*.S)) \
            vmm/guest/lib.c vmm/guest/fill.c
MBG_OBJS := $(patsubst vmm/%,$(BUILD)/guest-mb/obj/%.o,$(MBG_SRCS))
BINS        += $(MBG_ELF)
MODULE_OBJS += $(MBG_OBJS)

$(BUILD)/guest-mb/obj/%.c.o: vmm/%.c
	@mkdir -p $(@D)
	$(CC) -Iinclude $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest-mb/obj/%.S.o: vmm/%.S
	@mkdir -p $(@D)
	$(CC) -Iinclude $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guest/tsvmm-guest-mb.elf64: $(MBG_OBJS) vmm/guest-multiboot/mb.ld
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -no-pie -Wl,-T,vmm/guest-multiboot/mb.ld -Wl,--build-id=none \
		-Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000 -Wl,--no-warn-rwx-segments $(MBG_OBJS) -o $@

$(MBG_ELF): $(BUILD)/guest/tsvmm-guest-mb.elf64
	objcopy -I elf64-x86-64 -O elf32-i386 $< $@
