// SPDX-License-Identifier: MIT
/* tsvmm run's migration credential flags: --incoming needs credentials or
 * --migrate-plaintext, contradictions are refused naming the flags. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "vmm_cli.h"

static char err[512];

#define ARGV(...)       ((char *[]){"run", __VA_ARGS__, NULL})
#define ARGC(...)       ((int)(sizeof((char *[]){"run", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cfg, ...) vmm_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg, err, sizeof(err))

Test(vmm_migrate_cli, incoming_needs_credentials)
{
	struct vmm_config c;
	cr_assert_eq(PARSE(&c, "--incoming", "1.2.3.4:5"), -EINVAL);
	cr_assert(strstr(err, "--incoming: no migration credentials"), "%s", err);
	cr_assert_eq(PARSE(&c, "--incoming", "1.2.3.4:5", "--migrate-plaintext"), 0, "%s", err);
	cr_assert(c.migrate_plaintext);
	cr_assert_eq(PARSE(&c, "--incoming", "1.2.3.4:5", "--tls-psk", "k"), 0, "%s", err);
	cr_assert_str_eq(c.tls_psk, "k");
	cr_assert_eq(PARSE(&c, "--incoming=1.2.3.4:5", "--tls-cert=c", "--tls-key=k", "--tls-ca=a"),
	             0, "%s", err);
	cr_assert_str_eq(c.tls_ca, "a");
	/* a VM that never migrates needs nothing; migrate checks again when asked */
	cr_assert_eq(vmm_cli_parse(1, (char *[]){"run", NULL}, &c, err, sizeof(err)), 0);
	cr_assert(!c.tls_psk && !c.migrate_plaintext);
}

Test(vmm_migrate_cli, contradictions_refused)
{
	struct vmm_config c;
	cr_assert_eq(PARSE(&c, "--tls-psk", "k", "--migrate-plaintext"), -EINVAL);
	cr_assert(strstr(err, "--migrate-plaintext contradicts"), "%s", err);
	cr_assert_eq(PARSE(&c, "--incoming", "1.2.3.4:5", "--tls-cert", "c"), -EINVAL);
	cr_assert(strstr(err, "--tls-cert, --tls-key and --tls-ca"), "%s", err);
	cr_assert_eq(
	        PARSE(&c, "--tls-psk", "k", "--tls-cert", "c", "--tls-key", "k", "--tls-ca", "a"),
	        -EINVAL);
	cr_assert(strstr(err, "not both"), "%s", err);
	cr_assert_eq(PARSE(&c, "--migrate-plaintext=yes"), -EINVAL);
	cr_assert(strstr(err, "takes no value"), "%s", err);
}
