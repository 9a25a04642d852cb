/* SPDX-License-Identifier: Apache-2.0 */
/* Untrusted text for log lines; see tern_esc.h for what is escaped and why. */
#include <stdbool.h>
#include <stdint.h>

#include "tern_esc.h"

#define MARK "..."

/* Length of the well-formed UTF-8 sequence at p[0, n) (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), 0 if there is
 * none; *cp gets the code point. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint8_t b = p[0], lo = 0x80, hi = 0xbf;
	size_t k;

	if (b >= 0xc2 && b <= 0xdf)
		k = 2;
	else if (b >= 0xe0 && b <= 0xef)
		k = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		k = 4;
	else
		return 0;
	if (k > n)
		return 0;
	/* The second byte's range is what rules out the ill-formed cases. */
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	*cp = b & (0x7f >> k);
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	return k;
}

/* Valid, but changes what a reader sees: C1 controls, line and paragraph
 * separators, and the marks and overrides of bidirectional text. */
static bool misleading(uint32_t cp)
{
	return cp <= 0x9f || cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* The next unit at p[0, n): *in_len bytes of input, *esc whether each is
 * rendered \xNN.  Returns its output length. */
static size_t unit(const uint8_t *p, size_t n, size_t *in_len, bool *esc)
{
	uint32_t cp;
	size_t k;

	if (p[0] >= 0x20 && p[0] < 0x7f) {
		*in_len = 1;
		*esc = p[0] == '"' || p[0] == '\'' || p[0] == '\\';
	} else if ((k = utf8_seq(p, n, &cp)) != 0) {
		*in_len = k;
		*esc = misleading(cp);
	} else {
		*in_len = 1;
		*esc = true;
	}
	return *esc ? 4 * *in_len : *in_len;
}

const char *tern__esc(char *out, size_t cap, const void *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = in;
	size_t pos = 0, room, full = 0, i, k;
	bool esc;

	if (cap == 0)
		return NULL;
	for (i = 0; i < len; i += k)
		full += unit(p + i, len - i, &k, &esc);
	/* Cut on a whole unit, leaving room for the mark, if it all does not fit. */
	room = full < cap ? full : (cap > sizeof(MARK) ? cap - sizeof(MARK) : 0);
	for (i = 0; i < len; i += k) {
		size_t o = unit(p + i, len - i, &k, &esc);
		if (pos + o > room)
			break;
		for (size_t j = 0; j < k; j++) {
			if (esc) {
				out[pos++] = '\\';
				out[pos++] = 'x';
				out[pos++] = hex[p[i + j] >> 4];
				out[pos++] = hex[p[i + j] & 15];
			} else {
				out[pos++] = (char)p[i + j];
			}
		}
	}
	if (i < len && cap > sizeof(MARK)) {
		memcpy(out + pos, MARK, sizeof(MARK) - 1);
		pos += sizeof(MARK) - 1;
	}
	out[pos] = '\0';
	return out;
}
