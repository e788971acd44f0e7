// SPDX-License-Identifier: MIT
/* tsvmm command line parsing ("tsvmm run ..."). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm_cli.h"
#include "migrate/tls.h"

const char vmm_cli_usage[] =
        "usage: tsvmm run [options]\n"
        "  --mem SIZE           guest RAM, 64M .. 32G, multiple of 2M (default 256M)\n"
        "  --guest FILE         guest payload (default: <bindir>/../guest/tsvmm-guest.bin)\n"
        "  --disk FILE          block device image\n"
        "  --incoming ADDR:PORT wait for a live migration there instead of booting\n"
        "  --tls-psk FILE       migration over TLS 1.3 with the pre-shared key in FILE\n"
        "                       (one line IDENTITY:HEXKEY, mode 600), both directions\n"
        "  --tls-cert FILE      migration over TLS 1.3 with X.509: own certificate (PEM),\n"
        "  --tls-key FILE       its key and the CA that signed the peer's certificate;\n"
        "  --tls-ca FILE        the peer must present one (both directions)\n"
        "  --migrate-plaintext  migrate without TLS (trusted local links only: anyone who\n"
        "                       reaches --incoming's port can load guest memory)\n"
        "  --control SOCK       control socket (JSON lines: query-status, stop, cont, quit...)\n"
        "  --profile SPEC       memory fill, e.g. zero=0.3,dup=0.2,disk=0.1,random=0.4\n"
        "  --io SPEC            guest disk I/O, e.g. write=4M,read=8M,write-hot=0.1,\n"
        "                       write-share=0.9,read-hot=0.2,read-share=0.8 (bytes/s, 4 KiB\n"
        "                       blocks; needs --disk; " VMM_IO_MODERATE " is 'moderate';\n"
        "                       cache=MS: each write is a RAM page flushed MS ms later)\n"
        "  --dirty-rate N       working-set pages the guest dirties per second (default 0)\n"
        "  --wss N              working-set pages (default 256)\n"
        "  --duration S         guest time loop in seconds, 0 = until quit (default 0)\n"
        "  --serial FILE        console output (default stdout)\n"
        "  --report FILE        statlog of the guest's report ring\n"
        "  --vmclock FILE       back the read-only vmclock page with FILE's first 4 KiB\n"
        "  --vmclockd SOCK      this host's vmclockd: an incoming migration asks it for\n"
        "                       migrate-in (policy, source's stop record) before the guest runs\n"
        "  --vmclock-vm NAME    the VM's name at that vmclockd (page: its reply)\n"
        "  --vmclock-policy P   step|slew|freeze for migrate-in (default: vmclockd's)\n"
        "  --vmclock-log FILE   statlog of the guest's vmclock readings vs CLOCK_REALTIME\n"
        "  --tsc-transform OFF,PPM  emulate this host's TSC: raw x (1 + PPM e-6) + OFF ticks\n"
        "                       (give this host's vmclockd the same); the guest's TSC is\n"
        "                       kept continuous across hosts (vmm/vcpu_tsc.h)\n"
        "  --tsc-no-continuity  (a test's negative control) an incoming guest reads this\n"
        "                       host's TSC as it is, with no offset\n"
        "  --tsc-via auto|kvm|block  continue the guest's TSC through KVM_VCPU_TSC_OFFSET\n"
        "                       (auto: where the probe sees KVM apply it; kvm: forced) or\n"
        "                       tsvmm's TSC block only\n"
        "  --sample-ms N        guest sample period (default 100)\n"
        "  --gap-ns N           report TSC gaps above N ns (default 1000000)\n"
        "  --seed N             seed of the random and pattern pages (default 1)\n"
        "  --memstats           print zero/dup/disk/unique page counts of the fill region at exit\n"
        "  -h, --help           this text\n";

enum opt_type { OPT_SIZE, OPT_STR, OPT_U64, OPT_SECONDS, OPT_PROFILE, OPT_IO, OPT_FLAG };

struct opt {
	const char *name;
	enum opt_type type;
	size_t off; /* into struct vmm_config */
};

#define O(n, t, f)                                                                                 \
	{                                                                                          \
		n, t, offsetof(struct vmm_config, f)                                               \
	}
