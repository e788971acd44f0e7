// SPDX-License-Identifier: MIT
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>

#include "tsync/cli.h"

Test(cli, numbers_in_range, .init = cr_redirect_stderr)
{
	double d;
	long l;
	tmv_t t;
	cr_assert_eq(cli_double("p", "--x", "2.5e-3", 0, 1, &d), 0);
	cr_assert_float_eq(d, 2.5e-3, 1e-15);
	cr_assert_eq(cli_long("p", "--n", "0x10", 0, 100, &l), 0);
	cr_assert_eq(l, 16);
	cr_assert_eq(cli_time("p", "--delay", "200us", 0, NS_PER_SEC, &t), 0);
	cr_assert_eq(t, 200000);
}

Test(cli, junk_and_range_are_named, .init = cr_redirect_stderr)
{
	double d = 7;
	long l = 7;
	tmv_t t = 7;
	cr_assert_eq(cli_double("prog", "--duration", "banana", 0, 10, &d), -EINVAL);
	cr_assert_eq(cli_double("prog", "--duration", "5s", 0, 10, &d), -EINVAL);
	cr_assert_eq(cli_double("prog", "--duration", "", 0, 10, &d), -EINVAL);
	cr_assert_eq(cli_double("prog", "--duration", "nan", 0, 10, &d), -EINVAL);
	cr_assert_eq(cli_double("prog", "--duration", "11", 0, 10, &d), -ERANGE);
	cr_assert_eq(cli_long("prog", "--count", "3.5", 0, 10, &l), -EINVAL);
	cr_assert_eq(cli_long("prog", "--count", "-1", 0, 10, &l), -ERANGE);
	cr_assert_eq(cli_time("prog", "--delay", "1parsec", 0, NS_PER_SEC, &t), -EINVAL);
	cr_assert_eq(cli_time("prog", "--delay", "2s", 0, NS_PER_SEC, &t), -ERANGE);
	cr_assert_eq(d, 7); /* untouched on error */
	cr_assert_eq(l, 7);
	cr_assert_eq(t, 7);
	fflush(stderr);
	cr_assert_stderr_eq_str(
	        "prog: bad value 'banana' for --duration (expected a number in [0, 10])\n"
	        "prog: bad value '5s' for --duration (expected a number in [0, 10])\n"
	        "prog: bad value '' for --duration (expected a number in [0, 10])\n"
	        "prog: bad value 'nan' for --duration (expected a number in [0, 10])\n"
	        "prog: bad value '11' for --duration (expected a number in [0, 10])\n"
	        "prog: bad value '3.5' for --count (expected an integer in [0, 10])\n"
	        "prog: bad value '-1' for --count (expected an integer in [0, 10])\n"
	        "prog: bad value '1parsec' for --delay (expected a time in [0.000000000, "
	        "1.000000000] s, units s|ms|us|ns)\n"
	        "prog: bad value '2s' for --delay (expected a time in [0.000000000, 1.000000000] "
	        "s, units s|ms|us|ns)\n");
}
