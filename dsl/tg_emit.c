/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emits one header per schema file: enums, structs, codecs (tg_emit_codec.c),
 * descriptor tables and the dispatch by type id.  Output is deterministic
 * (no timestamps, declaration order preserved except where a message must
 * follow the messages it contains).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "terngen.h"

#define O(...) fprintf(out, __VA_ARGS__)

static void emit_enum(FILE *out, struct tg_enum *e)
{
	const char *bt = e->base == TG_U8 ? "uint8_t" : e->base == TG_U16 ? "uint16_t" : "uint32_t";

	O("/* enum %s : %s */\ntypedef %s %s;\n", e->name, tg_kind_name(e->base), bt, e->name);
	for (size_t i = 0; i < e->nvals; i++)
		O("#define %s_%s ((%s)%lluu)\n", e->name, e->vals[i].name, e->name,
		  (unsigned long long)e->vals[i].value);
	O("\n/** @return true when @p v is a declared value of %s. */\n", e->name);
	O("static inline bool %s_valid(%s v)\n{\n\tswitch (v) {\n", e->name, e->name);
	for (size_t i = 0; i < e->nvals; i++)
		O("\tcase %s_%s:\n", e->name, e->vals[i].name);
	O("\t\treturn true;\n\tdefault:\n\t\treturn false;\n\t}\n}\n\n");
	O("/** @return the name of @p v, or NULL when it is not a declared value. */\n");
	O("static inline const char *%s_name(%s v)\n{\n\tswitch (v) {\n", e->name, e->name);
	for (size_t i = 0; i < e->nvals; i++)
		O("\tcase %s_%s:\n\t\treturn \"%s\";\n", e->name, e->vals[i].name, e->vals[i].name);
	O("\tdefault:\n\t\treturn NULL;\n\t}\n}\n\n");
	O("static const struct tern_enum_value %s__values[] = {\n", e->name);
	for (size_t i = 0; i < e->nvals; i++)
		O("\t{ \"%s\", %lluu },\n", e->vals[i].name, (unsigned long long)e->vals[i].value);
	O("};\nTERN_UNUSED static const struct tern_enum_desc %s_desc = {\n"
	  "\t\"%s\", TERN_K_%s, %zu, %s__values,\n};\n\n", e->name, e->name,
	  e->base == TG_U8 ? "U8" : e->base == TG_U16 ? "U16" : "U32", e->nvals, e->name);
}

static const char *list_type(const struct tg_type *t)
{
	static char buf[256];
	if (t->kind == TG_STRING)
		return "struct tern_list_str";
	if (t->kind == TG_MSG)
		snprintf(buf, sizeof(buf), "struct %s_list", t->msg->name);
	else if (t->kind == TG_BOOL)
		return "struct tern_list_bool";
	else
		snprintf(buf, sizeof(buf), "struct tern_list_%s", tg_ld_name(t));
	return buf;
}

static void emit_struct(FILE *out, struct tg_msg *m)
{
	O("/* message %s (id=%llu, version=%llu) */\n", m->name, (unsigned long long)m->id,
	  (unsigned long long)m->version);
	O("#define %s_TYPE_ID ((uint16_t)%lluu)\n", m->name, (unsigned long long)m->id);
	O("#define %s_VERSION ((uint16_t)%lluu)\n", m->name, (unsigned long long)m->version);
	if (m->bounded)
		O("/** Largest encoded size, header included. */\n#define %s_MAX_SIZE %lluu\n",
		  m->name, (unsigned long long)m->max_size);
	O("\nstruct %s {\n", m->name);
	for (size_t i = 0; i < m->nfields; i++) {
		const struct tg_field *f = &m->fields[i];
		const struct tg_type *t = &f->type;
		switch (t->wrap) {
		case TG_PLAIN:
			O("\t%s %s;\n", tg_ctype(t), f->name);
			break;
		case TG_OPTIONAL:
			O("\tbool has_%s;\n\t%s %s;\n", f->name, tg_ctype(t), f->name);
			break;
		case TG_ARRAY:
			O("\t%s %s[%u];\n", tg_ctype(t), f->name, t->array_len);
			break;
		case TG_LIST:
			O("\t%s %s;\n", list_type(t), f->name);
			break;
		}
	}
	if (m->nfields == 0)
		O("\tuint8_t tern__empty; /* C needs a member */\n");
	O("};\n\n");
}

static const char *kind_tag(enum tg_kind k)
{
	static const char *const tags[] = {
		[TG_I8] = "I8", [TG_I16] = "I16", [TG_I32] = "I32", [TG_I64] = "I64",
		[TG_U8] = "U8", [TG_U16] = "U16", [TG_U32] = "U32", [TG_U64] = "U64",
		[TG_F32] = "F32", [TG_F64] = "F64", [TG_BOOL] = "BOOL",
		[TG_DATETIME] = "DATETIME", [TG_STRING] = "STRING", [TG_ENUM] = "ENUM",
		[TG_MSG] = "MSG", [TG_UNRESOLVED] = "?",
	};
	return tags[k];
}