static const struct opt opts[] = {
        O("mem", OPT_SIZE, mem_size),
        O("guest", OPT_STR, guest_path),
        O("disk", OPT_STR, disk_path),
        O("incoming", OPT_STR, incoming),
        O("control", OPT_STR, control_path),
        O("serial", OPT_STR, serial_path),
        O("report", OPT_STR, report_path),
        O("vmclock", OPT_STR, vmclock_path),
        O("vmclockd", OPT_STR, vmclockd_sock),
        O("vmclock-vm", OPT_STR, vmclock_vm),
        O("vmclock-policy", OPT_STR, vmclock_policy),
        O("vmclock-log", OPT_STR, vmclock_log),
        O("profile", OPT_PROFILE, profile),
        O("io", OPT_IO, io),
        O("dirty-rate", OPT_U64, dirty_rate),
        O("wss", OPT_U64, wss_pages),
        O("duration", OPT_SECONDS, duration_ms),
        O("sample-ms", OPT_U64, sample_ms),
        O("gap-ns", OPT_U64, gap_report_ns),
        O("seed", OPT_U64, seed),
        O("memstats", OPT_FLAG, memstats),
        O("tsc-transform", OPT_STR, tsc_transform),
        O("tsc-no-continuity", OPT_FLAG, tsc_no_continuity),
        O("tsc-via", OPT_STR, tsc_via),
        O("tls-psk", OPT_STR, tls_psk),
        O("tls-cert", OPT_STR, tls_cert),
        O("tls-key", OPT_STR, tls_key),
        O("tls-ca", OPT_STR, tls_ca),
        O("migrate-plaintext", OPT_FLAG, migrate_plaintext),
};
#undef O

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!s[0] || s[0] == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (*end || errno)
		return -EINVAL;
	*v = x;
	return 0;
}

static int set_opt(const struct opt *o, const char *val, struct vmm_config *cfg, char *err,
                   size_t errlen)
{
	void *field = (char *)cfg + o->off;
	char why[200] = "";
	int r = 0;
	switch (o->type) {
	case OPT_SIZE:
		r = vmm_parse_size(val, field);
		break;
	case OPT_STR:
		*(const char **)field = val;
		break;
	case OPT_U64:
		r = parse_u64(val, field);
		break;
	case OPT_SECONDS: {
		char *end;
		double s = strtod(val, &end);
		r = (end == val || *end || !isfinite(s) || s < 0 || s > 1e7) ? -EINVAL : 0;
		if (!r)
			*(uint64_t *)field = (uint64_t)llround(s * 1000);
		break;
	}
	case OPT_PROFILE:
		r = vmm_profile_parse(val, field, why, sizeof(why));
		break;
	case OPT_IO:
		r = vmm_io_parse(val, field, why, sizeof(why));
		break;
	case OPT_FLAG:
		*(bool *)field = true;
		break;
	}
	if (r)
		snprintf(err, errlen, "bad --%s '%s'%s%s", o->name, val, why[0] ? ": " : "", why);
	return r;
}

int vmm_cli_parse(int argc, char **argv, struct vmm_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = VMM_DEFAULT_MEM;
	cfg->wss_pages = VMM_DEFAULT_WSS;
	cfg->seed = 1;
	char dummy[8];
	vmm_profile_parse(VMM_DEFAULT_PROFILE, &cfg->profile, dummy, sizeof(dummy));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (strncmp(a, "--", 2) || !a[2]) {
			snprintf(err, errlen, "unexpected argument '%s' (options start with --)",
			         a);
			return -EINVAL;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const struct opt *o = NULL;
		for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (strlen(opts[k].name) == nlen && !strncmp(opts[k].name, name, nlen))
				o = &opts[k];
		if (!o) {
			snprintf(err, errlen, "unknown option '--%.*s' (see tsvmm run --help)",
			         (int)nlen, name);
			return -EINVAL;
		}
		const char *val = eq ? eq + 1 : NULL;
		if (o->type == OPT_FLAG) {
			if (val) {
				snprintf(err, errlen, "option '--%s' takes no value", o->name);
				return -EINVAL;
			}
		} else if (!val) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "option '--%s' needs a value", o->name);
				return -EINVAL;
			}
			val = argv[++i];
		}
		int r = set_opt(o, val, cfg, err, errlen);
		if (r)
			return r;
	}
	if (cfg->mem_size < TSVMM_MEM_MIN || cfg->mem_size > TSVMM_MEM_MAX ||
	    cfg->mem_size % (2ULL << 20)) {
		snprintf(err, errlen,
		         "bad --mem: %llu bytes is not a multiple of 2M from 64M to 32G",
		         (unsigned long long)cfg->mem_size);
		return -EINVAL;
	}
	struct mig_tls_opts t = {cfg->tls_psk, cfg->tls_cert, cfg->tls_key,
	                         cfg->tls_ca,  NULL,          cfg->migrate_plaintext};
	bool any = t.psk_file || t.cert || t.key || t.ca || t.plaintext;
	if ((cfg->incoming || any) &&
	    mig_tls_opts_check(&t, cfg->incoming ? "--incoming" : "tsvmm", err, errlen))
		return -EINVAL;
	if ((cfg->io.write_bps || cfg->io.read_bps) && !cfg->disk_path) {
		snprintf(err, errlen, "--io needs a --disk");
		return -EINVAL;
	}
	if (cfg->dirty_rate && !cfg->wss_pages) {
		snprintf(err, errlen, "--dirty-rate needs a working set (--wss > 0)");
		return -EINVAL;
	}
	return 0;
}
