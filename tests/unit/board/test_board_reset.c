/*
 * Reset chain order, the ROM registry (restore after guest writes, overlap
 * and backing errors), the BIOS mapping, reset/exit requests.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/log.h"

#define MiB (1ull << 20)

static char calls[64];

static void log_call(void *opaque, enum reset_cause cause)
{
	size_t n = strlen(calls);

	if (n + 2 < sizeof(calls)) {
		calls[n] = *(const char *)opaque;
		calls[n + 1] = (char)('0' + cause);
		calls[n + 2] = '\0';
	}
}

static void new_board(struct board *b, uint64_t ram)
{
	struct board_err err = { 0 };

	ck_assert_int_eq(board_init(b), 0);
	ck_assert_int_eq(board_set_ram(b, ram, 0, &err), 0);
	calls[0] = '\0';
}

START_TEST(test_chain_runs_in_registration_order)
{
	struct board b;

	new_board(&b, 16 * MiB);
	ck_assert_int_eq(board_register_reset(&b, log_call, "a", "a"), 0);
	ck_assert_int_eq(board_register_reset(&b, log_call, "b", "b"), 0);
	ck_assert_int_eq(board_register_reset(&b, log_call, "c", "c"), 0);
	ck_assert_int_eq(board_register_reset(&b, NULL, "d", "d"), -EINVAL);
	board_reset(&b, RESET_CF9);
	ck_assert_str_eq(calls, "a1b1c1");
	board_reset(&b, RESET_TRIPLE_FAULT);
	ck_assert_str_eq(calls, "a1b1c1a5b5c5");
	board_destroy(&b);
}
END_TEST

/* A device that scribbles over the ROM area when it resets: the ROM must win. */
static void scribble(void *opaque, enum reset_cause cause)
{
	struct board *b = opaque;

	memset(b->mem.ram + 0x100000, 0xee, 0x2000);
	log_call("s", cause);
}

START_TEST(test_rom_restored_after_guest_writes)
{
	struct board b;
	struct board_err err = { 0 };
	uint8_t rom[0x1800], junk[0x1800];
	unsigned i;

	new_board(&b, 16 * MiB);
	for (i = 0; i < sizeof(rom); i++)
		rom[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(board_register_reset(&b, log_call, "a", "a"), 0);
	ck_assert_int_eq(rom_add_blob(&b, "payload", rom, sizeof(rom), 0x100000), 0);
	ck_assert_int_eq(rom_check(&b, &err), 0);
	/* registered after the ROM handler, but the ROM handler stays last */
	ck_assert_int_eq(board_register_reset(&b, scribble, &b, "scribble"), 0);
	ck_assert_str_eq(b.reset[b.nreset - 1].name, "rom");
	board_reset(&b, RESET_POWER_ON);
	ck_assert_str_eq(calls, "a0s0");
	ck_assert_mem_eq(b.mem.ram + 0x100000, rom, sizeof(rom));
	ck_assert_uint_eq(b.mem.ram[0x100000 + sizeof(rom)], 0xee);	/* only the ROM bytes */
	/* the guest overwrites it; every reset restores it */
	memset(junk, 0x55, sizeof(junk));
	board_mem_rw(&b, 0x100000, junk, sizeof(junk), true);
	ck_assert_uint_eq(b.mem.ram[0x100000], 0x55);
	board_reset(&b, RESET_KBD);
	ck_assert_mem_eq(b.mem.ram + 0x100000, rom, sizeof(rom));
	/* rom_check twice does not register twice */
	ck_assert_int_eq(rom_check(&b, &err), 0);
	calls[0] = '\0';
	board_reset(&b, RESET_KBD);
	ck_assert_str_eq(calls, "a2s2");
	board_destroy(&b);
}
END_TEST

START_TEST(test_rom_overlap_names_both)
{
	struct board b;
	struct board_err err = { 0 };
	static uint8_t data[0x2000];

	new_board(&b, 16 * MiB);
	ck_assert_int_eq(rom_add_blob(&b, "vgabios", data, 0x1000, 0x200000), 0);
	ck_assert_int_eq(rom_add_blob(&b, "adjacent", data, 0x1000, 0x201000), 0);
	ck_assert_int_eq(rom_add_blob(&b, "etc/file-only", data, 0x2000, ROM_NO_GPA), 0);
	ck_assert_int_eq(rom_check(&b, &err), 0);
	ck_assert_int_eq(rom_add_blob(&b, "optionrom", data, 0x2000, 0x1ff800), 0);
	ck_assert_int_eq(rom_check(&b, &err), -EEXIST);
	ck_assert_int_eq(err.code, -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.msg, "'vgabios'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "'optionrom'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "0x200000-0x200fff"));
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	board_destroy(&b);
}
END_TEST

