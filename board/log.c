/*
 * -d tracing: category mask, sink, timestamped lines.
 */
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "board/log.h"

unsigned log_mask;
static FILE *log_file;
static struct timespec log_start;
static int log_started;

static const struct {
	const char *name;
	unsigned bit;
} log_names[] = {
	{ "guest_errors", LOG_GUEST_ERRORS },
	{ "ioport", LOG_IOPORT },
	{ "mmio", LOG_MMIO },
	{ "int", LOG_INT },
	{ "cpu_reset", LOG_CPU_RESET },
	{ "unimp", LOG_UNIMP },
	{ "in_asm", LOG_IN_ASM },
	{ "exec", LOG_EXEC },
	{ "cpu", LOG_CPU },
	{ "fw_cfg", LOG_FW_CFG },
};

void log_set_file(FILE *f)
{
	log_file = f;
}

int log_parse_mask(const char *spec, unsigned *mask, const char **bad)
{
	static char badbuf[64];
	unsigned m = 0;
	const char *p = spec;

	if (!spec)
		spec = p = "";
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;
		int found = 0;

		if (len == 3 && !strncmp(p, "all", 3)) {
			for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
				m |= log_names[i].bit;
			found = 1;
		}
		for (i = 0; !found && i < sizeof(log_names) / sizeof(log_names[0]); i++) {
			if (strlen(log_names[i].name) == len && !strncmp(p, log_names[i].name, len)) {
				m |= log_names[i].bit;
				found = 1;
			}
		}
		if (!found && len) {
			if (len >= sizeof(badbuf))
				len = sizeof(badbuf) - 1;
			memcpy(badbuf, p, len);
			badbuf[len] = '\0';
			if (bad)
				*bad = badbuf;
			return -1;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	*mask = m;
	return 0;
}

void board_log(unsigned cat, const char *fmt, ...)
{
	struct timespec now;
	FILE *f = log_file ? log_file : stderr;
	va_list ap;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!log_started) {
		log_start = now;
		log_started = 1;
	}
	ns = (now.tv_sec - log_start.tv_sec) * 1000000000ll + (now.tv_nsec - log_start.tv_nsec);
	flockfile(f);
	fprintf(f, "[%5lld.%06lld] ", ns / 1000000000ll, (ns % 1000000000ll) / 1000);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', f);
	funlockfile(f);
	(void)cat;
}
