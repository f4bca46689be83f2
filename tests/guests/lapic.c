/*
 * Local APIC: registers, the timer in one-shot, periodic and TSC-deadline
 * modes measured against the TSC, TPR/PPR masking, self-IPI, and with
 * -smp 2+: fixed and NMI IPIs both ways, logical destinations, broadcast,
 * and INIT/SIPI (the APs' startup, then one AP restarted).
 */
#include "runtime.h"

#define VEC_TIMER	0x60
#define VEC_IPI		0x61
#define VEC_TPR		0x55	/* priority class 5 */
#define VEC_LOW		0x41	/* class 4, for nesting */
#define VEC_HIGH	0x81	/* class 8 */
#define DCR_DIV1	0x0b
#define WAIT_US		100000
#define CALL_US		500000
#define CPUID_1_ECX_TSC_DEADLINE	(1u << 24)

static volatile uint64_t timer_tsc[8];
static volatile unsigned timer_n;
static volatile uint8_t ipi_cpu;
static volatile uint32_t ipi_by_cpu[SMP_MAX_CPUS];
static volatile uint32_t nmi_by_cpu[SMP_MAX_CPUS];
static volatile bool isr_in_handler;
static volatile uint32_t order[4];
static volatile unsigned norder;
static uint64_t apic_khz;		/* timer ticks per ms at divide-by-1 */

static void timer_handler(struct irq_frame *f)
{
	if (timer_n < 8)
		timer_tsc[timer_n] = rdtsc();
	timer_n++;
	lapic_eoi();
}

static void ipi_handler(struct irq_frame *f)
{
	uint8_t id = lapic_id();

	ipi_cpu = id;
	isr_in_handler = lapic_vec_bit(LAPIC_ISR, f->vector);
	if (id < SMP_MAX_CPUS)
		__atomic_add_fetch(&ipi_by_cpu[id], 1, __ATOMIC_SEQ_CST);
	lapic_eoi();
}

static void nmi_handler(struct irq_frame *f)
{
	uint8_t id = lapic_id();

	if (id < SMP_MAX_CPUS)
		__atomic_add_fetch(&nmi_by_cpu[id], 1, __ATOMIC_SEQ_CST);
}

/* VEC_LOW's handler raises VEC_HIGH by self-IPI with IF on: it nests. */
static void nest_handler(struct irq_frame *f)
{
	if (norder < 4)
		order[norder++] = f->vector;
	if (f->vector == VEC_LOW) {
		lapic_send_ipi(0, APIC_DEST_SELF | VEC_HIGH);
		irq_enable();
		udelay(2000);
		irq_disable();
		if (norder < 4)
			order[norder++] = 0x100 | lapic_vec_bit(LAPIC_ISR, VEC_LOW);
	}
	lapic_eoi();
}

static void timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, APIC_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_ICR, 0);
}

static void test_registers(void)
{
	uint32_t a, b, c, d, ver = lapic_read(LAPIC_VER);
	uint64_t base = rdmsr(MSR_APIC_BASE);

	cpuid(1, 0, &a, &b, &c, &d);
	check(lapic_id() == b >> 24, "lapic_id_matches_cpuid", "APIC ID %u, CPUID %u",
	      lapic_id(), b >> 24);
	check((ver & 0xf0) == 0x10 && ((ver >> 16) & 0xff) >= 3, "lapic_version",
	      "version register %#x", ver);
	check((base & 0xfffff000ull) == 0xfee00000ull && (base & (1u << 8)) &&
	      (base & (1u << 11)), "lapic_base_msr", "APIC base MSR %#llx (want BSP, enabled)",
	      (unsigned long long)base);
	lapic_write(LAPIC_TPR, 0x5f);
	a = lapic_read(LAPIC_TPR);
	lapic_write(LAPIC_TPR, 0);
	check(a == 0x5f, "lapic_tpr_readback", "TPR %#x after writing 0x5f", a);
}

