// SPDX-License-Identifier: MIT
/* tsvmm evacuate: drive N migrations through their control sockets (see evacuate.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tsync/ipc.h"
#include "tsync/cli.h"
#include "control.h"
#include "control_json.h"
#include "manager/controller.h"
#include "manager/evac_sim.h"
#include "manager/evac_spec.h"
#include "manager/evacuate.h"
#include "manager/linkstat.h"
#include "manager/relay.h"
#include "migrate/tls.h"

#define TICK_MS 20

const char evac_usage[] =
        "usage: tsvmm evacuate [options] SRC_SOCK=DST_ADDR:PORT[,DST_SOCK][@NETNS] ...\n"
        "  @NETNS            the VM's source host is network namespace NETNS (ip netns):\n"
        "                    its relay listens and connects there (its own uplink)\n"
        "  --budget RATE     bandwidth for all migrations: bytes/s with K/M/G (decimal),\n"
        "                    or bits/s with a \"bit\" suffix (1Gbit); required\n"
        "  --policy P        controller (default), sequential, all or fixed-k\n"
        "  --k N             concurrency of fixed-k (default 2)\n"
        "  --connections N   every migration starts with N TCP connections (1 .. 8,\n"
        "                    default 1; the controller's rule 8 starts from N)\n"
        "  --max-connections N  the controller may start a migration with up to N TCP\n"
        "                    connections (1 .. 8, default 4; 1: never more than --connections)\n"
        "  --link-stats NETNS:DEV  the destination's ingress device (in namespace NETNS):\n"
        "                    its received bytes (what crossed the bottleneck) feed the\n"
        "                    controller's capacity estimate and the log (L)\n"
        "  --deadline S      power runs out S seconds after the start: migrations still\n"
        "                    running are cancelled, those VMs are lost\n"
        "  --mode M          dedup mode for every VM: none, zero, dup, disk, compress, all\n"
        "  --downtime MS     downtime limit (default 100)\n"
        "  --interval MS     control period (default 250)\n"
        "  --timeout S       give up after S seconds (default 600)\n"
        "  --tls-psk FILE    credentials every source uses for its migration (TLS 1.3 with\n"
        "                    this pre-shared key; the destinations need the same key);\n"
        "  --tls-cert F --tls-key F --tls-ca F   or X.509 (the destination's certificate\n"
        "                    must carry DST_ADDR);\n"
        "  --migrate-plaintext   or no TLS. Default: each source's own tsvmm flags\n"
        "  --simulate NAME   no VMs: run the simulator scenario NAME (wan, lan-cpu, dirty,\n"
        "                    setup, mixed, or \"all\") under the three policies; --seed N\n";

struct evm {
	char src[108], dst_addr[64], dst_sock[108], netns[64];
	uint16_t dst_port;
	int fd;
	FILE *in;
	struct relay relay;
	uint64_t dirty_prev; /* the guest's dirtied counter at the last pass end (or start) */
	double dirty_t;      /* ... and when */
	struct evac_vm v;
	double start_s, end_s, downtime_ms, mig_total_ms, est_bytes;
	uint64_t bytes_prev, vm_bytes, guest_gap_ns, dirty_pages;
	unsigned passes;
	char status[16], err[160];
	bool done, ok, lost;
	const char *cred; /* JSON members for the migrate command's credentials ("" or ", ...") */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_rate(const char *s, double *bps)
{
	char *e;
	double v = strtod(s, &e);
	if (e == s || v <= 0)
		return -1;
	if (*e == 'K' || *e == 'k')
		v *= 1e3, e++;
	else if (*e == 'M')
		v *= 1e6, e++;
	else if (*e == 'G')
		v *= 1e9, e++;
	if (!strcmp(e, "bit") || !strcmp(e, "bit/s"))
		v /= 8;
	else if (*e && strcmp(e, "B") && strcmp(e, "B/s"))
		return -1;
	*bps = v;
	return 0;
}

