/*
 * MSI-X, fired by a virtio-rng device over modern virtio-pci (1af4:1044,
 * `-device virtio-rng-pci,disable-legacy=on`): the guest enables MSI-X,
 * points queue 0 at table entry 0, hands the device a buffer and waits for
 * the vector. Then the masking rules of the PCI spec (6.8.2): a message the
 * device wants to send while its entry's mask bit or the function mask is
 * set is held, with its Pending Bit set, and sent when the mask clears; a
 * queue with VIRTIO_MSI_NO_VECTOR sends nothing. The buffers are polled to
 * tell "the device did not complete" from "the interrupt did not arrive".
 */
#include "runtime.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_RNG_MODERN	0x1044

#define PCI_COMMAND		0x04
#define PCI_CMD_MEM		0x02
#define PCI_CMD_MASTER		0x04
#define PCI_BAR0		0x10
#define PCI_CAP_VENDOR		0x09
#define PCI_CAP_MSIX		0x11
#define PCI_BAR_MEM64		0x04

/* MSI-X capability and table (PCI 3.0, 6.8.2) */
#define MSIX_CTRL		2
#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_FMASK		0x4000
#define MSIX_TABLE		4
#define MSIX_PBA		8
#define MSIX_ENTRY_ADDR_LO	0
#define MSIX_ENTRY_ADDR_HI	4
#define MSIX_ENTRY_DATA		8
#define MSIX_ENTRY_CTRL		12
#define MSIX_ENTRY_MASKED	1
#define MSI_ADDR_BASE		0xfee00000u

/* virtio_pci_cap and the common configuration (virtio 1.x, 4.1.4) */
#define VCAP_CFG_TYPE		3
#define VCAP_BAR		4
#define VCAP_OFFSET		8
#define VCAP_NOTIFY_MULT	16
#define VCAP_COMMON		1
#define VCAP_NOTIFY		2
#define COMMON_DFSELECT		0x00
#define COMMON_DF		0x04
#define COMMON_GFSELECT		0x08
#define COMMON_GF		0x0c
#define COMMON_MSIX_CONFIG	0x10
#define COMMON_STATUS		0x14
#define COMMON_Q_SELECT		0x16
#define COMMON_Q_SIZE		0x18
#define COMMON_Q_MSIX		0x1a
#define COMMON_Q_ENABLE		0x1c
#define COMMON_Q_NOFF		0x1e
#define COMMON_Q_DESC		0x20
#define COMMON_Q_AVAIL		0x28
#define COMMON_Q_USED		0x30
#define STATUS_ACK		1
#define STATUS_DRIVER		2
#define STATUS_DRIVER_OK	4
#define STATUS_FEATURES_OK	8
#define F_VERSION_1_HI		1	/* feature bit 32 */
#define NO_VECTOR		0xffff
#define VRING_DESC_F_WRITE	2

#define QSIZE			4
#define BUF_LEN			16
#define VEC_QUEUE		0x61
#define WAIT_US			200000
#define QUIET_US		20000

struct vring_desc {
	uint32_t addr_lo, addr_hi;
	uint32_t len;
	uint16_t flags, next;
};

static struct vring_desc desc[QSIZE] __attribute__((aligned(16)));
static volatile uint16_t avail[2 + QSIZE + 1] __attribute__((aligned(2)));
static volatile uint32_t used[1 + 2 * QSIZE + 1] __attribute__((aligned(4)));
static uint8_t bufs[QSIZE][BUF_LEN];

static uint16_t dev;
static uintptr_t common, notify, table, pba;
static uint32_t notify_mult;
static uint16_t msix_cap, avail_idx;
static volatile uint8_t last_cpu;

static void queue_handler(struct irq_frame *f)
{
	last_cpu = lapic_id();
	lapic_eoi();
}

/* BAR n's address (memory BARs below 4 GiB only: this guest runs unpaged) */
static uintptr_t bar_addr(unsigned n)
{
	uint32_t lo = pci_read32(dev, PCI_BAR0 + 4 * n);

	if (lo & 1)
		return 0;
	if ((lo & 6) == PCI_BAR_MEM64 && pci_read32(dev, PCI_BAR0 + 4 * n + 4))
		return 0;
	return lo & ~0xfu;
}

