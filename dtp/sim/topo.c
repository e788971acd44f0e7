// SPDX-License-Identifier: MIT
/* dtp-sim topologies (see topo.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/topo.h"

static int grow(void **p, unsigned *cap, unsigned need, size_t size)
{
	if (need <= *cap)
		return 0;
	unsigned n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, (size_t)n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static int add_node(struct topo *t, const char *name)
{
	unsigned cap = t->cap_nodes;
	if (grow((void **)&t->names, &cap, t->nnodes + 1, sizeof(*t->names)) ||
	    grow((void **)&t->host, &t->cap_nodes, t->nnodes + 1, sizeof(*t->host)))
		return -1;
	snprintf(t->names[t->nnodes], TOPO_NAME_MAX, "%s", name);
	t->host[t->nnodes] = name[0] == 'h';
	return (int)t->nnodes++;
}

static int add_link(struct topo *t, unsigned a, unsigned b, double m)
{
	if (grow((void **)&t->links, &t->cap_links, t->nlinks + 1, sizeof(*t->links)))
		return -1;
	t->links[t->nlinks++] = (struct topo_link){a, b, m};
	return 0;
}

static int nodef(struct topo *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int nodef(struct topo *t, const char *fmt, ...)
{
	char name[TOPO_NAME_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return add_node(t, name);
}

int topo_find(const struct topo *t, const char *name)
{
	for (unsigned i = 0; i < t->nnodes; i++)
		if (!strcmp(t->names[i], name))
			return (int)i;
	return -1;
}

static int gen_line_ring(struct topo *t, long n, bool ring, double m)
{
	long nodes = ring ? n : n + 1;
	for (long i = 0; i < nodes; i++)
		if (nodef(t, "s%ld", i) < 0)
			return -1;
	for (long i = 0; i + 1 < nodes; i++)
		if (add_link(t, (unsigned)i, (unsigned)i + 1, m))
			return -1;
	return ring ? add_link(t, (unsigned)n - 1, 0, m) : 0;
}

static int gen_star(struct topo *t, long n, double m)
{
	if (add_node(t, "s0") < 0)
		return -1;
	for (long i = 1; i <= n; i++)
		if (nodef(t, "h%ld", i) < 0 || add_link(t, 0, (unsigned)i, m))
			return -1;
	return 0;
}

static int gen_fattree(struct topo *t, long k, double m)
{
	long h = k / 2;
	unsigned core0 = t->nnodes;
	for (long c = 0; c < h * h; c++)
		if (nodef(t, "c%ld", c) < 0)
			return -1;
	for (long p = 0; p < k; p++) {
		unsigned agg0 = t->nnodes;
		for (long a = 0; a < h; a++) {
			if (nodef(t, "a%ld_%ld", p, a) < 0)
				return -1;
			for (long c = 0; c < h; c++)
				if (add_link(t, agg0 + (unsigned)a, core0 + (unsigned)(a * h + c),
				             m))
					return -1;
		}
		for (long e = 0; e < h; e++) {
			int en = nodef(t, "e%ld_%ld", p, e);
			if (en < 0)
				return -1;
			for (long a = 0; a < h; a++)
				if (add_link(t, (unsigned)en, agg0 + (unsigned)a, m))
					return -1;
			for (long i = 0; i < h; i++) {
				int hn = nodef(t, "h%ld_%ld_%ld", p, e, i);
				if (hn < 0 || add_link(t, (unsigned)hn, (unsigned)en, m))
					return -1;
			}
		}
	}
	return 0;
}

static int gen_leafspine(struct topo *t, long a, long b, double m)
{
	for (long i = 0; i < a; i++)
		if (nodef(t, "sp%ld", i) < 0)
			return -1;
	for (long j = 0; j < b; j++) {
		int l = nodef(t, "l%ld", j);
		if (l < 0)
			return -1;
		for (long i = 0; i < a; i++)
			if (add_link(t, (unsigned)l, (unsigned)i, m))
				return -1;
	}
	return 0;
}

static int read_file(struct topo *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	unsigned long ln = 0;
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		ln++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char a[256], b[256], m[256], extra[2];
		int n = sscanf(line, "%255s %255s %255s %1s", a, b, m, extra);
		if (n <= 0)
			continue;
		char *end;
		double metres = n >= 3 ? strtod(m, &end) : 0;
		const char *why = NULL;
		if (n != 3)
			why = "expected NODE NODE METRES";
		else if (*end || !(metres >= 0 && metres <= 1e5))
			why = "METRES must be a number in [0, 100000]";
		else if (strlen(a) >= TOPO_NAME_MAX || strlen(b) >= TOPO_NAME_MAX)
			why = "node name longer than 31 characters";
		else if (!strcmp(a, b))
			why = "a link from a node to itself";
		if (why) {
			snprintf(err, errlen, "%s:%lu: %s", path, ln, why);
			rc = -1;
			break;
		}
		int ia = topo_find(t, a), ib;
		if (ia < 0)
			ia = add_node(t, a);
		ib = topo_find(t, b);
		if (ib < 0)
			ib = add_node(t, b);
		if (ia < 0 || ib < 0 || add_link(t, (unsigned)ia, (unsigned)ib, metres)) {
			snprintf(err, errlen, "%s:%lu: out of memory", path, ln);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	if (rc == 0 && t->nlinks == 0) {
		snprintf(err, errlen, "%s:%lu: no links", path, ln);
		rc = -1;
	}
	fclose(f);
	return rc;
}

int topo_build(struct topo *t, const char *spec, double cable_m, char *err, size_t errlen)
{
	*t = (struct topo){0};
	long x = 0, y = 0;
	char tail[2];
	int rc;
	if (!strncmp(spec, "file:", 5))
		return read_file(t, spec + 5, err, errlen);
	if (sscanf(spec, "line:%ld%1s", &x, tail) == 1 && x >= 1 && x <= 100000)
		rc = gen_line_ring(t, x, false, cable_m);
	else if (sscanf(spec, "ring:%ld%1s", &x, tail) == 1 && x >= 3 && x <= 100000)
		rc = gen_line_ring(t, x, true, cable_m);
	else if (sscanf(spec, "star:%ld%1s", &x, tail) == 1 && x >= 1 && x <= 100000)
		rc = gen_star(t, x, cable_m);
	else if (sscanf(spec, "fattree:%ld%1s", &x, tail) == 1 && x >= 2 && x <= 64 && x % 2 == 0)
		rc = gen_fattree(t, x, cable_m);
	else if (sscanf(spec, "leafspine:%ldx%ld%1s", &x, &y, tail) == 2 && x >= 1 && y >= 1 &&
	         x * y <= 1000000)
		rc = gen_leafspine(t, x, y, cable_m);
	else {
		snprintf(err, errlen,
		         "bad topology '%s' (expected line:N, star:N, ring:N (N >= 3), fattree:K "
		         "(K even, 2..64), leafspine:AxB or file:PATH)",
		         spec);
		return -1;
	}
	if (rc)
		snprintf(err, errlen, "%s: out of memory", spec);
	return rc;
}

void topo_free(struct topo *t)
{
	free(t->names);
	free(t->host);
	free(t->links);
	*t = (struct topo){0};
}

int topo_diameter(const struct topo *t, const bool *up)
{
	unsigned n = t->nnodes;
	unsigned *deg = calloc(n + 1, sizeof(*deg)),
	         *adj = malloc(2 * t->nlinks * sizeof(*adj) + 1);
	int *dist = malloc(n * sizeof(*dist) + 1);
	unsigned *queue = malloc(n * sizeof(*queue) + 1);
	int diam = 0;
	if (!deg || !adj || !dist || !queue) {
		diam = -1;
		goto out;
	}
	/* adjacency in CSR form: deg[i] .. deg[i+1] index adj */
	for (unsigned l = 0; l < t->nlinks; l++)
		if (!up || up[l]) {
			deg[t->links[l].a + 1]++;
			deg[t->links[l].b + 1]++;
		}
	for (unsigned i = 0; i < n; i++)
		deg[i + 1] += deg[i];
	unsigned *fill = queue; /* borrow as cursor */
	for (unsigned i = 0; i < n; i++)
		fill[i] = deg[i];
	for (unsigned l = 0; l < t->nlinks; l++)
		if (!up || up[l]) {
			adj[fill[t->links[l].a]++] = t->links[l].b;
			adj[fill[t->links[l].b]++] = t->links[l].a;
		}
	for (unsigned s = 0; s < n && diam >= 0; s++) {
		for (unsigned i = 0; i < n; i++)
			dist[i] = -1;
		unsigned head = 0, tail = 0, seen = 1;
		dist[s] = 0;
		queue[tail++] = s;
		while (head < tail) {
			unsigned u = queue[head++];
			if (dist[u] > diam)
				diam = dist[u];
			for (unsigned k = deg[u]; k < deg[u + 1]; k++)
				if (dist[adj[k]] < 0) {
					dist[adj[k]] = dist[u] + 1;
					queue[tail++] = adj[k];
					seen++;
				}
		}
		if (seen < n)
			diam = -1;
	}
out:
	free(deg);
	free(adj);
	free(dist);
	free(queue);
	return diam;
}
