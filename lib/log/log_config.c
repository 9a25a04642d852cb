/* SPDX-License-Identifier: Apache-2.0 */
/* Node-config storage rules to log rules (see log_config.h). */
#include <errno.h>
#include <string.h>

#include "common/tern_config.h"
#include "log_config.h"

int
tern__log_rules_from_config(const struct tern_config *cfg,
		struct tern_log_rule *out, unsigned int cap)
{
	if (cfg->n_rules > cap)
		return -ENOSPC;
	for (unsigned int i = 0; i < cfg->n_rules; i++) {
		const struct tern_storage_rule_cfg *c = &cfg->rules[i];
		struct tern_log_policy p = {
			.interval_ms = c->fsync_interval_ms,
			.segment_bytes = c->segment_bytes,
			.rotate_utc_sec = c->rotate_utc_minute < 0 ? -1 :
				c->rotate_utc_minute * 60,
			.retain_bytes = c->retain_bytes,
			.retain_ns = c->retain_seconds * 1000000000ull,
		};
		if (strcmp(c->fsync, "never") == 0)
			p.fsync = TERN_LOG_FSYNC_NEVER;
		else if (strcmp(c->fsync, "interval") == 0)
			p.fsync = TERN_LOG_FSYNC_INTERVAL;
		else if (strcmp(c->fsync, "always") == 0)
			p.fsync = TERN_LOG_FSYNC_ALWAYS;
		else
			return -EINVAL;
		out[i] = (struct tern_log_rule){c->pattern, c->prefix, p};
	}
	return (int)cfg->n_rules;
}
