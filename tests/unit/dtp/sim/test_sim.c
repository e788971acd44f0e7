// SPDX-License-Identifier: MIT
/* dtp-sim pieces: generated topologies (sizes, diameters), the topology file format and its
 * errors, the event queue's order (calendar and heap together), and a short seeded run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/evq.h"
#include "sim/dtp_sim.h"
#include "sim/topo.h"

static void expect_topo(const char *spec, unsigned nodes, unsigned links, int diam)
{
	struct topo t;
	char err[256];
	cr_assert_eq(topo_build(&t, spec, 5, err, sizeof(err)), 0, "%s: %s", spec, err);
	cr_expect_eq(t.nnodes, nodes, "%s nodes %u", spec, t.nnodes);
	cr_expect_eq(t.nlinks, links, "%s links %u", spec, t.nlinks);
	cr_expect_eq(topo_diameter(&t, NULL), diam, "%s diameter", spec);
	topo_free(&t);
}

Test(dtp_topo, generated)
{
	expect_topo("line:1", 2, 1, 1);
	expect_topo("line:6", 7, 6, 6);
	expect_topo("ring:8", 8, 8, 4);
	expect_topo("star:16", 17, 16, 2);
	expect_topo("fattree:4", 36, 48, 6);
	expect_topo("fattree:8", 208, 384, 6);
	expect_topo("leafspine:4x16", 20, 64, 2);
}

Test(dtp_topo, bad_specs)
{
	const char *bad[] = {"line:0", "ring:2", "fattree:3",   "fattree:8x",
	                     "mesh:4", "star:",  "leafspine:4", "line:-1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct topo t;
		char err[256] = "";
		cr_expect_eq(topo_build(&t, bad[i], 5, err, sizeof(err)), -1, "%s", bad[i]);
		cr_expect(strstr(err, bad[i]) != NULL, "error names the spec: %s", err);
		topo_free(&t);
	}
}

static int build_file(const char *text, struct topo *t, char *err, size_t len, char *path)
{
	strcpy(path, "/tmp/dtp-topo-XXXXXX");
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	char spec[64];
	snprintf(spec, sizeof(spec), "file:%s", path);
	int rc = topo_build(t, spec, 5, err, len);
	unlink(path);
	return rc;
}

Test(dtp_topo, file_format)
{
	struct topo t;
	char err[256], path[64];
	cr_assert_eq(build_file("# a small pod\n\nsw1 sw2 10  # uplink\nh1 sw1 2\nh2 sw2 2.5\n", &t,
	                        err, sizeof(err), path),
	             0, "%s", err);
	cr_expect_eq(t.nnodes, 4);
	cr_expect_eq(t.nlinks, 3);
	cr_expect_eq(topo_diameter(&t, NULL), 3);
	int h2 = topo_find(&t, "h2"), sw1 = topo_find(&t, "sw1");
	cr_assert(h2 >= 0 && sw1 >= 0);
	cr_expect(t.host[h2]);
	cr_expect_not(t.host[sw1]);
	cr_expect_eq(t.links[2].metres, 2.5);
	bool up[3] = {false, true, true};
	cr_expect_eq(topo_diameter(&t, up), -1, "disconnected without the uplink");
	topo_free(&t);
}

Test(dtp_topo, file_errors_name_the_line)
{
	const struct {
		const char *text, *where, *why;
	} cases[] = {
	        {"a b 1\nb c\n", ":2:", "expected NODE NODE METRES"},
	        {"a b 1\n\n# x\na c ten\n", ":4:", "METRES"},
	        {"a b -3\n", ":1:", "METRES"},
	        {"a a 1\n", ":1:", "itself"},
	        {"a b 1 2\n", ":1:", "expected"},
	        {"# nothing\n", ":1:", "no links"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct topo t;
		char err[256] = "", path[64];
		cr_expect_eq(build_file(cases[i].text, &t, err, sizeof(err), path), -1, "case %zu",
		             i);
		cr_expect(strstr(err, path) && strstr(err, cases[i].where) &&
		                  strstr(err, cases[i].why),
		          "case %zu: %s", i, err);
		topo_free(&t);
	}
	struct topo t;
	char err[256];
	cr_expect_eq(topo_build(&t, "file:/nonexistent/topo", 5, err, sizeof(err)), -1);
	cr_expect(strstr(err, "/nonexistent/topo") != NULL);
	topo_free(&t);
}

Test(dtp_evq, pops_in_time_order)
{
	struct evq q;
	cr_assert_eq(evq_init(&q, 100000), 0);
	srand(3);
	int64_t now = 0;
	unsigned n = 0, popped = 0;
	/* interleave pushes (near and far future) and pops, as the simulator does */
	for (int round = 0; round < 20000; round++) {
		for (int k = 0; k < 2 && n < 30000; k++, n++) {
			int64_t dt =
			        rand() % 8 == 0 ? (int64_t)rand() % 100000000 : rand() % 150000;
			uint32_t id = evq_new(&q, now + dt);
			cr_assert_neq(id, EVQ_NONE);
			evq_push(&q, id);
		}
		uint32_t id = evq_pop(&q);
		cr_assert_neq(id, EVQ_NONE);
		int64_t t = evq_ev(&q, id)->t;
		/* FIFO inside one bucket: at most one quantum out of order */
		cr_assert_geq(t, now - (1 << EVQ_QUANTUM_SHIFT), "round %d: %lld after %lld", round,
		              (long long)t, (long long)now);
		if (t > now)
			now = t;
		evq_release(&q, id);
		popped++;
	}
	uint32_t id;
	while ((id = evq_pop(&q)) != EVQ_NONE) {
		int64_t t = evq_ev(&q, id)->t;
		cr_assert_geq(t, now - (1 << EVQ_QUANTUM_SHIFT));
		if (t > now)
			now = t;
		evq_release(&q, id);
		popped++;
	}
	cr_expect_eq(popped, n);
	evq_free(&q);
}

Test(dtp_sim, short_line_keeps_the_bounds)
{
	struct topo t;
	char err[256];
	cr_assert_eq(topo_build(&t, "line:3", 5, err, sizeof(err)), 0);
	struct sim_config c = {.duration_ps = 2000000000ll,
	                       .beacon_ticks = 200,
	                       .retry_ticks = 10000,
	                       .alpha_ticks = 3,
	                       .sample_ps = 1000000,
	                       .phy_ps = 25600,
	                       .wander_step_ps = 100000000,
	                       .max_ppm = 100,
	                       .wander_ppb = 10,
	                       .frame_bytes = 1522,
	                       .load = 0.5,
	                       .jump_ticks = 16,
	                       .seed = 5,
	                       .topo_spec = "line:3"};
	struct sim_result r;
	cr_assert_eq(sim_run(&t, &c, &r, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(r.diameter, 3);
	cr_expect_eq(r.bound_net, 12);
	cr_expect_gt(r.steady_samples, 1500, "steady %llu", (unsigned long long)r.steady_samples);
	cr_expect(r.settle_s > 0 && r.settle_s < 1e-4, "settle %g", r.settle_s);
	cr_expect_leq(r.max_hop_offset, 4);
	cr_expect_leq(r.max_offset, 12);
	cr_expect_gt(r.max_offset, 0, "integer counters on different oscillators never all agree");
	cr_expect_eq(r.hop_violations + r.net_violations, 0);
	cr_expect_gt(r.beacons, 6 * 2000000000ll / 6400 / 200 / 2, "beacons %llu",
	             (unsigned long long)r.beacons);
	topo_free(&t);
}
