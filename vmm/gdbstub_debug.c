/*
 * gdb stub, stepping and breakpoints (see gdbstub.h): s, vCont and Z0/Z1
 * through the target's set_debug hook (accel.h). Guest memory is never
 * patched; the accelerator keeps the breakpoints.
 */
#include "vmm/gdbstub_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- stepping and breakpoints (accel.h set_debug) ------------------------------------ */

static void debug_refused(struct gdbstub *g, int r, const char *err)
{
	if (r != -ENOSYS || !g->debug_warned)
		fprintf(stderr, "bringup: gdb: %s\n", err[0] ? err : "cannot arm the vCPU");
	if (r == -ENOSYS)
		g->debug_warned = true;
}

/*
 * Arm every (held) vCPU with the breakpoints, and step_cpu with a step too.
 * Nothing to arm or disarm: no call, so c works without the hook.
 */
int gdb_debug_apply(struct gdbstub *g, int step_cpu)
{
	bool want = g->bp.nhw || g->bp.nsw || step_cpu != GDB_NO_STEP;
	char err[200];

	if (!want && !g->armed)
		return 0;
	if (!g->t.set_debug) {
		debug_refused(g, -ENOSYS, "this VMM gives the stub no single-step or breakpoints");
		return -ENOSYS;
	}
	for (unsigned i = 0; i < g->t.ncpus; i++) {
		struct accel_debug d = g->bp;
		int r;

		d.single_step = (int)i == step_cpu;
		err[0] = 0;
		r = g->t.set_debug(g->t.opaque, i, &d, err, sizeof(err));
		if (r == -ENOSYS && !want)
			continue;	/* nothing was armed there */
		if (r) {
			debug_refused(g, r, err);
			return r;
		}
		if (want)
			g->armed = true;
	}
	g->armed = want;
	g->step_cpu = step_cpu;
	return 0;
}

/* c, s, vCont: arm and let the vCPUs run; the reply is the stop to come. */
void gdb_resume(struct gdbstub *g, int step_cpu)
{
	int r;

	gdb_hold(g);
	r = gdb_debug_apply(g, step_cpu);
	if (r) {
		/* gdb takes an error as "stopped where it was" */
		gdb_reply(g, r == -ENOSYS ? "E38" : "E14");
		return;
	}
	gdb_release(g);
}

/* The optional address of c/s/C/S: resume there. */
bool gdb_resume_at(struct gdbstub *g, const char *a)
{
	struct cpu_state s;
	uint64_t addr;

	if (!*a)
		return true;
	if (!gdb_parse_hex(&a, &addr, "") || gdb_get_state(g, &s))
		return false;
	s.rip = addr;
	return g->t.set_state(g->t.opaque, g->cpu_g, &s) == 0;
}

static int bp_find(const uint64_t *list, unsigned n, uint64_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == addr)
			return (int)i;
	return -1;
}

/* Z0/z0 (software), Z1/z1 (hardware): ",ADDR,KIND"; watchpoints are not supported. */
void gdb_cmd_breakpoint(struct gdbstub *g, const char *p)
{
	bool insert = p[0] == 'Z', hw = p[1] == '1';
	uint64_t *list = hw ? g->bp.hw : g->bp.sw;
	unsigned *n = hw ? &g->bp.nhw : &g->bp.nsw;
	unsigned max = hw ? ACCEL_DEBUG_HW_MAX : ACCEL_DEBUG_SW_MAX;
	const char *q = p + 2;
	uint64_t addr, kind;
	int i, r;

	if (p[1] != '0' && p[1] != '1') {
		gdb_reply(g, "");
		return;
	}
	if (*q++ != ',' || !gdb_parse_hex(&q, &addr, ",") || *q++ != ',' ||
	    !gdb_parse_hex(&q, &kind, "") || kind > 15) {
		gdb_reply(g, "E22");
		return;
	}
	i = bp_find(list, *n, addr);
	if (!insert) {
		if (i >= 0) {
			list[i] = list[--*n];
			gdb_debug_apply(g, GDB_NO_STEP);
		}
		gdb_reply(g, "OK");
		return;
	}
	if (i >= 0) {
		gdb_reply(g, "OK");
		return;
	}
	/* never "" (unsupported): gdb would patch int3 into the guest instead */
	if (!g->t.set_debug) {
		debug_refused(g, -ENOSYS, "this VMM gives the stub no single-step or breakpoints");
		gdb_reply(g, "E22");
		return;
	}
	if (*n == max) {
		gdb_reply(g, "E28");
		return;
	}
	list[(*n)++] = addr;
	r = gdb_debug_apply(g, GDB_NO_STEP);
	if (r) {
		--*n;
		gdb_debug_apply(g, GDB_NO_STEP);
		gdb_reply(g, r == -ENOSPC ? "E28" : "E22");
		return;
	}
	gdb_reply(g, "OK");
}

