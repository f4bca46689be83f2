#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sink {
	char *buf;
	size_t len, cap;
};

static void sink_add(struct sink *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n + 1)
			cap *= 2;
		s->buf = realloc(s->buf, cap);
		if (!s->buf)
			abort();
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Run argv for at most timeout_s; with a marker, stop (kill) as soon as
 * stdout contains it. Returns 1 when the marker was seen, else 0; -1 if the
 * child could not be started.
 */
static int run_child(char *const argv[], double timeout_s, const char *marker,
		     struct run_result *r)
{
	int out[2], err[2], st, found = 0;
	struct sink so = {0}, se = {0};
	double start = now_s(), deadline = start + timeout_s;
	size_t mlen = marker ? strlen(marker) : 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		setpgid(0, 0);
		dup2(devnull, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(out[1]);
	close(err[1]);
	sink_add(&so, "", 0);
	sink_add(&se, "", 0);

	struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
	int open_fds = 2;
	while (open_fds) {
		double left = deadline - now_s();
		if (left <= 0) {
			r->timed_out = true;
			break;
		}
		int n = poll(fds, 2, (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char tmp[65536];
			ssize_t got = read(fds[i].fd, tmp, sizeof(tmp));
			if (got <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			} else {
				size_t from = so.len > mlen ? so.len - mlen : 0;

				sink_add(i ? &se : &so, tmp, got);
				if (!i && marker && strstr(so.buf + from, marker))
					found = 1;
			}
		}
		if (found)
			break;
	}
	/* Whatever happened, nothing the child started outlives the test. */
	kill(-pid, SIGKILL);
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->status = 128 + WTERMSIG(st);
	if (r->timed_out)
		r->status = -1;
	r->out = so.buf;
	r->err = se.buf;
	r->elapsed = now_s() - start;
	return found;
}

int harness_run(char *const argv[], double timeout_s, struct run_result *r)
{
	return run_child(argv, timeout_s, NULL, r) < 0 ? -1 : 0;
}

int harness_run_until(char *const argv[], double timeout_s, const char *marker,
		      struct run_result *r)
{
	return run_child(argv, timeout_s, marker, r);
}

int harness_spawn(char *const argv[], const char *out_path, const char *err_path)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "harness: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

int harness_wait(int pid, double timeout_s)
{
	double deadline = now_s() + timeout_s;
	int st = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			break;
		if (now_s() >= deadline) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return -1;
		}
		usleep(10000);
	}
	kill(-pid, SIGKILL);		/* anything it started goes too */
	if (r != pid)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

void harness_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

const char *harness_build_dir(void) { return env_or("BRINGUP_BUILD", "build"); }
const char *harness_assets_dir(void) { return env_or("BRINGUP_ASSETS", "build/assets"); }
const char *harness_src_dir(void) { return env_or("BRINGUP_SRC", "."); }

static const char *join(const char *dir, const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

const char *harness_build_path(const char *name) { return join(harness_build_dir(), name); }
const char *harness_asset_path(const char *name) { return join(harness_assets_dir(), name); }

uint8_t *harness_assemble(const char *src, uint64_t origin, bool bits64, size_t *len)
{
	char *s = harness_write_temp(src, strlen(src), ".s");
	char obj[512], bin[512], ttext[64];
	struct run_result r;
	uint8_t *out = NULL;

	if (!s)
		return NULL;
	snprintf(obj, sizeof(obj), "%s.o", s);
	snprintf(bin, sizeof(bin), "%s.bin", s);
	snprintf(ttext, sizeof(ttext), "-Ttext=%#llx", (unsigned long long)origin);
	{
		char *argv[] = { "as", bits64 ? "--64" : "--32", "-o", obj, s, NULL };

		if (harness_run(argv, 30, &r) != 0 || r.status != 0) {
			fprintf(stderr, "as failed: %s\n", r.err ? r.err : "");
			harness_free(&r);
			goto out;
		}
		harness_free(&r);
	}
	{
		char *argv[] = { "ld", "-m", bits64 ? "elf_x86_64" : "elf_i386", ttext,
				 "--oformat", "binary", "-e", "0", "-o", bin, obj, NULL };

		if (harness_run(argv, 30, &r) != 0 || r.status != 0) {
			fprintf(stderr, "ld failed: %s\n", r.err ? r.err : "");
			harness_free(&r);
			goto out;
		}
		harness_free(&r);
	}
	out = harness_read_file(bin, len);
out:
	unlink(obj);
	unlink(bin);
	unlink(s);
	free(s);
	return out;
}

void *harness_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct sink s = {0};
	char tmp[65536];
	size_t n;

	if (!f)
		return NULL;
	sink_add(&s, "", 0);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		sink_add(&s, tmp, n);
	fclose(f);
	*len = s.len;
	return s.buf;
}

char *harness_write_temp(const void *buf, size_t len, const char *suffix)
{
	char *path;
	if (asprintf(&path, "/tmp/bringup-test-XXXXXX%s", suffix ? suffix : "") < 0)
		abort();
	int fd = mkstemps(path, suffix ? (int)strlen(suffix) : 0);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

const char *harness_kvm_unusable(void)
{
	static char why[128];
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;

	if (fd < 0) {
		snprintf(why, sizeof(why), "/dev/kvm: %s", strerror(errno));
		return why;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(fd);
		return "/dev/kvm: unexpected API version";
	}
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		snprintf(why, sizeof(why), "/dev/kvm: KVM_CREATE_VM: %s", strerror(errno));
		close(fd);
		return why;
	}
	close(vm);
	close(fd);
	return NULL;
}

void harness_skip(const char *test, const char *why)
{
	printf("SKIP: %s: %s\n", test, why);
	fflush(stdout);
}

int harness_count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}
