/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emits a message's size, encode and decode functions as straight-line
 * static inline C.  Encode computes the exact size first and checks the
 * capacity once, so field stores need no bounds checks.  Decode checks
 * bounds once per run of consecutive fixed-width fields, not per field,
 * and validates enums, bools and presence flags as it loads them.
 */
#include <string.h>

#include "terngen.h"

#define O(...) fprintf(out, __VA_ARGS__)

const char *tg_ld_name(const struct tg_type *t)
{
	switch (t->kind) {
	case TG_ENUM:
		return tg_kind_name(t->en->base);
	case TG_DATETIME:
		return "i64";
	default:
		return tg_kind_name(t->kind);
	}
}

const char *tg_ctype(const struct tg_type *t)
{
	static char buf[256];
	switch (t->kind) {
	case TG_I8: return "int8_t";
	case TG_I16: return "int16_t";
	case TG_I32: return "int32_t";
	case TG_I64: return "int64_t";
	case TG_U8: return "uint8_t";
	case TG_U16: return "uint16_t";
	case TG_U32: return "uint32_t";
	case TG_U64: return "uint64_t";
	case TG_F32: return "float";
	case TG_F64: return "double";
	case TG_BOOL: return "bool";
	case TG_DATETIME: return "int64_t";
	case TG_STRING: return "struct tern_str";
	case TG_ENUM: return t->en->name;
	case TG_MSG:
		snprintf(buf, sizeof(buf), "struct %s", t->msg->name);
		return buf;
	default: return "?";
	}
}

unsigned tg_elem_width(const struct tg_type *t)
{
	if (t->kind == TG_ENUM)
		return tg_kind_width(t->en->base);
	return tg_kind_width(t->kind); /* 0 for string and messages */
}

/* A field the decoder can bounds-check together with its neighbours. */
static unsigned fixed_size(const struct tg_field *f)
{
	unsigned w = tg_elem_width(&f->type);
	if (f->type.wrap == TG_PLAIN)
		return w;
	if (f->type.wrap == TG_ARRAY)
		return w * f->type.array_len;
	return 0;
}

/* ---- size ---- */

static void emit_size(FILE *out, struct tg_msg *m)
{
	unsigned long long fixed = 8;

	for (size_t i = 0; i < m->nfields; i++) {
		const struct tg_type *t = &m->fields[i].type;
		unsigned w = tg_elem_width(t);
		if (t->wrap == TG_OPTIONAL)
			fixed += 1;
		else if (t->wrap == TG_LIST && t->kind != TG_STRING && t->kind != TG_MSG)
			fixed += 4;
		if (w && t->wrap != TG_LIST && t->wrap != TG_OPTIONAL)
			fixed += t->wrap == TG_ARRAY ? (unsigned long long)w * t->array_len : w;
		else if (t->kind == TG_STRING && t->wrap == TG_PLAIN)
			fixed += 4;
	}
	O("/** Encoded size of @p m in bytes, header included. */\n");
	O("static inline size_t %s_size(const struct %s *m)\n{\n", m->name, m->name);
	O("\tsize_t n = %lluu;\n\t(void)m;\n", fixed);
	for (size_t i = 0; i < m->nfields; i++) {
		const struct tg_field *f = &m->fields[i];
		const struct tg_type *t = &f->type;
		unsigned w = tg_elem_width(t);
		const char *nm = f->name;

		switch (t->wrap) {
		case TG_PLAIN:
			if (t->kind == TG_STRING)
				O("\tn += m->%s.len;\n", nm);
			else if (t->kind == TG_MSG)
				O("\tn += %s_size(&m->%s);\n", t->msg->name, nm);
			break;
		case TG_OPTIONAL:
			if (w)
				O("\tn += m->has_%s ? %u : 0;\n", nm, w);
			else if (t->kind == TG_STRING)
				O("\tn += m->has_%s ? 4 + (size_t)m->%s.len : 0;\n", nm, nm);
			else
				O("\tn += m->has_%s ? %s_size(&m->%s) : 0;\n", nm, t->msg->name, nm);
			break;
		case TG_ARRAY:
			if (t->kind == TG_STRING)
				O("\tfor (uint32_t i = 0; i < %u; i++)\n\t\tn += 4 + (size_t)m->%s[i].len;\n",
				  t->array_len, nm);
			else if (t->kind == TG_MSG)
				O("\tfor (uint32_t i = 0; i < %u; i++)\n\t\tn += %s_size(&m->%s[i]);\n",
				  t->array_len, t->msg->name, nm);
			break;
		case TG_LIST:
			if (w)
				O("\tn += (size_t)m->%s.count * %u;\n", nm, w);
			else if (t->kind == TG_STRING)
				O("\tn += tern__list_str_size(&m->%s);\n", nm);
			else
				O("\tn += %s__list_size(&m->%s);\n", t->msg->name, nm);
			break;
		}
	}
	O("\treturn n;\n}\n\n");
}

