/* Lazily loaded capstone (vmm/disas.h). */
#include "vmm/disas.h"

#include <capstone/capstone.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
	cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
	size_t (*disasm)(csh handle, const uint8_t *code, size_t size, uint64_t address,
			 size_t count, cs_insn **insn);
	void (*free)(cs_insn *insn, size_t count);
} cs;
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;

static void cs_load(void)
{
	static const char *const names[] = { "libcapstone.so.4", "libcapstone.so.5", "libcapstone.so" };
	void *h = NULL;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return;
	*(void **)&cs.disasm = dlsym(h, "cs_disasm");
	*(void **)&cs.free = dlsym(h, "cs_free");
	*(void **)&cs.open = dlsym(h, "cs_open");
	if (!cs.disasm || !cs.free)
		cs.open = NULL;
}

bool disas_available(void)
{
	pthread_once(&cs_once, cs_load);
	return cs.open != NULL;
}

/* handles live as long as their thread; a tracing thread opens at most three */
static __thread csh handles[3];
static __thread bool opened[3];

unsigned disas_one(int bits, const uint8_t *code, size_t len, uint64_t addr, char *text,
		   size_t textlen)
{
	int i = bits == 16 ? 0 : bits == 32 ? 1 : 2;
	cs_mode mode = bits == 16 ? CS_MODE_16 : bits == 32 ? CS_MODE_32 : CS_MODE_64;
	cs_insn *insn = NULL;
	unsigned size = 0;

	if (textlen)
		text[0] = 0;
	if (!disas_available())
		return 0;
	if (!opened[i]) {
		if (cs.open(CS_ARCH_X86, mode, &handles[i]) != CS_ERR_OK)
			return 0;
		opened[i] = true;
	}
	if (cs.disasm(handles[i], code, len, addr, 1, &insn) == 1) {
		size = insn->size;
		snprintf(text, textlen, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
			 insn->op_str);
	}
	if (insn)
		cs.free(insn, 1);
	return size;
}
