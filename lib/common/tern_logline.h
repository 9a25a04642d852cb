/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shape of every daemon log line, shared by tern-dataplane (behind
 * rte_log) and tern-control:
 *
 *     2025-06-01T10:00:00.123456Z tern-control: warning: <message>
 *
 * UTC with microseconds, so lines of the two daemons (and of several
 * nodes) sort together; the level in words, so a grep needs no table.
 *
 * Under systemd (stderr is the journal stream named by $JOURNAL_STREAM)
 * the timestamp gives way to a "<N>" syslog priority prefix, which
 * journald strips and turns into the entry's PRIORITY (sd-daemon(3)); the
 * journal stamps entries itself.  Rejected: sd_journal_print() from
 * libsystemd, a dependency for nothing the stream protocol lacks here
 * (the daemons log one-line text, no structured fields yet), and which
 * would bypass a redirection an operator set up on purpose.
 *
 * Each line is one write(2) to fd 2, so lines of different threads never
 * interleave (stdio's buffer is per FILE, not per line).
 */
#ifndef TERN_LOGLINE_H
#define TERN_LOGLINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* syslog(3) priorities, which rte_log's levels are, minus one. */
enum tern__log_level {
	TERN__LOG_ERR = 3,
	TERN__LOG_WARNING = 4,
	TERN__LOG_NOTICE = 5,
	TERN__LOG_INFO = 6,
	TERN__LOG_DEBUG = 7,
};

#define TERN__LOG_LINE_MAX 1024

/* "error", "warning", ... for a syslog priority (0..7). */
const char *tern__log_level_name(int level);

/* Whether stderr is the systemd journal (checked once, then cached). */
bool tern__log_journal(void);

/* One line "STAMP prog: level: msg" on fd 2; msg is len bytes, a trailing
 * newline dropped, cut to fit TERN__LOG_LINE_MAX. */
void tern__log_write(int level, const char *prog, const char *msg, size_t len);

void tern__log_vprintf(int level, const char *prog, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