/* ---- encode ---- */

/* Encodes one element @p v (an lvalue expression) at p. */
static void enc_elem(FILE *out, const struct tg_type *t, const char *v, const char *ind)
{
	unsigned w = tg_elem_width(t);
	switch (t->kind) {
	case TG_STRING:
		O("%sif (TERN_UNLIKELY((rc = tern__enc_str(&p, &%s)) != 0))\n%s\treturn rc;\n",
		  ind, v, ind);
		return;
	case TG_MSG:
		O("%sif (TERN_UNLIKELY((rc = %s__enc_msg(&%s, &p)) != 0))\n%s\treturn rc;\n", ind,
		  t->msg->name, v, ind);
		return;
	case TG_BOOL:
		O("%stern__st_bool(p, %s);\n", ind, v);
		break;
	case TG_ENUM:
		O("%sif (TERN_UNLIKELY(!%s_valid(%s)))\n%s\treturn TERN_CODEC_EBADENUM;\n", ind,
		  t->en->name, v, ind);
		O("%stern__st_%s(p, %s);\n", ind, tg_ld_name(t), v);
		break;
	default:
		O("%stern__st_%s(p, %s);\n", ind, tg_ld_name(t), v);
		break;
	}
	O("%sp += %u;\n", ind, w);
}

static void emit_enc(FILE *out, struct tg_msg *m)
{
	char v[300];

	O("static inline int %s__enc_msg(const struct %s *m, uint8_t **pp)\n{\n", m->name, m->name);
	O("\tuint8_t *h = *pp, *p = h + TERN_CODEC_HDR_SIZE;\n\tint rc = 0;\n\n\t(void)m;\n\t(void)rc;\n");
	for (size_t i = 0; i < m->nfields; i++) {
		const struct tg_field *f = &m->fields[i];
		const struct tg_type *t = &f->type;
		unsigned w = tg_elem_width(t);
		const char *nm = f->name;

		switch (t->wrap) {
		case TG_PLAIN:
			snprintf(v, sizeof(v), "m->%s", nm);
			enc_elem(out, t, v, "\t");
			break;
		case TG_OPTIONAL:
			O("\ttern__st_u8(p++, m->has_%s ? 1 : 0);\n\tif (m->has_%s) {\n", nm, nm);
			snprintf(v, sizeof(v), "m->%s", nm);
			enc_elem(out, t, v, "\t\t");
			O("\t}\n");
			break;
		case TG_ARRAY:
			O("\tfor (uint32_t i = 0; i < %u; i++) {\n", t->array_len);
			snprintf(v, sizeof(v), "m->%s[i]", nm);
			enc_elem(out, t, v, "\t\t");
			O("\t}\n");
			break;
		case TG_LIST:
			if (t->kind == TG_STRING) {
				O("\tif (TERN_UNLIKELY((rc = tern__enc_list_str(&p, &m->%s)) != 0))\n"
				  "\t\treturn rc;\n", nm);
			} else if (t->kind == TG_MSG) {
				O("\tif (TERN_UNLIKELY((rc = %s__enc_list(&p, &m->%s)) != 0))\n"
				  "\t\treturn rc;\n", t->msg->name, nm);
			} else {
				if (t->kind == TG_ENUM)
					O("\tfor (uint32_t i = 0; m->%s.data && i < m->%s.count; i++)\n"
					  "\t\tif (TERN_UNLIKELY(!%s_valid(tern_list_%s_at(&m->%s, i))))\n"
					  "\t\t\treturn TERN_CODEC_EBADENUM;\n",
					  nm, nm, t->en->name, tg_ld_name(t), nm);
				O("\tif (TERN_UNLIKELY((rc = tern__enc_rawlist(&p, m->%s.data, "
				  "m->%s.count, %u)) != 0))\n\t\treturn rc;\n", nm, nm, w);
			}
			break;
		}
	}
	O("\ttern__put_hdr(h, %s_TYPE_ID, %s_VERSION, (uint32_t)(p - h - TERN_CODEC_HDR_SIZE));\n",
	  m->name, m->name);
	O("\t*pp = p;\n\treturn 0;\n}\n\n");
}

