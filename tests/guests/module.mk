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