START_TEST(test_rom_bad_input)
{
	struct board b;
	struct board_err err = { 0 };
	static uint8_t data[0x1000];

	new_board(&b, 16 * MiB);
	ck_assert_int_eq(rom_add_blob(&b, "a", data, 0, 0x1000), -EINVAL);
	ck_assert_int_eq(rom_add_blob(&b, "", data, 16, 0x1000), -EINVAL);
	ck_assert_int_eq(rom_add_blob(&b, NULL, data, 16, 0x1000), -EINVAL);
	ck_assert_int_eq(rom_add_blob(&b, "a", NULL, 16, 0x1000), -EINVAL);
	ck_assert_int_eq(rom_add_blob(&b, "a", data, 16, UINT64_MAX - 4), -EINVAL);
	ck_assert_int_eq(rom_add_blob(&b, "a", data, 16, 0x1000), 0);
	ck_assert_int_eq(rom_add_blob(&b, "a", data, 16, 0x3000), -EEXIST);
	ck_assert_uint_eq(rom_count(&b), 1);
	ck_assert_ptr_null(rom_get(&b, 1));
	ck_assert_uint_eq(rom_find(&b, "a")->gpa, 0x1000);
	/* not backed: the IOAPIC window, and RAM's end */
	ck_assert_int_eq(rom_add_blob(&b, "nowhere", data, 16, 0xfec00000ull), 0);
	ck_assert_int_eq(rom_check(&b, &err), -EFAULT);
	ck_assert_ptr_nonnull(strstr(err.msg, "'nowhere'"));
	board_destroy(&b);

	new_board(&b, 16 * MiB);
	ck_assert_int_eq(rom_add_blob(&b, "tail", data, 0x1000, 16 * MiB - 0x800), 0);
	ck_assert_int_eq(rom_check(&b, &err), -EFAULT);
	ck_assert_ptr_nonnull(strstr(err.msg, "'tail'"));
	board_destroy(&b);
}
END_TEST

START_TEST(test_bios_mapping)
{
	struct board b;
	struct board_err err = { 0 };
	size_t len = 256 * 1024;
	uint8_t *bios = malloc(len), *host, v;
	uint64_t avail;
	unsigned i;

	for (i = 0; i < len; i++)
		bios[i] = (uint8_t)(i ^ (i >> 8));
	new_board(&b, 16 * MiB);
	ck_assert_int_eq(board_load_bios(&b, bios, 1000, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "64 KiB"));
	ck_assert_int_eq(board_load_bios(&b, bios, 0, &err), -EINVAL);
	ck_assert_int_eq(board_load_bios(&b, bios, len, &err), 0);
	ck_assert_int_eq(board_load_bios(&b, bios, len, &err), -EEXIST);
	/* at 4 GiB - size, read-only */
	ck_assert_int_eq(board_mem_resolve(&b, GMEM_4G - len, false, &host, &avail), BOARD_MEM_ROM);
	ck_assert_uint_eq(avail, len);
	ck_assert_uint_eq(host[0], bios[0]);
	board_mem_rw(&b, GMEM_4G - 16, &v, 1, false);
	ck_assert_uint_eq(v, bios[len - 16]);
	v = ~v;
	board_mem_rw(&b, GMEM_4G - 16, &v, 1, true);
	board_mem_rw(&b, GMEM_4G - 16, &v, 1, false);
	ck_assert_uint_eq(v, bios[len - 16]);
	/* its last 128 KiB at 0xE0000 (PAM reads from ROM after power-on) */
	board_mem_rw(&b, 0xe0000, &v, 1, false);
	ck_assert_uint_eq(v, bios[len - 0x20000]);
	board_mem_rw(&b, 0xffff0, &v, 1, false);
	ck_assert_uint_eq(v, bios[len - 16]);
	/* the BIOS is a ROM: rom_check passes, the reset re-copies it */
	ck_assert_ptr_nonnull(rom_find(&b, "bios"));
	ck_assert_int_eq(rom_check(&b, &err), 0);
	board_destroy(&b);
	free(bios);
}
END_TEST

