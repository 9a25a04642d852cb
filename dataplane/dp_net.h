/* SPDX-License-Identifier: Apache-2.0 */
/* Node links: the I/O role of tern-dataplane (dp_net*.c, docs/transport.md). */
#ifndef TERN_DP_NET_H
#define TERN_DP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dp;
struct tern_config;

/* EAL arguments the ports need (--vdev=...): appended by dp_main.c. */
int dp_net_eal_args(const struct tern_config *cfg, char (*buf)[256], int max);
/* After dp_state_create(): start every port. 0 or -errno (logged). */
int dp_net_init(struct dp *dp);
/* One turn of the I/O role: receive, deliver, send.  Returns work done. */
uint32_t dp_net_poll(struct dp *dp);
bool dp_net_active(void);
/* Topic changes, from dp_topics.c. */
void dp_net_topic_created(struct dp *dp, uint32_t id);
void dp_net_topic_deleting(struct dp *dp, uint32_t id);
/* The port that imports topic name, or NULL: its home is elsewhere. */
const char *dp_net_importer(const struct dp *dp, const char *name);
void dp_net_close(struct dp *dp);
/* For ternctl / telemetry: a JSON-ish one line per port into buf. */
size_t dp_net_describe(char *buf, size_t len);
int dp_net_telemetry_init(void);     /* /tern/ports */

#endif
