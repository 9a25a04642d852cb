/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Semantic checks over every loaded file: one global namespace of types
 * (generated C shares one namespace too), unique message ids, enum values
 * in range, field rules, and no message containing itself.  Recursion is
 * refused even through list<>: it would make decode validation recurse
 * without a bound the schema can state.
 */
#include <stdlib.h>
#include <string.h>

#include "terngen.h"
#include "tern/tern_codec.h"   /* the reserved type-id range */

static const struct {
	const char *name;
	enum tg_kind kind;
	unsigned width;
} kinds[] = {
	{ "i8", TG_I8, 1 },	  { "i16", TG_I16, 2 },	     { "i32", TG_I32, 4 },
	{ "i64", TG_I64, 8 },	  { "u8", TG_U8, 1 },	     { "u16", TG_U16, 2 },
	{ "u32", TG_U32, 4 },	  { "u64", TG_U64, 8 },	     { "f32", TG_F32, 4 },
	{ "f64", TG_F64, 8 },	  { "bool", TG_BOOL, 1 },    { "datetime_ns", TG_DATETIME, 8 },
	{ "string", TG_STRING, 0 },
};

bool tg_kind_from_name(const char *s, enum tg_kind *k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, s) == 0) {
			*k = kinds[i].kind;
			return true;
		}
	return false;
}

const char *tg_kind_name(enum tg_kind k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "?";
}

unsigned tg_kind_width(enum tg_kind k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == k)
			return kinds[i].width;
	return 0;
}

/* Field and type names become C identifiers. */
static bool is_c_keyword(const char *s)
{
	static const char *const kw[] = {
		"auto", "break", "case", "char", "const", "continue", "default", "do",
		"double", "else", "enum", "extern", "float", "for", "goto", "if",
		"inline", "int", "long", "register", "restrict", "return", "short",
		"signed", "sizeof", "static", "struct", "switch", "typedef", "union",
		"unsigned", "void", "volatile", "while", "bool", "true", "false",
		"_Bool", "_Alignas", "_Alignof", "_Atomic", "_Generic", "_Noreturn",
		"_Static_assert", "_Thread_local", "NULL",
	};
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strcmp(s, kw[i]) == 0)
			return true;
	return false;
}

struct sym {
	const char *name;
	struct tg_loc loc;
	struct tg_enum *en;
	struct tg_msg *msg;
};
static struct sym *syms;
static size_t nsyms;

static struct sym *find_sym(const char *name)
{
	for (size_t i = 0; i < nsyms; i++)
		if (strcmp(syms[i].name, name) == 0)
			return &syms[i];
	return NULL;
}

static void add_sym(const char *name, struct tg_loc loc, struct tg_enum *en, struct tg_msg *m)
{
	struct sym *old = find_sym(name);
	struct sym *s;

	if (old) {
		tg_error(loc, "duplicate type name '%s' (first defined at %s:%d:%d)", name,
			 old->loc.file, old->loc.line, old->loc.col);
		return;
	}
	if (is_c_keyword(name) || tg_kind_from_name(name, &(enum tg_kind){ TG_I8 }) ||
	    strncmp(name, "tern_", 5) == 0) {
		tg_error(loc, "'%s' is reserved and cannot name a type", name);
		return;
	}
	s = TG_APPEND(syms, nsyms);
	s->name = name;
	s->loc = loc;
	s->en = en;
	s->msg = m;
}

static void check_enum(struct tg_enum *e)
{
	uint64_t max = e->base == TG_U8 ? UINT8_MAX : e->base == TG_U16 ? UINT16_MAX : UINT32_MAX;

	if (e->nvals == 0 && e->base != TG_UNRESOLVED)
		tg_error(e->loc, "enum '%s' has no values", e->name);
	for (size_t i = 0; i < e->nvals; i++) {
		struct tg_enum_val *v = &e->vals[i];
		if (e->base != TG_UNRESOLVED && v->value > max)
			tg_error(v->loc, "enum value %s = %llu is out of range for %s (max %llu)",
				 v->name, (unsigned long long)v->value, tg_kind_name(e->base),
				 (unsigned long long)max);
		if (is_c_keyword(v->name))
			tg_error(v->loc, "'%s' is a C keyword and cannot name an enum value",
				 v->name);
		/* E_<value> would collide with the generated E_valid(), E_name()
		 * and E_desc */
		if (!strcmp(v->name, "valid") || !strcmp(v->name, "name") ||
		    !strcmp(v->name, "desc"))
			tg_error(v->loc, "enum value name '%s' is reserved (it would clash with "
				 "the generated %s_%s)", v->name, e->name, v->name);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(e->vals[j].name, v->name) == 0)
				tg_error(v->loc, "duplicate enum value name '%s' in enum '%s'",
					 v->name, e->name);
			else if (e->vals[j].value == v->value)
				tg_error(v->loc, "enum values %s and %s of '%s' are both %llu",
					 e->vals[j].name, v->name, e->name,
					 (unsigned long long)v->value);
		}
	}
}