/* ---- decode ---- */

/* Decodes one fixed-width element into @p v; bounds already checked. */
static void dec_fixed(FILE *out, const struct tg_type *t, const char *v, const char *ind)
{
	unsigned w = tg_elem_width(t);
	switch (t->kind) {
	case TG_BOOL:
		O("%sif (TERN_UNLIKELY(p[0] > 1))\n%s\treturn TERN_CODEC_EBADBOOL;\n", ind, ind);
		O("%s%s = p[0] != 0;\n", ind, v);
		break;
	case TG_ENUM:
		O("%s%s = (%s)tern__ld_%s(p);\n", ind, v, t->en->name, tg_ld_name(t));
		O("%sif (TERN_UNLIKELY(!%s_valid(%s)))\n%s\treturn TERN_CODEC_EBADENUM;\n", ind,
		  t->en->name, v, ind);
		break;
	default:
		O("%s%s = tern__ld_%s(p);\n", ind, v, tg_ld_name(t));
		break;
	}
	O("%sp += %u;\n", ind, w);
}

static void dec_field_fast(FILE *out, const struct tg_field *f)
{
	char v[300];
	if (f->type.wrap == TG_ARRAY) {
		O("\t\tfor (uint32_t i = 0; i < %u; i++) {\n", f->type.array_len);
		snprintf(v, sizeof(v), "m->%s[i]", f->name);
		dec_fixed(out, &f->type, v, "\t\t\t");
		O("\t\t}\n");
	} else {
		snprintf(v, sizeof(v), "m->%s", f->name);
		dec_fixed(out, &f->type, v, "\t\t");
	}
}

/*
 * Bounds checks.  Each since-group of fields starts with one check that the
 * body holds the group's minimum size (min_size() summed).  From then on
 * the decoder keeps the invariant "bytes left >= minimum of the fields
 * still to come": a variable-length element is decoded against the limit
 * end - rest (rest = minimum of the fields after it), so fixed-width
 * fields never need a check of their own.
 */
static unsigned long long min_size(const struct tg_field *f)
{
	const struct tg_type *t = &f->type;
	unsigned w = tg_elem_width(t);
	unsigned e = w ? w : t->kind == TG_STRING ? 4 : 8; /* len or header */

	switch (t->wrap) {
	case TG_PLAIN:
		return e;
	case TG_OPTIONAL:
		return 1;
	case TG_ARRAY:
		return (unsigned long long)e * t->array_len;
	default:
		return 4;
	}
}

/* The limit expression for an element followed by @p rest bytes. */
static const char *lim(unsigned long long rest, const char *extra)
{
	static char buf[128];
	if (!rest && !extra)
		return "end";
	if (!extra)
		snprintf(buf, sizeof(buf), "end - %llu", rest);
	else
		snprintf(buf, sizeof(buf), "end - (%lluu + %s)", rest, extra);
	return buf;
}

/* Decodes one variable-length element (string or message) into @p v.
 * @p fit: the minimum-size checks already cover a string's length bytes
 * (not so behind an optional's flag). */
static void dec_var(FILE *out, const struct tg_type *t, const char *v, const char *limit,
		    const char *ind, bool fit)
{
	if (t->kind == TG_STRING)
		O("%sif (TERN_UNLIKELY((rc = tern__dec_str%s(&p, %s, &%s)) != 0))\n%s\treturn rc;\n",
		  ind, fit ? "_fit" : "", limit, v, ind);
	else
		O("%sif (TERN_UNLIKELY((rc = %s__dec_msg(&%s, &p, %s)) != 0))\n%s\treturn rc;\n",
		  ind, t->msg->name, v, limit, ind);
}

