/*
 * vCPU threads (see cpus.h).
 */
#include "vmm/cpus.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct thread_arg {
	struct cpus *c;
	unsigned i;
};

static bool must_park(struct cpus *c, unsigned i)
{
	return c->pause_req || c->stopped[i] ||
	       (c->halted[i] && !atomic_load(&c->v[i].kick));
}

static void *vcpu_thread(void *opaque)
{
	struct thread_arg *arg = opaque;
	struct cpus *c = arg->c;
	unsigned i = arg->i;
	struct vcpu *v = &c->v[i];
	const struct accel_ops *ops = c->accel->ops;
	sigset_t set;

	free(arg);
	/* the main loop takes SIGINT/SIGTERM; this thread only the kick signal */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	pthread_mutex_lock(&c->lock);
	while (!c->quit) {
		if (must_park(c, i)) {
			c->parked++;
			pthread_cond_broadcast(&c->done);
			while (!c->quit && must_park(c, i))
				pthread_cond_wait(&c->cond, &c->lock);
			c->parked--;
			continue;
		}
		c->halted[i] = false;
		atomic_store(&v->kick, false);
		pthread_mutex_unlock(&c->lock);

		enum accel_run r = ops->vcpu_run(v);

		/*
		 * A step or breakpoint: tell the debugger before this thread
		 * parks, so that a cpus_pause() which returns has seen it.
		 */
		if (r == ACCEL_RUN_DEBUG) {
			const struct accel_host *h = c->accel->cfg.host;

			if (h && h->event)
				h->event(h->opaque, v, ACCEL_EV_DEBUG);
		}
		pthread_mutex_lock(&c->lock);
		if (r == ACCEL_RUN_HALT)
			c->halted[i] = true;
		else if (r == ACCEL_RUN_STOP || r == ACCEL_RUN_DEBUG)
			c->stopped[i] = true;
	}
	c->parked++;
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int cpus_init(struct cpus *c, struct accel *a, unsigned n, const unsigned *apic_ids,
	      char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->accel = a;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	pthread_cond_init(&c->done, NULL);
	c->v = calloc(n, sizeof(*c->v));
	c->halted = calloc(n, sizeof(bool));
	c->stopped = calloc(n, sizeof(bool));
	if (!c->v || !c->halted || !c->stopped) {
		snprintf(err, errlen, "out of memory for %u vCPUs", n);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		int ret;

		c->v[i].index = i;
		c->v[i].apic_id = apic_ids ? apic_ids[i] : i;
		c->v[i].accel = a;
		ret = a->ops->vcpu_init(a, &c->v[i], err, errlen);
		if (ret)
			return ret;
		c->n = i + 1;
	}
	return 0;
}

int cpus_start(struct cpus *c, char *err, size_t errlen)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct thread_arg *arg = malloc(sizeof(*arg));
		int ret;

		if (!arg)
			return -ENOMEM;
		arg->c = c;
		arg->i = i;
		ret = pthread_create(&c->v[i].thread, NULL, vcpu_thread, arg);
		if (ret) {
			free(arg);
			snprintf(err, errlen, "creating vCPU %u's thread: %s", i, strerror(ret));
			return -ret;
		}
		c->v[i].thread_started = true;
	}
	return 0;
}

void cpus_kick(struct cpus *c, struct vcpu *v)
{
	atomic_store(&v->kick, true);
	pthread_mutex_lock(&c->lock);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	c->accel->ops->vcpu_kick(v);
}

void cpus_kick_all(struct cpus *c)
{
	for (unsigned i = 0; i < c->n; i++)
		cpus_kick(c, &c->v[i]);
}

static unsigned threads_running(struct cpus *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->n; i++)
		n += c->v[i].thread_started;
	return n;
}

void cpus_pause(struct cpus *c)
{
	unsigned want = threads_running(c);

	pthread_mutex_lock(&c->lock);
	c->pause_req++;
	pthread_mutex_unlock(&c->lock);
	/* v->kick too: an accelerator may look at it to tell a kick from its own exits */
	for (unsigned i = 0; i < c->n; i++) {
		if (c->v[i].thread_started) {
			atomic_store(&c->v[i].kick, true);
			c->accel->ops->vcpu_kick(&c->v[i]);
		}
	}
	pthread_mutex_lock(&c->lock);
	while (c->parked < want)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

void cpus_resume(struct cpus *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->pause_req)
		c->pause_req--;
	if (!c->pause_req)
		for (unsigned i = 0; i < c->n; i++)
			c->stopped[i] = c->halted[i] = false;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void cpus_destroy(struct cpus *c)
{
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	for (unsigned i = 0; i < c->n; i++) {
		if (c->v[i].thread_started) {
			atomic_store(&c->v[i].kick, true);
			c->accel->ops->vcpu_kick(&c->v[i]);
		}
	}
	for (unsigned i = 0; i < c->n; i++) {
		if (c->v[i].thread_started)
			pthread_join(c->v[i].thread, NULL);
		c->v[i].thread_started = false;
	}
	for (unsigned i = 0; i < c->n; i++)
		c->accel->ops->vcpu_destroy(&c->v[i]);
	free(c->v);
	free(c->halted);
	free(c->stopped);
	pthread_cond_destroy(&c->cond);
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof(*c));
}