static bool find_windows(void)
{
	uint8_t cap = pci_read8(dev, 0x34) & ~3u;
	uint32_t v;

	for (unsigned hops = 0; cap && hops < 48; hops++, cap = pci_read8(dev, cap + 1) & ~3u) {
		uint8_t id = pci_read8(dev, cap);

		if (id == PCI_CAP_MSIX) {
			msix_cap = cap;
			v = pci_read32(dev, cap + MSIX_TABLE);
			table = bar_addr(v & 7) ? bar_addr(v & 7) + (v & ~7u) : 0;
			v = pci_read32(dev, cap + MSIX_PBA);
			pba = bar_addr(v & 7) ? bar_addr(v & 7) + (v & ~7u) : 0;
		} else if (id == PCI_CAP_VENDOR) {
			uint8_t type = pci_read8(dev, cap + VCAP_CFG_TYPE);
			uintptr_t base = bar_addr(pci_read8(dev, cap + VCAP_BAR));

			if (!base)
				continue;
			base += pci_read32(dev, cap + VCAP_OFFSET);
			if (type == VCAP_COMMON && !common)
				common = base;
			if (type == VCAP_NOTIFY && !notify) {
				notify = base;	/* + queue_notify_off * multiplier, below */
				notify_mult = pci_read32(dev, cap + VCAP_NOTIFY_MULT);
			}
		}
	}
	return msix_cap && table && pba && common && notify;
}

/* device_status is one byte: the spec asks for its natural width */
static void status_write(uint8_t v)
{
	*(volatile uint8_t *)(common + COMMON_STATUS) = v;
}

static uint8_t status_read(void)
{
	return *(volatile uint8_t *)(common + COMMON_STATUS);
}

static void entry_write(unsigned e, unsigned reg, uint32_t v)
{
	mmio_write32(table + 16 * e + reg, v);
}

static bool pending_bit(unsigned e)
{
	return mmio_read32(pba + 4 * (e / 32)) >> (e % 32) & 1;
}

static void msix_ctrl(uint16_t set, uint16_t clear)
{
	uint16_t c = pci_read16(dev, msix_cap + MSIX_CTRL);

	pci_write16(dev, msix_cap + MSIX_CTRL, (uint16_t)((c | set) & ~clear));
}

