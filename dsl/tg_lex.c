/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lexer: the whole file becomes one token array up front, which lets the
 * parser look ahead and resynchronise on line boundaries after an error.
 * Newlines are not tokens; the parser uses token lines instead.
 */
#include <ctype.h>
#include <string.h>

#include "terngen.h"

static bool is_ident_start(int c) { return isalpha(c) || c == '_'; }
static bool is_ident(int c) { return isalnum(c) || c == '_'; }

struct lexer {
	const char *file;
	const char *s;
	size_t i;
	int line;
	size_t line_start;
};

static struct tg_loc here(const struct lexer *lx, size_t at)
{
	struct tg_loc l = { lx->file, lx->line, (int)(at - lx->line_start) + 1 };
	return l;
}

static void lex_int(struct lexer *lx, struct tg_tok *t)
{
	const char *s = lx->s;
	unsigned base = 10;
	uint64_t v = 0;
	bool any = false;

	if (s[lx->i] == '-') {
		t->negative = true;
		lx->i++;
	}
	if (s[lx->i] == '0' && (s[lx->i + 1] == 'x' || s[lx->i + 1] == 'X')) {
		base = 16;
		lx->i += 2;
	}
	for (;; lx->i++) {
		int c = (unsigned char)s[lx->i];
		unsigned d;
		if (isdigit(c))
			d = (unsigned)(c - '0');
		else if (base == 16 && isxdigit(c))
			d = (unsigned)(tolower(c) - 'a' + 10);
		else
			break;
		any = true;
		if (v > (UINT64_MAX - d) / base)
			t->overflow = true;
		v = v * base + d;
	}
	if (!any || is_ident(s[lx->i])) {
		tg_error(t->loc, "malformed number");
		while (is_ident(s[lx->i]))
			lx->i++;
	}
	t->value = v;
}

static void lex_string(struct lexer *lx, struct tg_tok *t)
{
	size_t start = ++lx->i;
	while (lx->s[lx->i] && lx->s[lx->i] != '"' && lx->s[lx->i] != '\n')
		lx->i++;
	t->text = tg_strndup(lx->s + start, lx->i - start);
	if (lx->s[lx->i] != '"')
		tg_error(t->loc, "unterminated string");
	else
		lx->i++;
}

struct tg_tok *tg_lex(const char *file, const char *src, size_t *ntoks)
{
	struct lexer lx = { file, src, 0, 1, 0 };
	struct tg_tok *toks = NULL;
	size_t n = 0;

	for (;;) {
		int c = (unsigned char)src[lx.i];
		struct tg_tok *t;

		if (c == '\n') {
			lx.i++;
			lx.line++;
			lx.line_start = lx.i;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			lx.i++;
			continue;
		}
		if (c == '#') {
			while (src[lx.i] && src[lx.i] != '\n')
				lx.i++;
			continue;
		}
		t = TG_APPEND(toks, n);
		t->loc = here(&lx, lx.i);
		if (c == 0) {
			t->kind = TG_T_EOF;
			break;
		}
		if (is_ident_start(c)) {
			size_t start = lx.i;
			while (is_ident(src[lx.i]))
				lx.i++;
			t->kind = TG_T_IDENT;
			t->text = tg_strndup(src + start, lx.i - start);
		} else if (isdigit(c) || (c == '-' && isdigit((unsigned char)src[lx.i + 1]))) {
			t->kind = TG_T_INT;
			lex_int(&lx, t);
		} else if (c == '"') {
			t->kind = TG_T_STRING;
			lex_string(&lx, t);
		} else if (strchr("()=,<>[]:", c)) {
			t->kind = TG_T_PUNCT;
			t->text = tg_strndup(src + lx.i, 1);
			lx.i++;
		} else {
			if (isprint(c))
				tg_error(t->loc, "unexpected character '%c'", c);
			else
				tg_error(t->loc, "unexpected byte 0x%02x", c);
			lx.i++;
			n--; /* drop the slot: the bad byte is not a token */
		}
	}
	*ntoks = n;
	return toks;
}
