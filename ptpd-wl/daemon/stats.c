// SPDX-License-Identifier: MIT
/* ptp4l-compatible statistics and log line formats (pure functions, unit-tested). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"

void ptpd_stat_add(struct ptpd_stat *s, double v)
{
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max)
		s->max = v;
	s->n++;
	s->sum += v;
	s->sum2 += v * v;
}

double ptpd_stat_mean(const struct ptpd_stat *s)
{
	return s->n ? s->sum / s->n : 0.0;
}

double ptpd_stat_rms(const struct ptpd_stat *s)
{
	return s->n ? sqrt(s->sum2 / s->n) : 0.0;
}

double ptpd_stat_stddev(const struct ptpd_stat *s)
{
	if (s->n < 2)
		return 0.0;
	double m = ptpd_stat_mean(s);
	double v = (s->sum2 - s->n * m * m) / (s->n - 1);
	return v > 0 ? sqrt(v) : 0.0;
}

double ptpd_stat_absmax(const struct ptpd_stat *s)
{
	if (!s->n)
		return 0.0;
	return fabs(s->max) > fabs(s->min) ? fabs(s->max) : fabs(s->min);
}

void ptpd_summary_reset(struct ptpd_summary *s)
{
	memset(s, 0, sizeof(*s));
}

int ptpd_summary_fmt(const struct ptpd_summary *s, char *buf, size_t len)
{
	if (s->delay.n)
		return snprintf(buf, len,
		                "rms %4.0f max %4.0f freq %+6.0f +/- %3.0f delay %5.0f +/- %3.0f",
		                ptpd_stat_rms(&s->offset), ptpd_stat_absmax(&s->offset),
		                ptpd_stat_mean(&s->freq), ptpd_stat_stddev(&s->freq),
		                ptpd_stat_mean(&s->delay), ptpd_stat_stddev(&s->delay));
	return snprintf(buf, len, "rms %4.0f max %4.0f freq %+6.0f +/- %3.0f",
	                ptpd_stat_rms(&s->offset), ptpd_stat_absmax(&s->offset),
	                ptpd_stat_mean(&s->freq), ptpd_stat_stddev(&s->freq));
}

int ptpd_sample_fmt(char *buf, size_t len, int64_t offset, int state, double freq, int64_t delay)
{
	return snprintf(buf, len,
	                "master offset %10" PRId64 " s%d freq %+7.0f path delay %9" PRId64, offset,
	                state, freq, delay);
}

char *ptpd_cid_str(const struct ptp_clock_id *id, char *buf, size_t len)
{
	const uint8_t *b = id->id;
	snprintf(buf, len, "%02x%02x%02x.%02x%02x.%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
	         b[6], b[7]);
	return buf;
}

int ptpd_cid_parse(const char *s, struct ptp_clock_id *id)
{
	unsigned k = 0;

	for (size_t i = 0; s[i]; i++) {
		bool dot = i == 6 || i == 11;
		if (dot != (s[i] == '.') || (!dot && !isxdigit((unsigned char)s[i])) || i >= 18)
			return -EINVAL;
		if (dot)
			continue;
		int v = isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower(s[i]) - 'a' + 10);
		id->id[k / 2] = (uint8_t)(k % 2 ? (id->id[k / 2] << 4) | v : v);
		k++;
	}
	return k == 16 ? 0 : -EINVAL;
}

char *ptpd_pid_str(const struct ptp_port_id *id, char *buf, size_t len)
{
	char c[24];
	snprintf(buf, len, "%s-%u", ptpd_cid_str(&id->clock, c, sizeof(c)), id->port);
	return buf;
}

unsigned ptpd_summary_count(int summary_interval, int log_sync_interval)
{
	int d = summary_interval - log_sync_interval;
	if (d <= 0)
		return 1;
	if (d > 20)
		d = 20;
	return 1u << d;
}
