# ACPI AML: board/acpi/*.asl -> $(BUILD)/board/acpi/*.aml (iasl) -> one C file
# with the bytes (acpi_aml_<name>[], acpi_aml_<name>_len; '-' becomes '_'),
# compiled into libboard. Included after the module eval, so the object is
# also added to libboard.a's prerequisites directly (the archive rule uses $^).

ACPI_ASL := $(wildcard board/acpi/*.asl)
ACPI_AML := $(patsubst board/acpi/%.asl,$(BUILD)/board/acpi/%.aml,$(ACPI_ASL))
ACPI_AML_C := $(BUILD)/board/acpi/aml.c
ACPI_AML_OBJ := $(BUILD)/obj/board/acpi/aml.o

# -we: warnings are errors; -vi: no version banner noise; -p: output prefix
$(BUILD)/board/acpi/%.aml: board/acpi/%.asl
	@mkdir -p $(@D)
	@iasl -we -vi -p $(basename $@) $< > $(basename $@).log 2>&1 || { cat $(basename $@).log; rm -f $@; exit 1; }

$(ACPI_AML_C): $(ACPI_AML) board/acpi/module.mk
	@mkdir -p $(@D)
	@{ echo "/* generated from the board/acpi ASL files by board/acpi/module.mk */"; \
	   for f in $(ACPI_AML); do \
	     n=$$(basename $$f .aml | tr -- '-' '_'); \
	     echo "const unsigned char acpi_aml_$$n[] = {"; \
	     xxd -i < $$f; \
	     echo "};"; \
	     echo "const unsigned int acpi_aml_$${n}_len = sizeof(acpi_aml_$$n);"; \
	   done; } > $@.tmp && mv $@.tmp $@

$(ACPI_AML_OBJ): $(ACPI_AML_C)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

board_OBJS += $(ACPI_AML_OBJ)
$(BUILD)/lib/libboard.a: $(ACPI_AML_OBJ)
