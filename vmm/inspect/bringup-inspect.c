/*
 * bringup-inspect: print what the loader sees in a kernel file, as
 * "key: value" lines (the order and keys are a contract: tests parse them).
 *
 *   bringup-inspect [--payload-to FILE] [--elf-to FILE] FILE
 *
 * Any error: one line "bringup-inspect: FILE: FIELD: DETAIL (status)" on
 * stderr and exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"

#define PROG		"bringup-inspect"
#define MAX_IMAGE	(512u << 20)

/* The report is printed only when the whole image checked out: a bad image
 * gives its one error line and nothing on stdout. */
static FILE *report;

static int fail(const struct loader_err *err, const char *file)
{
	char line[512];

	fprintf(stderr, PROG ": %s\n", loader_err_format(err, file, line, sizeof(line)));
	return 1;
}

static int usage(const char *why)
{
	fprintf(stderr, PROG ": %s; usage: " PROG " [--payload-to FILE] [--elf-to FILE] FILE\n",
		why);
	return 1;
}

static int write_file(const char *path, const uint8_t *buf, size_t len, struct loader_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return loader_fail(err, LOADER_E_IO, "output", "cannot create: %s", strerror(errno));
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;

			close(fd);
			return loader_fail(err, LOADER_E_IO, "output", "cannot write: %s",
					   strerror(e));
		}
		buf += w;
		len -= (size_t)w;
	}
	if (close(fd))
		return loader_fail(err, LOADER_E_IO, "output", "cannot write: %s", strerror(errno));
	return LOADER_OK;
}

/*
 * Map the file rather than copy it (the benchmark times this program); a
 * file that cannot be mapped (a pipe) goes through loader_read_file().
 */
static int image_open(const char *file, uint8_t **buf, size_t *len, bool *mapped,
		      struct loader_err *err)
{
	struct stat st;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	*mapped = false;
	if (fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= MAX_IMAGE) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
			       fd, 0);

		if (p != MAP_FAILED) {
			close(fd);
			*buf = p;
			*len = (size_t)st.st_size;
			*mapped = true;
			return LOADER_OK;
		}
	}
	if (fd >= 0)
		close(fd);
	return loader_read_file(file, MAX_IMAGE, buf, len, err);
}

static void image_close(uint8_t *buf, size_t len, bool mapped)
{
	if (mapped)
		munmap(buf, len);
	else
		free(buf);
}

static void print_elf_lines(const struct elf_info *elf)
{
	if (elf->is64)
		fprintf(report, "elf_entry: 0x%016" PRIx64 "\n", elf->entry);
	else
		fprintf(report, "elf_entry: 0x%08" PRIx64 "\n", elf->entry);
	fprintf(report, "elf_segments: %u\n", elf->nsegments);
	if (elf->has_pvh)
		fprintf(report, "pvh_entry: 0x%08" PRIx32 "\n", elf->pvh_entry);
	else
		fprintf(report, "pvh_entry: none\n");
}

static void print_bzimage(const struct bzimage_info *bz)
{
	fprintf(report, "protocol: %u.%02u\n", bz->protocol >> 8, bz->protocol & 0xff);
	fprintf(report, "setup_sects: %u\n", bz->setup_sects);
	fprintf(report, "setup_size: %zu\n", bz->setup_size);
	fprintf(report, "kernel_size: %zu\n", bz->kernel_size);
	fprintf(report, "loadflags: 0x%02x\n", bz->loadflags);
	fprintf(report, "xloadflags: 0x%02x\n", bz->xloadflags);
	fprintf(report, "code32_start: 0x%08" PRIx32 "\n", bz->code32_start);
	fprintf(report, "entry16: 0x%04x\n", 0x200);
	fprintf(report, "entry32: 0x%08" PRIx32 "\n", bz->code32_start);
	if (bz->has_entry64)
		fprintf(report, "entry64: 0x%08" PRIx64 "\n", (uint64_t)bz->code32_start + 0x200);
	else
		fprintf(report, "entry64: none\n");
	fprintf(report, "relocatable: %s\n", bz->relocatable ? "yes" : "no");
	fprintf(report, "kernel_alignment: 0x%08" PRIx32 "\n", bz->kernel_alignment);
	fprintf(report, "min_alignment: %u\n", bz->min_alignment);
	fprintf(report, "pref_address: 0x%016" PRIx64 "\n", bz->pref_address);
	fprintf(report, "init_size: 0x%08" PRIx32 "\n", bz->init_size);
	fprintf(report, "cmdline_size: %" PRIu32 "\n", bz->cmdline_size);
	fprintf(report, "initrd_addr_max: 0x%08" PRIx32 "\n", bz->initrd_addr_max);
	fprintf(report, "above_4g: %s\n", bz->xloadflags & BZ_XLF_CAN_BE_LOADED_ABOVE_4G ? "yes" : "no");
	fprintf(report, "payload_offset: 0x%08" PRIx32 "\n", bz->payload_offset);
	fprintf(report, "payload_length: %" PRIu32 "\n", bz->payload_length);
	fprintf(report, "payload_compression: %s\n", compression_name(bz->payload_compression));
	fprintf(report, "version: %s\n", bz->version);
}

