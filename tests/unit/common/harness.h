/*
 * Helpers for suites that run programs (bringup, bringup-inspect, qemu, iasl):
 * every child is bounded by a timeout and killed, with its process group,
 * when the timeout expires or the test ends, pass or fail.
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct run_result {
	int status;		/* exit status, or 128+signal; -1 if it could not start */
	bool timed_out;
	char *out;		/* stdout, NUL-terminated, malloc'd */
	char *err;		/* stderr, NUL-terminated, malloc'd */
	double elapsed;		/* seconds from start until the child ended or was killed */
};

/* Run argv (argv[0] looked up in PATH) with no stdin, for at most timeout_s seconds. */
int harness_run(char *const argv[], double timeout_s, struct run_result *r);
/*
 * The same, but the child (and its process group) is killed as soon as its
 * stdout contains marker. Returns 1 when the marker appeared (r->elapsed is
 * then the time it took), 0 when the child ended or timed out without it,
 * -1 if it could not be started.
 */
int harness_run_until(char *const argv[], double timeout_s, const char *marker,
		      struct run_result *r);
void harness_free(struct run_result *r);

/*
 * A child that runs while the test talks to it (a VMM with a gdb stub):
 * stdin from /dev/null, stdout and stderr to the files given (NULL: dropped).
 * harness_wait() waits for it at most timeout_s, then kills its process
 * group; returns its status as run_result.status, -1 on timeout.
 * Every spawned child must be waited for, pass or fail.
 */
int harness_spawn(char *const argv[], const char *out_path, const char *err_path);
int harness_wait(int pid, double timeout_s);

/* Paths set by the Makefile: $(BUILD), the asset cache, the source tree. */
const char *harness_build_dir(void);
const char *harness_assets_dir(void);
const char *harness_src_dir(void);
/* "$BRINGUP_BUILD/<name>" in a static buffer rotation (valid for a few calls). */
const char *harness_build_path(const char *name);
const char *harness_asset_path(const char *name);

/* Read a whole file; NULL on error. */
void *harness_read_file(const char *path, size_t *len);
/* Write a buffer to a fresh temporary file; returns its malloc'd path. */
char *harness_write_temp(const void *buf, size_t len, const char *suffix);
/*
 * Assemble src (GNU as, --64 or --32) and link it flat to run at origin;
 * returns the malloc'd image and its length, or NULL with the tool's message
 * on stderr. The temporary files are removed.
 */
uint8_t *harness_assemble(const char *src, uint64_t origin, bool bits64, size_t *len);

/* NULL when /dev/kvm can create a VM here, else why not (a static string). */
const char *harness_kvm_unusable(void);

/* Print a skip line (the suite still passes); Check has no skip status. */
void harness_skip(const char *test, const char *why);

/* Count the lines of s (NUL-terminated). */
int harness_count_lines(const char *s);

#endif
