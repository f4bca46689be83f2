/*
 * The board descriptions built into the program: board/boards/module.mk
 * compiles each board/boards/<name>.dts with dtc and generates
 * builtin_dtbs.h, which embeds the DTBs (.incbin) and lists them in
 * builtin_dtbs[]. Kept out of the board/ wildcard so that code built from
 * those sources alone (fuzz targets) needs no generated file.
 */
#include <stddef.h>
#include <string.h>

#include "board/board.h"

struct builtin_dtb {
	const char *name;
	const unsigned char *start, *end;
};

#include "builtin_dtbs.h"

const void *board_dtb(const char *name, size_t *len)
{
	const struct builtin_dtb *d;

	for (d = builtin_dtbs; name && d->name; d++) {
		if (!strcmp(d->name, name)) {
			if (len)
				*len = (size_t)(d->end - d->start);
			return d->start;
		}
	}
	return NULL;
}

const char *const *board_dtb_names(void)
{
	static const char *names[sizeof(builtin_dtbs) / sizeof(builtin_dtbs[0])];
	unsigned i;

	for (i = 0; builtin_dtbs[i].name; i++)
		names[i] = builtin_dtbs[i].name;
	names[i] = NULL;
	return names;
}
