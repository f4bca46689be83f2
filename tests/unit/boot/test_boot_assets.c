/*
 * The boot-test assets (tests/assets): Debian's cloud kernel as fetch-kernel
 * left it in $BRINGUP_ASSETS, the initramfs build-initramfs made for it, and
 * both booting on the reference board (QEMU pc + qboot) to the init's markers.
 * `make assets` makes them; `make check` always does before running this.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

/*
 * One TCG boot to poweroff takes 2.1 s here idle and 5.1 s with both cores
 * busy (two boots beside two spinning loops); 30 s is about 4x the loaded
 * figure with room for a slow CI machine.
 */
#define BOOT_TIMEOUT_S		30
#define QEMU			"qemu-system-x86_64"
#define QBOOT_ROM		"/usr/share/qemu/qboot.rom"
#define META_PACKAGE		"linux-image-cloud-amd64"
#define IMAGE_PREFIX		"linux-image-"

/* bzImage setup header: "HdrS" at 0x202, kernel_version pointer at 0x20e. */
#define HDR_MAGIC_OFF		0x202
#define HDR_KERNEL_VERSION_OFF	0x20e

/* The modules the guests need (build-initramfs's WANT). */
static const char *const wanted_modules[] = {
	"virtio", "virtio_ring", "virtio_pci", "virtio_pci_modern_dev",
	"virtio_pci_legacy_dev", "virtio_mmio", "virtio_blk", "virtio_net",
	"net_failover", "failover", "virtio_console", "virtio_rng", "rng_core",
};

/* Ones a newer kernel may have merged away. */
static bool module_optional(const char *name)
{
	return !strcmp(name, "virtio_pci_modern_dev") ||
	       !strcmp(name, "virtio_pci_legacy_dev") || !strcmp(name, "rng_core");
}

/* Whole file as a string with trailing whitespace cut; NULL if unreadable. */
static char *read_trimmed(const char *path)
{
	size_t len;
	char *s = harness_read_file(path, &len);

	if (!s)
		return NULL;
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\r'))
		s[--len] = 0;
	return s;
}

static char *asset_text(const char *name)
{
	char *s = read_trimmed(harness_asset_path(name));

	ck_assert_msg(s, "cannot read %s: run `make assets`", harness_asset_path(name));
	return s;
}

/* Module name from a modules.dep path: basename, no .ko[.xz|.zst|.gz], '-' -> '_'. */
static void module_name(const char *path, size_t len, char *out, size_t out_len)
{
	const char *b = path;
	size_t n;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			b = path + i + 1;
	n = len - (size_t)(b - path);
	if (n >= out_len)
		n = out_len - 1;
	memcpy(out, b, n);
	out[n] = 0;
	char *ko = strstr(out, ".ko");
	if (ko)
		*ko = 0;
	for (char *p = out; *p; p++)
		if (*p == '-')
			*p = '_';
}

/* Path of a module as stored in the initramfs: compression suffix dropped. */
static void stored_path(const char *path, size_t len, char *out, size_t out_len)
{
	static const char *const sfx[] = { ".xz", ".zst", ".gz" };

	snprintf(out, out_len, "%.*s", (int)len, path);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t n = strlen(out), s = strlen(sfx[i]);
		if (n > s && !strcmp(out + n - s, sfx[i]))
			out[n - s] = 0;
	}
}

/* The modules.dep line of module NAME, or NULL; *line_len set to its length. */
static const char *dep_line(const char *dep, const char *name, size_t *line_len)
{
	for (const char *l = dep; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		const char *colon = memchr(l, ':', n);
		char m[256];

		if (colon) {
			module_name(l, (size_t)(colon - l), m, sizeof(m));
			if (!strcmp(m, name)) {
				*line_len = n;
				return l;
			}
		}
		l += n + (nl ? 1 : 0);
	}
	return NULL;
}

