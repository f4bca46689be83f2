/*
 * AP startup: the real-mode trampoline from entry.S is copied to
 * AP_TRAMPOLINE; INIT-SIPI-SIPI sends the APs there, they switch to protected
 * mode, take the stack of their APIC ID and run ap_main(), which checks in
 * and then sleeps in hlt, woken by IPI_WAKE_VECTOR to run smp_call() work.
 */
#include "runtime.h"

#define SIPI_VECTOR	(AP_TRAMPOLINE >> 12)
#define DEFAULT_WAIT_US	200000

extern char ap_tramp_start[], ap_tramp_end[];
extern struct { uint16_t limit; uint32_t base; } __attribute__((packed)) runtime_idtr;
void ap_main(unsigned apic_id);

volatile unsigned smp_cpus = 1;
volatile uint8_t smp_apic_id[SMP_MAX_CPUS];
volatile uint32_t smp_boots[SMP_MAX_CPUS];	/* by CPU index */
static volatile uint8_t cpu_of_apic[SMP_MAX_CPUS];	/* APIC ID -> index + 1 */
static void (*volatile ap_work[SMP_MAX_CPUS])(unsigned cpu);
static volatile uint32_t ap_done[SMP_MAX_CPUS];

unsigned smp_self(void)
{
	uint8_t id = lapic_id();

	if (id < SMP_MAX_CPUS && cpu_of_apic[id])
		return cpu_of_apic[id] - 1u;
	return 0;
}

static void wake_handler(struct irq_frame *f)
{
	lapic_eoi();
}

void ap_main(unsigned apic_id)
{
	unsigned cpu;

	__asm__ volatile("lidt %0" : : "m"(runtime_idtr));
	lapic_setup(false);
	if (!cpu_of_apic[apic_id]) {
		cpu = __atomic_fetch_add(&smp_cpus, 1, __ATOMIC_SEQ_CST);
		if (cpu >= SMP_MAX_CPUS)
			for (;;)
				__asm__ volatile("cli; hlt");
		smp_apic_id[cpu] = apic_id;
		cpu_of_apic[apic_id] = cpu + 1;
	}
	cpu = cpu_of_apic[apic_id] - 1u;
	__atomic_add_fetch(&smp_boots[cpu], 1, __ATOMIC_SEQ_CST);
	for (;;) {
		void (*fn)(unsigned) = ap_work[cpu];

		if (fn) {
			ap_work[cpu] = NULL;
			fn(cpu);
			__atomic_add_fetch(&ap_done[cpu], 1, __ATOMIC_SEQ_CST);
			continue;
		}
		/* sti's shadow makes the wake IPI land in hlt, not before it */
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	}
}

static void send_init_sipi(uint8_t dest, uint32_t shorthand)
{
	lapic_write(LAPIC_ESR, 0);
	lapic_send_ipi(dest, shorthand | APIC_DM_INIT | APIC_LEVEL_ASSERT);
	udelay(10000);
	lapic_send_ipi(dest, shorthand | APIC_DM_STARTUP | SIPI_VECTOR);
	udelay(200);
	lapic_send_ipi(dest, shorthand | APIC_DM_STARTUP | SIPI_VECTOR);
}

unsigned smp_start(void)
{
	unsigned want = fw_cfg_nb_cpus();
	uint64_t end;

	smp_apic_id[0] = lapic_id();
	if (smp_apic_id[0] < SMP_MAX_CPUS)
		cpu_of_apic[smp_apic_id[0]] = 1;
	if (want > SMP_MAX_CPUS)
		want = SMP_MAX_CPUS;
	irq_set_handler(IPI_WAKE_VECTOR, wake_handler);
	memcpy((void *)AP_TRAMPOLINE, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	send_init_sipi(0, APIC_DEST_OTHERS);
	end = rdtsc() + us_to_tsc(want ? 2000000 : DEFAULT_WAIT_US);
	while (rdtsc() < end && (!want || smp_cpus < want))
		cpu_relax();
	udelay(1000);	/* a late SIPI may still be running the trampoline */
	return smp_cpus;
}

bool smp_call(unsigned cpu, void (*fn)(unsigned cpu), uint64_t timeout_us)
{
	uint32_t done;
	uint64_t end;

	if (cpu == 0 || cpu >= smp_cpus)
		return false;
	done = ap_done[cpu];
	ap_work[cpu] = fn;
	lapic_send_ipi(smp_apic_id[cpu], APIC_DM_FIXED | IPI_WAKE_VECTOR);
	end = rdtsc() + us_to_tsc(timeout_us);
	while (ap_done[cpu] == done && rdtsc() < end)
		cpu_relax();
	return ap_done[cpu] != done;
}

bool smp_restart(unsigned cpu, uint64_t timeout_us)
{
	uint32_t boots;
	uint64_t end;

	if (cpu == 0 || cpu >= smp_cpus)
		return false;
	boots = smp_boots[cpu];
	send_init_sipi(smp_apic_id[cpu], 0);
	end = rdtsc() + us_to_tsc(timeout_us);
	while (smp_boots[cpu] == boots && rdtsc() < end)
		cpu_relax();
	return smp_boots[cpu] != boots;
}
