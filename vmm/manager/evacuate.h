/* SPDX-License-Identifier: MIT */
/*
 * tsvmm evacuate: migrate N VMs from this host to another under one bandwidth budget.
 *
 *   tsvmm evacuate [options] SRC_SOCK=DST_ADDR:PORT[,DST_SOCK] ...
 *
 * Runs on the source host (it talks to every source VM's control socket). Each migration's
 * TCP stream goes through a paced relay in this process (the source VM connects to
 * 127.0.0.1:<relay port>, the relay connects to DST_ADDR:PORT): the relay enforces that
 * migration's bandwidth cap with a token bucket and measures its throughput exactly, so the
 * controller (controller.h) can change caps at any moment (tsvmm's migrate-set-parameters is
 * refused while a migration runs). Before the first start, every VM's dirty rate is measured
 * from the guest's own counter (query-status "dirtied" over 0.5 s) and its first-pass bytes
 * estimated from query-memory-stats and the dedup mode.
 * Report: one row per VM (start, end, duration, downtime, bytes, passes, status), then the
 * totals and score = makespan + mean duration (evac_sim.h).
 * DST_SOCK (the destination VM's control socket), when given, adds the guest-seen stop (its
 * largest TSC gap) after the switchover.
 * Credentials: --tls-psk FILE, --tls-cert/--tls-key/--tls-ca or --migrate-plaintext go into
 * every migrate command (the relay forwards the TLS stream untouched; tls-hostname is set to
 * DST_ADDR for the certificate check); without them each source uses its own tsvmm flags.
 */
#ifndef TSVMM_MANAGER_EVACUATE_H
#define TSVMM_MANAGER_EVACUATE_H

extern const char evac_usage[];

/* main() of "tsvmm evacuate" (argv[0] is "evacuate"). Exit status 0 when every VM
 * migrated, 1 if one failed, 2 on a bad command line. */
int evacuate_main(int argc, char **argv);

#endif