/* Reset, negotiate VERSION_1, queue 0 of QSIZE on vector 0; false + FAIL on error. */
static bool device_setup(void)
{
	uint16_t noff;

	status_write(0);
	if (status_read()) {
		fail("msix_setup", "device status not 0 after reset");
		return false;
	}
	status_write(STATUS_ACK | STATUS_DRIVER);
	mmio_write32(common + COMMON_DFSELECT, 1);
	if (!(mmio_read32(common + COMMON_DF) & F_VERSION_1_HI)) {
		fail("msix_setup", "no VIRTIO_F_VERSION_1");
		return false;
	}
	mmio_write32(common + COMMON_GFSELECT, 1);
	mmio_write32(common + COMMON_GF, F_VERSION_1_HI);
	mmio_write32(common + COMMON_GFSELECT, 0);
	mmio_write32(common + COMMON_GF, 0);
	status_write(STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
	if (!(status_read() & STATUS_FEATURES_OK)) {
		fail("msix_setup", "FEATURES_OK not accepted");
		return false;
	}
	/* the table: entry 0 to this CPU, unmasked; MSI-X on with the function masked */
	msix_ctrl(MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK, 0);
	entry_write(0, MSIX_ENTRY_ADDR_LO, MSI_ADDR_BASE | (uint32_t)lapic_id() << 12);
	entry_write(0, MSIX_ENTRY_ADDR_HI, 0);
	entry_write(0, MSIX_ENTRY_DATA, VEC_QUEUE);
	entry_write(0, MSIX_ENTRY_CTRL, 0);
	mmio_write16(common + COMMON_MSIX_CONFIG, NO_VECTOR);

	mmio_write16(common + COMMON_Q_SELECT, 0);
	if (mmio_read16(common + COMMON_Q_SIZE) < QSIZE) {
		fail("msix_setup", "queue 0 holds %u descriptors", mmio_read16(common + COMMON_Q_SIZE));
		return false;
	}
	mmio_write16(common + COMMON_Q_SIZE, QSIZE);
	mmio_write16(common + COMMON_Q_MSIX, 0);
	if (!check(mmio_read16(common + COMMON_Q_MSIX) == 0, "msix_vector_accepted",
		   "queue_msix_vector reads %#x after writing 0", mmio_read16(common + COMMON_Q_MSIX)))
		return false;
	mmio_write32(common + COMMON_Q_DESC, (uint32_t)(uintptr_t)desc);
	mmio_write32(common + COMMON_Q_DESC + 4, 0);
	mmio_write32(common + COMMON_Q_AVAIL, (uint32_t)(uintptr_t)avail);
	mmio_write32(common + COMMON_Q_AVAIL + 4, 0);
	mmio_write32(common + COMMON_Q_USED, (uint32_t)(uintptr_t)used);
	mmio_write32(common + COMMON_Q_USED + 4, 0);
	noff = mmio_read16(common + COMMON_Q_NOFF);
	notify += (uintptr_t)noff * notify_mult;
	mmio_write16(common + COMMON_Q_ENABLE, 1);
	status_write(STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
	msix_ctrl(0, MSIX_CTRL_FMASK);
	return true;
}

/* used ring: le16 flags, le16 idx, then the elements */
static uint16_t used_idx(void)
{
	return (uint16_t)(used[0] >> 16);
}

/* One device-writable buffer into the ring, and the notify. */
static void post_buffer(void)
{
	unsigned d = avail_idx % QSIZE;

	memset(bufs[d], 0, BUF_LEN);
	desc[d].addr_lo = (uint32_t)(uintptr_t)bufs[d];
	desc[d].addr_hi = 0;
	desc[d].len = BUF_LEN;
	desc[d].flags = VRING_DESC_F_WRITE;
	desc[d].next = 0;
	avail[2 + d] = (uint16_t)d;
	barrier();
	avail[1] = ++avail_idx;
	barrier();
	mmio_write16(notify, 0);
}

/* Poll the used ring until the device has completed every posted buffer. */
static bool wait_used(void)
{
	uint64_t end = rdtsc() + us_to_tsc(WAIT_US);

	while (used_idx() != avail_idx)
		if (rdtsc() > end)
			return false;
	return true;
}

static void test_queue_vector(void)
{
	bool done;

	irq_reset_counts();
	post_buffer();
	irq_wait(VEC_QUEUE, 1, WAIT_US);
	done = wait_used();
	irq_window(QUIET_US);
	check(done && irq_count[VEC_QUEUE] == 1 && last_cpu == lapic_id(), "msix_queue_vector",
	      "used %u/%u, %u interrupts on vector %#x, CPU %#x", used_idx(), avail_idx,
	      irq_count[VEC_QUEUE], VEC_QUEUE, last_cpu);
}

/* A message while masked is held with its Pending Bit set, then sent on unmask. */
static void test_masked(const char *test, bool function_mask)
{
	bool done, held, pending, cleared;

	irq_reset_counts();
	if (function_mask)
		msix_ctrl(MSIX_CTRL_FMASK, 0);
	else
		entry_write(0, MSIX_ENTRY_CTRL, MSIX_ENTRY_MASKED);
	post_buffer();
	done = wait_used();
	irq_window(QUIET_US);
	held = irq_count[VEC_QUEUE] == 0;
	pending = pending_bit(0);
	if (function_mask)
		msix_ctrl(0, MSIX_CTRL_FMASK);
	else
		entry_write(0, MSIX_ENTRY_CTRL, 0);
	irq_wait(VEC_QUEUE, 1, WAIT_US);
	irq_window(QUIET_US);
	cleared = !pending_bit(0);
	check(done && held && pending && irq_count[VEC_QUEUE] == 1 && cleared, test,
	      "completed %d, held %d, pending bit %d, %u interrupts after unmask, bit cleared %d",
	      done, held, pending, irq_count[VEC_QUEUE], cleared);
}

static void test_no_vector(void)
{
	bool done;

	irq_reset_counts();
	mmio_write16(common + COMMON_Q_SELECT, 0);
	mmio_write16(common + COMMON_Q_MSIX, NO_VECTOR);
	post_buffer();
	done = wait_used();
	irq_window(QUIET_US);
	check(done && irq_count[VEC_QUEUE] == 0 && irq_unexpected == 0 && !pending_bit(0),
	      "msix_no_vector", "completed %d, %u interrupts, %u unexpected, pending %d", done,
	      irq_count[VEC_QUEUE], irq_unexpected, pending_bit(0));
}

void test_main(void)
{
	int bdf = pci_find(VIRTIO_VENDOR, VIRTIO_RNG_MODERN);

	if (bdf < 0) {
		skip("msix", "no virtio-rng-pci: add -device virtio-rng-pci,disable-legacy=on");
		return;
	}
	dev = (uint16_t)bdf;
	pci_write16(dev, PCI_COMMAND, pci_read16(dev, PCI_COMMAND) | PCI_CMD_MEM | PCI_CMD_MASTER);
	if (!find_windows()) {
		fail("msix_setup", "MSI-X table/PBA or virtio windows not found (BARs unassigned "
		     "or above 4 GiB?)");
		return;
	}
	printf("# msix: virtio-rng at %02x.%u, MSI-X cap %#x, %u entries, table %#x, PBA %#x\n",
	       (dev >> 3) & 31, dev & 7, msix_cap,
	       (pci_read16(dev, msix_cap + MSIX_CTRL) & 0x7ff) + 1, (unsigned)table, (unsigned)pba);
	irq_set_handler(VEC_QUEUE, queue_handler);
	if (!device_setup())
		return;
	test_queue_vector();
	test_masked("msix_entry_mask_pending", false);
	test_masked("msix_function_mask_pending", true);
	test_no_vector();
	status_write(0);
	msix_ctrl(0, MSIX_CTRL_ENABLE);
}
