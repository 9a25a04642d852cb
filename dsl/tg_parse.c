/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parser: recursive descent over the token array.
 *
 *   file    := { import | enum | message }
 *   import  := "import" STRING
 *   enum    := "enum" NAME ":" TYPE { NAME "=" INT } "end"
 *   message := "message" NAME "(" "id" "=" INT "," "version" "=" INT ")"
 *              { field } "end"
 *   field   := type NAME [ "since" INT ]
 *   type    := "optional" base | "list" "<" base ">"
 *            | "array" "<" base ">" "[" INT "]" | base
 *
 * Items are one per line.  After an error the parser skips to the next
 * line and goes on, so one run reports many errors; a "message" or "enum"
 * keyword inside a block means the block was never closed.
 */
#include <string.h>

#include "terngen.h"

struct parser {
	struct tg_file *f;
	struct tg_tok *t;
	size_t n;
	size_t i;
};

static struct tg_tok *peek(struct parser *p) { return &p->t[p->i]; }

static bool is_word(const struct tg_tok *t, const char *w)
{
	return t->kind == TG_T_IDENT && strcmp(t->text, w) == 0;
}

static bool is_punct(const struct tg_tok *t, char c)
{
	return t->kind == TG_T_PUNCT && t->text[0] == c;
}

static const char *describe(const struct tg_tok *t)
{
	static char buf[96];
	switch (t->kind) {
	case TG_T_EOF:
		return "end of file";
	case TG_T_INT:
		return "a number";
	case TG_T_STRING:
		return "a string";
	case TG_T_PUNCT:
		snprintf(buf, sizeof(buf), "'%s'", t->text);
		return buf;
	default:
		snprintf(buf, sizeof(buf), "'%.80s'", t->text);
		return buf;
	}
}

/* Skips the rest of the line holding token @p from (error recovery). */
static void skip_line(struct parser *p, int line)
{
	while (peek(p)->kind != TG_T_EOF && peek(p)->loc.line == line)
		p->i++;
}

static bool expect_punct(struct parser *p, char c)
{
	if (!is_punct(peek(p), c)) {
		tg_error(peek(p)->loc, "expected '%c', found %s", c, describe(peek(p)));
		return false;
	}
	p->i++;
	return true;
}

static bool is_keyword(const char *s)
{
	static const char *const kw[] = { "message", "enum", "end", "import",
					  "optional", "list", "array", "since" };
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strcmp(s, kw[i]) == 0)
			return true;
	return false;
}

static bool expect_name(struct parser *p, const char *what, char **name, struct tg_loc *loc)
{
	struct tg_tok *t = peek(p);
	if (t->kind != TG_T_IDENT || is_keyword(t->text)) {
		tg_error(t->loc, "expected %s name, found %s", what, describe(t));
		return false;
	}
	*name = t->text;
	*loc = t->loc;
	p->i++;
	return true;
}

/* An unsigned integer (negative and oversized values are reported). */
static bool expect_uint(struct parser *p, const char *what, uint64_t *v, struct tg_loc *loc)
{
	struct tg_tok *t = peek(p);
	if (t->kind != TG_T_INT) {
		tg_error(t->loc, "expected %s (a number), found %s", what, describe(t));
		return false;
	}
	p->i++;
	if (loc)
		*loc = t->loc;
	if (t->overflow) {
		tg_error(t->loc, "%s is too large", what);
		return false;
	}
	if (t->negative && t->value) {
		tg_error(t->loc, "%s must not be negative", what);
		return false;
	}
	*v = t->value;
	return true;
}

/* A block ends at "end"; "message"/"enum"/EOF there mean it never did. */
static bool block_ended(struct parser *p, const char *what, const char *name,
			struct tg_loc open)
{
	struct tg_tok *t = peek(p);
	if (is_word(t, "end")) {
		p->i++;
		if (peek(p)->kind != TG_T_EOF && peek(p)->loc.line == t->loc.line) {
			tg_error(peek(p)->loc, "unexpected %s after 'end'", describe(peek(p)));
			skip_line(p, t->loc.line);
		}
		return true;
	}
	if (t->kind == TG_T_EOF || is_word(t, "message") || is_word(t, "enum") ||
	    is_word(t, "import")) {
		tg_error(open, "%s '%s' is not terminated: expected 'end' before %s",
			 what, name, describe(t));
		return true;
	}
	return false;
}

