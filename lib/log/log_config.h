/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage rules from the node config ([storage] rule.N, parsed by
 * lib/common) to the log's struct tern_log_rule: the one place that knows
 * both shapes, so the dataplane's storage role only calls this.
 */
#ifndef TERN_LOG_CONFIG_H
#define TERN_LOG_CONFIG_H

#include <tern/tern_log.h>

struct tern_config;

/**
 * Fill @p out with the config's storage rules, in order.  The strings point
 * into @p cfg, which must outlive the rules (tern_log_open() copies them).
 * @return the number of rules; -ENOSPC more than @p cap rules; -EINVAL an
 *   fsync value the log does not know (the config reader checks it too).
 */
int tern__log_rules_from_config(const struct tern_config *cfg,
		struct tern_log_rule *out, unsigned int cap);

#endif
