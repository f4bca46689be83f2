/*
 * virtio-blk over modern virtio-pci (virtio 1.x, sections 4.1 and 5.2):
 * find the device (1af4:1042), walk its vendor capabilities for the common,
 * notify and device config windows, negotiate VERSION_1, set up queue 0
 * and, polling the used ring, read sector 0, write sector 1 and read it back.
 *
 * The host side (tests/unit/boot/test_boot_virtio.c) fills sector 0 with
 * SECTOR0_MAGIC followed by bytes (i * 7) & 0xff, and afterwards checks that
 * sector 1 holds SECTOR1_MAGIC followed by bytes i ^ 0x5a.
 */
#include "runtime.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_BLK_MODERN	0x1042
#define VIRTIO_BLK_LEGACY	0x1001

#define PCI_COMMAND		0x04
#define PCI_CMD_MEM		0x02
#define PCI_CMD_MASTER		0x04
#define PCI_BAR0		0x10
#define PCI_CAP_VENDOR		0x09
#define PCI_BAR_MEM64		0x04
#define BAR_DEFAULT		0xfd200000u	/* when no firmware assigned the BAR */

/* virtio_pci_cap */
#define VCAP_CFG_TYPE		3
#define VCAP_BAR		4
#define VCAP_OFFSET		8
#define VCAP_LENGTH		12
#define VCAP_NOTIFY_MULT	16
#define VIRTIO_PCI_CAP_COMMON	1
#define VIRTIO_PCI_CAP_NOTIFY	2
#define VIRTIO_PCI_CAP_DEVICE	4

/* common configuration structure */
#define COMMON_DFSELECT		0x00
#define COMMON_DF		0x04
#define COMMON_GFSELECT		0x08
#define COMMON_GF		0x0c
#define COMMON_NUMQ		0x12
#define COMMON_STATUS		0x14
#define COMMON_Q_SELECT		0x16
#define COMMON_Q_SIZE		0x18
#define COMMON_Q_MSIX		0x1a
#define COMMON_Q_ENABLE		0x1c
#define COMMON_Q_NOFF		0x1e
#define COMMON_Q_DESCLO		0x20
#define COMMON_Q_DESCHI		0x24
#define COMMON_Q_AVAILLO	0x28
#define COMMON_Q_AVAILHI	0x2c
#define COMMON_Q_USEDLO		0x30
#define COMMON_Q_USEDHI		0x34

#define STATUS_ACKNOWLEDGE	1
#define STATUS_DRIVER		2
#define STATUS_DRIVER_OK	4
#define STATUS_FEATURES_OK	8
#define STATUS_FAILED		0x80
#define F_VERSION_1_HI		(1u << 0)	/* feature bit 32 */
#define NO_VECTOR		0xffff

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2

#define BLK_T_IN		0
#define BLK_T_OUT		1
#define BLK_S_OK		0
#define SECTOR			512

#define QSIZE			8
#define IO_TIMEOUT_US		2000000

