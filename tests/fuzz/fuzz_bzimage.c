/*
 * libFuzzer target: bzimage_parse, then bzimage_decompress and elf_parse of
 * the result, then a boot plan for each bzImage entry, on arbitrary bytes.
 * Anything but a clean status (a crash, a sanitizer report, a leak) is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

/* Keep one input's memory bounded; the library trusts init_size as a limit. */
#define FUZZ_INIT_SIZE_CAP	(64u << 20)

static void check_status(int ret, const struct loader_err *err)
{
	if (ret > 0 || (ret < 0 && (ret != (int)err->status || !err->field)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum boot_entry entries[] = { ENTRY_REAL16, ENTRY_PROT32, ENTRY_LONG64 };
	struct bzimage_info bz;
	struct loader_err err = { 0 };
	uint8_t *elf;
	size_t elf_len;
	int ret;
	unsigned i;

	ret = bzimage_parse(data, size, &bz, &err);
	check_status(ret, &err);
	if (ret)
		return 0;
	if (bz.init_size > FUZZ_INIT_SIZE_CAP)
		bz.init_size = FUZZ_INIT_SIZE_CAP;
	ret = bzimage_decompress(data, size, &bz, &elf, &elf_len, &err);
	check_status(ret, &err);
	if (!ret) {
		struct elf_info info;

		check_status(elf_parse(elf, elf_len, &info, &err), &err);
		free(elf);
	}
	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
		static const uint8_t initrd[4096];
		struct boot_request req = {
			.image = data, .image_len = size,
			.initrd = initrd, .initrd_len = sizeof(initrd),
			.cmdline = "console=ttyS0",
			.ram = { .ram_size = 128u << 20 },
			.want = entries[i], .want_set = true,
		};
		struct boot_plan plan;

		ret = boot_plan_build(&req, &plan, &err);
		check_status(ret, &err);
		if (!ret)
			boot_plan_free(&plan);
	}
	return 0;
}