START_TEST(test_bios_overlapping_ram_or_mmio)
{
	struct board b;
	struct board_err err = { 0 };
	static uint8_t bios[0x10000];
	static const struct bus_ops none = { 0 };

	ck_assert_int_eq(board_init(&b), 0);
	/* RAM all the way to 4 GiB: no room for the BIOS */
	ck_assert_int_eq(board_set_ram(&b, GMEM_4G + 16 * MiB, GMEM_4G, &err), 0);
	ck_assert_int_eq(board_load_bios(&b, bios, sizeof(bios), &err), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.msg, "RAM"));
	board_destroy(&b);

	new_board(&b, 16 * MiB);
	ck_assert_int_eq(bus_register(&b.mmio, 0xffff8000ull, 0x100, &none, NULL, "/flash@ffff8000", NULL), 0);
	ck_assert_int_eq(board_load_bios(&b, bios, sizeof(bios), &err), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err.msg, "/flash@ffff8000"));
	board_destroy(&b);
}
END_TEST

static int notifies;
static void on_notify(void *opaque)
{
	notifies++;
}

START_TEST(test_requests)
{
	struct board b;
	int v = -1;

	new_board(&b, 16 * MiB);
	b.notify = on_notify;
	notifies = 0;
	ck_assert_int_eq(board_take_request(&b, &v), BOARD_REQ_NONE);
	ck_assert_int_eq(v, 0);
	board_request_reset(&b, RESET_PORT92);
	ck_assert_int_eq(notifies, 1);
	board_request_reset(&b, RESET_CF9);	/* the first cause is kept */
	ck_assert_int_eq(board_take_request(&b, &v), BOARD_REQ_RESET);
	ck_assert_int_eq(v, RESET_PORT92);
	ck_assert_int_eq(board_take_request(&b, &v), BOARD_REQ_NONE);
	/* exit beats reset, whatever the order */
	board_request_exit(&b, 3);
	board_request_reset(&b, RESET_CF9);
	ck_assert_int_eq(board_take_request(&b, &v), BOARD_REQ_EXIT);
	ck_assert_int_eq(v, 3);
	board_request_reset(&b, RESET_CF9);
	board_request_exit(&b, 7);
	ck_assert_int_eq(board_take_request(&b, &v), BOARD_REQ_EXIT);
	ck_assert_int_eq(v, 7);
	/* the first exit status stands, as QEMU exits at the first write */
	board_request_exit(&b, 5);
	board_request_exit(&b, 9);
	ck_assert_int_eq(board_take_request(&b, &v), BOARD_REQ_EXIT);
	ck_assert_int_eq(v, 5);
	/* -no-reboot: a reset request is an exit with status 0 */
	b.no_reboot = true;
	board_request_reset(&b, RESET_TRIPLE_FAULT);
	ck_assert_int_eq(board_take_request(&b, &v), BOARD_REQ_EXIT);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(notifies, 9);
	ck_assert_str_eq(reset_cause_name(RESET_CF9), "port 0xcf9");
	ck_assert_str_eq(reset_cause_name((enum reset_cause)99), "unknown");
	board_destroy(&b);
}
END_TEST