static void emit_desc(FILE *out, struct tg_msg *m)
{
	static const char *const wraps[] = { "PLAIN", "OPTIONAL", "LIST", "ARRAY" };

	if (m->nfields) {
		O("static const struct tern_field_desc %s__fields[] = {\n", m->name);
		for (size_t i = 0; i < m->nfields; i++) {
			const struct tg_field *f = &m->fields[i];
			const struct tg_type *t = &f->type;
			O("\t{ \"%s\", TERN_K_%s, TERN_W_%s, %u, %u, ", f->name, kind_tag(t->kind),
			  wraps[t->wrap], f->since, t->array_len);
			if (t->kind == TG_ENUM)
				O("&%s_desc, NULL },\n", t->en->name);
			else if (t->kind == TG_MSG)
				O("NULL, &%s_desc },\n", t->msg->name);
			else
				O("NULL, NULL },\n");
		}
		O("};\n");
	}
	O("TERN_UNUSED static const struct tern_msg_desc %s_desc = {\n"
	  "\t\"%s\", %s_TYPE_ID, %s_VERSION, %zu, %s%s,\n};\n\n", m->name, m->name, m->name,
	  m->name, m->nfields, m->nfields ? m->name : "NULL", m->nfields ? "__fields" : "");
}

/* Messages of this file in an order where each follows what it uses. */
static void order(struct tg_file *f, struct tg_msg *m, struct tg_msg **outv, size_t *n)
{
	if (m->emitted || m->file != f)
		return;
	m->emitted = true;
	for (size_t i = 0; i < m->nfields; i++)
		if (m->fields[i].type.kind == TG_MSG)
			order(f, m->fields[i].type.msg, outv, n);
	outv[(*n)++] = m;
}

static void emit_dispatch(FILE *out, struct tg_file *f)
{
	const char *s = f->stem;

	O("/** Every message of %s, for tern_msg_to_json() and tools. */\n", f->base);
	O("TERN_UNUSED static const struct tern_msg_desc *const %s_messages[] = {\n", s);
	for (size_t i = 0; i < f->nmsgs; i++)
		O("\t&%s_desc,\n", f->msgs[i]->name);
	O("};\n#define %s_N_MESSAGES %zuu\n\n", s, f->nmsgs);

	O("/** Handlers for %s_dispatch(); NULL members skip their message. */\n", s);
	O("struct %s_handlers {\n", s);
	for (size_t i = 0; i < f->nmsgs; i++)
		O("\tint (*on_%s)(const struct %s *m, void *clientd);\n", f->msgs[i]->name,
		  f->msgs[i]->name);
	O("};\n\n");
	O("/**\n * Decodes the message at @p buf by its type id and calls its handler.\n"
	  " * @return bytes consumed, a handler's negative return, a decode error\n"
	  " *         (see the _decode functions), or TERN_CODEC_EUNKNOWN when the\n"
	  " *         type id is not a message of %s.\n */\n", f->base);
	O("static inline int64_t %s_dispatch(const void *buf, size_t len,\n"
	  "\t\t\t\t  const struct %s_handlers *h, void *clientd)\n{\n"
	  "\tuint16_t id = 0;\n\tint64_t n = tern_codec_peek(buf, len, &id, NULL);\n\n"
	  "\tif (n < 0)\n\t\treturn n;\n\t(void)h;\n\t(void)clientd;\n\tswitch (id) {\n", s, s);
	for (size_t i = 0; i < f->nmsgs; i++) {
		const char *n = f->msgs[i]->name;
		O("\tcase %s_TYPE_ID: {\n\t\tstruct %s m;\n\t\tint64_t r = %s_decode(&m, buf, len);\n"
		  "\t\tif (r >= 0 && h->on_%s) {\n\t\t\tint rc = h->on_%s(&m, clientd);\n"
		  "\t\t\tif (rc < 0)\n\t\t\t\treturn rc;\n\t\t}\n\t\treturn r;\n\t}\n", n, n, n, n, n);
	}
	O("\tdefault:\n\t\treturn TERN_CODEC_EUNKNOWN;\n\t}\n}\n\n");
}

void tg_emit(FILE *out, struct tg_file *f)
{
	struct tg_msg **ord = tg_alloc(sizeof(*ord) * (f->nmsgs + 1));
	size_t n = 0;
	char guard[512], *g = guard;

	for (const char *c = f->base; *c && g < guard + sizeof(guard) - 16; c++)
		*g++ = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
	strcpy(g, "_H");

	O("/* Generated by terngen from %s. DO NOT EDIT: edit the schema instead. */\n", f->base);
	O("#ifndef TERNGEN_%s\n#define TERNGEN_%s\n\n", guard, guard);
	O("#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
	  "#include <tern/tern_codec.h>\n\n");
	O("#if TERN_CODEC_ABI != 1\n#error \"%s.h was generated for tern codec ABI 1\"\n#endif\n\n",
	  f->base);
	for (size_t i = 0; i < f->nimports; i++)
		if (f->imports[i].file)
			O("#include \"%s.h\"\n", f->imports[i].file->base);
	if (f->nimports)
		O("\n");
	O("#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");

	for (size_t i = 0; i < f->nenums; i++)
		emit_enum(out, f->enums[i]);
	for (size_t i = 0; i < f->nmsgs; i++)
		O("struct %s;\n/** A list<%s>: see docs/dsl.md (caller-built: items; decoded: wire). */\n"
		  "struct %s_list {\n\tconst struct %s *items;\n\tconst uint8_t *wire;\n"
		  "\tuint32_t count;\n\tuint32_t wire_len;\n};\n\n",
		  f->msgs[i]->name, f->msgs[i]->name, f->msgs[i]->name, f->msgs[i]->name);
	for (size_t i = 0; i < f->nmsgs; i++)
		order(f, f->msgs[i], ord, &n);
	for (size_t i = 0; i < n; i++) {
		emit_struct(out, ord[i]);
		tg_emit_codec(out, ord[i]);
		emit_desc(out, ord[i]);
	}
	if (f->nmsgs)
		emit_dispatch(out, f);
	O("#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
	free(ord);
}
