/* SPDX-License-Identifier: MIT */
/* tsvmm migration internals shared by migration.c (object, commands) and precopy.c. */
#ifndef TSVMM_MIGRATE_PRIVATE_H
#define TSVMM_MIGRATE_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "migrate/mig_metrics.h"
#include "migrate/migrate.h"
#include "migrate/tls.h"

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
	/* credentials of the running migration (tls.h): paths copied at migrate */
	char psk[256], cert[256], key[256], ca[256], hostname[256];
	bool plaintext;
	uint64_t start_ns; /* CLOCK_MONOTONIC of the migrate command */
};

/* The credential options of g (pointers into g: stable while the migration runs). */
void migration_tls_opts(const struct migration *g, struct mig_tls_opts *o);

/* The migration thread (precopy.c): arg is the struct migration. */
void *precopy_thread(void *arg);

#endif