static void measure_timer(void)
{
	uint64_t t0, t1;
	uint32_t ccr;

	lapic_write(LAPIC_TIMER_DCR, DCR_DIV1);
	lapic_write(LAPIC_LVT_TIMER, APIC_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_ICR, 0xffffffffu);
	t0 = rdtsc();
	udelay(10000);
	ccr = lapic_read(LAPIC_TIMER_CCR);
	t1 = rdtsc();
	lapic_write(LAPIC_TIMER_ICR, 0);
	apic_khz = (uint64_t)(0xffffffffu - ccr) * tsc_khz / (t1 - t0);
	printf("# lapic: timer %u kHz at divide-by-1\n", (unsigned)apic_khz);
	check(apic_khz > 1000 && ccr < 0xffffffffu, "lapic_timer_counts",
	      "current count %#x after 10 ms", ccr);
}

#define ATTEMPTS	3

/*
 * One-shot: never early (5 % for the TSC calibration), and late by at most
 * half the period; a late one (a busy host holding a TCG vCPU off) is
 * measured again, up to ATTEMPTS times.
 */
static void test_oneshot(void)
{
	uint64_t t0, dt = 0, want = us_to_tsc(5000);
	uint32_t ticks = (uint32_t)(apic_khz * 5);	/* 5 ms */
	unsigned i;

	for (i = 0; i < ATTEMPTS; i++) {
		timer_n = 0;
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
		t0 = rdtsc();
		lapic_write(LAPIC_TIMER_ICR, ticks);
		irq_wait(VEC_TIMER, 1, WAIT_US);
		irq_window(20000);
		dt = timer_n ? timer_tsc[0] - t0 : 0;
		timer_stop();
		if (timer_n != 1 || dt * 100 < want * 95 || dt * 100 <= want * 150)
			break;
		printf("# lapic: one-shot %llu us late; measuring again\n",
		       (unsigned long long)(tsc_to_ns(dt - want) / 1000));
	}
	check(timer_n == 1 && dt * 100 >= want * 95 && dt * 100 <= want * 150 &&
	      lapic_read(LAPIC_TIMER_CCR) == 0, "lapic_timer_oneshot",
	      "%u interrupts, first after %llu us (want 1 after 5000), CCR %u", timer_n,
	      (unsigned long long)(tsc_to_ns(dt) / 1000), lapic_read(LAPIC_TIMER_CCR));
}

static void test_periodic(void)
{
	uint64_t t0, t1;
	unsigned n0, n, hz = 0, i;

	for (i = 0; i < ATTEMPTS; i++) {
		timer_n = 0;
		lapic_write(LAPIC_LVT_TIMER, APIC_TIMER_PERIODIC | VEC_TIMER);
		lapic_write(LAPIC_TIMER_ICR, (uint32_t)apic_khz);	/* 1 ms */
		irq_wait(VEC_TIMER, 2, WAIT_US);
		n0 = timer_n;
		t0 = rdtsc();
		irq_window(100000);
		t1 = rdtsc();
		n = timer_n - n0;
		timer_stop();
		hz = (unsigned)((uint64_t)n * tsc_khz * 1000 / (t1 - t0));
		if (hz >= 850 && hz <= 1150)
			break;
		printf("# lapic: periodic %u Hz; measuring again\n", hz);
	}
	/*
	 * 1 kHz leaves a loaded host no slack: QEMU TCG drops ticks when its
	 * vCPU thread is held off, so slow passes down to a quarter; too fast
	 * (a wrong divide) always fails.
	 */
	check(hz >= 250 && hz <= 1150, "lapic_timer_periodic", "%u Hz measured, 1000 programmed",
	      hz);
}

