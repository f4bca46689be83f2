/*
 * Tracing for -d categories. The VMM sets the mask and the sink; board code
 * calls board_log(). Each line is stamped with the time since start.
 */
#ifndef BOARD_LOG_H
#define BOARD_LOG_H

#include <stdio.h>

enum log_category {
	LOG_GUEST_ERRORS = 1u << 0,
	LOG_IOPORT	= 1u << 1,
	LOG_MMIO	= 1u << 2,
	LOG_INT		= 1u << 3,
	LOG_CPU_RESET	= 1u << 4,
	LOG_UNIMP	= 1u << 5,
	LOG_IN_ASM	= 1u << 6,
	LOG_EXEC	= 1u << 7,
	LOG_CPU		= 1u << 8,
	LOG_FW_CFG	= 1u << 9,
};

extern unsigned log_mask;

static inline int log_enabled(unsigned cat) { return (log_mask & cat) != 0; }
void log_set_file(FILE *f);
/* Parse "guest_errors,int,..." into a mask; returns -1 and names the bad item. */
int log_parse_mask(const char *spec, unsigned *mask, const char **bad);
void board_log(unsigned cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define guest_error(...) do { if (log_enabled(LOG_GUEST_ERRORS)) board_log(LOG_GUEST_ERRORS, __VA_ARGS__); } while (0)

#endif