static void dec_field(FILE *out, const struct tg_field *f, unsigned long long rest)
{
	const struct tg_type *t = &f->type;
	unsigned w = tg_elem_width(t);
	const char *nm = f->name;
	char v[300], extra[64];

	switch (t->wrap) {
	case TG_PLAIN:
		snprintf(v, sizeof(v), "m->%s", nm);
		if (w)
			dec_fixed(out, t, v, "\t");
		else
			dec_var(out, t, v, lim(rest, NULL), "\t", true);
		break;
	case TG_OPTIONAL:
		O("\tif (TERN_UNLIKELY(p[0] > 1))\n\t\treturn TERN_CODEC_EBADFLAG;\n");
		O("\tm->has_%s = *p++ != 0;\n\tif (m->has_%s) {\n", nm, nm);
		snprintf(v, sizeof(v), "m->%s", nm);
		if (w) {
			O("\t\tif (TERN_UNLIKELY(tern__left(p, end) < %lluu))\n"
			  "\t\t\treturn TERN_CODEC_ETRUNC;\n", w + rest);
			dec_fixed(out, t, v, "\t\t");
		} else {
			dec_var(out, t, v, lim(rest, NULL), "\t\t", false);
		}
		O("\t} else {\n\t\tmemset(&m->%s, 0, sizeof(m->%s));\n\t}\n", nm, nm);
		break;
	case TG_ARRAY:
		O("\tfor (uint32_t i = 0; i < %u; i++) {\n", t->array_len);
		snprintf(v, sizeof(v), "m->%s[i]", nm);
		if (w) {
			dec_fixed(out, t, v, "\t\t");
		} else {
			/* the elements after i are still to come */
			snprintf(extra, sizeof(extra), "(size_t)(%u - 1 - i) * %u", t->array_len,
				 t->kind == TG_STRING ? 4 : 8);
			dec_var(out, t, v, lim(rest, extra), "\t\t", true);
		}
		O("\t}\n");
		break;
	case TG_LIST:
		if (t->kind == TG_STRING) {
			O("\tif (TERN_UNLIKELY((rc = tern__dec_list_str(&p, %s, &m->%s)) != 0))\n"
			  "\t\treturn rc;\n", lim(rest, NULL), nm);
		} else if (t->kind == TG_MSG) {
			O("\tif (TERN_UNLIKELY((rc = %s__dec_list(&p, %s, &m->%s)) != 0))\n"
			  "\t\treturn rc;\n", t->msg->name, lim(rest, NULL), nm);
		} else {
			O("\tif (TERN_UNLIKELY((rc = tern__dec_rawlist(&p, %s, &m->%s.data, "
			  "&m->%s.count, %u)) != 0))\n\t\treturn rc;\n", lim(rest, NULL), nm, nm, w);
			if (t->kind == TG_BOOL)
				O("\tif (TERN_UNLIKELY((rc = tern__check_bools(m->%s.data, m->%s.count)) "
				  "!= 0))\n\t\treturn rc;\n", nm, nm);
			if (t->kind == TG_ENUM)
				O("\tfor (uint32_t i = 0; i < m->%s.count; i++)\n"
				  "\t\tif (TERN_UNLIKELY(!%s_valid(tern_list_%s_at(&m->%s, i))))\n"
				  "\t\t\treturn TERN_CODEC_EBADENUM;\n",
				  nm, t->en->name, tg_ld_name(t), nm);
		}
		break;
	}
}

/* All fields fixed-width: the message has one size and one exact header. */
static bool is_fixed(const struct tg_msg *m)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (!fixed_size(&m->fields[i]))
			return false;
	return true;
}