static void test_deadline(void)
{
	uint32_t a, b, c, d;
	uint64_t dl, late;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID_1_ECX_TSC_DEADLINE)) {
		skip("lapic_timer_tsc_deadline", "CPUID.1:ECX.TSC_DEADLINE[24] is clear on this CPU model");
		return;
	}
	/* a periodic tick accepted before the last test masked its timer is still pending */
	irq_window(2000);
	timer_n = 0;
	lapic_write(LAPIC_LVT_TIMER, APIC_TIMER_DEADLINE | VEC_TIMER);
	dl = rdtsc() + us_to_tsc(5000);
	wrmsr(MSR_TSC_DEADLINE, dl);
	irq_wait(VEC_TIMER, 1, WAIT_US);
	irq_window(20000);
	late = timer_n ? timer_tsc[0] - dl : 0;
	check(timer_n == 1 && timer_tsc[0] >= dl && late < us_to_tsc(5000) &&
	      rdmsr(MSR_TSC_DEADLINE) == 0, "lapic_timer_tsc_deadline",
	      "%u interrupts, %lld us after the deadline, MSR now %#llx", timer_n,
	      timer_n ? (long long)(tsc_to_ns(late) / 1000) : -1LL,
	      (unsigned long long)rdmsr(MSR_TSC_DEADLINE));
	/* a deadline disarmed by writing 0 never fires */
	timer_n = 0;
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + us_to_tsc(2000));
	wrmsr(MSR_TSC_DEADLINE, 0);
	irq_window(10000);
	check(timer_n == 0, "lapic_timer_tsc_deadline_disarm", "%u interrupts", timer_n);
	lapic_write(LAPIC_LVT_TIMER, APIC_MASKED | VEC_TIMER);
}

static void test_self_ipi_tpr(void)
{
	uint32_t ppr;
	bool held, irr;

	irq_reset_counts();
	lapic_send_ipi(0, APIC_DEST_SELF | VEC_IPI);
	irq_wait(VEC_IPI, 1, WAIT_US);
	irq_window(5000);
	check(irq_count[VEC_IPI] == 1 && isr_in_handler && ipi_cpu == lapic_id() &&
	      !lapic_vec_bit(LAPIC_ISR, VEC_IPI), "lapic_self_ipi",
	      "%u deliveries, ISR in handler %d", irq_count[VEC_IPI], isr_in_handler);

	/* TPR class 6 holds a class-5 vector in IRR until TPR drops */
	lapic_write(LAPIC_TPR, 0x60);
	ppr = lapic_read(LAPIC_PPR);
	lapic_send_ipi(0, APIC_DEST_SELF | VEC_TPR);
	irq_window(10000);
	held = irq_count[VEC_TPR] == 0;
	irr = lapic_vec_bit(LAPIC_IRR, VEC_TPR);
	lapic_write(LAPIC_TPR, 0);
	irq_wait(VEC_TPR, 1, WAIT_US);
	check(held && irr && irq_count[VEC_TPR] == 1 && (ppr & 0xf0) == 0x60, "lapic_tpr_masking",
	      "held %d, IRR %d, delivered after TPR 0: %u, PPR %#x", held, irr,
	      irq_count[VEC_TPR], ppr);

	/* a higher class nests inside a lower one's handler */
	norder = 0;
	lapic_send_ipi(0, APIC_DEST_SELF | VEC_LOW);
	irq_wait(VEC_HIGH, 1, WAIT_US);
	irq_window(5000);
	check(norder == 3 && order[0] == VEC_LOW && order[1] == VEC_HIGH && order[2] == 0x101,
	      "lapic_priority_nesting", "order %#x %#x %#x (%u entries)", order[0], order[1],
	      order[2], norder);
}

static void set_ldr(unsigned cpu)
{
	lapic_write(LAPIC_DFR, 0xffffffffu);
	lapic_write(LAPIC_LDR, 1u << (24 + cpu));
}

static void ipi_to_bsp(unsigned cpu)
{
	lapic_send_ipi(smp_apic_id[0], VEC_IPI);
}