/* Is NAME (normalized) listed in modules.builtin? */
static bool in_builtin(const char *builtin, const char *name)
{
	for (const char *l = builtin; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		char m[256];

		module_name(l, n, m, sizeof(m));
		if (n && !strcmp(m, name))
			return true;
		l += n + (nl ? 1 : 0);
	}
	return false;
}

/* Is LINE one whole line of TEXT? */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
			return true;
	return false;
}

/* Position of LINE as a whole line in TEXT, -1 if absent. */
static long line_pos(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0))
			return p - text;
	return -1;
}

/* Run a shell pipeline "sh -c SCRIPT sh ARG1 ARG2" (stdin is /dev/null). */
static void run_sh(const char *script, const char *a1, const char *a2, struct run_result *r)
{
	char *argv[] = { "sh", "-c", (char *)script, "sh", (char *)a1, (char *)a2, NULL };

	if (!a2)
		argv[5] = NULL;
	ck_assert_int_eq(harness_run(argv, 60, r), 0);
}

/* ---- the kernel ---------------------------------------------------------- */

START_TEST(kernel_matches_package)
{
	char *pkg = asset_text("kernel-package");
	char *ver = asset_text("kernel-version");
	char want[512];

	/* The release is the package name without its prefix. */
	ck_assert_msg(!strncmp(pkg, IMAGE_PREFIX, strlen(IMAGE_PREFIX)),
		      "kernel-package '%s' is not a linux-image package", pkg);
	ck_assert_str_eq(pkg + strlen(IMAGE_PREFIX), ver);
	ck_assert_msg(strstr(ver, "-cloud-amd64"), "kernel-version '%s' is no cloud kernel", ver);

	/* And it is what the metapackage depends on now, when apt can say. */
	struct run_result r;
	char *argv[] = { "apt-cache", "show", "--no-all-versions", META_PACKAGE, NULL };
	ck_assert_int_eq(harness_run(argv, 60, &r), 0);
	const char *dep = r.status == 0 ? strstr(r.out, "\nDepends: ") : NULL;
	if (!dep) {
		printf("NOTE: apt-cache knows no %s; checked the cache's own consistency only\n",
		       META_PACKAGE);
	} else {
		dep += strlen("\nDepends: ");
		const char *end = strchr(dep, '\n');
		size_t n = end ? (size_t)(end - dep) : strlen(dep);
		snprintf(want, sizeof(want), "%.*s", (int)n, dep);
		const char *img = strstr(want, IMAGE_PREFIX);
		ck_assert_msg(img, "%s depends on no linux-image: '%s'", META_PACKAGE, want);
		size_t k = strcspn(img, " ,|(");
		char *stale = read_trimmed(harness_asset_path("kernel-stale"));
		if (stale && !strncmp(stale, img, k) && stale[k] == ' ')
			/* fetch-kernel could not download the newer one: offline. */
			printf("NOTE: %s depends on %.*s, which could not be downloaded; "
			       "the cache holds %s\n", META_PACKAGE, (int)k, img, pkg);
		else
			ck_assert_msg(strlen(pkg) == k && !strncmp(img, pkg, k),
				      "cache holds %s but %s depends on %.*s: run `make assets`",
				      pkg, META_PACKAGE, (int)k, img);
		free(stale);
	}
	harness_free(&r);
	free(pkg);
	free(ver);
}
END_TEST