static void resolve_field(struct tg_msg *m, struct tg_field *fl)
{
	struct tg_type *t = &fl->type;
	struct sym *s;

	(void)m;
	if (t->kind != TG_UNRESOLVED)
		return;
	s = find_sym(t->name);
	if (!s) {
		tg_error(t->loc, "unknown type '%s'", t->name);
		return;
	}
	if (s->en) {
		t->kind = s->en->base == TG_UNRESOLVED ? TG_UNRESOLVED : TG_ENUM;
		t->en = s->en;
	} else {
		t->kind = TG_MSG;
		t->msg = s->msg;
	}
}

static void check_fields(struct tg_msg *m)
{
	uint32_t prev_since = 1;

	for (size_t i = 0; i < m->nfields; i++) {
		struct tg_field *fl = &m->fields[i];

		resolve_field(m, fl);
		if (is_c_keyword(fl->name))
			tg_error(fl->loc, "'%s' is a C keyword and cannot name a field", fl->name);
		for (size_t j = 0; j < i; j++) {
			const char *other = m->fields[j].name;
			if (strcmp(other, fl->name) == 0)
				tg_error(fl->loc, "duplicate field name '%s' in message '%s'",
					 fl->name, m->name);
			/* optional x generates the member has_x */
			if ((m->fields[j].type.wrap == TG_OPTIONAL &&
			     strncmp(fl->name, "has_", 4) == 0 && strcmp(fl->name + 4, other) == 0) ||
			    (fl->type.wrap == TG_OPTIONAL && strncmp(other, "has_", 4) == 0 &&
			     strcmp(other + 4, fl->name) == 0))
				tg_error(fl->loc, "field name '%s' clashes with the has_ flag of "
					 "an optional field", fl->name);
		}
		if (fl->since == 0 || fl->since > m->version)
			tg_error(fl->since_loc, "field '%s' since %u: must be between 1 and the "
				 "message version %llu", fl->name, fl->since,
				 (unsigned long long)m->version);
		else if (fl->since < prev_since)
			tg_error(fl->since_loc, "field '%s' since %u follows a field since %u: "
				 "fields must be appended in version order", fl->name, fl->since,
				 prev_since);
		else
			prev_since = fl->since;
	}
}

/* Depth-first search for a message reachable from itself. */
static struct tg_msg *path[256];
static size_t npath;

static void find_cycle(struct tg_msg *m)
{
	if (m->mark == 2)
		return;
	if (m->mark == 1) {
		char msg[1024] = "";
		size_t at = 0;
		size_t top = npath < 256 ? npath : 256;
		while (at < top && path[at] != m)
			at++;
		for (size_t k = at; k < top; k++) {
			strncat(msg, path[k]->name, sizeof(msg) - strlen(msg) - 1);
			strncat(msg, " -> ", sizeof(msg) - strlen(msg) - 1);
		}
		strncat(msg, m->name, sizeof(msg) - strlen(msg) - 1);
		tg_error(m->loc, "message '%s' contains itself (%s)", m->name, msg);
		return;
	}
	m->mark = 1;
	/* Depth is bounded by the number of messages: a deeper chain would
	 * already have closed a cycle. */
	if (npath < sizeof(path) / sizeof(path[0]))
		path[npath] = m;
	npath++;
	for (size_t i = 0; i < m->nfields; i++)
		if (m->fields[i].type.kind == TG_MSG)
			find_cycle(m->fields[i].type.msg);
	npath--;
	m->mark = 2;
}

