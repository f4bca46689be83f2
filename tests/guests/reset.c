/*
 * Reset sources, one per boot, counted in CMOS (which a reset keeps):
 * port 0xCF9 (PIIX reset control), port 0x92 (fast reset), the i8042's
 * pulse command 0xFE. The last boot reports every method. Run without
 * -no-reboot: each reset must come back to this guest.
 */
#include "runtime.h"

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define CMOS_MAGIC_REG	0x7c
#define CMOS_STAGE_REG	0x7d
#define CMOS_FAILS_REG	0x7e
#define CMOS_BOOTS_REG	0x7f
#define MAGIC		0xb5
#define RESET_WAIT_US	1000000

#define PORT_CF9	0xcf9
#define CF9_SYS_RST	0x02
#define CF9_RST_CPU	0x04
#define PORT_92		0x92
#define PORT_92_RESET	0x01
#define I8042_STATUS	0x64
#define I8042_CMD	0x64
#define I8042_IBF	0x02
#define I8042_PULSE_RESET	0xfe

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(CMOS_INDEX, reg);
	outb(CMOS_DATA, v);
}

static void reset_cf9(void)
{
	outb(PORT_CF9, CF9_SYS_RST);
	outb(PORT_CF9, CF9_SYS_RST | CF9_RST_CPU);
}

static void reset_92(void)
{
	outb(PORT_92, (inb(PORT_92) & ~PORT_92_RESET) & 0xff);
	outb(PORT_92, inb(PORT_92) | PORT_92_RESET);
}

static void reset_i8042(void)
{
	unsigned i;

	for (i = 0; i < 100000 && (inb(I8042_STATUS) & I8042_IBF); i++)
		cpu_relax();
	outb(I8042_CMD, I8042_PULSE_RESET);
}

static const struct {
	const char *name, *how;
	void (*fn)(void);
} methods[] = {
	{ "reset_port_cf9", "writing 0x02, 0x06 to port 0xCF9", reset_cf9 },
	{ "reset_port_92", "setting bit 0 of port 0x92", reset_92 },
	{ "reset_i8042_pulse", "command 0xFE to the i8042 (port 0x64)", reset_i8042 },
};
#define NR_METHODS	(sizeof(methods) / sizeof(methods[0]))

void test_main(void)
{
	unsigned stage, boots, fails, s, ok = 0;

	if (cmos_read(CMOS_MAGIC_REG) != MAGIC) {
		cmos_write(CMOS_STAGE_REG, 0);
		cmos_write(CMOS_FAILS_REG, 0);
		cmos_write(CMOS_BOOTS_REG, 0);
		cmos_write(CMOS_MAGIC_REG, MAGIC);
	}
	boots = cmos_read(CMOS_BOOTS_REG) + 1u;
	cmos_write(CMOS_BOOTS_REG, (uint8_t)boots);
	stage = cmos_read(CMOS_STAGE_REG);
	printf("# reset: boot %u, stage %u\n", boots, stage);
	check(cmos_read(CMOS_MAGIC_REG) == MAGIC, "reset_cmos_keeps_value",
	      "CMOS %#x does not hold %#x", CMOS_MAGIC_REG, MAGIC);

	for (s = stage; s < NR_METHODS; s++) {
		cmos_write(CMOS_STAGE_REG, (uint8_t)(s + 1));
		printf("# reset: %s\n", methods[s].how);
		methods[s].fn();
		udelay(RESET_WAIT_US);
		/* still here: that method did nothing */
		cmos_write(CMOS_FAILS_REG, cmos_read(CMOS_FAILS_REG) | 1u << s);
	}

	fails = cmos_read(CMOS_FAILS_REG);
	for (s = 0; s < NR_METHODS; s++) {
		if (!(fails & 1u << s))
			ok++;
		check(!(fails & 1u << s), methods[s].name, "no reset within %u ms after %s",
		      RESET_WAIT_US / 1000, methods[s].how);
	}
	check(boots == ok + 1, "reset_boot_count", "%u boots for %u working resets, want %u",
	      boots, ok, ok + 1);
	cmos_write(CMOS_MAGIC_REG, 0);
}