START_TEST(vmlinuz_is_that_kernel)
{
	char *ver = asset_text("kernel-version");
	size_t len;
	uint8_t *k = harness_read_file(harness_asset_path("vmlinuz"), &len);

	ck_assert_msg(k, "cannot read %s: run `make assets`", harness_asset_path("vmlinuz"));
	ck_assert_uint_gt(len, 0x1000);
	ck_assert_msg(!memcmp(k + HDR_MAGIC_OFF, "HdrS", 4), "vmlinuz is no bzImage");
	/* kernel_version points (less 0x200) at "<release> (builder) #1 SMP ...". */
	size_t off = (size_t)(k[HDR_KERNEL_VERSION_OFF] | k[HDR_KERNEL_VERSION_OFF + 1] << 8) + 0x200;
	ck_assert_uint_lt(off + strlen(ver) + 1, len);
	ck_assert_msg(!strncmp((char *)k + off, ver, strlen(ver)) && k[off + strlen(ver)] == ' ',
		      "vmlinuz says '%.40s', kernel-version says '%s'", (char *)k + off, ver);

	/* The modules are built for it: virtio.ko's vermagic starts with the release. */
	size_t dlen;
	char *dep = harness_read_file(harness_asset_path("modules/modules.dep"), &dlen);
	ck_assert_msg(dep, "no modules/modules.dep: run `make assets`");
	size_t ll;
	const char *l = dep_line(dep, "virtio", &ll);
	ck_assert_msg(l, "modules.dep has no virtio");
	char rel[512], path[1024], magic[256];
	stored_path(l, strcspn(l, ":"), rel, sizeof(rel));
	ck_assert_msg(!strcmp(rel + strlen(rel) - 3, ".ko"),
		      "virtio is compressed (%s); this check reads a plain .ko", rel);
	snprintf(path, sizeof(path), "%s/modules/%s", harness_assets_dir(), rel);
	size_t mlen;
	char *mod = harness_read_file(path, &mlen);
	ck_assert_msg(mod, "cannot read %s", path);
	snprintf(magic, sizeof(magic), "vermagic=%s ", ver);
	ck_assert_msg(memmem(mod, mlen, magic, strlen(magic)), "%s lacks %s", path, magic);
	free(mod);
	free(dep);
	free(k);
	free(ver);
}
END_TEST

/* ---- the initramfs ------------------------------------------------------- */

START_TEST(initramfs_has_init_busybox_tests)
{
	const char *img = harness_asset_path("initramfs.cpio.gz");
	struct run_result r;

	ck_assert_msg(access(img, R_OK) == 0, "no %s: run `make assets`", img);
	run_sh("gzip -dc \"$1\" | cpio -it --quiet", img, NULL, &r);
	ck_assert_msg(r.status == 0, "cpio -it failed: %s", r.err);
	ck_assert_msg(has_line(r.out, "init"), "no /init");
	ck_assert_msg(has_line(r.out, "bin/busybox"), "no /bin/busybox");
	ck_assert_msg(has_line(r.out, "bin/sh"), "no /bin/sh");
	ck_assert_msg(has_line(r.out, "dev/console"), "no /dev/console");
	ck_assert_msg(has_line(r.out, "tests/smoke.sh"), "no /tests/smoke.sh");
	ck_assert_msg(has_line(r.out, "tests/interrupts.sh"), "no /tests/interrupts.sh");
	ck_assert_msg(has_line(r.out, "tests/dmesg-clean.sh"), "no /tests/dmesg-clean.sh");
	harness_free(&r);

	/* /init and busybox must be executable, busybox static (no loader inside). */
	run_sh("gzip -dc \"$1\" | cpio -itv --quiet", img, NULL, &r);
	ck_assert_int_eq(r.status, 0);
	bool init_x = false, bb_x = false;
	for (char *l = r.out; *l;) {
		char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n > 5 && !strncmp(l + n - 5, " init", 5))
			init_x = !strncmp(l, "-rwx", 4);
		if (n > 12 && !strncmp(l + n - 12, " bin/busybox", 12))
			bb_x = !strncmp(l, "-rwx", 4);
		l += n + (nl ? 1 : 0);
	}
	ck_assert_msg(init_x, "/init is not an executable file");
	ck_assert_msg(bb_x, "/bin/busybox is not an executable file");
	harness_free(&r);

	run_sh("gzip -dc \"$1\" | cpio -i --quiet --to-stdout bin/busybox | head -c 4096 | "
	       "grep -c ld-linux || true", img, NULL, &r);
	ck_assert_msg(r.out[0] == '0', "/bin/busybox is dynamically linked");
	harness_free(&r);
}
END_TEST