static void parse_import(struct parser *p)
{
	struct tg_tok *kw = &p->t[p->i++];
	struct tg_tok *t = peek(p);
	struct tg_import *imp;

	if (t->kind != TG_T_STRING) {
		tg_error(t->loc, "expected a quoted file name after 'import', found %s",
			 describe(t));
		skip_line(p, kw->loc.line);
		return;
	}
	p->i++;
	imp = TG_APPEND(p->f->imports, p->f->nimports);
	imp->path = t->text;
	imp->loc = t->loc;
}

static void parse_enum(struct parser *p)
{
	struct tg_tok *kw = &p->t[p->i++];
	struct tg_enum *e = tg_alloc(sizeof(*e));
	struct tg_loc bloc;
	char *bname;

	e->file = p->f;
	e->loc = kw->loc;
	e->name = "?";
	e->base = TG_UNRESOLVED;
	if (!expect_name(p, "enum", &e->name, &e->loc) || !expect_punct(p, ':') ||
	    !expect_name(p, "base type", &bname, &bloc)) {
		skip_line(p, kw->loc.line);
	} else if (!tg_kind_from_name(bname, &e->base) ||
		   (e->base != TG_U8 && e->base != TG_U16 && e->base != TG_U32)) {
		tg_error(bloc, "enum base type must be u8, u16 or u32, not '%s'", bname);
		e->base = TG_UNRESOLVED;
	} else if (peek(p)->kind != TG_T_EOF && peek(p)->loc.line == kw->loc.line) {
		tg_error(peek(p)->loc, "unexpected %s after enum header", describe(peek(p)));
		skip_line(p, kw->loc.line);
	}
	*TG_APPEND(p->f->enums, p->f->nenums) = e;

	while (!block_ended(p, "enum", e->name, kw->loc)) {
		struct tg_tok *first = peek(p);
		struct tg_enum_val v = { 0 };
		struct tg_tok *num;

		if (!expect_name(p, "enum value", &v.name, &v.loc) || !expect_punct(p, '=')) {
			skip_line(p, first->loc.line);
			continue;
		}
		num = peek(p);
		if (num->kind != TG_T_INT) {
			tg_error(num->loc, "expected a number, found %s", describe(num));
			skip_line(p, first->loc.line);
			continue;
		}
		p->i++;
		if (num->negative && num->value)
			tg_error(num->loc, "enum value %s = -%llu is out of range for %s",
				 v.name, (unsigned long long)num->value,
				 e->base == TG_UNRESOLVED ? "the base type" : tg_kind_name(e->base));
		else if (num->overflow)
			tg_error(num->loc, "enum value %s is out of range for %s", v.name,
				 e->base == TG_UNRESOLVED ? "the base type" : tg_kind_name(e->base));
		else {
			v.value = num->value;
			*TG_APPEND(e->vals, e->nvals) = v;
		}
		if (peek(p)->kind != TG_T_EOF && peek(p)->loc.line == first->loc.line) {
			tg_error(peek(p)->loc, "unexpected %s after enum value", describe(peek(p)));
			skip_line(p, first->loc.line);
		}
	}
}

static bool parse_base(struct parser *p, struct tg_type *ty)
{
	struct tg_tok *t = peek(p);
	if (t->kind != TG_T_IDENT || is_word(t, "end") || is_word(t, "since")) {
		tg_error(t->loc, "expected a type, found %s", describe(t));
		return false;
	}
	if (is_word(t, "optional") || is_word(t, "list") || is_word(t, "array")) {
		tg_error(t->loc, "'%s' cannot be nested inside another list, array or optional",
			 t->text);
		return false;
	}
	p->i++;
	ty->name = t->text;
	ty->loc = t->loc;
	if (!tg_kind_from_name(t->text, &ty->kind))
		ty->kind = TG_UNRESOLVED;
	return true;
}

static bool parse_type(struct parser *p, struct tg_type *ty)
{
	struct tg_tok *t = peek(p);
	if (is_word(t, "optional")) {
		p->i++;
		ty->wrap = TG_OPTIONAL;
		return parse_base(p, ty);
	}
	if (is_word(t, "list") || is_word(t, "array")) {
		uint64_t n;
		struct tg_loc nloc;
		p->i++;
		ty->wrap = is_word(t, "list") ? TG_LIST : TG_ARRAY;
		if (!expect_punct(p, '<') || !parse_base(p, ty) || !expect_punct(p, '>'))
			return false;
		if (ty->wrap == TG_LIST)
			return true;
		if (!expect_punct(p, '[') || !expect_uint(p, "array size", &n, &nloc) ||
		    !expect_punct(p, ']'))
			return false;
		/* 4096 elements is far beyond any message that belongs on a bus;
		 * larger values are typos and would bloat every struct. */
		if (n == 0 || n > 4096) {
			tg_error(nloc, "array size %llu is out of range (1..4096)",
				 (unsigned long long)n);
			return false;
		}
		ty->array_len = (uint32_t)n;
		return true;
	}
	ty->wrap = TG_PLAIN;
	return parse_base(p, ty);
}

