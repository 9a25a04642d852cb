/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signals of tern-dataplane, read from a signalfd in the control socket's
 * epoll, so that a handler never runs in the middle of a change to shared
 * state and every signal is handled by the main lcore's loop:
 *
 *   SIGTERM, SIGINT  graceful drain, then exit 0 (dp_drain.c); a second
 *                    one during the drain stops at once
 *   SIGUSR1          stats dump to the log (dp_dump.c)
 *   SIGHUP           re-read the config file: [eal] log_level and
 *                    [node] drain_timeout_ms take effect; every other key
 *                    sizes shared memory or EAL and needs a restart, which
 *                    the log says, naming the file
 *   SIGPIPE          ignored: a write to a closed socket fails with EPIPE,
 *                    which the caller handles
 *
 * The mask is set before rte_eal_init(), so that every EAL thread
 * (interrupts, telemetry, lcores) inherits it: a signal the kernel handed
 * to one of them would otherwise take its default action there, which for
 * SIGUSR1 and SIGHUP is to kill the process.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "dp.h"

static sigset_t handled(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	return set;
}

int dp_signal_block(void)
{
	sigset_t set = handled();

	signal(SIGPIPE, SIG_IGN);
	return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -errno;
}

int dp_signal_open(struct dp *dp)
{
	sigset_t set = handled();
	struct epoll_event ev = { .events = EPOLLIN };

	dp->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (dp->signal_fd < 0)
		return -errno;
	ev.data.fd = dp->signal_fd;
	if (epoll_ctl(dp->epfd, EPOLL_CTL_ADD, dp->signal_fd, &ev) < 0)
		return -errno;
	return 0;
}

/* Re-read what can change while running; say what cannot. */
static void reload(struct dp *dp)
{
	static struct tern_config next, was;
	/* main() owns the config; the rest of the dataplane only reads it. */
	struct tern_config *cfg = (struct tern_config *)(uintptr_t)dp->cfg;
	char err[2048];
	int level;

	if (strcmp(cfg->source, "<embedded default>") == 0) {
		DP_LOG(NOTICE, "SIGHUP: running on the embedded default config: nothing to re-read");
		return;
	}
	if (tern_config_load(&next, cfg->source, err, sizeof(err)) < 0) {
		err[strcspn(err, "\n")] = '\0';
		DP_LOG(ERR, "SIGHUP: cannot re-read %s, keeping the running config: %s",
		       cfg->source, err);
		return;
	}
	level = dp_log_level_parse(next.log_level);
	was = *cfg;
	if (strcmp(next.log_level, cfg->log_level) != 0 && level > 0) {
		rte_log_set_level_pattern("lib.*", (uint32_t)level);
		rte_log_set_level_pattern("pmd.*", (uint32_t)level);
		rte_log_set_level_pattern("user*", (uint32_t)level);
	}
	memcpy(cfg->log_level, next.log_level, sizeof(cfg->log_level));
	cfg->drain_timeout_ms = next.drain_timeout_ms;
	/* Whatever else differs was sized into shared memory or EAL. */
	memcpy(next.source, cfg->source, sizeof(next.source));
	DP_LOG(NOTICE, "SIGHUP: re-read %s: [eal] log_level %s -> %s, [node] drain_timeout_ms "
	       "%u -> %u applied%s", cfg->source, was.log_level, cfg->log_level,
	       was.drain_timeout_ms, cfg->drain_timeout_ms,
	       memcmp(&next, cfg, sizeof(next)) ? "; other keys changed and need a restart "
	       "(they size shared memory and EAL)" : "");
}

void dp_signal_read(struct dp *dp)
{
	struct signalfd_siginfo si;

	while (read(dp->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			dp_stats_dump(dp);
			break;
		case SIGHUP:
			reload(dp);
			break;
		default:        /* SIGTERM, SIGINT */
			if (dp->draining) {
				DP_LOG(WARNING, "signal %u (%s) during the drain: stopping now",
				       si.ssi_signo, strsignal((int)si.ssi_signo));
				dp->stop = true;
			} else {
				dp_drain_begin(dp, (int)si.ssi_signo);
			}
			break;
		}
	}
}
