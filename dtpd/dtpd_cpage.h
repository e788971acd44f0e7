/* SPDX-License-Identifier: MIT */
/* dtpd's counter page (layout and seqlock: include/uapi/dtpd.h): writer and reader. */
#ifndef DTPD_CPAGE_H
#define DTPD_CPAGE_H

#include <stdint.h>

#include "uapi/dtpd.h"

/* Create (or truncate) PATH as one page, mode 0644, mapped read-write: 0 with *out, or
 * -errno. */
int dtpd_cpage_create(const char *path, struct dtpd_counter_page **out);
/* Map an existing page read-only: 0, or -errno (-EPROTO: not a dtpd counter page of this
 * version, size or magic). */
int dtpd_cpage_open(const char *path, const struct dtpd_counter_page **out);
void dtpd_cpage_unmap(const struct dtpd_counter_page *p);

/* The writer's update of everything after seq from *v under the seqlock (updates counts). */
void dtpd_cpage_write(struct dtpd_counter_page *p, const struct dtpd_counter_page *v);
/* A consistent copy: 0, -EAGAIN when the writer was busy for every one of tries reads, or
 * -EPROTO for a wrong magic, version or size. */
int dtpd_cpage_read(const struct dtpd_counter_page *p, struct dtpd_counter_page *snap,
                    unsigned tries);
/* The counter at TSC value tsc (snap from dtpd_cpage_read, F_TSC set), modulo 2^53. */
uint64_t dtpd_cpage_counter_at(const struct dtpd_counter_page *snap, uint64_t tsc);
/* Its time (epoch + counter x 6.4 ns), the image nearest to near_ns. */
int64_t dtpd_cpage_time_at(const struct dtpd_counter_page *snap, uint64_t tsc, int64_t near_ns);

#endif
