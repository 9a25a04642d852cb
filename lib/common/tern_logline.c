/* SPDX-License-Identifier: Apache-2.0 */
/* Daemon log lines; see tern_logline.h for their shape and why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tern_logline.h"

const char *tern__log_level_name(int level)
{
	static const char *const names[] = { "emergency", "alert", "critical", "error",
					     "warning", "notice", "info", "debug" };

	return level >= 0 && level < 8 ? names[level] : "debug";
}

bool tern__log_journal(void)
{
	static int journal = -1;
	unsigned long long dev, ino;
	const char *js;
	struct stat st;

	if (journal >= 0)
		return journal;
	js = getenv("JOURNAL_STREAM");
	/* Only when stderr itself is that stream: a redirected stderr of a
	 * process started under systemd keeps the plain format. */
	journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
		  (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	return journal;
}

static size_t stamp(char *buf, size_t cap, int level)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (tern__log_journal())
		return (size_t)snprintf(buf, cap, "<%d>", level < 0 ? 0 : level > 7 ? 7 : level);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	return n + (size_t)snprintf(buf + n, cap - n, ".%06ldZ ", ts.tv_nsec / 1000);
}

void tern__log_write(int level, const char *prog, const char *msg, size_t len)
{
	char line[TERN__LOG_LINE_MAX];
	size_t n = stamp(line, sizeof(line), level), off = 0;

	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s: %s: ", prog,
			      tern__log_level_name(level));
	if (len && msg[len - 1] == '\n')
		len--;
	if (len > sizeof(line) - n - 1)
		len = sizeof(line) - n - 1;
	memcpy(line + n, msg, len);
	n += len;
	line[n++] = '\n';
	while (off < n) {
		ssize_t w = write(2, line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;         /* nowhere to say it */
		off += (size_t)w;
	}
}

void tern__log_vprintf(int level, const char *prog, const char *fmt, va_list ap)
{
	char msg[TERN__LOG_LINE_MAX];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (n < 0)
		return;
	tern__log_write(level, prog, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
}