START_TEST(initramfs_has_virtio_modules_and_deps)
{
	const char *img = harness_asset_path("initramfs.cpio.gz");
	char *ver = asset_text("kernel-version");
	char *dep, *builtin, prefix[256], entry[1024];
	size_t len;
	struct run_result list, order;

	dep = harness_read_file(harness_asset_path("modules/modules.dep"), &len);
	ck_assert_msg(dep, "no modules/modules.dep: run `make assets`");
	builtin = harness_read_file(harness_asset_path("modules/modules.builtin"), &len);
	if (!builtin)
		builtin = strdup("");
	snprintf(prefix, sizeof(prefix), "lib/modules/%s/", ver);

	ck_assert_msg(access(img, R_OK) == 0, "no %s: run `make assets`", img);
	run_sh("gzip -dc \"$1\" | cpio -it --quiet", img, NULL, &list);
	ck_assert_int_eq(list.status, 0);
	snprintf(entry, sizeof(entry), "%sload-order", prefix);
	run_sh("gzip -dc \"$1\" | cpio -i --quiet --to-stdout \"$2\"", img, entry, &order);
	ck_assert_msg(order.status == 0 && order.out[0], "no /%s in the initramfs", entry);

	/* Every wanted module is in the image, or built into the kernel. */
	for (size_t i = 0; i < sizeof(wanted_modules) / sizeof(wanted_modules[0]); i++) {
		const char *name = wanted_modules[i];
		size_t ll;
		const char *l = dep_line(dep, name, &ll);
		char rel[512];

		if (!l) {
			ck_assert_msg(in_builtin(builtin, name) || module_optional(name),
				      "%s is neither a module nor built in", name);
			continue;
		}
		stored_path(l, strcspn(l, ":"), rel, sizeof(rel));
		snprintf(entry, sizeof(entry), "%s%s", prefix, rel);
		ck_assert_msg(has_line(list.out, entry), "initramfs lacks %s", entry);
		ck_assert_msg(has_line(order.out, rel), "load-order lacks %s", rel);
	}

	/* Each module in load-order is in the image, its deps too and loaded before it. */
	int count = 0;
	for (char *l = order.out; *l;) {
		char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		char rel[512], name[256];
		size_t ll;

		snprintf(rel, sizeof(rel), "%.*s", (int)n, l);
		snprintf(entry, sizeof(entry), "%s%s", prefix, rel);
		ck_assert_msg(has_line(list.out, entry), "load-order names %s, not in the image", rel);
		module_name(rel, strlen(rel), name, sizeof(name));
		const char *d = dep_line(dep, name, &ll);
		ck_assert_msg(d, "%s is not in modules.dep", name);
		long me = line_pos(order.out, rel);
		const char *p = memchr(d, ':', ll) + 1;
		while (p < d + ll) {
			size_t k;
			char drel[512];
			while (p < d + ll && *p == ' ')
				p++;
			k = strcspn(p, " \n");
			if (!k)
				break;
			stored_path(p, k, drel, sizeof(drel));
			long at = line_pos(order.out, drel);
			ck_assert_msg(at >= 0, "%s needs %s, which is not loaded", rel, drel);
			ck_assert_msg(at < me, "%s is loaded before its dependency %s", rel, drel);
			p += k;
		}
		count++;
		l += n + (nl ? 1 : 0);
	}
	/* virtio, virtio_ring, virtio_pci(+2), mmio, blk, net(+2), console, rng. */
	ck_assert_int_ge(count, 8);
	harness_free(&list);
	harness_free(&order);
	free(builtin);
	free(dep);
	free(ver);
}
END_TEST

/* ---- booting on the reference board -------------------------------------- */