/* Connect to a control socket and read its greeting; timeout_s > 0: every reply within it. */
static int ctl_open(struct evm *m, const char *path, int timeout_s)
{
	char line[CONTROL_REPLY_MAX];
	struct timeval tv = {.tv_sec = timeout_s};
	m->fd = ipc_connect(path, SOCK_STREAM, IPC_BLOCKING, 0);
	if (m->fd >= 0 && timeout_s > 0)
		setsockopt(m->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (m->fd < 0 || !(m->in = fdopen(m->fd, "r")) || !fgets(line, sizeof(line), m->in)) {
		if (m->fd >= 0)
			close(m->fd);
		m->fd = -1;
		return -1;
	}
	return 0;
}

static void ctl_close(struct evm *m)
{
	if (m->in)
		fclose(m->in);
	else if (m->fd >= 0)
		close(m->fd);
	m->in = NULL;
	m->fd = -1;
}

/* One request, one reply line into out. 0, or -1 when the connection is gone. */
static int ctl_req(struct evm *m, const char *json, char *out, size_t len)
{
	size_t n = strlen(json);
	if (m->fd < 0 || send(m->fd, json, n, MSG_NOSIGNAL) != (ssize_t)n ||
	    send(m->fd, "\n", 1, MSG_NOSIGNAL) != 1 || !fgets(out, (int)len, m->in))
		return -1;
	return 0;
}

/* Send one request: the "return" object of its reply (in *root: json_decref() it), or NULL
 * (connection gone, malformed or error reply). */
static const json_t *ctl_ret(struct evm *m, const char *json, char *r, size_t len, json_t **root)
{
	const json_t *o = NULL;
	*root = NULL;
	if (!ctl_req(m, json, r, len) && (*root = json_parse(r, strlen(r), NULL, 0)))
		json_get_object(*root, "return", &o);
	return o;
}

/* Send one request: did it succeed (a "return" object)? The reply line is left in r. */
static bool ctl_ok(struct evm *m, const char *json, char *r, size_t len)
{
	json_t *root;
	bool ok = ctl_ret(m, json, r, len, &root) != NULL;
	json_decref(root);
	return ok;
}

/* A member of the "guest" object of query-status (0 if absent). */
static uint64_t guest_u64(struct evm *m, const char *key)
{
	char r[CONTROL_REPLY_MAX];
	json_t *root;
	const json_t *o = ctl_ret(m, "{\"execute\": \"query-status\"}", r, sizeof(r), &root), *g;
	uint64_t d = 0;
	if (o && !json_get_object(o, "guest", &g))
		json_get_u64(g, key, &d);
	json_decref(root);
	return d;
}

static uint64_t guest_dirtied(struct evm *m)
{
	return guest_u64(m, "dirtied");
}

/* First-pass bytes of VM m under mode, from its page statistics. */
static double first_pass_bytes(struct evm *m, const char *mode)
{
	char r[CONTROL_REPLY_MAX];
	json_t *root;
	const json_t *o = ctl_ret(m, "{\"execute\": \"query-memory-stats\"}", r, sizeof(r), &root);
	uint64_t pages = 0, zero = 0, dup = 0, disk = 0, distinct = 0;
	if (!o) {
		json_decref(root);
		return 256e6;
	}
	json_get_u64(o, "pages", &pages);
	json_get_u64(o, "zero", &zero);
	json_get_u64(o, "dup", &dup);
	json_get_u64(o, "disk", &disk);
	json_get_u64(o, "distinct", &distinct);
	json_decref(root);
	double p = (double)pages;
	if (!strcmp(mode, "all"))
		p = (double)(pages - zero - dup - disk) + (double)distinct * 0.1;
	else if (!strcmp(mode, "zero"))
		p = (double)(pages - zero);
	else if (!strcmp(mode, "dup"))
		p = (double)(pages - dup);
	else if (!strcmp(mode, "disk"))
		p = (double)(pages - disk);
	return (p > 0 ? p : 1) * 4096;
}

/* A pass ended: the guest's dirty rate over that pass (its own counter), for the controller
 * (it was measured once before the start; it changes with the guest's work). Logged. */
static void pass_dirty(struct evm *m, int i, double t, double t0)
{
	uint64_t d = guest_dirtied(m);
	/* a pass of at least 0.2 s while the guest runs (not the stop-and-copy pass) */
	if (t >= m->dirty_t + 0.2 && d >= m->dirty_prev && m->dirty_prev &&
	    !strcmp(m->status, "active")) {
		double was = m->v.dirty_bps;
		m->v.dirty_bps = (double)(d - m->dirty_prev) * 4096 / (t - m->dirty_t);
		printf("ctl t=%.2f vm %d pass %u: dirty %.2f MB/s (was %.2f)\n", t - t0, i,
		       m->passes, m->v.dirty_bps / 1e6, was / 1e6);
	}
	m->dirty_prev = d;
	m->dirty_t = t;
}

static int start_vm(struct evm *m, double t)
{
	char req[1536], r[CONTROL_REPLY_MAX];
	unsigned conns = m->v.conns > 1 ? (unsigned)m->v.conns : 1;
	snprintf(req, sizeof(req),
	         "{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"connections\": %u}}",
	         conns);
	if (!ctl_ok(m, req, r, sizeof(r))) {
		snprintf(m->err, sizeof(m->err), "connections %u refused: %.120s", conns, r);
		return -1;
	}
	int e = relay_start(&m->relay, m->dst_addr, m->dst_port, (uint64_t)m->v.cap_bps, m->netns,
	                    conns);
	if (e) {
		snprintf(m->err, sizeof(m->err), "relay: %s", strerror(-e));
		return -1;
	}
	/* the source connects to the relay: its certificate check is against the destination */
	snprintf(req, sizeof(req),
	         "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"tcp:127.0.0.1:%u\", "
	         "\"tls-hostname\": \"%s\"%s}}",
	         m->relay.port, m->dst_addr, m->cred);
	m->start_s = t;
	m->dirty_prev = guest_dirtied(m); /* for the per-pass dirty rates */
	m->dirty_t = t;
	if (!ctl_ok(m, req, r, sizeof(r))) {
		snprintf(m->err, sizeof(m->err), "migrate refused: %.120s", r);
		return -1;
	}
	snprintf(m->status, sizeof(m->status), "setup");
	return 0;
}

/* Poll one running VM: query-migrate, or notice that the source quit (completed). */
static void poll_vm(struct evm *m, double t)
{
	char r[CONTROL_REPLY_MAX], st[16] = "";
	json_t *root;
	const json_t *o = ctl_ret(m, "{\"execute\": \"query-migrate\"}", r, sizeof(r), &root);
	if (!o) {
		json_decref(root);
		/* the source quits once the destination runs: completed unless it failed */
		m->done = true;
		m->ok = relay_bytes(&m->relay) > 0 && strcmp(m->status, "failed") &&
		        strcmp(m->status, "setup");
		if (!m->ok && !m->err[0])
			snprintf(m->err, sizeof(m->err), "source control socket closed");
		snprintf(m->status, sizeof(m->status), m->ok ? "completed" : "failed");
		m->end_s = t;
		return;
	}
	json_get_string(o, "status", st, sizeof(st));
	double d;
	uint64_t u;
	if (!json_get_double(o, "downtime", &d) && d > 0)
		m->downtime_ms = d;
	if (!json_get_double(o, "total-time", &d) && d > 0)
		m->mig_total_ms = d;
	if (!json_get_u64(o, "iterations", &u)) {
		m->passes = (unsigned)u;
		m->v.pass = (int)u;
	}
	if (!json_get_u64(o, "bytes", &u))
		m->vm_bytes = u;
	if (!json_get_u64(o, "dirty-pages", &u))
		m->dirty_pages = u;
	snprintf(m->status, sizeof(m->status), "%s", st);
	if (!strcmp(st, "completed") || !strcmp(st, "failed") || !strcmp(st, "cancelled")) {
		m->done = true;
		m->ok = !strcmp(st, "completed");
		m->end_s = t;
		if (!m->ok)
			json_get_string(o, "error", m->err, sizeof(m->err));
	}
	json_decref(root);
}

static void dest_gap(struct evm *m)
{
	struct evm d = {.fd = -1};
	if (!m->ok || !m->dst_sock[0] || ctl_open(&d, m->dst_sock, 2))
		return;
	m->guest_gap_ns = guest_u64(&d, "max_gap_ns");
	ctl_close(&d);
}

/* The credential members of the migrate command from evacuate's flags (o), checked (and the
 * files read) here so that a bad key file stops the evacuation before any migration. */
static int cred_json(const struct mig_tls_opts *o, char *buf, size_t len)
{
	const char *name[] = {"tls-psk", "tls-cert", "tls-key", "tls-ca"};
	const char *val[] = {o->psk_file, o->cert, o->key, o->ca};
	char err[512];
	size_t off = 0;
	buf[0] = 0;
	if (!o->psk_file && !o->cert && !o->key && !o->ca && !o->plaintext)
		return 0; /* each source's own --tls-* flags */
	struct mig_tls *t = mig_tls_load(o, false, err, sizeof(err));
	if (!t && errno) {
		fprintf(stderr, "tsvmm evacuate: %s\n", err);
		return -1;
	}
	mig_tls_free(t);
	for (int i = 0; i < 4; i++) {
		if (!val[i])
			continue;
		if (strpbrk(val[i], "\"\\\n") || strlen(val[i]) > 250) {
			fprintf(stderr,
			        "tsvmm evacuate: --%s: path with a quote, backslash or newline, "
			        "or too long\n",
			        name[i]);
			return -1;
		}
		off += (size_t)snprintf(buf + off, len - off, ", \"%s\": \"%s\"", name[i], val[i]);
	}
	if (o->plaintext)
		snprintf(buf + off, len - off, ", \"plaintext\": true");
	return 0;
}

static int parse_vm(struct evm *m, const char *spec)
{
	struct evac_spec sp;
	char err[400];
	if (evac_spec_parse(spec, &sp, err, sizeof(err))) {
		fprintf(stderr, "tsvmm evacuate: %s\n", err);
		return -1;
	}
	memcpy(m->src, sp.src, sizeof(m->src));
	memcpy(m->dst_addr, sp.dst_addr, sizeof(m->dst_addr));
	memcpy(m->dst_sock, sp.dst_sock, sizeof(m->dst_sock));
	memcpy(m->netns, sp.netns, sizeof(m->netns));
	m->dst_port = sp.dst_port;
	m->fd = -1;
	relay_init(&m->relay);
	return 0;
}

static void report(struct evm *vms, int n, double t0, const struct evac_ctl *c, double budget,
                   enum evac_policy pol)
{
	double st[EVAC_SIM_MAX], en[EVAC_SIM_MAX], mk, md, sc, bytes = 0, maxdown = 0, maxgap = 0;
	int saved = 0, conns_max = 1, known = 0;
	char down[16];
	printf("%-3s %-28s %8s %8s %8s %9s %10s %6s %9s %s\n", "vm", "source", "start_s", "end_s",
	       "dur_s", "down_ms", "bytes", "passes", "gap_ms", "status");
	for (int i = 0; i < n; i++) {
		struct evm *m = &vms[i];
		st[i] = m->lost ? 0 : m->start_s - t0; /* a lost VM counts the whole window */
		en[i] = m->end_s - t0;
		saved += m->ok;
		if (m->v.conns > conns_max)
			conns_max = m->v.conns;
		uint64_t b = relay_bytes(&m->relay);
		bytes += (double)b;
		/* the source reports its downtime only between RUNNING and its exit: a poll that
		 * missed that moment saw none (not a downtime of 0: "-") */
		known += m->ok && m->downtime_ms > 0;
		if (m->downtime_ms > maxdown)
			maxdown = m->downtime_ms;
		if (m->ok && m->guest_gap_ns / 1e6 > maxgap)
			maxgap = m->guest_gap_ns / 1e6;
		if (m->downtime_ms > 0)
			snprintf(down, sizeof(down), "%.1f", m->downtime_ms);
		else
			snprintf(down, sizeof(down), "-");
		printf("%-3d %-28.28s %8.2f %8.2f %8.2f %9s %10llu %6u %9.1f %s%s%s\n", i, m->src,
		       m->start_s > 0 ? m->start_s - t0 : -1, en[i], en[i] - st[i], down,
		       (unsigned long long)b, m->passes, m->guest_gap_ns / 1e6, m->status,
		       m->err[0] ? ": " : "", m->err);
	}
	double score = evac_score(st, en, n, &mk, &md, &sc);
	printf("total: policy %s, budget %.1f Mbit/s, makespan %.2f s, mean duration %.2f s, "
	       "sum of completion times %.2f s, score (makespan + mean duration) %.2f s, "
	       "max downtime %.1f ms (reported for %d of %d saved), largest guest gap %.1f ms, "
	       "%.1f MB, mean rate %.1f Mbit/s, probes %d ok %d failed, "
	       "capacity drops %d raises %d, saved %d of %d, connections per migration up to %d\n",
	       evac_policy_name(pol), budget * 8 / 1e6, mk, md, sc, score, maxdown, known, saved,
	       maxgap, bytes / 1e6, mk > 0 ? bytes * 8 / mk / 1e6 : 0, c->probes_ok,
	       c->probes_failed, c->drops, c->raises, saved, n, conns_max);
}

/* Source hosts: VMs with the same namespace share one (host ids 0, 1, ... by first use). */
static void assign_hosts(struct evm *vms, int n)
{
	unsigned hosts = 0;
	for (int i = 0; i < n; i++) {
		int same = -1;
		for (int j = 0; j < i && same < 0; j++)
			if (!strcmp(vms[i].netns, vms[j].netns))
				same = j;
		vms[i].v.host = same >= 0 ? vms[same].v.host : hosts++;
	}
}

/* The power deadline: every VM not moved yet is lost (a running migration is cancelled). */
static void power_out(struct evm *vms, int n, double t_end)
{
	char r[CONTROL_REPLY_MAX];
	for (int i = 0; i < n; i++) {
		struct evm *m = &vms[i];
		if (m->done)
			continue;
		if (m->v.state == EVAC_SETUP || m->v.state == EVAC_ACTIVE) {
			/* the path is gone with the power: cut the stream first (a source blocked
			 * in a write then fails at once), then cancel, waiting 2 s at most */
			struct timeval tv = {.tv_sec = 2};
			relay_stop(&m->relay);
			setsockopt(m->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			ctl_ok(m, "{\"execute\": \"migrate_cancel\"}", r, sizeof(r));
		}
		m->done = true;
		m->lost = true;
		m->end_s = t_end;
		snprintf(m->status, sizeof(m->status), "lost");
		snprintf(m->err, sizeof(m->err), "power deadline");
	}
}

/* The decision log: one "ctl" line per controller event and per start, and the state (X, C,
 * k, caps in Mbit/s) every second. */
static void log_step(const struct evac_ctl *c, const struct evac_vm *ev, int n, double t)
{
	double x = 0;
	int k = 0;
	for (int i = 0; i < n; i++)
		if (ev[i].state == EVAC_SETUP || ev[i].state == EVAC_ACTIVE) {
			x += ev[i].tput_bps;
			k++;
		}
	if (c->events & (EVAC_EV_CAP_DOWN | EVAC_EV_CAP_UP))
		printf("ctl t=%.2f capacity %s %.1f -> %.1f Mbit/s (X %.1f L %.1f Mbit/s, k %d)\n",
		       t, c->events & EVAC_EV_CAP_DOWN ? "drop" : "raise", c->cap_before * 8e-6,
		       c->cap_est * 8e-6, x * 8e-6, c->link_bps * 8e-6, k);
	if (c->events & EVAC_EV_KMAX)
		printf("ctl t=%.2f kmax %d -> %d\n", t, c->kmax_before, c->kmax);
	if (c->events & EVAC_EV_CONNS && c->conns > c->conns_before)
		printf("ctl t=%.2f connections %d -> %d (vm %d: %.1f Mbit/s of its %.1f Mbit/s "
		       "cap, "
		       "below its share while X %.1f of C %.1f Mbit/s)\n",
		       t, c->conns_before, c->conns, c->conns_vm, c->conns_tput * 8e-6,
		       c->conns_cap * 8e-6, x * 8e-6, c->cap_est * 8e-6);
	else if (c->events & EVAC_EV_CONNS)
		printf("ctl t=%.2f connections %d -> %d (%s)\n", t, c->conns_before, c->conns,
		       c->events & EVAC_EV_CAP_DOWN ? "capacity drop: path-limited"
		                                    : "probe: more connections carried no more");
	if (c->events & EVAC_EV_SKIP)
		printf("ctl t=%.2f skip vm %d: cannot cross before the deadline\n", t,
		       c->skipped_vm);
	for (int i = 0; i < n; i++)
		if (ev[i].start)
			printf("ctl t=%.2f start vm %d (host %u, ~%.1f MB, dirty %.1f MB/s) k %d "
			       "connections %d\n",
			       t, i, ev[i].host, ev[i].remaining / 1e6, ev[i].dirty_bps / 1e6,
			       k + 1, ev[i].conns > 1 ? ev[i].conns : 1);
	if (c->steps % (uint64_t)(1 / c->p.interval_s + 0.5) == 0 || c->events) {
		printf("ctl t=%.2f state X %.1f L %.1f C %.1f Mbit/s k %d kmax %d caps", t,
		       x * 8e-6, c->link_bps * 8e-6, c->cap_est * 8e-6, k, c->kmax);
		for (int i = 0; i < n; i++)
			if (ev[i].cap_bps > 0)
				printf(" %d:%.1f/%.1f", i, ev[i].tput_bps * 8e-6,
				       ev[i].cap_bps * 8e-6);
		printf("\n");
	}
	fflush(stdout);
}

static int simulate(const char *name, uint64_t seed)
{
	printf("%-8s %-12s %8s %9s %9s %9s %9s %7s %5s\n", "scenario", "policy", "score_s",
	       "makespan", "mean_dur", "sum_compl", "max_down", "GB", "peak");
	for (int k = 0; evac_sim_builtin_names[k]; k++) {
		struct evac_sim_scenario s;
		if (strcmp(name, "all") && strcmp(name, evac_sim_builtin_names[k]))
			continue;
		evac_sim_builtin(evac_sim_builtin_names[k], seed, &s);
		for (int p = 0; p < 3; p++) {
			struct evac_sim_result r;
			evac_sim_run(&s, p, &r);
			printf("%-8s %-12s %8.2f %9.2f %9.2f %9.2f %9.3f %7.2f %5d%s\n", s.name,
			       evac_policy_name(p), r.score_s, r.makespan_s, r.mean_duration_s,
			       r.sum_completion_s, r.max_downtime_s, r.bytes / 1e9, r.peak_k,
			       r.unfinished ? " (unfinished)" : "");
		}
	}
	return 0;
}

int evacuate_main(int argc, char **argv)
{
	static const struct option opts[] = {{"budget", 1, 0, 'b'},
	                                     {"policy", 1, 0, 'p'},
	                                     {"mode", 1, 0, 'm'},
	                                     {"downtime", 1, 0, 'd'},
	                                     {"interval", 1, 0, 'i'},
	                                     {"timeout", 1, 0, 't'},
	                                     {"simulate", 1, 0, 's'},
	                                     {"seed", 1, 0, 'S'},
	                                     {"tls-psk", 1, 0, 'P'},
	                                     {"tls-cert", 1, 0, 'C'},
	                                     {"tls-key", 1, 0, 'K'},
	                                     {"tls-ca", 1, 0, 'A'},
	                                     {"migrate-plaintext", 0, 0, 'N'},
	                                     {"k", 1, 0, 'k'},
	                                     {"max-connections", 1, 0, 'c'},
	                                     {"connections", 1, 0, 'n'},
	                                     {"link-stats", 1, 0, 'L'},
	                                     {"deadline", 1, 0, 'D'},
	                                     {"help", 0, 0, 'h'},
	                                     {0, 0, 0, 0}};
	struct mig_tls_opts tls = {0};
	struct linkstat link = {0};
	bool use_link = false;
	char lerr[400];
	char cred[1100];
	double budget = 0, interval = 0.25, timeout = 600, deadline = 0, fixed_k = 2, max_conns = 4,
	       conns = 1;
	int pol = EVAC_CONTROLLER, c;
	unsigned long downtime = 100, seed = 1;
	const char *mode = "none", *sim = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_rate(optarg, &budget))
				goto bad;
			break;
		case 'p':
			if ((pol = evac_policy_parse(optarg)) < 0)
				goto bad;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'd':
			downtime = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			if (cli_double("tsvmm evacuate", "--interval", optarg, 1, 60000, &interval))
				goto bad;
			interval /= 1000;
			break;
		case 't':
			if (cli_double("tsvmm evacuate", "--timeout", optarg, 0.1, 86400, &timeout))
				goto bad;
			break;
		case 's':
			sim = optarg;
			break;
		case 'S':
			seed = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			if (cli_double("tsvmm evacuate", "--k", optarg, 1, EVAC_SIM_MAX, &fixed_k))
				goto bad;
			break;
		case 'c':
			if (cli_double("tsvmm evacuate", "--max-connections", optarg, 1, 8,
			               &max_conns))
				goto bad;
			break;
		case 'n':
			if (cli_double("tsvmm evacuate", "--connections", optarg, 1, 8, &conns))
				goto bad;
			break;
		case 'L':
			if (evac_link_spec_parse(optarg, &link.spec, lerr, sizeof(lerr))) {
				fprintf(stderr, "tsvmm evacuate: %s\n", lerr);
				return 2;
			}
			use_link = true;
			break;
		case 'D':
			if (cli_double("tsvmm evacuate", "--deadline", optarg, 0.1, 86400,
			               &deadline))
				goto bad;
			break;
		case 'P':
			tls.psk_file = optarg;
			break;
		case 'C':
			tls.cert = optarg;
			break;
		case 'K':
			tls.key = optarg;
			break;
		case 'A':
			tls.ca = optarg;
			break;
		case 'N':
			tls.plaintext = true;
			break;
		case 'h':
			fputs(evac_usage, stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (sim)
		return simulate(sim, seed);
	int n = argc - optind;
	if (budget <= 0 || n < 1 || n > EVAC_SIM_MAX || interval < 0.02 || downtime < 1)
		goto bad;
	if (cred_json(&tls, cred, sizeof(cred)))
		return 2;
	struct evm *vms = calloc((size_t)n, sizeof(*vms));
	if (!vms)
		return 1;
	for (int i = 0; i < n; i++)
		if (parse_vm(&vms[i], argv[optind + i])) {
			free(vms);
			return 2;
		}
	for (int i = 0; i < n; i++)
		vms[i].cred = cred;
	char req[256], r[CONTROL_REPLY_MAX];
	snprintf(req, sizeof(req),
	         "{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"mode\": \"%s\", "
	         "\"downtime-limit\": %lu, \"max-bandwidth\": 0}}",
	         mode, downtime);
	uint64_t d0[EVAC_SIM_MAX];
	for (int i = 0; i < n; i++) {
		struct evm *m = &vms[i];
		if (ctl_open(m, m->src, 0) || !ctl_ok(m, req, r, sizeof(r))) {
			fprintf(stderr, "tsvmm evacuate: %s: %s\n", m->src,
			        m->fd < 0 ? "cannot connect" : r);
			for (int j = 0; j <= i; j++)
				ctl_close(&vms[j]);
			free(vms);
			return 1;
		}
		m->est_bytes = first_pass_bytes(m, mode);
		d0[i] = guest_dirtied(m);
	}
	double tm = now_s();
	usleep(500000);
	for (int i = 0; i < n; i++) {
		struct evm *m = &vms[i];
		m->v.dirty_bps = (double)(guest_dirtied(m) - d0[i]) * 4096 / (now_s() - tm);
		m->v.remaining = m->est_bytes;
		printf("vm %d %s -> %s:%u: first pass ~%.1f MB, dirty %.2f MB/s\n", i, m->src,
		       m->dst_addr, m->dst_port, m->est_bytes / 1e6, m->v.dirty_bps / 1e6);
	}
	fflush(stdout);
	struct evac_ctl_params p;
	struct evac_ctl ctl;
	evac_ctl_params_default(&p, (enum evac_policy)pol, budget);
	p.interval_s = interval;
	p.deadline_s = deadline;
	p.conns = (int)conns;
	p.max_conns = (int)(max_conns > conns ? max_conns : conns);
	if (pol == EVAC_FIXED_K)
		p.max_concurrency = (int)fixed_k;
	evac_ctl_init(&ctl, &p);
	assign_hosts(vms, n);
	struct evac_vm ev[EVAC_SIM_MAX];
	double t0 = now_s(), next_ctl = t0, last_ctl = t0;
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	printf("evacuation start: unix %.3f, policy %s, %d VMs\n", rt.tv_sec + rt.tv_nsec / 1e9,
	       evac_policy_name((enum evac_policy)pol), n);
	fflush(stdout);
	int left = n;
	uint64_t link_prev = 0;
	if (use_link && linkstat_read(&link)) {
		fprintf(stderr, "tsvmm evacuate: --link-stats %s:%s: no such device there\n",
		        link.spec.netns, link.spec.dev);
		use_link = false;
	}
	while (left > 0 && now_s() - t0 < timeout) {
		double t = now_s();
		if (deadline > 0 && t - t0 >= deadline) {
			power_out(vms, n, t0 + deadline);
			break;
		}
		for (int i = 0; i < n; i++) {
			struct evm *m = &vms[i];
			if (m->v.state == EVAC_SETUP || m->v.state == EVAC_ACTIVE) {
				unsigned passes = m->passes;
				poll_vm(m, t);
				if (!m->done && m->passes > passes)
					pass_dirty(m, i, t, t0);
				if (m->done) {
					m->v.state = EVAC_DONE;
					left--;
				} else if (relay_bytes(&m->relay) > 0) {
					m->v.state = EVAC_ACTIVE;
				}
			}
		}
		if (t >= next_ctl) {
			double dt = t - last_ctl;
			if (use_link && !linkstat_read(&link)) { /* the bottleneck's far side */
				ctl.link_bps = dt > 0 ? (double)(link.total - link_prev) / dt : 0;
				link_prev = link.total;
			}
			for (int i = 0; i < n; i++) {
				struct evm *m = &vms[i];
				uint64_t b = relay_acked(&m->relay);
				m->v.tput_bps = dt > 0 ? (double)(b - m->bytes_prev) / dt : 0;
				m->bytes_prev = b;
				/* pass progress: the first pass' bytes left, then the dirty pages */
				double rem = m->v.pass > 0 ? (double)m->dirty_pages * 4096
				                           : m->est_bytes - (double)b;
				m->v.remaining = rem > 65536 ? rem : 65536;
				ev[i] = m->v;
			}
			evac_ctl_step(&ctl, ev, n);
			log_step(&ctl, ev, n, t - t0);
			for (int i = 0; i < n; i++) {
				struct evm *m = &vms[i];
				m->v = ev[i];
				if (m->v.start) {
					m->v.start = false;
					m->v.state = EVAC_SETUP;
					if (start_vm(m, t)) {
						m->v.state = EVAC_DONE;
						m->done = true;
						m->end_s = t;
						snprintf(m->status, sizeof(m->status), "failed");
						left--;
					}
				}
				if (m->v.state == EVAC_SETUP || m->v.state == EVAC_ACTIVE)
					relay_set_cap(&m->relay, (uint64_t)m->v.cap_bps);
			}
			last_ctl = t;
			next_ctl += interval;
		}
		usleep(TICK_MS * 1000);
	}
	int status = 0;
	for (int i = 0; i < n; i++) {
		struct evm *m = &vms[i];
		if (!m->done) {
			m->end_s = now_s();
			snprintf(m->status, sizeof(m->status), "timeout");
		}
		relay_stop(&m->relay);
		ctl_close(m);
		dest_gap(m);
		if (!m->ok)
			status = 1;
	}
	report(vms, n, t0, &ctl, budget, (enum evac_policy)pol);
	free(vms);
	return status;
bad:
	fputs(evac_usage, stderr);
	return 2;
}
