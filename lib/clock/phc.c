// SPDX-License-Identifier: MIT
/*
 * phc driver: a PTP hardware clock (/dev/ptpN) through FD_TO_CLOCKID and clock_adjtime().
 * The capabilities (max_adj) come from PTP_CLOCK_GETCAPS. This machine has no PHC: the driver
 * is compiled and tested up to the ioctl boundary (open errors, non-PHC devices).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/ptp_clock.h>

#include "clock_private.h"
#include "clockadj.h"

struct phc_clock {
	struct tclock base;
	int fd;
	clockid_t id;
};

#define PHC(c) container_of(c, struct phc_clock, base)

static int phc_gettime(struct tclock *c, tmv_t *ns)
{
	return tmv_clock_read(PHC(c)->id, ns);
}

static int phc_adjfreq(struct tclock *c, double ppb)
{
	return clockadj_set_freq(PHC(c)->id, ppb);
}

static int phc_getfreq(struct tclock *c, double *ppb)
{
	return clockadj_get_freq(PHC(c)->id, ppb);
}

static int phc_step(struct tclock *c, tmv_t delta)
{
	return clockadj_step(PHC(c)->id, delta);
}

static int phc_read_pair(struct tclock *c, tmv_t *clk, tmv_t *sys, tmv_t *win)
{
	struct ptp_sys_offset_precise p;
	memset(&p, 0, sizeof(p));
	if (ioctl(PHC(c)->fd, PTP_SYS_OFFSET_PRECISE, &p) == 0) {
		*clk = (tmv_t)p.device.sec * NS_PER_SEC + p.device.nsec;
		*sys = (tmv_t)p.sys_realtime.sec * NS_PER_SEC + p.sys_realtime.nsec;
		if (win)
			*win = 0;
		return 0;
	}
	/* fall back to sys, phc, sys */
	tmv_t a, b;
	int err;
	if ((err = tmv_clock_read(CLOCK_REALTIME, &a)) || (err = phc_gettime(c, clk)) ||
	    (err = tmv_clock_read(CLOCK_REALTIME, &b)))
		return err;
	*sys = a + (b - a) / 2;
	if (win)
		*win = b - a;
	return 0;
}

static void phc_destroy(struct tclock *c)
{
	close(PHC(c)->fd);
	free(PHC(c));
}

static const struct tclock_ops phc_ops = {
        .gettime = phc_gettime,
        .adjfreq = phc_adjfreq,
        .getfreq = phc_getfreq,
        .step = phc_step,
        .read_pair = phc_read_pair,
        .destroy = phc_destroy,
};

struct tclock *tclock_phc_create(const char *dev)
{
	struct ptp_clock_caps caps;
	struct phc_clock *p;
	struct stat st;
	int fd, err;

	if (!dev || !*dev) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode)) {
		close(fd);
		errno = ENODEV; /* not a character device: not a PHC */
		return NULL;
	}
	memset(&caps, 0, sizeof(caps));
	if (ioctl(fd, PTP_CLOCK_GETCAPS, &caps)) {
		err = errno == ENOTTY || errno == EINVAL ? ENODEV : errno;
		close(fd);
		errno = err;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		close(fd);
		return NULL;
	}
	p->fd = fd;
	p->id = clockadj_fd_to_clockid(fd);
	tclock_base_init(&p->base, &phc_ops, TCLOCK_PHC, dev,
	                 caps.max_adj > 0 ? (double)caps.max_adj : 500000.0);
	return &p->base;
}
