/* SPDX-License-Identifier: MIT */
/*
 * Clock driver interface. A tclock is an opaque handle; tclock_create() picks the driver.
 *
 *   TCLOCK_SYS     CLOCK_REALTIME via clock_adjtime(): real deployments only, never in tests.
 *   TCLOCK_PHC     /dev/ptpN via FD_TO_CLOCKID (hardware clocks).
 *   TCLOCK_VCLOCK  a named virtual clock in shared memory (see vclock.h): the test benches.
 *   TCLOCK_SIM     a vclock model evaluated on a simulated time base (see sim.h).
 *
 * Sign conventions: adjfreq(+ppb) makes the clock run faster; step(+ns) moves it forward.
 * All functions return 0 or -errno unless said otherwise.
 */
#ifndef TSYNC_CLOCK_H
#define TSYNC_CLOCK_H

#include <stddef.h>

#include "tsync/time.h"

enum tclock_type {
	TCLOCK_SYS,
	TCLOCK_PHC,
	TCLOCK_VCLOCK,
	TCLOCK_SIM,
};

struct tclock;
struct sim_time;

/* name: SYS: ignored (NULL); PHC: device path ("/dev/ptp0") or interface-less index;
 * VCLOCK: the vclock name (opened, must exist). Returns NULL with errno set on failure. */
struct tclock *tclock_create(enum tclock_type type, const char *name);
/* SIM clocks take their time base and model parameters from sim.h: tclock_sim_create(). */
void tclock_destroy(struct tclock *c);

const char *tclock_name(const struct tclock *c);
enum tclock_type tclock_type(const struct tclock *c);
int tclock_parse_type(const char *s, enum tclock_type *out); /* "sys" "phc" "vclock" "sim" */

int tclock_gettime(struct tclock *c, tmv_t *ns);
/* Set the frequency adjustment (absolute, not incremental), ppb; + = faster. */
int tclock_adjfreq(struct tclock *c, double ppb);
/* Read back the frequency adjustment set by adjfreq, ppb. */
int tclock_getfreq(struct tclock *c, double *ppb);
/* Step the clock by delta_ns (+ = forward). */
int tclock_step(struct tclock *c, tmv_t delta_ns);
/* Maximum |adjfreq| the driver accepts, ppb (default: 500000). */
double tclock_max_adj(struct tclock *c);
/* Resolution, ns (default: clock_getres of the underlying clock, or 1). */
int tclock_getres(struct tclock *c, tmv_t *ns);
/* Read this clock and CLOCK_REALTIME close together: *clk and *sys are taken at one instant
 * (sys is the midpoint of two reads around the clock read); *window_ns the uncertainty.
 * Default: sys, clk, sys. */
int tclock_read_pair(struct tclock *c, tmv_t *clk, tmv_t *sys, tmv_t *window_ns);
/* Map a system-clock timestamp (CLOCK_REALTIME, e.g. a software packet stamp; a SIM clock's
 * true time) onto this clock's time scale. 0 stays 0 (no stamp). SYS: identity; VCLOCK: its
 * model at that instant; SIM: its model; others: through one read_pair. */
int tclock_from_sys(struct tclock *c, tmv_t sys, tmv_t *clk);

/* ---- clock specs: "sys", "phc", "phc:/dev/ptp0", "vclock:NAME", "sim" ---- */
struct tclock_spec {
	enum tclock_type type;
	char name[64]; /* PHC device path ("" = the daemon picks it), vclock name, "" otherwise */
};
/* Parse a spec strictly. 0, or -EINVAL with one line naming what is wrong in err. */
int tclock_spec_parse(const char *s, struct tclock_spec *out, char *err, size_t errlen);
/* "sys", "phc:/dev/ptp0", "vclock:NAME" (buf >= 80). */
const char *tclock_spec_str(const struct tclock_spec *spec, char *buf, size_t len);
/* Open the clock a spec names (SYS, PHC with a path, VCLOCK; SIM needs tclock_sim_create).
 * NULL with errno and a message naming the spec and the reason in err. */
struct tclock *tclock_spec_open(const struct tclock_spec *spec, char *err, size_t errlen);

#endif
