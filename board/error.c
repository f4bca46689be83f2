/*
 * One-line board errors (see error.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "board/error.h"

int board_err(struct board_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}
