/*
 * Board errors: negative errno plus one line of text naming the node and
 * property (or ROM, or region) at fault. Library code fills it; only vmm/
 * prints it. Every pointer argument may be NULL (then only the code remains).
 *
 *	if (!ok)
 *		return board_err(err, -EINVAL, "%s: property 'iobase': 0x%x is not a port",
 *				 dev->name, base);
 */
#ifndef BOARD_ERROR_H
#define BOARD_ERROR_H

#define BOARD_ERR_MSG 256

struct board_err {
	int code;			/* negative errno; 0 when no error is set */
	char msg[BOARD_ERR_MSG];
};

/* Record (code, message) if err is non-NULL and returns code, so callers can
 * "return board_err(...)". The first error set wins; later ones are ignored,
 * so the innermost, most precise message survives. Public entry points
 * (board_build, device_create, rom_check...) clear err first; declare it as
 * "struct board_err err = { 0 };" anyway. */
int board_err(struct board_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void board_err_clear(struct board_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

#endif
