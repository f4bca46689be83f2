# tests/guests/: freestanding test guests. Each tests/guests/<name>.c links
# with the runtime (tests/guests/runtime/) into $(BUILD)/guests/<name>.elf,
# a 32-bit multiboot ELF for `-kernel` on QEMU and on bringup.
# `make guests` builds them all; they are part of the default build.

GUEST_CFLAGS := -m32 -march=i686 -ffreestanding -nostdlib -fno-pic -fno-pie \
	-fno-stack-protector -O2 -g -fno-asynchronous-unwind-tables -fno-builtin \
	-mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only -fno-delete-null-pointer-checks \
	-std=gnu11 $(WARN) -Itests/guests/runtime -MMD -MP
GUEST_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,--no-warn-rwx-segments -Wl,-T,tests/guests/runtime/guest.ld
GUEST_OBJDIR := $(BUILD_ROOT)/guests-obj
GUEST_RT_SRCS := $(wildcard tests/guests/runtime/*.c tests/guests/runtime/*.S)
GUEST_RT_OBJS := $(patsubst tests/guests/%,$(GUEST_OBJDIR)/%.o,$(GUEST_RT_SRCS))
GUEST_NAMES := $(patsubst tests/guests/%.c,%,$(wildcard tests/guests/*.c))
GUEST_ELFS := $(patsubst %,$(BUILD)/guests/%.elf,$(GUEST_NAMES))

$(GUEST_OBJDIR)/%.c.o: tests/guests/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OBJDIR)/%.S.o: tests/guests/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(BUILD)/guests/%.elf: $(GUEST_OBJDIR)/%.c.o $(GUEST_RT_OBJS) tests/guests/runtime/guest.ld
	@mkdir -p $(@D)
	$(CC) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^) -lgcc

.PHONY: guests
guests: $(GUEST_ELFS)

# The top Makefile sets PROGRAMS after including this file, so an append
# would be lost; a prerequisite of `programs` works wherever the include is.
programs: $(GUEST_ELFS)
unit-boot: $(GUEST_ELFS)

# keep the objects (make would delete them as intermediates of the pattern rules)
.SECONDARY: $(GUEST_RT_OBJS) $(patsubst %,$(GUEST_OBJDIR)/%.c.o,$(GUEST_NAMES))

# Conformance guests (tests/guests/conf_*.c) also as flat 64 KiB BIOS images
# (build/guests/conf_*.bios): the guest flattened from 0x100000, padded, with
# tests/guests/conf_reset.S (the reset vector) in its top 512 bytes, so they
# run with `-bios` and no firmware at all. See tests/guests/conformance.
CONF_BIOS_MAX := 65024
CONF_BIOS := $(patsubst %,$(BUILD)/guests/%.bios,$(filter conf_%,$(GUEST_NAMES)))

$(BUILD)/guests/conf_%.bios: $(BUILD)/guests/conf_%.elf tests/guests/conf_reset.S
	@mkdir -p $(GUEST_OBJDIR)
	@echo "flat BIOS image $@"
	@entry=$$(readelf -h $< | awk '/Entry point/ { print $$4 }') && \
	$(CC) -m32 -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-Ttext=0xfffffe00 -Wl,-e,reset_start \
		-Wl,--defsym=guest_entry=$$entry -o $(GUEST_OBJDIR)/conf_$*.reset.elf \
		tests/guests/conf_reset.S && \
	objcopy -O binary -j .text $(GUEST_OBJDIR)/conf_$*.reset.elf $(GUEST_OBJDIR)/conf_$*.reset.bin && \
	objcopy -O binary $< $(GUEST_OBJDIR)/conf_$*.flat && \
	size=$$(stat -c %s $(GUEST_OBJDIR)/conf_$*.flat) && \
	if [ $$size -gt $(CONF_BIOS_MAX) ]; then \
		echo "$<: $$size bytes do not fit a 64 KiB BIOS image" >&2; exit 1; fi && \
	cp $(GUEST_OBJDIR)/conf_$*.flat $@.tmp && truncate -s $(CONF_BIOS_MAX) $@.tmp && \
	cat $(GUEST_OBJDIR)/conf_$*.reset.bin >> $@.tmp && mv $@.tmp $@

guests: $(CONF_BIOS)
programs: $(CONF_BIOS)
unit-boot: $(CONF_BIOS)

# The same guests printing every case (-DCONF_TRACE), for
# `tests/guests/conformance --trace conf_x` to show the first differing cases.
$(BUILD)/guests/trace/conf_%.elf: tests/guests/conf_%.c tests/guests/conf.h $(GUEST_RT_OBJS)
	@mkdir -p $(@D) $(GUEST_OBJDIR)/trace
	$(CC) $(GUEST_CFLAGS) -DCONF_TRACE -c $< -o $(GUEST_OBJDIR)/trace/conf_$*.c.o
	$(CC) $(GUEST_LDFLAGS) -o $@ $(GUEST_OBJDIR)/trace/conf_$*.c.o $(GUEST_RT_OBJS) -lgcc

# The floating-point guests' trace builds: test_conformance_host replays
# their cases on the host CPU (tests/guests/conf-host-oracle).
CONF_HOST_TRACES := $(BUILD)/guests/trace/conf_fpu.elf $(BUILD)/guests/trace/conf_sse.elf
programs: $(CONF_HOST_TRACES)
unit-boot: $(CONF_HOST_TRACES)
