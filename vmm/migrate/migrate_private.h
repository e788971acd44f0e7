/* SPDX-License-Identifier: MIT */
/* tsvmm migration internals shared by migration.c (object, commands) and precopy.c. */
#ifndef TSVMM_MIGRATE_PRIVATE_H
#define TSVMM_MIGRATE_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "migrate/metrics.h"
#include "migrate/migrate.h"

struct migration {
	struct vmm *vmm;
	bool *quit;
	int cancel_fd; /* eventfd: readable = cancel the running migration */
	pthread_mutex_t lock;
	/* under lock */
	struct mig_params params;
	struct mig_metrics met;
	bool running; /* a thread runs (or has not been joined yet) */
	pthread_t thread;
	char uri[256];
	uint64_t start_ns; /* CLOCK_MONOTONIC of the migrate command */
};

/* The migration thread (precopy.c): arg is the struct migration. */
void *precopy_thread(void *arg);

#endif
