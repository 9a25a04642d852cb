/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test harness for tern-control: a fake tern-dataplane served from a thread
 * of the test (it answers every Dp* request and logs what it saw), a real
 * tern-control process started on a temp config pointing at it, and a few
 * client helpers.  No DPDK anywhere.
 */
#ifndef CTL_HARNESS_H
#define CTL_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctl.tmsg.h"

struct harness {
    char dir[64];
    char ini[128];
    char ctl_sock[128];
    char dp_sock[128];
    char bin[256];
    char log[128];                  /* tern-control's stderr */
    pid_t ctl_pid;
};

/* Start another tern-control on the same config; its pid. */
pid_t harness_spawn(const struct harness *h);
/* The same with RLIMIT_NOFILE set to nofile. */
pid_t harness_spawn_limited(const struct harness *h, unsigned nofile);
/* Wait (up to 5 s) until something accepts on the control socket. */
bool harness_ready(const struct harness *h);

/* Write the config (extra_ini appended to it), start the fake dataplane,
 * start tern_control_path and wait for its socket.  0 or -1. */
int harness_start(struct harness *h, const char *tern_control_path, const char *extra_ini);
/* SIGTERM tern-control and wait; returns its exit status (or -1), then
 * stops the fake dataplane and removes the temp dir. */
int harness_stop(struct harness *h);

/* Fake dataplane controls. */
/* The subscription count the fake dataplane reports on every topic. */
void fake_dp_topic_subs(uint32_t n);
void fake_dp_fail_next(int status, const char *error);
/* Wait up to timeout_ms for a logged request starting with prefix (each
 * log line is consumed once).  true if seen. */
bool fake_dp_wait(const char *prefix, int timeout_ms);
void fake_dp_clear(void);
/* Close the connection and stop listening for ms, then listen again. */
void fake_dp_bounce(int ms);
/* Counters reported in DpStatsReply: topic t published = 100 + t. */

/* Client side. */
int cl_connect(const struct harness *h);
/* Send hello; *reply views buf.  Returns reply status or a negative errno
 * if the exchange failed. */
int cl_hello(int fd, uint32_t proto, uint8_t peer, const char *name, const uint16_t *cpus,
             uint32_t ncpus, struct CtlHelloReply *reply, uint8_t *buf, size_t cap);
/* Send len bytes of buf (an encoded request, or raw bytes), with fd_pass;
 * receive a CtlReply into *r (error text copied into err).  Returns the
 * status, or -1000 + (-errno) style negative on transport failure. */
int cl_call(int fd, const void *req, int64_t len, int fd_pass, struct CtlReply *r, char *err,
            size_t errlen);
/* Is fd at EOF within timeout_ms (the daemon closed it)? */
bool cl_eof(int fd, int timeout_ms);

#endif
