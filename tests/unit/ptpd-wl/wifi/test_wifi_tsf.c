// SPDX-License-Identifier: MIT
/* ptpd-wl/wifi/wifi_tsf: the medium's station description, and the TSF -> CLOCK_REALTIME
 * mapping (lib/counter's rate, offset averaged over pairs) on an emulated TSF with drift. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "wifi/wifi_tsf.h"

Test(wifi_tsf, info_parse)
{
	uint8_t mac[6];
	uint64_t off;
	int32_t ppb;
	int64_t t0;
	const char *why = NULL;
	cr_assert_eq(wifi_tsf_info_parse("mac 02:00:00:00:00:02\ntsf_offset_us 2489960\n"
	                                 "tsf_ppb -2632\nt0_ns 1796313942423644772\n",
	                                 mac, &off, &ppb, &t0, &why),
	             0, "%s", why);
	cr_assert(mac[5] == 2 && off == 2489960 && ppb == -2632 && t0 == 1796313942423644772);
	cr_assert_eq(wifi_tsf_info_parse("mac 02:00:00:00:00:02\ntsf_offset_us 1\n", mac, &off,
	                                 &ppb, &t0, &why),
	             -EINVAL);
	cr_assert(strstr(why, "missing key"), "%s", why);
	cr_assert_eq(wifi_tsf_info_parse("mac 02:00:00:00:00:02\ntsf_offset_us -1\ntsf_ppb 0\n"
	                                 "t0_ns 5\n",
	                                 mac, &off, &ppb, &t0, &why),
	             -EINVAL);
	cr_assert(strstr(why, "tsf_offset_us"), "%s", why);
	cr_assert_eq(wifi_tsf_info_parse("mac x\n", mac, &off, &ppb, &t0, &why), -EINVAL);
	cr_assert(strstr(why, "bad mac"), "%s", why);
	cr_assert_eq(wifi_tsf_info_parse("tsf_ppb 2000000\n", mac, &off, &ppb, &t0, &why), -EINVAL);
	cr_assert(strstr(why, "tsf_ppb"), "%s", why);
	cr_assert_eq(wifi_tsf_info_parse("color blue\n", mac, &off, &ppb, &t0, &why), -EINVAL);
	cr_assert(strstr(why, "unknown key"), "%s", why);
	cr_assert_eq(wifi_tsf_info_parse("mac\n", mac, &off, &ppb, &t0, &why), -EINVAL);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

Test(wifi_tsf, maps_an_emulated_tsf_onto_the_system_clock)
{
	char path[] = "/tmp/tsync-test-tsf-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	int64_t t0 = now_ns() - 5000000000ll;
	dprintf(fd, "mac 02:00:00:00:00:05\ntsf_offset_us 7000000\ntsf_ppb 25000\nt0_ns %lld\n",
	        (long long)t0);
	close(fd);
	struct wifi_tsf t;
	uint8_t mac[6];
	char err[200];
	cr_assert_eq(wifi_tsf_open_emulated(&t, path, mac, err, sizeof(err)), 0, "%s", err);
	unlink(path);
	int64_t ns;
	cr_assert_eq(wifi_tsf_to_sys(&t, 1, &ns), -EAGAIN, "no pair yet");
	/* pairs over 0.4 s (the rate error of a short baseline is what the test allows for) */
	for (int i = 0; i < 40; i++) {
		cr_assert_eq(wifi_tsf_track(&t, true), 0);
		usleep(10000 + 37 * i);
	}
	/* a TSF value of "now" and of 100 ms ago map onto the system clock within 2 us */
	for (int i = 0; i < 2; i++) {
		int64_t sys = now_ns() - i * 100000000ll;
		/* the TSF the medium's model gives at sys: 7 s + (sys - t0) x (1 + 25 ppm), us */
		double tsf = 7e6 + (double)(sys - t0) * (1 + 25e-6) / 1e3;
		cr_assert_eq(wifi_tsf_to_sys(&t, (uint64_t)tsf, &ns), 0);
		double err_ns = (double)(ns - sys) + fmod(tsf, 1.0) * 1e3;
		cr_assert(fabs(err_ns) < 2000, "mapping error %.0f ns", err_ns);
	}
}
