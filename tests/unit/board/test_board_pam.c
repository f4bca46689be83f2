/*
 * i440fx PAM shadowing of 0xC0000-0xFFFFF: each RE/WE combination for reads
 * and writes, register decoding, the map-change hook, KVM slots, and the
 * SeaBIOS-style "copy the BIOS into shadow RAM" sequence.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"

#define MiB (1ull << 20)
#define BIOS_SIZE (256 * 1024)

static struct board b;
static uint8_t *bios;
static int map_changes;

static void on_change(struct board *bd, void *opaque)
{
	map_changes++;
}

/* RAM byte at a: 0x10 | low bits of the address; BIOS and option ROM differ */
static uint8_t ram_pat(uint64_t a) { return (uint8_t)(0x10 ^ (a >> 12)); }
static uint8_t bios_pat(uint64_t off) { return (uint8_t)(0x80 ^ (off >> 12)); }
static uint8_t opt_pat(uint64_t off) { return (uint8_t)(0x40 ^ (off >> 12)); }

static void setup(void)
{
	struct board_err err = { 0 };
	uint8_t opt[BOARD_OPTROM_SIZE];
	uint64_t a;
	unsigned i;

	ck_assert_int_eq(board_init(&b), 0);
	b.vga_hole = true;
	ck_assert_int_eq(board_set_ram(&b, 16 * MiB, 0, &err), 0);
	bios = malloc(BIOS_SIZE);
	for (i = 0; i < BIOS_SIZE; i++)
		bios[i] = bios_pat(i);
	ck_assert_int_eq(board_load_bios(&b, bios, BIOS_SIZE, &err), 0);
	for (i = 0; i < sizeof(opt); i++)
		opt[i] = opt_pat(i);
	ck_assert_int_eq(board_mem_write_rom(&b, BOARD_OPTROM_BASE, opt, sizeof(opt)), 0);
	for (a = 0xa0000; a < 0x100000; a++)
		b.mem.ram[a] = ram_pat(a);
	b.on_memory_map_change = on_change;
	map_changes = 0;
}

static void teardown(void)
{
	board_destroy(&b);
	free(bios);
}

static uint8_t rd(uint64_t a)
{
	uint8_t v;

	board_mem_rw(&b, a, &v, 1, false);
	return v;
}

static void wr(uint64_t a, uint8_t v)
{
	board_mem_rw(&b, a, &v, 1, true);
}

/* ROM-side byte the hardware shows at a when RE is clear */
static uint8_t rom_byte(uint64_t a)
{
	if (a >= 0xe0000)
		return bios[BIOS_SIZE - (0x100000 - a)];
	return opt_pat(a - 0xc0000);
}

static const uint64_t probe[] = { 0xc0000, 0xc7ffe, 0xdc000, 0xe0010, 0xeffff, 0xf0000, 0xffff0 };

START_TEST(test_re_we_combinations)
{
	unsigned attr = (unsigned)_i, k;

	for (k = 0; k < sizeof(probe) / sizeof(probe[0]); k++) {
		uint64_t a = probe[k];
		unsigned region = a >= 0xf0000 ? 0 : 1 + (unsigned)((a - 0xc0000) / 0x4000);
		uint8_t rom_before = rom_byte(a);

		board_pam_set(&b, region, attr);
		/* read: RAM if RE, else the BIOS ROM alias / option-ROM area */
		ck_assert_uint_eq(rd(a), (attr & PAM_RE) ? ram_pat(a) : rom_before);
		/* write: RAM if WE, else dropped (and the ROM is unchanged) */
		wr(a, 0xc3);
		ck_assert_uint_eq(b.mem.ram[a], (attr & PAM_WE) ? 0xc3 : ram_pat(a));
		ck_assert_uint_eq(rom_byte(a), rom_before);
		if (attr == (PAM_RE | PAM_WE))
			ck_assert_uint_eq(rd(a), 0xc3);
		if (attr == PAM_WE)
			ck_assert_uint_eq(rd(a), rom_before);	/* write-only shadow */
		b.mem.ram[a] = ram_pat(a);
		/* the neighbouring region is untouched by this one's attribute */
		if (region != 0)
			ck_assert_uint_eq(rd(0xf0000), rom_byte(0xf0000));
	}
}
END_TEST

