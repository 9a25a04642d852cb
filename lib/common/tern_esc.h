/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Untrusted text in log lines.  Client names, topic names, patterns and
 * error text from peers reach tern-control's and tern-dataplane's logs; a
 * newline in one forges a log line, and escape sequences rewrite the
 * operator's terminal.  Every log site that prints such a string passes it
 * through tern__esc() first.
 *
 * Printable ASCII and well-formed UTF-8 stay as they are, so ordinary names
 * read normally.  Everything else is rendered \xNN, one escape per byte:
 * control characters (C0, DEL and the C1 range, which some terminals treat
 * as CSI), the quotes and the backslash (so a quoted field cannot be closed
 * early and an escape in the output is always ours), bytes that are not
 * UTF-8 (overlong forms and surrogates included), and the Unicode line
 * separators and bidirectional overrides that reorder what a reader sees.
 * The output is bounded: a long input is cut on a whole character or
 * escape, and the cut is marked with "...".
 */
#ifndef TERN_ESC_H
#define TERN_ESC_H

#include <stddef.h>
#include <string.h>

/* Room for n input bytes, all escaped, plus "..." and the NUL. */
#define TERN_ESC_LEN(n) (4 * (n) + 4)
/* What a log site usually gives one string: names are at most 63 bytes. */
#define TERN_ESC_MAX TERN_ESC_LEN(64)

/**
 * Render len bytes at in (NUL bytes included) into out, at most cap - 1
 * bytes plus a NUL.  in may be NULL when len is 0.
 * @return out, so it can be an argument of printf (cap 0: NULL).
 */
const char *tern__esc(char *out, size_t cap, const void *in, size_t len);

/* A NUL-terminated string into a local buffer of TERN_ESC_MAX bytes. */
#define TERN_ESC_STR(buf, s) tern__esc((buf), sizeof(buf), (s), strlen(s))

#endif