static void emit_dec(FILE *out, struct tg_msg *m)
{
	bool need_done = false;

	O("static inline int %s__dec_msg(struct %s *m, const uint8_t **pp, const uint8_t *lim)\n{\n",
	  m->name, m->name);
	O("\tconst uint8_t *p = *pp, *end = NULL;\n\tunsigned ver = 0;\n\tint rc;\n\n\t(void)m;\n");
	if (is_fixed(m) && m->nfields) {
		/* Fast path: a header equal to the one this reader would write
		 * (same version, same length) needs no other check. */
		O("\tif (TERN_LIKELY(tern__left(p, lim) >= %lluu &&\n"
		  "\t\t\ttern__ld_u64(p) == ((uint64_t)%lluu << 32 | (uint32_t)%s_VERSION << 16 | "
		  "%s_TYPE_ID))) {\n\t\tp += TERN_CODEC_HDR_SIZE;\n",
		  (unsigned long long)m->max_size, (unsigned long long)m->max_size - 8, m->name,
		  m->name);
		for (size_t i = 0; i < m->nfields; i++)
			dec_field_fast(out, &m->fields[i]);
		O("\t\t*pp = p;\n\t\treturn 0;\n\t}\n");
	}
	O("\tif (TERN_UNLIKELY((rc = tern__get_hdr(p, lim, %s_TYPE_ID, %s_VERSION, &end, &ver)) != 0))\n"
	  "\t\treturn rc;\n\tp += TERN_CODEC_HDR_SIZE;\n", m->name, m->name);
	for (size_t i = 0; i < m->nfields; i++) {
		const struct tg_field *f = &m->fields[i];
		unsigned long long rest = 0;
		size_t j;

		if (i == 0 || m->fields[i - 1].since != f->since) {
			unsigned long long group = 0;
			if (f->since > 1) {
				/* The writer predates this field and all later ones. */
				O("\tif (ver < %uu) {\n", f->since);
				for (j = i; j < m->nfields; j++)
					O("\t\tmemset(&m->%s, 0, sizeof(m->%s));\n", m->fields[j].name,
					  m->fields[j].name);
				for (j = i; j < m->nfields; j++)
					if (m->fields[j].type.wrap == TG_OPTIONAL)
						O("\t\tm->has_%s = false;\n", m->fields[j].name);
				O("\t\tgoto done;\n\t}\n");
				need_done = true;
			}
			for (j = i; j < m->nfields && m->fields[j].since == f->since; j++)
				group += min_size(&m->fields[j]);
			O("\tif (TERN_UNLIKELY(tern__left(p, end) < %lluu))\n"
			  "\t\treturn TERN_CODEC_ETRUNC;\n", group);
		}
		for (j = i + 1; j < m->nfields && m->fields[j].since == f->since; j++)
			rest += min_size(&m->fields[j]);
		dec_field(out, f, rest);
	}
	if (need_done)
		O("done:\n");
	O("\t/* A newer writer may have appended fields this reader skips. */\n");
	O("\tif (TERN_UNLIKELY(p != end) && ver <= %s_VERSION)\n\t\treturn TERN_CODEC_EBADLEN;\n",
	  m->name);
	O("\t*pp = end;\n\treturn 0;\n}\n\n");
}

/* ---- list<message> helpers ---- */

static void emit_list(FILE *out, struct tg_msg *m)
{
	const char *n = m->name;

	O("static inline size_t %s__list_size(const struct %s_list *l)\n{\n"
	  "\tsize_t s = 4;\n\tif (!l->items)\n\t\treturn s + l->wire_len;\n"
	  "\tfor (uint32_t i = 0; i < l->count; i++)\n\t\ts += %s_size(&l->items[i]);\n"
	  "\treturn s;\n}\n\n", n, n, n);
	O("static inline int %s__enc_list(uint8_t **pp, const struct %s_list *l)\n{\n"
	  "\tuint8_t *p = *pp;\n\tint rc;\n\n"
	  "\ttern__st_u32(p, l->count);\n\tp += 4;\n"
	  "\tif (l->items) {\n\t\tfor (uint32_t i = 0; i < l->count; i++)\n"
	  "\t\t\tif ((rc = %s__enc_msg(&l->items[i], &p)) != 0)\n\t\t\t\treturn rc;\n"
	  "\t} else if (l->count) {\n\t\tif (!l->wire)\n\t\t\treturn TERN_CODEC_EINVAL;\n"
	  "\t\tmemcpy(p, l->wire, l->wire_len);\n\t\tp += l->wire_len;\n\t}\n"
	  "\t*pp = p;\n\treturn 0;\n}\n\n", n, n, n);
	O("static inline int %s__dec_list(const uint8_t **pp, const uint8_t *end, struct %s_list *l)\n{\n"
	  "\tconst uint8_t *p = *pp;\n\tuint32_t n;\n\tint rc;\n\n"
	  "\tif (tern__left(p, end) < 4)\n\t\treturn TERN_CODEC_ETRUNC;\n"
	  "\tn = tern__ld_u32(p);\n\tp += 4;\n"
	  "\t/* every element has an 8-byte header: bounds the loop up front */\n"
	  "\tif (n > tern__left(p, end) / TERN_CODEC_HDR_SIZE)\n\t\treturn TERN_CODEC_ETRUNC;\n"
	  "\tl->items = NULL;\n\tl->wire = p;\n\tl->count = n;\n"
	  "\tfor (uint32_t i = 0; i < n; i++) {\n\t\tstruct %s tmp;\n"
	  "\t\tif ((rc = %s__dec_msg(&tmp, &p, end)) != 0)\n\t\t\treturn rc;\n\t}\n"
	  "\tl->wire_len = (uint32_t)(p - l->wire);\n\t*pp = p;\n\treturn 0;\n}\n\n", n, n, n, n);
	O("/** Iterator over a list<%s> (decoded or caller-built). */\n", n);
	O("static inline struct tern_iter %s_list_iter(const struct %s_list *l)\n{\n"
	  "\tstruct tern_iter it = { l->wire, l->wire ? l->wire + l->wire_len : NULL, l->items, 0,\n"
	  "\t\t\t\t l->count };\n\treturn it;\n}\n\n", n, n);
	O("/** Decodes the next element into @p out; false at the end. */\n");
	O("static inline bool %s_list_next(struct tern_iter *it, struct %s *out)\n{\n"
	  "\tif (it->i >= it->count)\n\t\treturn false;\n"
	  "\tif (it->items)\n\t\t*out = ((const struct %s *)it->items)[it->i];\n"
	  "\telse if (%s__dec_msg(out, &it->p, it->end) != 0)\n"
	  "\t\treturn false; /* cannot happen: validated by the list's decoder */\n"
	  "\tit->i++;\n\treturn true;\n}\n\n", n, n, n, n);
	O("/** Element @p i (O(i) on a decoded list).\n"
	  " * @return 0, or TERN_CODEC_EINVAL when i >= count. */\n");
	O("static inline int %s_list_get(const struct %s_list *l, uint32_t i, struct %s *out)\n{\n"
	  "\tstruct tern_iter it = %s_list_iter(l);\n\n"
	  "\tif (i >= l->count)\n\t\treturn TERN_CODEC_EINVAL;\n"
	  "\tif (l->items) {\n\t\t*out = l->items[i];\n\t\treturn 0;\n\t}\n"
	  "\tfor (uint32_t k = 0; k < i; k++)\n"
	  "\t\tif (tern__skip_msg(&it.p, it.end) != 0)\n\t\t\treturn TERN_CODEC_ETRUNC;\n"
	  "\treturn %s__dec_msg(out, &it.p, it.end);\n}\n\n", n, n, n, n, n);
}

