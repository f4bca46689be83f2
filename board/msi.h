/*
 * MSI messages: decoding an (address, data) write as the SDM (10.11)
 * defines it and delivering it to the local APICs on an apic_bus.
 *
 * Contract
 * - Address: 0xFEExxxxx, bits 63:32 zero. Destination ID bits 19:12,
 *   redirection hint bit 3, destination mode bit 2 (1 = logical).
 *   Data: vector 7:0, delivery mode 10:8, level (assert) 14, trigger 15
 *   (1 = level). Reserved address/data bits are ignored.
 * - An address outside 0xFEE00000-0xFEEFFFFF, or delivery mode 3 or 6
 *   (reserved for MSI), is rejected with -EINVAL and logged under
 *   -d guest_errors; nothing is delivered.
 * - The redirection hint selects one target: lowest priority among the
 *   destination set (see lapic.h for how we pick), as lowest-priority
 *   delivery mode does.
 * - msi_bus_send() is the msi_sink shape (opaque = struct apic_bus) that the
 *   board, the IOAPIC and PCI devices use when the local APICs are ours.
 */
#ifndef BOARD_MSI_H
#define BOARD_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "board/lapic.h"

#define MSI_ADDR_BASE		0xfee00000ull
#define MSI_ADDR_BASE_MASK	0xfffffffffff00000ull	/* must equal MSI_ADDR_BASE */
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_DEST_MASK	(0xffull << MSI_ADDR_DEST_SHIFT)
#define MSI_ADDR_REDIR_HINT	(1ull << 3)
#define MSI_ADDR_DEST_LOGICAL	(1ull << 2)

#define MSI_DATA_VECTOR_MASK	0xffu
#define MSI_DATA_DM_SHIFT	8
#define MSI_DATA_DM_MASK	(7u << MSI_DATA_DM_SHIFT)
#define MSI_DATA_ASSERT		(1u << 14)
#define MSI_DATA_TRIGGER_LEVEL	(1u << 15)

struct msi_fields {
	uint8_t dest;
	bool redir_hint;
	bool logical;
	uint8_t vector;
	uint8_t mode;		/* APIC_DM_* */
	bool assert;
	bool level;
};

/* 0, or -EINVAL for an address outside the interrupt window or a reserved mode. */
int msi_decode(uint64_t address, uint32_t data, struct msi_fields *f);
void msi_to_apic_msg(const struct msi_fields *f, struct apic_msg *m);
/* Decode and deliver: the number of APICs that took it, or -EINVAL. */
int msi_deliver(struct apic_bus *bus, uint64_t address, uint32_t data);
/* msi_sink.send for our APICs: opaque is the struct apic_bus. */
void msi_bus_send(void *opaque, uint64_t address, uint32_t data);

#endif
