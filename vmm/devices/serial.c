// SPDX-License-Identifier: MIT
/*
 * tsvmm serial console: a write-only 8250 at TSVMM_PORT_SERIAL. Bytes written to THR go to
 * the console sink, a line at a time (a partial line is flushed when the device goes away);
 * LSR always reads "transmitter empty"; the other registers just keep what was written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "uapi/tsvmm-boot.h"

#define LINE_MAX_BYTES 256
#define REG_THR        0
#define REG_LSR        5
#define LSR_THRE_TEMT  0x60
#define NREGS          8

struct serial {
	FILE *out;
	uint8_t regs[NREGS];
	size_t len;
	char line[LINE_MAX_BYTES];
};

static void flush_line(struct serial *s)
{
	if (s->out && s->len) {
		fwrite(s->line, 1, s->len, s->out);
		fflush(s->out);
	}
	s->len = 0;
}

static int serial_create(const struct dev_env *env, void **priv)
{
	struct serial *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->out = env->serial_out;
	*priv = s;
	return 0;
}

static void serial_destroy(void *priv)
{
	struct serial *s = priv;
	if (s && s->len) {
		if (s->len < LINE_MAX_BYTES)
			s->line[s->len++] = '\n';
		flush_line(s);
	}
	free(s);
}

static int serial_pio(void *priv, uint16_t port, bool out, uint8_t *data, unsigned size)
{
	struct serial *s = priv;
	unsigned reg = (unsigned)(port - TSVMM_PORT_SERIAL) % NREGS;
	(void)size;
	if (!out) {
		data[0] = reg == REG_LSR ? LSR_THRE_TEMT : s->regs[reg];
		return 0;
	}
	if (reg != REG_THR || (s->regs[3] & 0x80) /* DLAB: divisor latch */) {
		s->regs[reg] = data[0];
		return 0;
	}
	s->line[s->len++] = (char)data[0];
	if (data[0] == '\n' || s->len == LINE_MAX_BYTES)
		flush_line(s);
	return 0;
}

static int serial_save(void *priv, struct dev_buf *b)
{
	struct serial *s = priv;
	return dev_buf_put(b, s->regs, sizeof(s->regs));
}

static int serial_load(void *priv, const void *data, size_t len)
{
	struct serial *s = priv;
	if (len != sizeof(s->regs))
		return -EINVAL;
	memcpy(s->regs, data, len);
	return 0;
}

static const struct device_ops serial_ops = {
        .name = "serial",
        .port = TSVMM_PORT_SERIAL,
        .nports = NREGS,
        .create = serial_create,
        .destroy = serial_destroy,
        .pio = serial_pio,
        .save = serial_save,
        .load = serial_load,
};
DEVICE_REGISTER(serial_ops);
