/* SPDX-License-Identifier: MIT */
/* Unit tests: pr_* level checks, output format, capture, rate-limited pl_* variants. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsync/log.h"

static char *buf;
static size_t buflen;
static FILE *mem;

static int ncb;
static int cb_level;
static char cb_msg[4096];

static void cb(int level, const char *msg, void *arg)
{
	*(int *)arg += 1;
	cb_level = level;
	snprintf(cb_msg, sizeof(cb_msg), "%s", msg);
}

static void setup(void)
{
	mem = open_memstream(&buf, &buflen);
	cr_assert_not_null(mem);
	log_init("/usr/sbin/ptpd-wl", LOG_INFO, true, false);
	log_set_sink(mem);
	log_set_timestamps(false);
	ncb = 0;
	log_set_callback(cb, &ncb);
}

static void teardown(void)
{
	log_set_callback(NULL, NULL);
	log_set_sink(NULL);
	fclose(mem);
	free(buf);
}

TestSuite(log, .init = setup, .fini = teardown);

static const char *out(void)
{
	fflush(mem);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

Test(log, levels_and_format)
{
	pr_err("port %d: fault %s", 1, "detected");
	pr_info("info");
	pr_debug("hidden");
	cr_assert_str_eq(out(), "ptpd-wl: port 1: fault detected\nptpd-wl: info\n");
	cr_assert_eq(ncb, 2);
	cr_assert_eq(cb_level, LOG_INFO);
	log_set_level(LOG_DEBUG);
	pr_debug("now visible");
	cr_assert_str_eq(out(), "ptpd-wl: port 1: fault detected\nptpd-wl: info\n"
	                        "ptpd-wl: now visible\n");
	log_set_level(LOG_WARNING);
	pr_notice("no");
	pr_warning("yes");
	pr_crit("crit");
	cr_assert_eq(ncb, 5);
	cr_assert_str_eq(cb_msg, "crit");
}

Test(log, disabled_level_does_not_evaluate_arguments)
{
	int evaluated = 0;
	pr_debug("%d", ++evaluated);
	cr_assert_eq(evaluated, 0);
	pr_info("%d", ++evaluated);
	cr_assert_eq(evaluated, 1);
	cr_assert_not(log_enabled(LOG_DEBUG));
	cr_assert(log_enabled(LOG_EMERG));
}

Test(log, level_clamped)
{
	log_set_level(42);
	cr_assert_eq(log_get_level(), LOG_DEBUG);
	log_set_level(-3);
	cr_assert_eq(log_get_level(), LOG_EMERG);
}

Test(log, timestamp_prefix)
{
	regex_t re;

	log_set_timestamps(true);
	pr_notice("hello %s", "world");
	cr_assert_eq(regcomp(&re, "^ptpd-wl\\[[0-9]+\\.[0-9]{3}\\]: hello world\n$", REG_EXTENDED),
	             0);
	cr_assert_eq(regexec(&re, out(), 0, NULL, 0), 0, "got <%s>", out());
	regfree(&re);
}

Test(log, stderr_off_only_callback)
{
	log_init("x", LOG_INFO, false, false);
	pr_err("quiet");
	cr_assert_str_eq(out(), "");
	cr_assert_str_eq(cb_msg, "quiet");
}

Test(log, syslog_sink_does_not_break)
{
	log_init("tsync-test", LOG_INFO, true, true);
	pr_debug("not sent");
	pr_info("tsync unit test message, please ignore");
	log_init("tsync-test", LOG_INFO, true, false);
	cr_assert_eq(ncb, 1);
}

Test(log, long_messages_not_truncated)
{
	char big[3000];

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pr_err("<%s>", big);
	cr_assert_eq(strlen(cb_msg), sizeof(big) - 1 + 2);
	cr_assert_eq(strlen(out()), strlen("ptpd-wl: ") + sizeof(big) - 1 + 2 + 1);
}

static void one_site(int i)
{
	pl_err(3600, "flood %d", i);
}

static void other_site(int i)
{
	pl_err(3600, "other %d", i);
}

Test(log, ratelimit_per_call_site)
{
	for (int i = 0; i < 10; i++)
		one_site(i);
	other_site(0);
	other_site(1);
	cr_assert_str_eq(out(), "ptpd-wl: flood 0\nptpd-wl: other 0\n");
	cr_assert_eq(ncb, 2);
}

Test(log, ratelimit_reports_suppressed_after_interval)
{
	struct timespec ts = {0, 300 * 1000 * 1000};
	int emitted = 0;

	for (int i = 0; i < 6; i++) {
		static struct log_ratelimit rl;
		emitted += log_msg_ratelimited(LOG_ERR, &rl, 0.05, "burst %d", i);
		if (i == 4)
			nanosleep(&ts, NULL); /* far longer than the 50 ms interval */
	}
	cr_assert_eq(emitted, 2);
	cr_assert_str_eq(out(), "ptpd-wl: burst 0\nptpd-wl: burst 5\n"
	                        "ptpd-wl: (4 similar messages suppressed)\n");
}

Test(log, ratelimit_disabled_level_counts_nothing)
{
	struct log_ratelimit rl = {0};

	cr_assert_not(log_msg_ratelimited(LOG_DEBUG, &rl, 0, "x"));
	cr_assert_eq(rl.last_ns, 0);
	cr_assert_eq(rl.suppressed, 0);
	for (int i = 0; i < 3; i++)
		pl_debug(0, "never %d", i);
	for (int i = 0; i < 3; i++)
		pl_info(0, "always %d", i); /* interval 0: no limit */
	cr_assert_eq(count_lines(out()), 3);
}
