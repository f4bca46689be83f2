# bringup: one non-recursive Makefile; everything generated goes to $(BUILD).
#
#   make            build everything
#   make check      build and run every test (Check runner; its summary line ends the run)
#   make check SANITIZE=1   the same with ASan+UBSan, objects under build/san
#   make fuzz       each libFuzzer target for FUZZ_TIME seconds (default 60)
#   make bench      benchmarks, our figure beside the anchor's
#   make run        boot the default guest
#
# Sources are found by wildcard, so adding a file to a module needs no edit here.
# Unit tests: tests/unit/<module>/test_<name>.c defines `Suite *<name>_suite(void)`.

BUILD_ROOT ?= build
SANITIZE ?=
ifeq ($(SANITIZE),1)
BUILD := $(BUILD_ROOT)/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD := $(BUILD_ROOT)
SANFLAGS :=
endif

CC ?= cc
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) $(WARN) $(SANFLAGS) -std=gnu11 -D_GNU_SOURCE -I. -MMD -MP
LDFLAGS += $(SANFLAGS)

COMPRESS_LIBS := -lz -lbz2 -llzma -llzo2 -llz4 -lzstd
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)
CAPSTONE_LIBS := -lcapstone

.PHONY: all check unit deps run fuzz bench clean assets check-full
all: deps-ok programs

# ---- dependencies -----------------------------------------------------------
DEPS_STAMP := $(BUILD_ROOT)/.deps-ok
deps-ok: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps
	@mkdir -p $(BUILD_ROOT)
	@scripts/install-deps
	@touch $@
deps:
	scripts/install-deps

# ---- module libraries -------------------------------------------------------
# name, source list
define module
$(1)_SRCS := $(2)
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_SRCS))
$(BUILD)/lib/lib$(1).a: $$($(1)_OBJS)
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef

$(eval $(call module,loader,$(wildcard loader/*.c)))
$(eval $(call module,board,$(wildcard board/*.c)))
# vmm/disas.c (lazy capstone) is shared by the software CPU's tracer and the VMM's dumps
$(eval $(call module,tcg,$(wildcard vmm/accel/tcg/*.c) vmm/disas.c))
$(eval $(call module,fwlogic,$(wildcard firmware/logic/*.c)))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# generated files (board descriptions, ACPI AML) are produced by rules in the module fragments
-include $(wildcard */module.mk */*/module.mk)

# ---- programs ---------------------------------------------------------------
INSPECT := $(BUILD)/bringup-inspect
VMM := $(BUILD)/bringup
PROGRAMS := $(INSPECT)
VMM_SRCS := $(filter-out vmm/disas.c,$(wildcard vmm/*.c vmm/accel/kvm/*.c))
ifneq ($(VMM_SRCS),)
PROGRAMS += $(VMM)
endif
programs: $(PROGRAMS)

$(INSPECT): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard vmm/inspect/*.c)) $(BUILD)/lib/libloader.a
	$(CC) $(LDFLAGS) -o $@ $^ $(COMPRESS_LIBS)

# Device types and the TCG ops table register themselves from constructors in
# objects nothing references by name: link those libraries whole.
WHOLE = -Wl,--whole-archive $(1) -Wl,--no-whole-archive
$(VMM): $(patsubst %.c,$(BUILD)/obj/%.o,$(VMM_SRCS)) $(BUILD)/lib/libtcg.a $(BUILD)/lib/libboard.a $(BUILD)/lib/libloader.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(call WHOLE,$(BUILD)/lib/libtcg.a $(BUILD)/lib/libboard.a) \
	  $(BUILD)/lib/libloader.a -Wl,--as-needed -lfdt $(COMPRESS_LIBS) -ldl -lpthread -lm

# ---- unit tests (Check) -----------------------------------------------------
# One runner per module for quick work (build/tests/unit-<module>), and one
# runner with every suite for `make check`.
TEST_MODULES := $(notdir $(wildcard tests/unit/*))
TEST_MODULES := $(filter-out common,$(TEST_MODULES))
COMMON_TEST_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/unit/common/*.c))
MODULE_LIBS := $(BUILD)/lib/libtcg.a $(BUILD)/lib/libboard.a $(BUILD)/lib/libfwlogic.a $(BUILD)/lib/libloader.a
TEST_LIBS := $(CHECK_LIBS) -lfdt $(CAPSTONE_LIBS) $(COMPRESS_LIBS) -ldl -lpthread -lm

# $(1)=runner name, $(2)=test sources
define runner
$(BUILD)/tests/$(1)-suites.h: $(2) Makefile
	@mkdir -p $$(@D)
	@{ for s in $$(patsubst test_%,%,$$(basename $$(notdir $(2)))); do echo "Suite *$$$${s}_suite(void);"; done; \
	   echo "static Suite *(*const suite_makers[])(void) = {"; \
	   for s in $$(patsubst test_%,%,$$(basename $$(notdir $(2)))); do echo "	$$$${s}_suite,"; done; \
	   echo "};"; } > $$@
$(BUILD)/obj/tests/$(1)-runner.o: tests/unit/common/runner.c $(BUILD)/tests/$(1)-suites.h
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) -I$(BUILD)/tests -DSUITES_H='"$(1)-suites.h"' -c $$< -o $$@
$(BUILD)/tests/$(1): $(BUILD)/obj/tests/$(1)-runner.o $$(patsubst %.c,$(BUILD)/obj/%.o,$(2)) $(filter-out %/runner.o,$(COMMON_TEST_OBJS)) $$(MODULE_LIBS_$(1))
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(call WHOLE,$$(filter %/libtcg.a %/libboard.a,$$^)) $$(filter-out %/libtcg.a %/libboard.a,$$(filter %.a,$$^)) $$(TEST_LIBS)
endef

MODULE_LIBS_unit-loader := $(BUILD)/lib/libloader.a
MODULE_LIBS_unit-board := $(BUILD)/lib/libboard.a $(BUILD)/lib/libloader.a
MODULE_LIBS_unit-tcg := $(BUILD)/lib/libtcg.a $(BUILD)/lib/libboard.a $(BUILD)/lib/libloader.a
MODULE_LIBS_unit-firmware := $(BUILD)/lib/libfwlogic.a
MODULE_LIBS_unit-vmm := $(BUILD)/lib/libtcg.a $(BUILD)/lib/libboard.a $(BUILD)/lib/libloader.a
MODULE_LIBS_unit := $(MODULE_LIBS)

$(foreach m,$(TEST_MODULES),$(eval $(call runner,unit-$(m),$(wildcard tests/unit/$(m)/test_*.c))))
$(eval $(call runner,unit,$(wildcard $(patsubst %,tests/unit/%/test_*.c,$(TEST_MODULES)))))

# Environment the integration suites read: where the programs and assets are.
ASSETS := $(BUILD_ROOT)/assets
TEST_ENV := BRINGUP_BUILD=$(abspath $(BUILD)) BRINGUP_ASSETS=$(abspath $(ASSETS)) \
	BRINGUP_SRC=$(abspath .)

assets: deps-ok
	@tests/assets/fetch-kernel $(ASSETS)
	@tests/assets/build-initramfs $(ASSETS)

# `make check`: build, fetch the Debian kernel and initramfs, run every suite.
check: all $(BUILD)/tests/unit assets
	$(TEST_ENV) $(BUILD)/tests/unit

# `make check-full`: the same, plus the longer boots (Linux with -smp 4 under tcg).
check-full: all $(BUILD)/tests/unit assets
	BRINGUP_CHECK_FULL=1 $(TEST_ENV) $(BUILD)/tests/unit

# `make unit-loader` etc.: one module's suites only, no assets needed.
unit-%: deps-ok $(BUILD)/tests/unit-%
	$(TEST_ENV) $(BUILD)/tests/unit-$*

# suites that need programs or the Debian kernel
unit-loader: $(INSPECT) assets
unit-boot: $(VMM) assets
unit-vmm: $(VMM)
unit-tcg: $(VMM) assets

# ---- fuzzing (libFuzzer; clang) ---------------------------------------------
FUZZ_TIME ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11 -D_GNU_SOURCE -I.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD_ROOT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
$(BUILD_ROOT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard loader/*.c loader/*.h board/*.c board/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(or $(FUZZ_SRCS_fuzz_$*),$(wildcard loader/*.c)) $(COMPRESS_LIBS) $(FUZZ_LIBS_fuzz_$*)
fuzz: deps-ok $(FUZZ_TARGETS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  n=$$(basename $$t); mkdir -p $(BUILD_ROOT)/fuzz/corpus-$$n; \
	  seeds=; [ -d tests/fuzz/seeds/$$n ] && seeds=tests/fuzz/seeds/$$n; \
	  echo "fuzz: $$n for $(FUZZ_TIME) s"; \
	  if ! $$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $(BUILD_ROOT)/fuzz/corpus-$$n $$seeds \
	      > $(BUILD_ROOT)/fuzz/$$n.log 2>&1; then \
	    tail -n 40 $(BUILD_ROOT)/fuzz/$$n.log; echo "fuzz: $$n FAILED (log: $(BUILD_ROOT)/fuzz/$$n.log)"; exit 1; \
	  fi; \
	  grep -E '^stat::number_of_executed_units|Done [0-9]+ runs' $(BUILD_ROOT)/fuzz/$$n.log | tail -n 1; \
	done

# ---- benchmarks ---------------------------------------------------------------
bench: all assets
	@for b in tests/bench/*.sh; do $(TEST_ENV) $$b || exit 1; done

# ---- run ----------------------------------------------------------------------
run: all assets
	@tests/assets/run-default $(abspath $(BUILD)) $(abspath $(ASSETS))

clean:
	rm -rf $(BUILD_ROOT)

-include $(shell find $(BUILD_ROOT) -name '*.d' 2>/dev/null)