static void parse_message(struct parser *p)
{
	struct tg_tok *kw = &p->t[p->i++];
	struct tg_msg *m = tg_alloc(sizeof(*m));
	bool have_id = false, have_ver = false;

	m->file = p->f;
	m->loc = kw->loc;
	m->name = "?";
	if (!expect_name(p, "message", &m->name, &m->loc) || !expect_punct(p, '('))
		goto bad_head;
	for (;;) {
		struct tg_tok *key = peek(p);
		uint64_t v;
		struct tg_loc vloc;
		if (!is_word(key, "id") && !is_word(key, "version")) {
			tg_error(key->loc, "expected 'id' or 'version', found %s", describe(key));
			goto bad_head;
		}
		p->i++;
		if (!expect_punct(p, '=') || !expect_uint(p, key->text, &v, &vloc))
			goto bad_head;
		if (is_word(key, "id")) {
			m->id = v;
			m->id_loc = vloc;
			have_id = true;
		} else {
			m->version = v;
			have_ver = true;
			if (v == 0 || v > 65535)
				tg_error(vloc, "version %llu is out of range (1..65535)",
					 (unsigned long long)v);
		}
		if (is_punct(peek(p), ')'))
			break;
		if (!expect_punct(p, ','))
			goto bad_head;
	}
	p->i++;
	if (!have_id || !have_ver) {
		tg_error(m->loc, "message '%s' needs both id=N and version=V", m->name);
		if (!have_ver)
			m->version = 1;
	}
	if (have_id && (m->id == 0 || m->id > 65535))
		tg_error(m->id_loc, "message id %llu is out of range (1..65535)",
			 (unsigned long long)m->id);
	if (peek(p)->kind != TG_T_EOF && peek(p)->loc.line == kw->loc.line) {
		tg_error(peek(p)->loc, "unexpected %s after message header", describe(peek(p)));
		skip_line(p, kw->loc.line);
	}
	goto body;
bad_head:
	skip_line(p, kw->loc.line);
	if (!m->version)
		m->version = 1;
body:
	*TG_APPEND(p->f->msgs, p->f->nmsgs) = m;
	while (!block_ended(p, "message", m->name, kw->loc)) {
		struct tg_tok *first = peek(p);
		struct tg_field fl = { 0 };

		fl.since = 1;
		if (!parse_type(p, &fl.type)) {
			skip_line(p, first->loc.line);
			continue;
		}
		if (peek(p)->loc.line != first->loc.line) {
			tg_error(fl.type.loc, "field of type '%s' has no name", fl.type.name);
			continue;
		}
		if (!expect_name(p, "field", &fl.name, &fl.loc)) {
			skip_line(p, first->loc.line);
			continue;
		}
		fl.since_loc = fl.loc;
		if (is_word(peek(p), "since")) {
			uint64_t v;
			p->i++;
			if (!expect_uint(p, "since version", &v, &fl.since_loc)) {
				skip_line(p, first->loc.line);
				continue;
			}
			fl.since = v > 65535 ? 65536 : (uint32_t)v;
		}
		if (peek(p)->kind != TG_T_EOF && peek(p)->loc.line == first->loc.line) {
			tg_error(peek(p)->loc, "unexpected %s after field '%s' (one field per line)",
				 describe(peek(p)), fl.name);
			skip_line(p, first->loc.line);
		}
		*TG_APPEND(m->fields, m->nfields) = fl;
	}
}

void tg_parse(struct tg_file *f, struct tg_tok *toks, size_t ntoks)
{
	struct parser p = { f, toks, ntoks, 0 };

	while (peek(&p)->kind != TG_T_EOF) {
		struct tg_tok *t = peek(&p);
		if (is_word(t, "import"))
			parse_import(&p);
		else if (is_word(t, "enum"))
			parse_enum(&p);
		else if (is_word(t, "message"))
			parse_message(&p);
		else {
			tg_error(t->loc, "expected 'message', 'enum' or 'import', found %s",
				 describe(t));
			p.i++;
			skip_line(&p, t->loc.line);
		}
	}
}
