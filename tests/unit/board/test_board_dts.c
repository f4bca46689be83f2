/*
 * The built-in board descriptions: they parse, carry the binding's nodes, and
 * instantiate with the device types present in libboard.a.
 *
 * Device types are written by several people at once. A type named in a DTS
 * that is not registered (yet) is tolerated ONLY if it is in known_types
 * below; the test prints each one it skipped. A registered type must build,
 * and a type outside the list is an error, so a typo in a DTS fails here.
 */
#include <check.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "tests/unit/common/harness.h"

static const char *const known_types[] = {
	"isa-i8259", "ioapic", "gsi-router",
	"i440fx-pcihost", "i440fx", "piix3", "piix4-pm",
	"isa-pit", "mc146818rtc", "isa-serial", "i8042", "port92", "port80", "isa-debugcon",
	"fw_cfg_io", "virtio-mmio",
	NULL
};

START_TEST(test_builtin_dtbs_exist)
{
	const char *const *names = board_dtb_names();
	const void *fdt;
	size_t len = 0;
	int pc = 0, microvm = 0;

	for (; *names; names++) {
		pc += !strcmp(*names, "pc");
		microvm += !strcmp(*names, "microvm");
	}
	ck_assert_int_eq(pc, 1);
	ck_assert_int_eq(microvm, 1);
	fdt = board_dtb("pc", &len);
	ck_assert_ptr_nonnull(fdt);
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	ck_assert_uint_eq(len, fdt_totalsize(fdt));
	ck_assert_ptr_null(board_dtb("nope", NULL));
	ck_assert_ptr_null(board_dtb(NULL, NULL));
}
END_TEST

/* every node with compatible: built, or an unregistered known type */
static void check_all_nodes(struct board *b, const void *fdt, const char *board)
{
	char skipped[1024] = "";
	int node, depth = 0, nskipped = 0;

	for (node = fdt_next_node(fdt, 0, &depth); node >= 0 && depth > 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		const char *compat = fdt_getprop(fdt, node, "compatible", NULL);
		char path[256];
		unsigned i;
		int known = 0;

		if (!compat || depth < 1)
			continue;
		ck_assert_int_eq(fdt_get_path(fdt, node, path, sizeof(path)), 0);
		if (device_find(b, path))
			continue;
		for (i = 0; known_types[i]; i++)
			known |= !strcmp(known_types[i], compat);
		ck_assert_msg(known, "%s: %s (%s) neither built nor a known type", board, path, compat);
		ck_assert_msg(!device_type_find(compat), "%s: %s is registered but was not built",
			      board, compat);
		if (!strstr(skipped, compat) && strlen(skipped) + strlen(compat) + 3 < sizeof(skipped)) {
			strcat(skipped, skipped[0] ? ", " : "");
			strcat(skipped, compat);
		}
		nskipped++;
	}
	if (nskipped)
		printf("board_dts: %s: %d nodes skipped, types not registered yet: %s\n", board,
		       nskipped, skipped);
}

START_TEST(test_pc_builds)
{
	const void *fdt = board_dtb("pc", NULL);
	struct board b;
	struct board_err err = { 0 };

	ck_assert_int_eq(board_init(&b), 0);
	b.skip_unregistered = known_types;
	ck_assert_msg(board_build(&b, fdt, &err) == 0, "pc: %s", err.msg);
	ck_assert_str_eq(b.name, "pc");
	ck_assert_uint_eq(b.mem.ram_size, 128ull << 20);
	ck_assert_uint_eq(b.mem.below_4g, 128ull << 20);
	ck_assert(b.vga_hole);
	ck_assert_uint_eq(b.ncpus, 1);
	ck_assert_int_ge(fdt_path_offset(fdt, "/pci@cf8/isa-bridge@1,0"), 0);
	check_all_nodes(&b, fdt, "pc");
	board_reset(&b, RESET_POWER_ON);
	board_destroy(&b);
}
END_TEST

START_TEST(test_microvm_builds)
{
	const void *fdt = board_dtb("microvm", NULL);
	struct board b;
	struct board_err err = { 0 };

	ck_assert_int_eq(board_init(&b), 0);
	b.skip_unregistered = known_types;
	ck_assert_msg(board_build(&b, fdt, &err) == 0, "microvm: %s", err.msg);
	ck_assert_str_eq(b.name, "microvm");
	ck_assert(!b.vga_hole);
	ck_assert_uint_eq(b.ncpus, 1);
	check_all_nodes(&b, fdt, "microvm");
	board_destroy(&b);
}
END_TEST