/* Size bound, for _MAX_SIZE; only called on acyclic schemas. */
static void compute_bound(struct tg_msg *m)
{
	uint64_t n = 8;
	bool bounded = true;

	for (size_t i = 0; i < m->nfields; i++) {
		struct tg_type *t = &m->fields[i].type;
		uint64_t w;

		if (t->wrap == TG_LIST || t->kind == TG_STRING) {
			bounded = false;
			continue;
		}
		if (t->kind == TG_MSG) {
			compute_bound(t->msg);
			bounded = bounded && t->msg->bounded;
			w = t->msg->max_size;
		} else if (t->kind == TG_ENUM) {
			w = tg_kind_width(t->en->base);
		} else {
			w = tg_kind_width(t->kind);
		}
		if (t->wrap == TG_ARRAY)
			w *= t->array_len;
		if (t->wrap == TG_OPTIONAL)
			w += 1;
		n += w;
	}
	m->bounded = bounded;
	m->max_size = n;
}

bool tg_internal;

/* tern's own protocols and applications share the type-id space of one
 * bus (and of one log): each side keeps to its half, so an id alone says
 * whose message it is. */
static void check_id_range(const struct tg_msg *m)
{
	bool reserved = m->id <= TERN_CODEC_ID_RESERVED_MAX;

	if (reserved && !tg_internal)
		tg_error(m->id_loc, "message id %llu is reserved for tern's own protocols "
			 "(1..%u): user schemas use %u..65535", (unsigned long long)m->id,
			 TERN_CODEC_ID_RESERVED_MAX, TERN_CODEC_ID_USER_MIN);
	else if (!reserved && tg_internal)
		tg_error(m->id_loc, "message id %llu is outside tern's reserved range "
			 "(1..%u) that --internal schemas keep to", (unsigned long long)m->id,
			 TERN_CODEC_ID_RESERVED_MAX);
}

void tg_sema(void)
{
	static struct tg_msg *by_id[65536];

	for (size_t f = 0; f < tg_nfiles; f++) {
		for (size_t i = 0; i < tg_files[f]->nenums; i++) {
			struct tg_enum *e = tg_files[f]->enums[i];
			add_sym(e->name, e->loc, e, NULL);
		}
		for (size_t i = 0; i < tg_files[f]->nmsgs; i++) {
			struct tg_msg *m = tg_files[f]->msgs[i];
			add_sym(m->name, m->loc, NULL, m);
		}
	}
	/* message M generates struct M_list: no type may be called that */
	for (size_t i = 0; i < nsyms; i++) {
		size_t n = strlen(syms[i].name);
		if (n > 5 && strcmp(syms[i].name + n - 5, "_list") == 0) {
			char *base = tg_strndup(syms[i].name, n - 5);
			struct sym *m = find_sym(base);
			if (m && m->msg)
				tg_error(syms[i].loc, "type name '%s' clashes with the list type "
					 "generated for message '%s'", syms[i].name, base);
			free(base);
		}
	}
	for (size_t f = 0; f < tg_nfiles; f++) {
		for (size_t i = 0; i < tg_files[f]->nenums; i++)
			check_enum(tg_files[f]->enums[i]);
		for (size_t i = 0; i < tg_files[f]->nmsgs; i++) {
			struct tg_msg *m = tg_files[f]->msgs[i];
			if (m->id >= 1 && m->id <= 65535)
				check_id_range(m);
			if (m->id >= 1 && m->id <= 65535) {
				struct tg_msg *old = by_id[m->id];
				if (old)
					tg_error(m->id_loc, "duplicate message id %llu: '%s' and '%s' "
						 "(at %s:%d:%d)", (unsigned long long)m->id,
						 m->name, old->name, old->loc.file,
						 old->loc.line, old->loc.col);
				else
					by_id[m->id] = m;
			}
			check_fields(m);
		}
	}
	if (tg_nerrors)
		return; /* unresolved types would make the cycle search noisy */
	for (size_t f = 0; f < tg_nfiles; f++)
		for (size_t i = 0; i < tg_files[f]->nmsgs; i++)
			find_cycle(tg_files[f]->msgs[i]);
	if (tg_nerrors)
		return;
	for (size_t f = 0; f < tg_nfiles; f++)
		for (size_t i = 0; i < tg_files[f]->nmsgs; i++)
			compute_bound(tg_files[f]->msgs[i]);
}
