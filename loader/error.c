/*
 * Loader errors: status names, the one-line message, and the only I/O the
 * loader does (reading a whole file, capped).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"

const char *loader_status_name(enum loader_status s)
{
	switch (s) {
	case LOADER_OK:			return "ok";
	case LOADER_E_NOMEM:		return "out of memory";
	case LOADER_E_IO:		return "I/O error";
	case LOADER_E_UNKNOWN_FORMAT:	return "unknown format";
	case LOADER_E_BAD_MAGIC:	return "bad magic";
	case LOADER_E_TRUNCATED:	return "truncated";
	case LOADER_E_PROTOCOL:		return "protocol";
	case LOADER_E_RANGE:		return "out of range";
	case LOADER_E_OVERFLOW:		return "overflow";
	case LOADER_E_OVERLAP:		return "overlap";
	case LOADER_E_ENTRY:		return "bad entry";
	case LOADER_E_CMDLINE:		return "cmdline too long";
	case LOADER_E_INITRD:		return "initrd does not fit";
	case LOADER_E_COMPRESSION:	return "compression";
	case LOADER_E_UNSUPPORTED:	return "unsupported";
	case LOADER_E_NOT_FOUND:	return "not found";
	}
	return "unknown error";
}

int loader_fail(struct loader_err *err, enum loader_status s, const char *field,
		const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->status = s;
		err->field = field;
		va_start(ap, fmt);
		vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
		va_end(ap);
	}
	return s;
}

char *loader_err_format(const struct loader_err *err, const char *file, char *buf, size_t len)
{
	const char *field = err->field ? err->field : "image";

	if (!len)
		return buf;
	if (file)
		snprintf(buf, len, "%s: %s: %s (%s)", file, field, err->detail,
			 loader_status_name(err->status));
	else
		snprintf(buf, len, "%s: %s (%s)", field, err->detail,
			 loader_status_name(err->status));
	/* One line, whatever the detail holds. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return buf;
}

#define HUGE_PAGE	(2u << 20)
#define LARGE_ALLOC	(4u << 20)

void *loader_alloc_large(size_t len)
{
	uintptr_t start, end;
	void *p;

	if (len < LARGE_ALLOC)
		return malloc(len);
	/*
	 * Tens of MiB written once: faulting them in 4 KiB at a time costs more
	 * than decompressing into them. Align to 2 MiB and ask for transparent
	 * huge pages (a hint; nothing breaks if the kernel says no).
	 */
	if (posix_memalign(&p, HUGE_PAGE, len))
		return NULL;
	start = (uintptr_t)p;
	end = (start + len) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (end > start)
		madvise(p, end - start, MADV_HUGEPAGE);
	return p;
}

int loader_read_file(const char *path, size_t max, uint8_t **buf, size_t *len,
		     struct loader_err *err)
{
	uint8_t *p = NULL;
	size_t n = 0, cap = 0;
	struct stat st;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return loader_fail(err, LOADER_E_IO, "file", "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return loader_fail(err, LOADER_E_IO, "file", "is a directory");
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > max) {
			close(fd);
			return loader_fail(err, LOADER_E_RANGE, "file",
					   "%llu bytes, more than the %zu-byte limit",
					   (unsigned long long)st.st_size, max);
		}
		cap = (size_t)st.st_size + 1;	/* +1 sees growth between stat and read */
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			uint8_t *np;

			if (cap > max) {
				free(p);
				close(fd);
				return loader_fail(err, LOADER_E_RANGE, "file",
						   "more than the %zu-byte limit", max);
			}
			if (ncap > max + 1)
				ncap = max + 1;
			np = p ? realloc(p, ncap) : loader_alloc_large(ncap);
			if (!np) {
				free(p);
				close(fd);
				return loader_fail(err, LOADER_E_NOMEM, "file",
						   "cannot allocate %zu bytes", ncap);
			}
			p = np;
			cap = ncap;
		}
		if (!p) {
			p = loader_alloc_large(cap);
			if (!p) {
				close(fd);
				return loader_fail(err, LOADER_E_NOMEM, "file",
						   "cannot allocate %zu bytes", cap);
			}
		}
		r = read(fd, p + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(p);
			close(fd);
			return loader_fail(err, LOADER_E_IO, "file", "read failed: %s",
					   strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(p);
			close(fd);
			return loader_fail(err, LOADER_E_RANGE, "file",
					   "more than the %zu-byte limit", max);
		}
	}
	close(fd);
	if (!p) {
		p = malloc(1);
		if (!p)
			return loader_fail(err, LOADER_E_NOMEM, "file", "cannot allocate");
	}
	*buf = p;
	*len = n;
	return LOADER_OK;
}
