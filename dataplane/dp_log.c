/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-dataplane's log: every line goes through rte_log, under log types of
 * its own ("tern.dp" for the process and its clients, "tern.storage" for
 * the storage role and sequence marks), so `--log-level=tern.*:debug` and
 * rte_log_set_level_pattern() work on it as on any DPDK library, and
 * DPDK's own lines (EAL, mempool) come out in the same shape as ours.
 *
 * rte_log writes to a stdio stream; ours is a fopencookie() stream whose
 * write hook gives each message the daemon line format of
 * lib/common/tern_logline.h (UTC timestamp or a journald "<N>" prefix,
 * program, level) and writes it to stderr in one write(2).  The level is
 * the one rte_vlog() records per thread for the message being written.
 *
 * [eal] log_level keeps its meaning, the level of DPDK's own libraries:
 * EAL applies it as the global level, which caps every type, so after
 * rte_eal_init() it moves to the lib/pmd/user type patterns and the
 * global level is opened up; tern's types log at info by default.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include <rte_log.h>

#include "common/tern_logline.h"
#include "dp.h"

int dp_logtype = -1;
int dp_logtype_storage = -1;

RTE_INIT(dp_log_register)
{
	dp_logtype = rte_log_register_type_and_pick_level("tern.dp", RTE_LOG_INFO);
	dp_logtype_storage = rte_log_register_type_and_pick_level("tern.storage", RTE_LOG_INFO);
}

static ssize_t log_write(void *cookie, const char *buf, size_t len)
{
	int level = rte_log_cur_msg_loglevel();     /* RTE_LOG_EMERG (1) .. DEBUG (8) */
	size_t off = 0;

	(void)cookie;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;

		if (n)
			tern__log_write(level > 0 ? level - 1 : TERN__LOG_INFO, "tern-dataplane",
					buf + off, n);
		off += n + (nl != NULL);
	}
	return (ssize_t)len;
}

int dp_log_open(void)
{
	static const cookie_io_functions_t io = { .write = log_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (f == NULL)
		return -1;      /* rte_log keeps stderr */
	/* rte_vlog() flushes after each message: one write hook call each. */
	return rte_openlog_stream(f);
}

void dp_log_levels(void)
{
	uint32_t dpdk = rte_log_get_global_level();

	rte_log_set_level_pattern("lib.*", dpdk);
	rte_log_set_level_pattern("pmd.*", dpdk);
	rte_log_set_level_pattern("user*", dpdk);
	rte_log_set_global_level(RTE_LOG_DEBUG);
}

int dp_log_level_parse(const char *name)
{
	for (int i = 0; i < 8; i++)
		if (strcmp(name, tern__log_level_name(i)) == 0)
			return i + 1;
	return name[0] >= '1' && name[0] <= '8' && !name[1] ? name[0] - '0' : -1;
}