START_TEST(test_gsi_lines)
{
	struct board b;

	new_board(&b, 16 * MiB);
	ck_assert_ptr_eq(board_gsi_line(&b, 0), &b.gsi[0]);
	ck_assert_ptr_eq(board_gsi_line(&b, 23), &b.gsi[23]);
	ck_assert_ptr_null(board_gsi_line(&b, 24));
	ck_assert_ptr_null(board_gsi_line(&b, (unsigned)-1));
	/* not connected yet: setting is a no-op, not a crash */
	irq_raise(board_gsi_line(&b, 4));
	ck_assert_int_eq(b.gsi[4].level, 1);
	board_destroy(&b);
}
END_TEST

static uint64_t val_read(void *opaque, uint64_t off, unsigned size)
{
	return 0x1234 + off;
}

static void val_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	*(uint64_t *)opaque = val;
}

START_TEST(test_dispatch_helpers_log)
{
	static const struct bus_ops ops = { .read = val_read, .write = val_write };
	struct board b;
	uint64_t last = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned old = log_mask;

	new_board(&b, 16 * MiB);
	ck_assert_int_eq(bus_register(&b.pio, 0x3f8, 8, &ops, &last, "serial", NULL), 0);
	ck_assert_int_eq(bus_register(&b.mmio, 0xfec00000ull, 0x1000, &ops, &last, "ioapic", NULL), 0);
	log_set_file(f);
	log_mask = LOG_IOPORT | LOG_MMIO;
	ck_assert_uint_eq(board_pio_read(&b, 0x3fa, 2), 0x1236);
	board_pio_write(&b, 0x3f8, 0x41, 1);
	ck_assert_uint_eq(last, 0x41);
	ck_assert_uint_eq(board_mmio_read(&b, 0xfec00010ull, 4), 0x1244);
	board_mmio_write(&b, 0xfec00000ull, 0x12, 4);
	ck_assert_uint_eq(last, 0x12);
	fflush(f);
	ck_assert_ptr_nonnull(strstr(buf, "ioport: in16 0x03fa -> 0x1236"));
	ck_assert_ptr_nonnull(strstr(buf, "ioport: out8 0x03f8 <- 0x41"));
	ck_assert_ptr_nonnull(strstr(buf, "mmio: read32 0xfec00010 -> 0x1244"));
	ck_assert_ptr_nonnull(strstr(buf, "mmio: write32 0xfec00000 <- 0x12"));
	log_mask = old;
	log_set_file(NULL);
	fclose(f);
	free(buf);
	board_destroy(&b);
}
END_TEST

START_TEST(test_log_mask_parse)
{
	unsigned m = 0;
	const char *bad = NULL;

	ck_assert_int_eq(log_parse_mask("guest_errors,int,cpu_reset", &m, &bad), 0);
	ck_assert_uint_eq(m, LOG_GUEST_ERRORS | LOG_INT | LOG_CPU_RESET);
	ck_assert_int_eq(log_parse_mask("", &m, &bad), 0);
	ck_assert_uint_eq(m, 0);
	m = 77;
	ck_assert_int_eq(log_parse_mask("int,bogus,mmio", &m, &bad), -1);
	ck_assert_str_eq(bad, "bogus");
	ck_assert_uint_eq(m, 77);	/* untouched on error */
}
END_TEST

Suite *board_reset_suite(void)
{
	Suite *s = suite_create("board_reset");
	TCase *tc = tcase_create("reset");

	tcase_add_test(tc, test_chain_runs_in_registration_order);
	tcase_add_test(tc, test_rom_restored_after_guest_writes);
	tcase_add_test(tc, test_rom_overlap_names_both);
	tcase_add_test(tc, test_rom_bad_input);
	tcase_add_test(tc, test_bios_mapping);
	tcase_add_test(tc, test_bios_overlapping_ram_or_mmio);
	tcase_add_test(tc, test_requests);
	tcase_add_test(tc, test_gsi_lines);
	tcase_add_test(tc, test_dispatch_helpers_log);
	tcase_add_test(tc, test_log_mask_parse);
	suite_add_tcase(s, tc);
	return s;
}
