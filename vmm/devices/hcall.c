// SPDX-License-Identifier: MIT
/*
 * tsvmm hypercall port (TSVMM_PORT_HCALL): the guest's rare, VM-exiting events. A 32-bit
 * write carries TSVMM_HC_* in bits 0-7 and an argument in bits 8-31. DONE, PANIC and ABORT
 * are recorded in the VMM's struct guest_exit and stop the vCPU. Everything frequent
 * (samples, timestamps) goes through the report ring instead (include/uapi/tsvmm-report.h).
 */
#include <errno.h>
#include <string.h>

#include "device.h"
#include "uapi/tsvmm-boot.h"

static int hcall_create(const struct dev_env *env, void **priv)
{
	*priv = env->exit;
	return 0;
}

static int hcall_pio(void *priv, uint16_t port, bool out, uint8_t *data, unsigned size)
{
	struct guest_exit *ex = priv;
	(void)port;
	if (!out) {
		memset(data, 0, size);
		return 0;
	}
	uint32_t v = 0;
	memcpy(&v, data, size < 4 ? size : 4);
	switch (v & 0xff) {
	case TSVMM_HC_DONE:
	case TSVMM_HC_PANIC:
	case TSVMM_HC_ABORT:
		if (!ex)
			return -EINVAL;
		ex->kind = (int)(v & 0xff);
		ex->arg = v >> 8;
		return 1; /* stop the vCPU */
	default:
		return 0; /* unknown hypercalls are ignored */
	}
}

static const struct device_ops hcall_ops = {
        .name = "hcall",
        .port = TSVMM_PORT_HCALL,
        .nports = 4,
        .create = hcall_create,
        .pio = hcall_pio,
};
DEVICE_REGISTER(hcall_ops);
