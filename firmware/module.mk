# firmware/: the guest firmware image, build/firmware.bin (exactly 64 KiB).
# Freestanding 32-bit code; firmware/logic/*.c is also built for the host
# (libfwlogic.a, by the top Makefile) for the Check tests.

FW_CFLAGS := -m32 -march=i686 -ffreestanding -nostdlib -fno-pic -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-builtin -mno-sse -mno-mmx -mno-80387 \
	-fno-delete-null-pointer-checks -std=gnu11 $(WARN) -I. -MMD -MP
FW_SRCS := $(wildcard firmware/*.c firmware/logic/*.c)
FW_ASM := $(wildcard firmware/*.S)
FW_OBJS := $(patsubst %.c,$(BUILD_ROOT)/fw/%.o,$(FW_SRCS)) $(patsubst %.S,$(BUILD_ROOT)/fw/%.o,$(FW_ASM))
FW_SIZE := 65536
# -O2 (unpadded) where the instructions are spent, since under an emulator
# each one costs; -Os elsewhere, since the image is copied to shadow RAM.
FW_OPT_FAST := -O2 -falign-functions=1 -falign-jumps=1 -falign-loops=1 -falign-labels=1
FW_OPT_SMALL := -Os
FW_FAST := $(patsubst %,firmware/%.c,fwcfg lib pci acpi mem bios logic/tableloader logic/e820 \
	logic/bootparams logic/pcialloc)

# the objects follow this file: a flag changed here rebuilds them
$(BUILD_ROOT)/fw/%.o: %.c firmware/module.mk
	@mkdir -p $(@D)
	$(CC) $(FW_CFLAGS) $(if $(filter $<,$(FW_FAST)),$(FW_OPT_FAST),$(FW_OPT_SMALL)) -c $< -o $@

$(BUILD_ROOT)/fw/%.o: %.S firmware/module.mk
	@mkdir -p $(@D)
	$(CC) $(FW_CFLAGS) -c $< -o $@

$(BUILD_ROOT)/fw/firmware.elf: $(FW_OBJS) firmware/firmware.ld
	$(CC) -m32 -nostdlib -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,firmware/firmware.ld \
		-Wl,-Map,$(BUILD_ROOT)/fw/firmware.map -o $@ $(FW_OBJS)

# objcopy spans 0xF0000-0xFFFFF; the linker script fails first if code outgrows it.
$(BUILD)/firmware.bin: $(BUILD_ROOT)/fw/firmware.elf
	@mkdir -p $(@D)
	objcopy -O binary -j .text -j .rodata -j .data -j .fseg -j .reset $< $@.tmp
	@size=$$(stat -c %s $@.tmp); if [ $$size -ne $(FW_SIZE) ]; then \
		echo "firmware.bin is $$size bytes, not $(FW_SIZE)" >&2; rm -f $@.tmp; exit 1; fi
	@mv $@.tmp $@

# The top Makefile sets PROGRAMS after including this file, so an append here
# would be lost; a prerequisite of `programs` works wherever the include is.
programs: $(BUILD)/firmware.bin
unit-boot: $(BUILD)/firmware.bin
