/* SPDX-License-Identifier: Apache-2.0 */
/* Storage prefix check (see log_prefix.h). */
#include <string.h>

#include "log_prefix.h"
#include "log_segment.h"

static size_t
tern__count(const char *s, const char *end, const char *needle)
{
	size_t n = 0, nl = strlen(needle);

	for (const char *p = s; (p = strstr(p, needle)) != NULL && p < end; p += nl)
		n++;
	return n;
}

const char *
tern__log_prefix_problem(const char *prefix, size_t topic_max)
{
	size_t len = strlen(prefix);

	if (len == 0)
		return "empty prefix";
	if (prefix[0] == '/')
		return "absolute path: the prefix is relative to [storage] dir";
	if (strstr(prefix, ".."))
		return "'..' is not allowed: the prefix must stay inside [storage] dir";
	if (prefix[len - 1] == '/')
		return "ends in '/': the part after the last '/' names the files";
	if (strstr(prefix, "//"))
		return "empty directory name ('//')";
	if (len >= TERN_LOG_PREFIX_MAX)
		return "longer than 191 characters";
	if (topic_max == 0)
		return NULL;
	/* the longest expansion, whole and of the file name part */
	const char *end = prefix + len, *slash = strrchr(prefix, '/');
	const char *base = slash ? slash + 1 : prefix;
	size_t all = tern__count(prefix, end, "{topic}");
	size_t in_base = tern__count(base, end, "{topic}");
	if (len - 7 * all + topic_max * all >= TERN_LOG_EXPANDED_MAX)
		return "expands past 255 characters for the longest topic name";
	if ((size_t)(end - base) - 7 * in_base + topic_max * in_base +
			TERN__SEG_SUFFIX_LEN >= TERN__NAME_MAX)
		return "the file name expands past the 255-byte limit for the longest "
			"topic name";
	return NULL;
}
