// SPDX-License-Identifier: MIT
/*
 * tsync-analyze: offset, jitter, stability and time-error analysis of statlogs, plain text,
 * ptp4l/phc2sys and chrony logs and PTP captures, with tables, CSV, JSON and gnuplot plots.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_cli.h"
#include "metrics/masks.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tsync-analyze COMMAND [options] FILE...\n"
	        "commands:\n"
	        "  stats FILE...       count, mean, stddev, rms, min, max, max|x| (with its "
	        "time),\n"
	        "                      p50/p90/p99/p99.9 (linear interpolation, Hyndman-Fan 7)\n"
	        "  stability FILE      deviations: --metrics "
	        "adev,oadev,mdev,tdev,hdev,ohdev,totdev,\n"
	        "                      mtie,tierms (default oadev) at --taus "
	        "octave|decade|all|LIST\n"
	        "  mask FILE           --mask NAME: pass/fail against an ITU-T mask (exit 1 on "
	        "fail)\n"
	        "  pcap FILE           PTP exchanges (t1..t4, offset, path delay) of a capture\n"
	        "  radiotap FILE       802.11 frames of a radiotap capture, TM/FTM exchanges\n"
	        "  masks               list the masks\n"
	        "options:\n"
	        "  --format table|csv|json   output (default table; csv/json print %%.17g)\n"
	        "  --plot OUT.png|OUT.svg    draw with gnuplot\n"
	        "  --input auto|text|statlog|ptp4l|chrony|pcap|npy   input format (default: "
	        "detect;\n"
	        "                      npy: NumPy float64 (N,) x or (N, 2) t, x, memory-mapped)\n"
	        "  --column NAME       column to read (default offset; ptp4l: offset freq delay "
	        "rms\n"
	        "                      max; chrony: offset delay freq; statlog: any column)\n"
	        "  --strict            a malformed line is fatal (default: reported and skipped)\n"
	        "  --data phase|freq   stability input kind (default phase: time error in s)\n"
	        "  --rate HZ           sample rate (default: from the time stamps, else 1 Hz)\n"
	        "  --taus SPEC         octave (default), decade, all, or a list of taus in s: "
	        "1,10,100\n"
	        "  --no-ci             skip noise identification and confidence intervals\n"
	        "  --threads N         worker threads for the metrics (default: one per CPU)\n"
	        "  --memory LIMIT      stats: keep at most LIMIT bytes of samples (K, M, G): "
	        "exact\n"
	        "                      percentiles while they fit, beyond a sketch within 1e-4\n"
	        "                      relative (see analysis/metrics/sketch.h); progress on\n"
	        "                      stderr once a run passes 2 s\n"
	        "  --by-file           stats: one row per file plus the total; stability: every\n"
	        "                      file (CSV/JSON rows carry the file)\n"
	        "  --title TEXT        plot title\n"
	        "exit: 0 ok, 1 mask failed, 2 bad input or usage\n");
}

static int list_masks(FILE *f)
{
	for (size_t i = 0; mask_at(i); i++)
		fprintf(f, "%-12s %s\n", mask_at(i)->name, mask_at(i)->title);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"format", required_argument, NULL, 'f'},
	        {"plot", required_argument, NULL, 'p'},
	        {"input", required_argument, NULL, 'i'},
	        {"column", required_argument, NULL, 'c'},
	        {"strict", no_argument, NULL, 's'},
	        {"data", required_argument, NULL, 'd'},
	        {"rate", required_argument, NULL, 'r'},
	        {"taus", required_argument, NULL, 't'},
	        {"metrics", required_argument, NULL, 'm'},
	        {"mask", required_argument, NULL, 'M'},
	        {"no-ci", no_argument, NULL, 'n'},
	        {"title", required_argument, NULL, 'T'},
	        {"threads", required_argument, NULL, 'j'},
	        {"memory", required_argument, NULL, 'L'},
	        {"by-file", no_argument, NULL, 'B'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct cli c = {.fmt = OUT_TABLE,
	                .taus = "octave",
	                .metrics = "oadev",
	                .out = stdout,
	                .memory = SIZE_MAX};
	const char *cmd;
	char *end;
	int o, li = 0;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_INPUT : EXIT_OK;
	}
	cmd = argv[1];
	argv++;
	argc--;
	while ((o = getopt_long(argc, argv, "h", opts, &li)) != -1) {
		switch (o) {
		case 'f':
			if (!strcmp(optarg, "table"))
				c.fmt = OUT_TABLE;
			else if (!strcmp(optarg, "csv"))
				c.fmt = OUT_CSV;
			else if (!strcmp(optarg, "json"))
				c.fmt = OUT_JSON;
			else
				goto bad;
			break;
		case 'p':
			c.plot = optarg;
			break;
		case 'i':
			if (reader_format_parse(optarg, &c.ropts.format))
				goto bad;
			break;
		case 'c':
			c.ropts.column = optarg;
			break;
		case 's':
			c.ropts.strict = true;
			break;
		case 'd':
			if (strcmp(optarg, "phase") && strcmp(optarg, "freq"))
				goto bad;
			c.freq = !strcmp(optarg, "freq");
			break;
		case 'r':
			c.rate = strtod(optarg, &end);
			if (*end || !(c.rate > 0))
				goto bad;
			break;
		case 't':
			c.taus = optarg;
			break;
		case 'm':
			c.metrics = optarg;
			break;
		case 'M':
			c.mask = optarg;
			break;
		case 'n':
			c.no_ci = true;
			break;
		case 'T':
			c.title = optarg;
			break;
		case 'L': {
			double v = strtod(optarg, &end);
			double mul = *end == 'K'   ? 1024.0
			             : *end == 'M' ? 1048576.0
			             : *end == 'G' ? 1073741824.0
			                           : 1;
			if (mul > 1)
				end++;
			if (*end || !(v > 0) || v * mul > 1e18)
				goto bad;
			c.memory = (size_t)(v * mul);
			break;
		}
		case 'B':
			c.by_file = true;
			break;
		case 'j': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v > 64)
				goto bad;
			c.threads = (unsigned)v;
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_INPUT;
		}
	}
	c.files = argv + optind;
	c.nfiles = argc - optind;
	if (!strcmp(cmd, "masks"))
		return list_masks(stdout);
	if (!strcmp(cmd, "bench")) {
		unsigned long long n = c.nfiles ? strtoull(c.files[0], &end, 0) : 1000000;
		if (n < 16 || (c.nfiles && *end)) {
			fprintf(stderr, "tsync-analyze bench: N (>= 16) expected\n");
			return EXIT_INPUT;
		}
		return cmd_bench(&c, (size_t)n);
	}
	if (c.nfiles < 1) {
		fprintf(stderr, "tsync-analyze %s: no input file\n", cmd);
		return EXIT_INPUT;
	}
	if (!strcmp(cmd, "stats"))
		return cmd_stats(&c);
	if (!strcmp(cmd, "stability"))
		return cmd_stability(&c);
	if (!strcmp(cmd, "mask"))
		return cmd_mask(&c);
	if (!strcmp(cmd, "pcap"))
		return cmd_pcap(&c);
	if (!strcmp(cmd, "radiotap"))
		return cmd_radiotap(&c);
	fprintf(stderr, "tsync-analyze: unknown command \"%s\" (see --help)\n", cmd);
	return EXIT_INPUT;
bad:
	fprintf(stderr, "tsync-analyze: bad value \"%s\" for --%s\n", optarg, opts[li].name);
	return EXIT_INPUT;
}
