// SPDX-License-Identifier: MIT
/* The `tsync status` reply: see include/tsync/status.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsync/kv.h"
#include "tsync/status.h"

const char *tsync_sync_state_name(enum tsync_sync_state s)
{
	switch (s) {
	case TSYNC_SYNCHRONIZED:
		return "synchronized";
	case TSYNC_FREERUNNING:
		return "freerunning";
	case TSYNC_UNRELIABLE:
		return "unreliable";
	}
	return NULL;
}

int tsync_sync_state_parse(const char *word, enum tsync_sync_state *s)
{
	for (int i = TSYNC_SYNCHRONIZED; i <= TSYNC_UNRELIABLE; i++)
		if (word && !strcmp(word, tsync_sync_state_name((enum tsync_sync_state)i))) {
			*s = (enum tsync_sync_state)i;
			return 0;
		}
	return -EINVAL;
}

int tsync_status_encode(const struct tsync_status *st, char *out, size_t len)
{
	struct kv_out o;
	char servo[16];
	kv_out_init(&o, out, len, "ok");
	if (st->have & TSYNC_ST_PORT_STATE)
		kv_put_str(&o, "port_state", st->port_state);
	if (st->have & TSYNC_ST_SERVO) {
		snprintf(servo, sizeof(servo), "s%d", st->servo);
		kv_put_str(&o, "servo", servo);
	}
	const char *word = tsync_sync_state_name(st->status);
	kv_put_str(&o, "status", word ? word : "");
	if (st->have & TSYNC_ST_OFFSET)
		kv_put_ll(&o, "offset_ns", st->offset_ns);
	kv_put_f(&o, "est_ns", st->est_ns, 0);
	if (st->have & TSYNC_ST_FREQ)
		kv_put_f(&o, "freq_ppb", st->freq_ppb, 1);
	if (st->have & TSYNC_ST_DELAY)
		kv_put_ll(&o, "delay_ns", st->delay_ns);
	if (st->have & TSYNC_ST_LOG_SYNC)
		kv_put_ll(&o, "log_sync", st->log_sync);
	if (st->have & TSYNC_ST_SAMPLES)
		kv_put_ull(&o, "samples", st->samples);
	if (st->have & TSYNC_ST_AGE)
		kv_put_f(&o, "age_ms", st->age_ms, 0);
	if (st->have & TSYNC_ST_BURST)
		kv_put_f(&o, "burst_s", st->burst_s, 1);
	if (st->have & TSYNC_ST_OFFSET_AVG)
		kv_put_f(&o, "offset_avg_ns", st->offset_avg_ns, 0);
	if (st->have & TSYNC_ST_DELAY_AVG)
		kv_put_f(&o, "delay_avg_ns", st->delay_avg_ns, 0);
	if (st->have & TSYNC_ST_OFFSET_MED)
		kv_put_f(&o, "offset_med_ns", st->offset_med_ns, 0);
	if (st->have & TSYNC_ST_OFFSET_PEAK)
		kv_put_f(&o, "offset_peak_ns", st->offset_peak_ns, 0);
	return kv_out_end(&o);
}

/* An optional number: absent is fine, malformed is not. */
static int opt_ll(const struct kv_in *in, const char *key, long long lo, long long hi, long long *v,
                  unsigned bit, unsigned *have)
{
	int e = kv_get_ll(in, key, lo, hi, v);
	if (e == -ENOENT)
		return 0;
	*have |= e ? 0 : bit;
	return e;
}

static int opt_f(const struct kv_in *in, const char *key, double *v, unsigned bit, unsigned *have)
{
	int e = kv_get_f(in, key, v);
	if (e == -ENOENT)
		return 0;
	*have |= e ? 0 : bit;
	return e;
}

int tsync_status_decode(const char *reply, struct tsync_status *st)
{
	struct kv_in in;
	long long x;
	memset(st, 0, sizeof(*st));
	if (kv_parse(reply, &in) || strcmp(in.head, "ok") ||
	    tsync_sync_state_parse(kv_get(&in, "status"), &st->status) ||
	    kv_get_f(&in, "est_ns", &st->est_ns))
		return -EPROTO;
	const char *ps = kv_get(&in, "port_state");
	if (ps) {
		if (strlen(ps) >= sizeof(st->port_state))
			return -EPROTO;
		snprintf(st->port_state, sizeof(st->port_state), "%s", ps);
		st->have |= TSYNC_ST_PORT_STATE;
	}
	const char *sv = kv_get(&in, "servo");
	if (sv) {
		char *end;
		long s = sv[0] == 's' && sv[1] >= '0' && sv[1] <= '9' ? strtol(sv + 1, &end, 10)
		                                                      : -1;
		if (s < 0 || s > 99 || *end)
			return -EPROTO;
		st->servo = (int)s;
		st->have |= TSYNC_ST_SERVO;
	}
	int e = 0;
	if (!(e = opt_ll(&in, "offset_ns", INT64_MIN, INT64_MAX, &x, TSYNC_ST_OFFSET, &st->have)))
		st->offset_ns = x;
	if (!e &&
	    !(e = opt_ll(&in, "delay_ns", INT64_MIN, INT64_MAX, &x, TSYNC_ST_DELAY, &st->have)))
		st->delay_ns = x;
	if (!e && !(e = opt_ll(&in, "log_sync", -128, 127, &x, TSYNC_ST_LOG_SYNC, &st->have)))
		st->log_sync = (int)x;
	if (!e && !(e = opt_ll(&in, "samples", 0, INT64_MAX, &x, TSYNC_ST_SAMPLES, &st->have)))
		st->samples = (uint64_t)x;
	if (!e)
		e = opt_f(&in, "freq_ppb", &st->freq_ppb, TSYNC_ST_FREQ, &st->have);
	if (!e)
		e = opt_f(&in, "age_ms", &st->age_ms, TSYNC_ST_AGE, &st->have);
	if (!e)
		e = opt_f(&in, "burst_s", &st->burst_s, TSYNC_ST_BURST, &st->have);
	if (!e)
		e = opt_f(&in, "offset_avg_ns", &st->offset_avg_ns, TSYNC_ST_OFFSET_AVG, &st->have);
	if (!e)
		e = opt_f(&in, "delay_avg_ns", &st->delay_avg_ns, TSYNC_ST_DELAY_AVG, &st->have);
	if (!e)
		e = opt_f(&in, "offset_med_ns", &st->offset_med_ns, TSYNC_ST_OFFSET_MED, &st->have);
	if (!e)
		e = opt_f(&in, "offset_peak_ns", &st->offset_peak_ns, TSYNC_ST_OFFSET_PEAK,
		          &st->have);
	return e ? -EPROTO : 0;
}