static void test_smp(void)
{
	unsigned want = fw_cfg_nb_cpus(), cpu, i;
	uint8_t ap;

	if (smp_start() < 2) {
		skip("lapic_init_sipi", "one CPU (fw_cfg says %u): run with -smp 2 or more", want);
		return;
	}
	check(!want || smp_cpus == want, "lapic_init_sipi", "%u CPUs up, fw_cfg says %u",
	      smp_cpus, want);
	for (cpu = 1; cpu < smp_cpus; cpu++)
		check(smp_call(cpu, set_ldr, CALL_US), "lapic_ap_runs_work", "CPU %u did not answer",
		      cpu);
	ap = smp_apic_id[1];

	for (i = 0; i < SMP_MAX_CPUS; i++)
		ipi_by_cpu[i] = nmi_by_cpu[i] = 0;
	irq_reset_counts();
	lapic_send_ipi(ap, VEC_IPI);
	irq_wait(VEC_IPI, 1, WAIT_US);
	check(ipi_by_cpu[ap] == 1 && irq_count[VEC_IPI] == 1, "lapic_ipi_fixed_physical",
	      "AP %u got %u, total %u", ap, ipi_by_cpu[ap], irq_count[VEC_IPI]);

	lapic_send_ipi(0x02, APIC_DEST_LOGICAL | VEC_IPI);	/* LDR bit 1: CPU 1 */
	irq_wait(VEC_IPI, 2, WAIT_US);
	check(ipi_by_cpu[ap] == 2 && irq_count[VEC_IPI] == 2, "lapic_ipi_fixed_logical",
	      "AP %u got %u, total %u", ap, ipi_by_cpu[ap], irq_count[VEC_IPI]);

	smp_call(1, ipi_to_bsp, CALL_US);
	irq_wait(VEC_IPI, 3, WAIT_US);
	check(ipi_by_cpu[smp_apic_id[0]] == 1, "lapic_ipi_ap_to_bsp", "BSP got %u",
	      ipi_by_cpu[smp_apic_id[0]]);

	irq_reset_counts();
	lapic_send_ipi(0, APIC_DEST_OTHERS | VEC_IPI);
	irq_wait(VEC_IPI, smp_cpus - 1, WAIT_US);
	irq_window(5000);
	check(irq_count[VEC_IPI] == smp_cpus - 1, "lapic_ipi_all_but_self",
	      "%u deliveries for %u other CPUs", irq_count[VEC_IPI], smp_cpus - 1);

	irq_reset_counts();
	lapic_send_ipi(0, APIC_DEST_ALL | VEC_IPI);
	irq_wait(VEC_IPI, smp_cpus, WAIT_US);
	irq_window(5000);
	check(irq_count[VEC_IPI] == smp_cpus, "lapic_ipi_all_incl_self",
	      "%u deliveries for %u CPUs", irq_count[VEC_IPI], smp_cpus);

	irq_reset_counts();
	lapic_send_ipi(ap, APIC_DM_NMI);
	irq_wait(2, 1, WAIT_US);
	check(nmi_by_cpu[ap] == 1, "lapic_ipi_nmi", "AP %u took %u NMIs", ap, nmi_by_cpu[ap]);

	check(smp_restart(1, 1000000), "lapic_init_sipi_restart",
	      "AP %u did not come back after INIT/SIPI (boots %u)", ap, smp_boots[1]);
	check(smp_call(1, set_ldr, CALL_US), "lapic_ap_alive_after_restart",
	      "AP %u does not run work after its restart", ap);
}

void test_main(void)
{
	irq_set_handler(VEC_TIMER, timer_handler);
	irq_set_handler(VEC_IPI, ipi_handler);
	irq_set_handler(VEC_TPR, ipi_handler);
	irq_set_handler(VEC_LOW, nest_handler);
	irq_set_handler(VEC_HIGH, nest_handler);
	irq_set_handler(2, nmi_handler);

	test_registers();
	measure_timer();
	test_oneshot();
	test_periodic();
	test_deadline();
	test_self_ipi_tpr();
	test_smp();
	irq_window(5000);
	check(irq_unexpected == 0, "lapic_no_stray_vectors", "%u unexpected, last vector %#x",
	      irq_unexpected, irq_last_unexpected);
}