void tg_emit_codec(FILE *out, struct tg_msg *m)
{
	const char *n = m->name;

	emit_size(out, m);
	emit_enc(out, m);
	emit_dec(out, m);
	emit_list(out, m);
	O("/**\n * Encodes @p m into @p buf.\n"
	  " * @return bytes written, or TERN_CODEC_ENOSPACE (cap too small),\n"
	  " *         TERN_CODEC_ETOOBIG, TERN_CODEC_EBADENUM (undeclared enum value),\n"
	  " *         TERN_CODEC_EINVAL (NULL data with a non-zero length/count).\n */\n");
	O("static inline int64_t %s_encode(const struct %s *m, void *buf, size_t cap)\n{\n"
	  "\tsize_t n = %s_size(m);\n\tuint8_t *p = (uint8_t *)buf;\n\tint rc;\n\n"
	  "\tif (TERN_UNLIKELY(n > cap))\n\t\treturn TERN_CODEC_ENOSPACE;\n"
	  "\tif (TERN_UNLIKELY(n - TERN_CODEC_HDR_SIZE > TERN_CODEC_MAX_BODY))\n"
	  "\t\treturn TERN_CODEC_ETOOBIG;\n"
	  "\trc = %s__enc_msg(m, &p);\n\treturn rc ? rc : (int64_t)n;\n}\n\n", n, n, n, n);
	O("/**\n * Decodes one %s from @p buf.  Strings and lists in @p m point into\n"
	  " * @p buf (zero-copy): they are valid while @p buf is.\n"
	  " * @return bytes consumed (the whole message), or TERN_CODEC_ETRUNC,\n"
	  " *         TERN_CODEC_EBADLEN, TERN_CODEC_EBADENUM, TERN_CODEC_EBADBOOL,\n"
	  " *         TERN_CODEC_EBADFLAG, TERN_CODEC_EBADTYPE, TERN_CODEC_EBADVERSION.\n */\n", n);
	O("static inline int64_t %s_decode(struct %s *m, const void *buf, size_t len)\n{\n"
	  "\tconst uint8_t *p = (const uint8_t *)buf;\n"
	  "\tint rc = %s__dec_msg(m, &p, p + len);\n\n"
	  "\treturn rc ? rc : (int64_t)(p - (const uint8_t *)buf);\n}\n\n", n, n, n);
}