START_TEST(test_register_decoding_and_hook)
{
	/* 0x59: bits 3:0 reserved, bits 5:4 region 0 */
	board_pam_write_reg(&b, 0x59, 0x0f);
	ck_assert_uint_eq(b.pam[0], 0);
	ck_assert_int_eq(map_changes, 0);
	board_pam_write_reg(&b, 0x59, 0x30);
	ck_assert_uint_eq(b.pam[0], 3);
	ck_assert_int_eq(map_changes, 1);
	board_pam_write_reg(&b, 0x59, 0x30);	/* no change, no hook */
	ck_assert_int_eq(map_changes, 1);
	/* 0x5A: 0xC0000 low nibble, 0xC4000 high nibble; bits 2-3 ignored */
	board_pam_write_reg(&b, 0x5a, 0x2d);
	ck_assert_uint_eq(b.pam[1], 1);
	ck_assert_uint_eq(b.pam[2], 2);
	ck_assert_int_eq(map_changes, 2);	/* one call for both nibbles */
	board_pam_write_reg(&b, 0x5f, 0x31);
	ck_assert_uint_eq(b.pam[11], 1);
	ck_assert_uint_eq(b.pam[12], 3);
	ck_assert_uint_eq(rd(0xe8000), ram_pat(0xe8000));
	ck_assert_uint_eq(rd(0xec000), ram_pat(0xec000));
	ck_assert_uint_eq(rd(0xe4000), rom_byte(0xe4000));
	/* not PAM registers, not regions: ignored */
	board_pam_write_reg(&b, 0x58, 0xff);
	board_pam_write_reg(&b, 0x60, 0xff);
	board_pam_set(&b, 13, 3);
	board_pam_set(&b, (unsigned)-1, 3);
	ck_assert_int_eq(map_changes, 3);
	ck_assert_uint_eq(b.pam[3], 0);
}
END_TEST

START_TEST(test_seabios_shadow_sequence)
{
	uint8_t buf[0x10000];

	/* writes to RAM, reads from ROM: copy the high BIOS alias onto itself */
	board_pam_set(&b, 0, PAM_WE);
	board_mem_rw(&b, GMEM_4G - 0x10000, buf, sizeof(buf), false);
	board_mem_rw(&b, 0xf0000, buf, sizeof(buf), true);
	ck_assert_mem_eq(b.mem.ram + 0xf0000, bios + BIOS_SIZE - 0x10000, 0x10000);
	/* shadow RAM on: same bytes, now writable */
	board_pam_set(&b, 0, PAM_RE | PAM_WE);
	ck_assert_uint_eq(rd(0xffff0), bios[BIOS_SIZE - 16]);
	wr(0xf1234, 0x77);
	ck_assert_uint_eq(rd(0xf1234), 0x77);
	/* write-protect it, as a BIOS does at the end of POST */
	board_pam_set(&b, 0, PAM_RE);
	wr(0xf1234, 0x11);
	ck_assert_uint_eq(rd(0xf1234), 0x77);
	/* any reset puts PAM back to 0: the ROM shows again, the shadow copy stays in RAM */
	board_pam_write_reg(&b, 0x5a, 0x33);
	map_changes = 0;
	board_reset(&b, RESET_CF9);
	ck_assert_int_eq(map_changes, 1);	/* one call for the whole reset */
	ck_assert_uint_eq(b.pam[0], 0);
	ck_assert_uint_eq(b.pam[1], 0);
	ck_assert_uint_eq(b.pam[2], 0);
	ck_assert_uint_eq(rd(0xf1234), bios[BIOS_SIZE - 0x10000 + 0x1234]);
	ck_assert_uint_eq(b.mem.ram[0xf1234], 0x77);
}
END_TEST

START_TEST(test_resolve_kinds_and_avail)
{
	uint8_t *host;
	uint64_t avail;

	ck_assert_int_eq(board_mem_resolve(&b, 0x1000, false, &host, &avail), BOARD_MEM_RAM);
	ck_assert_ptr_eq(host, b.mem.ram + 0x1000);
	ck_assert_uint_eq(avail, 0xa0000 - 0x1000);
	/* VGA window: MMIO on pc; unassigned reads are all ones */
	ck_assert_int_eq(board_mem_resolve(&b, 0xa0000, false, &host, &avail), BOARD_MEM_MMIO);
	ck_assert_uint_eq(avail, 0x20000);
	ck_assert_uint_eq(rd(0xb8000), 0xff);
	/* PAM segment bound */
	ck_assert_int_eq(board_mem_resolve(&b, 0xc1000, false, &host, &avail), BOARD_MEM_ROM);
	ck_assert_uint_eq(avail, 0x3000);
	ck_assert_int_eq(board_mem_resolve(&b, 0xc1000, true, &host, &avail), BOARD_MEM_ROM);
	board_pam_set(&b, 1, PAM_WE);
	ck_assert_int_eq(board_mem_resolve(&b, 0xc1000, true, &host, &avail), BOARD_MEM_RAM);
	ck_assert_ptr_eq(host, b.mem.ram + 0xc1000);
	ck_assert_uint_eq(avail, 0x3000);
	/* above RAM, below the BIOS: MMIO up to the BIOS */
	ck_assert_int_eq(board_mem_resolve(&b, 16 * MiB, false, &host, &avail), BOARD_MEM_MMIO);
	ck_assert_ptr_null(host);
	ck_assert_uint_eq(avail, GMEM_4G - BIOS_SIZE - 16 * MiB);
	ck_assert_int_eq(board_mem_resolve(&b, GMEM_4G, false, &host, &avail), BOARD_MEM_MMIO);
	ck_assert_int_eq(board_mem_resolve(&b, UINT64_MAX, false, &host, &avail), BOARD_MEM_MMIO);
	ck_assert_uint_eq(avail, 1);
	/* access across pieces: RAM end into MMIO */
	{
		uint8_t v[4];

		b.mem.ram[16 * MiB - 2] = 0x12;
		b.mem.ram[16 * MiB - 1] = 0x34;
		board_mem_rw(&b, 16 * MiB - 2, v, 4, false);
		ck_assert_uint_eq(v[0], 0x12);
		ck_assert_uint_eq(v[1], 0x34);
		ck_assert_uint_eq(v[2], 0xff);
		ck_assert_uint_eq(v[3], 0xff);
	}
}
END_TEST