#define SECTOR0_MAGIC		"BRINGUP-VIRTIO-SECTOR0"
#define SECTOR1_MAGIC		"BRINGUP-VIRTIO-WROTE-SECTOR1"

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct blk_req {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

static struct vring_desc desc[QSIZE] __attribute__((aligned(4096)));
static volatile uint16_t avail[2 + QSIZE + 1] __attribute__((aligned(4096)));
static volatile uint32_t used[1 + 2 * QSIZE + 1] __attribute__((aligned(4096)));
static struct blk_req req;
static uint8_t data[SECTOR] __attribute__((aligned(512)));
static volatile uint8_t status;

static uint16_t dev;
static uintptr_t common, notify, devcfg;
static uint32_t notify_mult;
static uint16_t avail_idx, used_seen;

/* Address of a BAR, assigning BAR_DEFAULT (64-bit aware) if it is unset. */
static uintptr_t bar_addr(unsigned bar)
{
	uint8_t reg = PCI_BAR0 + 4 * bar;
	uint32_t lo = pci_read32(dev, reg);

	if (lo & 1)
		return 0;		/* an I/O BAR: modern virtio uses memory */
	if (!(lo & ~0xfu)) {
		pci_write32(dev, reg, BAR_DEFAULT);
		if (lo & PCI_BAR_MEM64)
			pci_write32(dev, reg + 4, 0);
		lo = pci_read32(dev, reg);
	}
	if ((lo & PCI_BAR_MEM64) && pci_read32(dev, reg + 4))
		return 0;		/* above 4 GiB: out of reach of this 32-bit guest */
	return lo & ~0xfu;
}

static bool find_caps(void)
{
	uint8_t off = pci_read8(dev, 0x34) & ~3;

	for (unsigned n = 0; off && n < 48; n++) {
		if (pci_read8(dev, off) == PCI_CAP_VENDOR) {
			uint8_t type = pci_read8(dev, off + VCAP_CFG_TYPE);
			uint8_t bar = pci_read8(dev, off + VCAP_BAR);
			uint32_t o = pci_read32(dev, off + VCAP_OFFSET);
			uintptr_t base = bar < 6 ? bar_addr(bar) : 0;

			if (base && type == VIRTIO_PCI_CAP_COMMON && !common)
				common = base + o;
			if (base && type == VIRTIO_PCI_CAP_NOTIFY && !notify) {
				notify = base + o;
				notify_mult = pci_read32(dev, off + VCAP_NOTIFY_MULT);
			}
			if (base && type == VIRTIO_PCI_CAP_DEVICE && !devcfg)
				devcfg = base + o;
		}
		off = pci_read8(dev, off + 1) & ~3;
	}
	return common && notify && devcfg;
}

static uint8_t c_read8(unsigned reg)
{
	return *(volatile uint8_t *)(common + reg);
}

static void c_write8(unsigned reg, uint8_t v)
{
	*(volatile uint8_t *)(common + reg) = v;
}

static bool negotiate(void)
{
	uint32_t hi;

	c_write8(COMMON_STATUS, 0);
	if (c_read8(COMMON_STATUS) != 0)
		return false;
	c_write8(COMMON_STATUS, STATUS_ACKNOWLEDGE);
	c_write8(COMMON_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
	mmio_write32(common + COMMON_DFSELECT, 1);
	hi = mmio_read32(common + COMMON_DF);
	if (!(hi & F_VERSION_1_HI))
		return false;
	mmio_write32(common + COMMON_GFSELECT, 0);
	mmio_write32(common + COMMON_GF, 0);
	mmio_write32(common + COMMON_GFSELECT, 1);
	mmio_write32(common + COMMON_GF, F_VERSION_1_HI);
	c_write8(COMMON_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	return c_read8(COMMON_STATUS) & STATUS_FEATURES_OK;
}

static bool setup_queue(void)
{
	uint16_t max;

	mmio_write16(common + COMMON_Q_SELECT, 0);
	max = mmio_read16(common + COMMON_Q_SIZE);
	if (max < QSIZE)
		return false;
	mmio_write16(common + COMMON_Q_SIZE, QSIZE);
	mmio_write16(common + COMMON_Q_MSIX, NO_VECTOR);
	mmio_write32(common + COMMON_Q_DESCLO, (uint32_t)(uintptr_t)desc);
	mmio_write32(common + COMMON_Q_DESCHI, 0);
	mmio_write32(common + COMMON_Q_AVAILLO, (uint32_t)(uintptr_t)avail);
	mmio_write32(common + COMMON_Q_AVAILHI, 0);
	mmio_write32(common + COMMON_Q_USEDLO, (uint32_t)(uintptr_t)used);
	mmio_write32(common + COMMON_Q_USEDHI, 0);
	mmio_write16(common + COMMON_Q_ENABLE, 1);
	notify += (uintptr_t)mmio_read16(common + COMMON_Q_NOFF) * notify_mult;
	c_write8(COMMON_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK |
		 STATUS_DRIVER_OK);
	return mmio_read16(common + COMMON_Q_ENABLE) == 1 &&
	       !(c_read8(COMMON_STATUS) & STATUS_FAILED);
}

/* One request: header, 512 data bytes, status; polls the used ring. */
static bool blk_io(uint32_t type, uint64_t sector, const char **why)
{
	uint64_t deadline;
	uint16_t slot = avail_idx % QSIZE;

	req.type = type;
	req.reserved = 0;
	req.sector = sector;
	status = 0xff;
	desc[0] = (struct vring_desc){ (uintptr_t)&req, sizeof(req), VRING_DESC_F_NEXT, 1 };
	desc[1] = (struct vring_desc){ (uintptr_t)data, SECTOR,
				       VRING_DESC_F_NEXT | (type == BLK_T_IN ? VRING_DESC_F_WRITE : 0), 2 };
	desc[2] = (struct vring_desc){ (uintptr_t)&status, 1, VRING_DESC_F_WRITE, 0 };
	avail[2 + slot] = 0;
	barrier();
	avail[1] = ++avail_idx;
	barrier();
	mmio_write16(notify, 0);
	deadline = rdtsc() + us_to_tsc(IO_TIMEOUT_US);
	while ((uint16_t)(used[0] >> 16) == used_seen) {
		if (rdtsc() > deadline) {
			*why = "no used buffer within 2 s";
			return false;
		}
		cpu_relax();
	}
	used_seen++;
	barrier();
	if (used[1 + 2 * ((used_seen - 1) % QSIZE)] != 0) {
		*why = "used ring names another descriptor";
		return false;
	}
	if (status != BLK_S_OK) {
		*why = "request status not OK";
		return false;
	}
	return true;
}

static bool magic_at(const char *magic)
{
	size_t n = strlen(magic);

	for (size_t i = 0; i < n; i++)
		if (data[i] != (uint8_t)magic[i])
			return false;
	return true;
}

void test_main(void)
{
	const char *why = "";
	int bdf = pci_find(VIRTIO_VENDOR, VIRTIO_BLK_MODERN);
	uint64_t capacity;
	size_t n;
	bool ok;

	if (bdf < 0) {
		fail("virtio-blk found", "no 1af4:1042 (transitional 1af4:1001 %s)",
		     pci_find(VIRTIO_VENDOR, VIRTIO_BLK_LEGACY) >= 0 ? "present" : "absent");
		return;
	}
	pass("virtio-blk found");
	dev = (uint16_t)bdf;
	pci_write16(dev, PCI_COMMAND, pci_read16(dev, PCI_COMMAND) | PCI_CMD_MEM | PCI_CMD_MASTER);
	if (!check(find_caps(), "virtio-pci capabilities", "common %x notify %x device %x",
		   (unsigned)common, (unsigned)notify, (unsigned)devcfg))
		return;
	if (!check(negotiate(), "features VERSION_1", "device refused or lacks VERSION_1"))
		return;
	capacity = mmio_read32(devcfg) | (uint64_t)mmio_read32(devcfg + 4) << 32;
	if (!check(capacity >= 2, "capacity", "%u sectors", (unsigned)capacity))
		return;
	if (!check(setup_queue(), "queue 0 setup", "enable did not stick or device failed"))
		return;

	memset(data, 0, sizeof(data));
	ok = blk_io(BLK_T_IN, 0, &why);
	if (ok && !magic_at(SECTOR0_MAGIC)) {
		ok = false;
		why = "sector 0 does not start with " SECTOR0_MAGIC;
	}
	for (size_t i = strlen(SECTOR0_MAGIC); ok && i < SECTOR; i++)
		if (data[i] != (uint8_t)(i * 7)) {
			ok = false;
			why = "sector 0 pattern differs";
		}
	check(ok, "read sector 0", "%s", why);

	n = strlen(SECTOR1_MAGIC);
	memcpy(data, SECTOR1_MAGIC, n);
	for (size_t i = n; i < SECTOR; i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	ok = blk_io(BLK_T_OUT, 1, &why);
	check(ok, "write sector 1", "%s", why);

	memset(data, 0, sizeof(data));
	ok = blk_io(BLK_T_IN, 1, &why);
	if (ok && !magic_at(SECTOR1_MAGIC)) {
		ok = false;
		why = "sector 1 does not hold what was written";
	}
	for (size_t i = n; ok && i < SECTOR; i++)
		if (data[i] != (uint8_t)(i ^ 0x5a)) {
			ok = false;
			why = "sector 1 pattern differs";
		}
	check(ok, "read back sector 1", "%s", why);
}