static int inspect_bzimage(const char *file, const uint8_t *buf, size_t len,
			   const char *payload_to, const char *elf_to)
{
	struct bzimage_info bz;
	struct elf_info elf;
	struct loader_err err = { 0 };
	uint8_t *out;
	size_t out_len;

	if (bzimage_parse(buf, len, &bz, &err))
		return fail(&err, file);
	print_bzimage(&bz);
	if (payload_to) {
		if (bz.protocol < 0x0208) {
			loader_fail(&err, LOADER_E_PROTOCOL, "payload_offset",
				    "boot protocol %u.%02u has no payload fields (need 2.08)",
				    bz.protocol >> 8, bz.protocol & 0xff);
			return fail(&err, file);
		}
		if (write_file(payload_to, buf + bz.kernel_offset + bz.payload_offset,
			       bz.payload_length, &err))
			return fail(&err, payload_to);
	}
	if (bz.protocol < 0x0208 && !elf_to)
		return 0;
	if (bzimage_decompress(buf, len, &bz, &out, &out_len, &err))
		return fail(&err, file);
	if (elf_to && write_file(elf_to, out, out_len, &err)) {
		free(out);
		return fail(&err, elf_to);
	}
	if (elf_parse(out, out_len, &elf, &err)) {
		free(out);
		return fail(&err, file);
	}
	free(out);
	fprintf(report, "elf: %s\n", elf.is64 ? "ELF64" : "ELF32");
	fprintf(report, "elf_size: %zu\n", out_len);
	print_elf_lines(&elf);
	return 0;
}

static int inspect_multiboot(const char *file, const uint8_t *buf, size_t len)
{
	struct multiboot_info_hdr mb;
	struct loader_err err = { 0 };
	uint32_t load;

	if (multiboot_parse(buf, len, &mb, &err))
		return fail(&err, file);
	load = mb.aout_kludge ? mb.load_addr : mb.nsegments ? (uint32_t)mb.seg[0].paddr : 0;
	fprintf(report, "multiboot_offset: 0x%zx\n", mb.header_offset);
	fprintf(report, "multiboot_flags: 0x%08" PRIx32 "\n", mb.flags);
	fprintf(report, "aout_kludge: %s\n", mb.aout_kludge ? "yes" : "no");
	fprintf(report, "load_addr: 0x%08" PRIx32 "\n", load);
	fprintf(report, "entry: 0x%08" PRIx32 "\n", mb.entry);
	return 0;
}

int main(int argc, char **argv)
{
	const char *payload_to = NULL, *elf_to = NULL, *file = NULL;
	struct loader_err err = { 0 };
	enum image_format fmt;
	struct elf_info elf;
	uint8_t *buf;
	size_t len;
	bool mapped;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--payload-to") || !strcmp(argv[i], "--elf-to")) {
			if (i + 1 >= argc)
				return usage("missing argument after an option");
			if (argv[i][2] == 'p')
				payload_to = argv[++i];
			else
				elf_to = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage("unknown option");
		} else if (file) {
			return usage("more than one FILE");
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return usage("no FILE given");
	char *report_buf = NULL;
	size_t report_len = 0;
	report = open_memstream(&report_buf, &report_len);
	if (!report) {
		fprintf(stderr, PROG ": %s: out of memory\n", file);
		return 1;
	}

	if (image_open(file, &buf, &len, &mapped, &err))
		return fail(&err, file);
	fmt = loader_detect(buf, len);
	if (fmt == IMAGE_UNKNOWN) {
		loader_fail(&err, LOADER_E_UNKNOWN_FORMAT, "image",
			    "no bzImage, multiboot or ELF signature");
		image_close(buf, len, mapped);
		return fail(&err, file);
	}
	if (fmt != IMAGE_BZIMAGE && (payload_to || elf_to)) {
		loader_fail(&err, LOADER_E_UNSUPPORTED, "payload",
			    "only a bzImage has a compressed payload");
		image_close(buf, len, mapped);
		return fail(&err, file);
	}
	fprintf(report, "format: %s\n", image_format_name(fmt));
	switch (fmt) {
	case IMAGE_BZIMAGE:
		ret = inspect_bzimage(file, buf, len, payload_to, elf_to);
		break;
	case IMAGE_MULTIBOOT:
		ret = inspect_multiboot(file, buf, len);
		break;
	default:
		ret = elf_parse(buf, len, &elf, &err) ? fail(&err, file) : 0;
		if (!ret)
			print_elf_lines(&elf);
		break;
	}
	image_close(buf, len, mapped);
	fclose(report);
	if (!ret)
		fwrite(report_buf, 1, report_len, stdout);
	free(report_buf);
	if (!ret && (fflush(stdout) || ferror(stdout))) {
		fprintf(stderr, PROG ": %s: cannot write the report\n", file);
		ret = 1;
	}
	return ret;
}