START_TEST(test_small_bios_alias)
{
	struct board s;
	struct board_err err = { 0 };
	static uint8_t small[0x10000];
	uint8_t *host;
	uint64_t avail;

	memset(small, 0x5c, sizeof(small));
	ck_assert_int_eq(board_init(&s), 0);
	ck_assert_int_eq(board_set_ram(&s, 16 * MiB, 0, &err), 0);
	ck_assert_int_eq(board_load_bios(&s, small, sizeof(small), &err), 0);
	/* 64 KiB BIOS: alias only at 0xF0000; 0xE0000 is nothing (MMIO) */
	ck_assert_int_eq(board_mem_resolve(&s, 0xf0000, false, &host, &avail), BOARD_MEM_ROM);
	ck_assert_uint_eq(*host, 0x5c);
	ck_assert_int_eq(board_mem_resolve(&s, 0xe0000, false, &host, &avail), BOARD_MEM_MMIO);
	ck_assert_uint_eq(avail, 0x4000);
	/* without vga-hole, 0xA0000 is RAM */
	ck_assert_int_eq(board_mem_resolve(&s, 0xa0000, false, &host, &avail), BOARD_MEM_RAM);
	board_destroy(&s);
}
END_TEST

static const struct board_mem_slot *slot_at(const struct board_mem_slot *s, int n, uint64_t gpa)
{
	int i;

	for (i = 0; i < n; i++)
		if (gpa >= s[i].gpa && gpa - s[i].gpa < s[i].size)
			return &s[i];
	return NULL;
}

START_TEST(test_kvm_slots_follow_pam)
{
	struct board_mem_slot s[40];
	const struct board_mem_slot *x;
	int n, i;

	n = board_mem_slots(&b, s, 40);
	ck_assert_int_gt(n, 0);
	for (i = 1; i < n; i++)
		ck_assert(s[i - 1].gpa + s[i - 1].size <= s[i].gpa);	/* sorted, disjoint */
	ck_assert_ptr_null(slot_at(s, n, 0xb8000));			/* VGA hole */
	x = slot_at(s, n, 0xf0000);
	ck_assert_ptr_nonnull(x);
	ck_assert(x->readonly);
	ck_assert_ptr_eq(x->host, b.bios + BIOS_SIZE - 0x10000);
	x = slot_at(s, n, 0xc0000);
	ck_assert(x->readonly);
	ck_assert_ptr_eq(x->host, b.optrom);
	x = slot_at(s, n, GMEM_4G - BIOS_SIZE);
	ck_assert(x && x->readonly && x->size == BIOS_SIZE);
	x = slot_at(s, n, 0x100000);
	ck_assert(x && !x->readonly && x->host == b.mem.ram + 0x100000);
	ck_assert_uint_eq(x->gpa + x->size, 16 * MiB);

	board_pam_write_reg(&b, 0x59, 0x30);
	board_pam_write_reg(&b, 0x5a, 0x01);
	n = board_mem_slots(&b, s, 40);
	x = slot_at(s, n, 0xf8000);
	ck_assert(x && !x->readonly && x->gpa == 0xf0000 && x->host == b.mem.ram + 0xf0000);
	x = slot_at(s, n, 0xc0000);
	ck_assert(x && x->readonly && x->host == b.mem.ram + 0xc0000);	/* RE only: RAM, read-only */
	ck_assert_int_eq(board_mem_slots(&b, s, 3), -ENOSPC);
}
END_TEST

START_TEST(test_write_rom_into_mmio_fails)
{
	uint8_t v = 1;

	ck_assert_int_eq(board_mem_write_rom(&b, 0xa0000, &v, 1), -EFAULT);
	ck_assert_int_eq(board_mem_write_rom(&b, 16 * MiB - 1, &v, 2), -EFAULT);
	ck_assert_int_eq(board_mem_write_rom(&b, UINT64_MAX, &v, 2), -EFAULT);
	ck_assert_int_eq(board_mem_write_rom(&b, GMEM_4G - 1, &v, 1), 0);
	ck_assert_uint_eq(b.bios[BIOS_SIZE - 1], 1);
}
END_TEST

Suite *board_pam_suite(void)
{
	Suite *s = suite_create("board_pam");
	TCase *tc = tcase_create("pam");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_re_we_combinations, 0, 4);
	tcase_add_test(tc, test_register_decoding_and_hook);
	tcase_add_test(tc, test_seabios_shadow_sequence);
	tcase_add_test(tc, test_resolve_kinds_and_avail);
	tcase_add_test(tc, test_small_bios_alias);
	tcase_add_test(tc, test_kvm_slots_follow_pam);
	tcase_add_test(tc, test_write_rom_into_mmio_fails);
	suite_add_tcase(s, tc);
	return s;
}
