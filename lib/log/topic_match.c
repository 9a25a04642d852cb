/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Topic validation and wildcard matching.
 *
 * Matching walks pattern and topic token by token in one pass with no
 * allocation and no backtracking: `*` consumes exactly one topic token and
 * `>` (always last) accepts whatever remains if at least one token does.
 * A trie or compiled automaton would pay off only for thousands of patterns
 * per topic; the bus caches match results per topic instead.
 */
#include <errno.h>
#include <string.h>

#include <tern/tern_topic.h>

static bool
tern__topic_char_ok(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("_-+:@=%~#", c) != NULL;
}

int
tern_topic_validate(const char *name, bool allow_wildcards)
{
	if (name == NULL || name[0] == '\0')
		return -EINVAL;
	size_t len = strnlen(name, TERN_TOPIC_MAX + 1);
	if (len > TERN_TOPIC_MAX)
		return -EINVAL;

	const char *p = name;
	for (;;) {
		const char *end = strchr(p, '.');
		size_t tlen = end ? (size_t)(end - p) : strlen(p);

		if (tlen == 0)
			return -EINVAL;
		if (tlen == 1 && (*p == '*' || *p == '>')) {
			if (!allow_wildcards)
				return -EINVAL;
			if (*p == '>' && end != NULL)
				return -EINVAL;     /* '>' must be the last token */
		} else {
			for (size_t i = 0; i < tlen; i++)
				if (!tern__topic_char_ok((unsigned char)p[i]))
					return -EINVAL;
		}
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

bool
tern_topic_match(const char *pattern, const char *topic)
{
	const char *p = pattern, *t = topic;

	if (p == NULL || t == NULL)
		return false;
	for (;;) {
		const char *pe = strchr(p, '.');
		size_t plen = pe ? (size_t)(pe - p) : strlen(p);
		const char *te = strchr(t, '.');
		size_t tlen = te ? (size_t)(te - t) : strlen(t);

		if (plen == 1 && *p == '>' && pe == NULL)
			return tlen > 0;        /* one or more tokens remain */
		if (tlen == 0)
			return false;
		if (!(plen == 1 && *p == '*') &&
		    (plen != tlen || memcmp(p, t, plen) != 0))
			return false;
		if (pe == NULL || te == NULL)
			return pe == NULL && te == NULL;
		p = pe + 1;
		t = te + 1;
	}
}
