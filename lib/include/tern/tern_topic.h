/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Topic names and topic patterns, shared by the bus (subscriptions) and the
 * log (storage rules) so both agree on one syntax.
 *
 * A topic is one or more dot-separated tokens (`md.eq.AAPL`).  A pattern may
 * use two wildcards, each a whole token: `*` matches exactly one token, `>`
 * matches one or more trailing tokens and must be last (NATS semantics:
 * `md.>` matches `md.eq` and `md.eq.AAPL`, not `md`).
 */
#ifndef TERN_TOPIC_H
#define TERN_TOPIC_H

#include <stdbool.h>

#include <tern/tern_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest topic name or pattern in bytes, without the terminating NUL:
 * what the bus, tern-control and ternctl accept (a name is one file-name
 * component's worth).  A stored topic must also fit its rule's file names
 * (prefix + topic + segment suffix within NAME_MAX, 255): the dataplane
 * refuses to create a stored topic that would not. */
#define TERN_TOPIC_MAX 255

/**
 * Check a topic name or pattern.
 *
 * Tokens are non-empty and made of ASCII letters, digits and `_ - + : @ = %
 * ~ #`.  With @p allow_wildcards a token may also be exactly `*`, or exactly
 * `>` if it is the last token.
 *
 * @param name  NUL-terminated name; NULL is invalid.
 * @param allow_wildcards  true for subscription and storage-rule patterns.
 * @return 0 when valid;
 *   -EINVAL when NULL, empty, longer than TERN_TOPIC_MAX, with an empty
 *   token, a character outside the set, or a misplaced wildcard.
 */
TERN_API int tern_topic_validate(const char *name, bool allow_wildcards);

/**
 * Does @p topic match @p pattern?
 *
 * Allocates nothing, makes no system call; O(length).  Neither argument is
 * validated: an invalid pattern or topic simply matches less (a literal `*`
 * or `>` in @p topic is just a character).
 *
 * @param pattern  pattern with optional `*` / `>` tokens.
 * @param topic    concrete topic name.
 * @return true when every token matches.
 */
TERN_API bool tern_topic_match(const char *pattern, const char *topic);

#ifdef __cplusplus
}
#endif

#endif