static bool reference_board_missing(const char *test)
{
	struct run_result r;
	char *argv[] = { QEMU, "--version", NULL };

	if (harness_run(argv, 30, &r) != 0 || r.status != 0) {
		harness_skip(test, QEMU " is not installed (apt-get install qemu-system-x86)");
		harness_free(&r);
		return true;
	}
	harness_free(&r);
	if (access(QBOOT_ROM, R_OK) != 0) {
		harness_skip(test, QBOOT_ROM " is missing (apt-get install qemu-system-data)");
		return true;
	}
	return false;
}

/* Boot the assets on QEMU with bringup.test=NAME; assert the run passed. */
static void boot_and_expect_pass(const char *test)
{
	char append[128], pass[128];
	char kernel[4096], initrd[4096];
	struct run_result r;

	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	snprintf(initrd, sizeof(initrd), "%s", harness_asset_path("initramfs.cpio.gz"));
	ck_assert_msg(access(kernel, R_OK) == 0 && access(initrd, R_OK) == 0,
		      "no %s or %s: run `make assets`", kernel, initrd);
	snprintf(append, sizeof(append), "console=ttyS0 bringup.test=%s", test);
	char *argv[] = {
		QEMU, "-M", "pc", "-accel", "tcg", "-m", "512", "-nographic",
		"-nodefaults", "-serial", "stdio", "-no-reboot", "-bios", QBOOT_ROM,
		"-kernel", kernel, "-initrd", initrd, "-append", append, NULL,
	};
	ck_assert_int_eq(harness_run(argv, BOOT_TIMEOUT_S, &r), 0);

	snprintf(pass, sizeof(pass), "BRINGUP-TEST: %s PASS", test);
	const char *const markers[] = {
		"BRINGUP-INIT-START", "BRINGUP-MODULES: loaded ", pass, "BRINGUP-INIT-DONE",
	};
	const char *at = r.out;
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		const char *m = strstr(at, markers[i]);
		ck_assert_msg(m, "'%s' missing (in order) from the console; timed out: %d, "
			      "status %d; last output:\n%s", markers[i], r.timed_out, r.status,
			      r.out + (strlen(r.out) > 3000 ? strlen(r.out) - 3000 : 0));
		at = m + strlen(markers[i]);
	}
	/* Every module in load-order went in. */
	const char *mods = strstr(r.out, "BRINGUP-MODULES: ");
	int loaded = -1, failed = -1;
	ck_assert_int_eq(sscanf(mods, "BRINGUP-MODULES: loaded %d failed %d", &loaded, &failed), 2);
	ck_assert_msg(failed == 0, "modules failed to load: %.120s", mods);
	ck_assert_int_ge(loaded, 8);
	ck_assert_msg(!r.timed_out, "QEMU did not power off within %d s", BOOT_TIMEOUT_S);
	ck_assert_msg(r.status == 0, "QEMU exited %d: %s", r.status, r.err);
	harness_free(&r);
}

START_TEST(boot_smoke_on_reference_board)
{
	if (reference_board_missing("boot_smoke_on_reference_board"))
		return;
	boot_and_expect_pass("smoke");
}
END_TEST

START_TEST(boot_interrupts_on_reference_board)
{
	if (reference_board_missing("boot_interrupts_on_reference_board"))
		return;
	boot_and_expect_pass("interrupts");
}
END_TEST

Suite *boot_assets_suite(void)
{
	Suite *s = suite_create("boot_assets");
	TCase *tc = tcase_create("assets");

	tcase_add_test(tc, kernel_matches_package);
	tcase_add_test(tc, vmlinuz_is_that_kernel);
	tcase_add_test(tc, initramfs_has_init_busybox_tests);
	tcase_add_test(tc, initramfs_has_virtio_modules_and_deps);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("boot");
	tcase_add_test(tc, boot_smoke_on_reference_board);
	tcase_add_test(tc, boot_interrupts_on_reference_board);
	/* Each test is one boot: its bound plus time to start and check. */
	tcase_set_timeout(tc, BOOT_TIMEOUT_S + 30);
	suite_add_tcase(s, tc);
	return s;
}