/*
 * vCont;ACTION[:THREAD]... with c, C sig, s, S sig (signals are not
 * delivered). All-stop: every vCPU runs; the first s names the one that
 * steps.
 */
void gdb_cmd_vcont(struct gdbstub *g, const char *p)
{
	int step = GDB_NO_STEP;

	if (!strcmp(p, "?")) {
		gdb_reply(g, "vCont;c;C;s;S");
		return;
	}
	if (*p != ';') {
		gdb_reply(g, "E22");
		return;
	}
	while (*p == ';') {
		char act = *++p, tid[24];
		unsigned cpu = g->cpu_g;
		uint64_t sig;
		size_t n;

		if (act != 'c' && act != 's' && act != 'C' && act != 'S') {
			gdb_reply(g, "E22");
			return;
		}
		p++;
		if ((act == 'C' || act == 'S') && (!gdb_parse_hex(&p, &sig, ":;") || sig > 0xff)) {
			gdb_reply(g, "E22");
			return;
		}
		if (*p == ':') {
			n = strcspn(++p, ";");
			if (!n || n >= sizeof(tid)) {
				gdb_reply(g, "E22");
				return;
			}
			memcpy(tid, p, n);
			tid[n] = 0;
			if (!gdb_parse_thread(g, tid, &cpu)) {
				gdb_reply(g, "E22");
				return;
			}
			if (!strcmp(tid, "-1") || !strcmp(tid, "0"))
				cpu = g->cpu_g;
			p += n;
		}
		if (*p && *p != ';') {
			gdb_reply(g, "E22");
			return;
		}
		if ((act == 's' || act == 'S') && step == GDB_NO_STEP)
			step = (int)cpu;
	}
	gdb_resume(g, step);
}

/* A vCPU stopped on a step or breakpoint (main loop, after gdbstub_debug_stop). */
void gdb_debug_stop_bh(void *opaque)
{
	struct gdbstub *g = opaque;
	int cpu = atomic_exchange(&g->debug_cpu, -1);
	const char *why = "";
	struct cpu_state s;
	char buf[64];

	if (cpu < 0 || g->holding)
		return;		/* that stop is one the client has already (Ctrl-C) */
	gdb_hold(g);
	if (g->fd < 0) {
		gdb_release(g);	/* nobody to tell: the client left meanwhile */
		return;
	}
	g->cpu_g = (unsigned)cpu;
	/*
	 * The reason only where gdb's PC (RIP) is the breakpoint's (linear)
	 * address: gdb silently resumes from a "breakpoint" it does not know
	 * (real mode with a CS base), while a plain SIGTRAP stops it.
	 */
	if (cpu != g->step_cpu && !gdb_get_state(g, &s)) {
		uint64_t lin = s.seg[SEG_CS].base + s.rip;

		if (cpu_state_code_bits(&s) != 64)
			lin &= 0xffffffffu;
		if (lin != s.rip)
			;
		else if (g->swbreak && bp_find(g->bp.sw, g->bp.nsw, lin) >= 0)
			why = "swbreak:;";
		else if (g->hwbreak && bp_find(g->bp.hw, g->bp.nhw, lin) >= 0)
			why = "hwbreak:;";
	}
	snprintf(buf, sizeof(buf), "T%02x%sthread:%x;", GDB_SIGTRAP, why, (unsigned)cpu + 1);
	gdb_reply(g, buf);
}

void gdbstub_debug_stop(struct gdbstub *g, unsigned cpu)
{
	int none = -1;

	if (!g)
		return;
	atomic_compare_exchange_strong(&g->debug_cpu, &none, (int)cpu);
	loop_bh_schedule(g->debug_bh);
}

/* "FEATURE" among qSupported's "name+;name-;name=value" list. */