/* what the VMM does for -m 4G -smp 8: edit a copy, then build */
START_TEST(test_pc_edited_for_cli)
{
	const void *base = board_dtb("pc", NULL);
	size_t size = fdt_totalsize(base) + 4096;
	void *fdt = malloc(size);
	struct board b;
	struct board_err err = { 0 };

	ck_assert_int_eq(fdt_open_into(base, fdt, (int)size), 0);
	ck_assert_int_eq(board_fdt_set_ram(fdt, 4ull << 30, &err), 0);
	ck_assert_int_eq(board_fdt_set_cpus(fdt, 8, &err), 0);
	ck_assert_int_eq(board_init(&b), 0);
	b.skip_unregistered = known_types;
	ck_assert_msg(board_build(&b, fdt, &err) == 0, "pc: %s", err.msg);
	ck_assert_uint_eq(b.ncpus, 8);
	ck_assert_uint_eq(b.mem.below_4g, 0xe0000000ull);
	ck_assert_uint_eq(b.mem.ram_size - b.mem.below_4g, (4ull << 30) - 0xe0000000ull);
	ck_assert(gmem_is_ram(&b.mem, GMEM_4G, (4ull << 30) - 0xe0000000ull));
	board_destroy(&b);
	free(fdt);
}
END_TEST

/* a DTS typo is caught: an unknown compatible outside the list fails the build */
START_TEST(test_unknown_type_outside_list_fails)
{
	const void *base = board_dtb("microvm", NULL);
	size_t size = fdt_totalsize(base) + 1024;
	void *fdt = malloc(size);
	struct board b;
	struct board_err err = { 0 };
	int node;

	ck_assert_int_eq(fdt_open_into(base, fdt, (int)size), 0);
	node = fdt_path_offset(fdt, "/serial@3f8");
	ck_assert_int_ge(node, 0);
	ck_assert_int_eq(fdt_setprop_string(fdt, node, "compatible", "isa-serail"), 0);
	ck_assert_int_eq(board_init(&b), 0);
	b.skip_unregistered = known_types;
	ck_assert_int_lt(board_build(&b, fdt, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "/serial@3f8: property 'compatible': unknown device type 'isa-serail'"));
	board_destroy(&b);
	free(fdt);
}
END_TEST

/* the guest tests' command line: -device isa-debug-exit,... -device pc-testdev */
START_TEST(test_pc_with_test_devices)
{
	const void *base = board_dtb("pc", NULL);
	size_t size = fdt_totalsize(base) + 4096;
	void *fdt = malloc(size);
	struct board b;
	struct board_err err = { 0 };
	struct device *d;

	if (!device_type_find("isa-debug-exit") || !device_type_find("pc-testdev")) {
		harness_skip("test_pc_with_test_devices",
			     "isa-debug-exit or pc-testdev not linked in (libboard.a not linked whole)");
		free(fdt);
		return;
	}
	ck_assert_int_eq(fdt_open_into(base, fdt, (int)size), 0);
	ck_assert_int_eq(board_fdt_add_device(fdt, "isa-debug-exit,iobase=0xf4,iosize=0x4", &err), 0);
	ck_assert_int_eq(board_fdt_add_device(fdt, "pc-testdev", &err), 0);
	ck_assert_int_eq(board_init(&b), 0);
	b.skip_unregistered = known_types;
	ck_assert_msg(board_build(&b, fdt, &err) == 0, "pc: %s", err.msg);
	d = device_find(&b, "/isa-debug-exit@0");
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(bus_find(&b.pio, 0xf4)->name, "/isa-debug-exit@0");
	ck_assert_ptr_nonnull(device_find(&b, "/pc-testdev@0"));
	/* a second debug-exit on the same port: the overlap names both nodes */
	board_destroy(&b);
	ck_assert_int_eq(board_fdt_add_device(fdt, "isa-debug-exit,iobase=0xf6,iosize=1", &err), 0);
	ck_assert_int_eq(board_init(&b), 0);
	b.skip_unregistered = known_types;
	ck_assert_int_eq(board_build(&b, fdt, &err), -EEXIST);
	ck_assert_msg(strstr(err.msg, "/isa-debug-exit@1") && strstr(err.msg, "overlap /isa-debug-exit@0"),
		      "%s", err.msg);
	board_destroy(&b);
	free(fdt);
}
END_TEST

Suite *board_dts_suite(void)
{
	Suite *s = suite_create("board_dts");
	TCase *tc = tcase_create("dts");

	tcase_add_test(tc, test_builtin_dtbs_exist);
	tcase_add_test(tc, test_pc_builds);
	tcase_add_test(tc, test_microvm_builds);
	tcase_add_test(tc, test_pc_edited_for_cli);
	tcase_add_test(tc, test_unknown_type_outside_list_fails);
	tcase_add_test(tc, test_pc_with_test_devices);
	suite_add_tcase(s, tc);
	return s;
}
