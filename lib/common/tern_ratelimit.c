/* SPDX-License-Identifier: Apache-2.0 */
/* Token buckets for log sites; see tern_ratelimit.h. */
#include <time.h>

#include "tern_ratelimit.h"

#define NS 1000000000ull

bool tern__rl_allow(struct tern__rl *rl, uint64_t now_ns, uint64_t *suppressed)
{
	uint64_t cost = rl->per_sec ? NS / rl->per_sec : NS;
	uint64_t cap = (uint64_t)rl->burst * cost, elapsed;

	/* Tokens are kept in ns of refill time, so no fraction of a token is
	 * lost between calls.  First use: a full bucket.  A clock that went
	 * back refills nothing. */
	elapsed = rl->last_ns == 0 ? cap : now_ns > rl->last_ns ? now_ns - rl->last_ns : 0;
	rl->tokens_ns = elapsed >= cap - rl->tokens_ns ? cap : rl->tokens_ns + elapsed;
	rl->last_ns = now_ns;
	if (rl->tokens_ns < cost) {
		rl->suppressed++;
		return false;
	}
	rl->tokens_ns -= cost;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}

void tern__vlog_rl(struct tern__rl *rl, FILE *f, const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	uint64_t sup;

	if (!tern__rl_allow(rl, tern__rl_now(), &sup))
		return;
	if (sup)
		fprintf(f, "%s: suppressed %llu similar messages\n", prefix, (unsigned long long)sup);
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(f, "%s: %s\n", prefix, line);
}

void tern__log_rl(struct tern__rl *rl, FILE *f, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tern__vlog_rl(rl, f, prefix, fmt, ap);
	va_end(ap);
}

uint64_t tern__rl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec + 1;   /* never 0 */
}
