/* SPDX-License-Identifier: Apache-2.0 */
/*
 * terngen: compiles .tmsg schemas to header-only C11 (docs/dsl.md).
 *
 * Split the way flatcc is: lexer (tg_lex.c), parser (tg_parse.c), loader of
 * imports (tg_load.c), semantic checks (tg_sema.c) and the C emitter
 * (tg_emit*.c).  It is a build-time tool: memory is allocated freely and
 * never freed (the process lives for one file).
 */
#ifndef TERNGEN_H
#define TERNGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tg_loc {
	const char *file;
	int line;
	int col;
};

/* ---- diagnostics (tg_diag.c) ---- */
extern int tg_nerrors;
void tg_error(struct tg_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tg_flush_errors(void); /* prints buffered errors, sorted */
void tg_fatal_oom(void);
void *tg_alloc(size_t n);
char *tg_strdup(const char *s);
char *tg_strndup(const char *s, size_t n);
/* Grows a dynamic array: APPEND(arr, n) returns a pointer to a new zeroed slot. */
void *tg_grow(void *arr, size_t n, size_t elem);
#define TG_APPEND(arr, n) ((arr) = tg_grow((arr), (n), sizeof(*(arr))), &(arr)[(n)++])

/* ---- lexer (tg_lex.c) ---- */
enum tg_tok_kind {
	TG_T_EOF,
	TG_T_IDENT,
	TG_T_INT,
	TG_T_STRING,
	TG_T_PUNCT, /* one of ( ) = , < > [ ] : */
};

struct tg_tok {
	enum tg_tok_kind kind;
	struct tg_loc loc;
	char *text;      /* IDENT, STRING (unquoted), PUNCT (one char) */
	uint64_t value;  /* INT magnitude */
	bool negative;   /* INT written with a leading '-' */
	bool overflow;   /* INT larger than 2^64-1 */
};

/* Tokenises a whole file; reports bad characters and unterminated strings. */
struct tg_tok *tg_lex(const char *file, const char *src, size_t *ntoks);

/* ---- AST ---- */
enum tg_kind {
	TG_I8, TG_I16, TG_I32, TG_I64,
	TG_U8, TG_U16, TG_U32, TG_U64,
	TG_F32, TG_F64, TG_BOOL, TG_DATETIME,
	TG_STRING, TG_ENUM, TG_MSG,
	TG_UNRESOLVED,
};

enum tg_wrap { TG_PLAIN, TG_OPTIONAL, TG_LIST, TG_ARRAY };

struct tg_enum;
struct tg_msg;
struct tg_file;

struct tg_type {
	enum tg_wrap wrap;
	enum tg_kind kind;
	uint32_t array_len;
	char *name; /* as written, for named types */
	struct tg_loc loc;
	struct tg_enum *en;
	struct tg_msg *msg;
};

struct tg_field {
	char *name;
	struct tg_loc loc;
	struct tg_type type;
	uint32_t since;
	struct tg_loc since_loc;
};

struct tg_enum_val {
	char *name;
	struct tg_loc loc;
	uint64_t value;
};

struct tg_enum {
	char *name;
	struct tg_loc loc;
	enum tg_kind base;
	struct tg_enum_val *vals;
	size_t nvals;
	struct tg_file *file;
};

struct tg_msg {
	char *name;
	struct tg_loc loc;
	uint64_t id;
	uint64_t version;
	struct tg_loc id_loc;
	struct tg_field *fields;
	size_t nfields;
	struct tg_file *file;
	int mark;          /* cycle search: 0 new, 1 on stack, 2 done */
	bool emitted;
	bool bounded;      /* no string/list inside: MAX_SIZE exists */
	uint64_t max_size; /* header included, when bounded */
};

struct tg_import {
	char *path; /* as written */
	struct tg_loc loc;
	struct tg_file *file;
};

struct tg_file {
	char *path;  /* as opened */
	char *base;  /* file name without directories, e.g. "proto.tmsg" */
	char *stem;  /* C identifier made of the base name, e.g. "proto" */
	struct tg_import *imports;
	size_t nimports;
	struct tg_enum **enums;
	size_t nenums;
	struct tg_msg **msgs;
	size_t nmsgs;
	int state; /* loader: 0 new, 1 loading, 2 loaded */
	char *src;            /* file contents */
	struct tg_tok *toks;  /* its tokens, which the AST points into */
};

/* ---- parser (tg_parse.c) ---- */
void tg_parse(struct tg_file *f, struct tg_tok *toks, size_t ntoks);

/* ---- loader (tg_load.c): reads a file and, recursively, its imports ---- */
struct tg_file *tg_load(const char *path, const char *const *incdirs, size_t nincdirs);
/* Every loaded file, in load order (the main file first). */
extern struct tg_file **tg_files;
extern size_t tg_nfiles;

/* ---- semantic checks (tg_sema.c) ---- */
void tg_sema(void);
/* --internal: a schema of tern's own (lib/proto), whose ids are the
 * reserved 1..TERN_CODEC_ID_RESERVED_MAX; set before tg_sema(). */
extern bool tg_internal;
const char *tg_kind_name(enum tg_kind k);
bool tg_kind_from_name(const char *s, enum tg_kind *k);
unsigned tg_kind_width(enum tg_kind k); /* fixed-width kinds, enums resolved */

/* ---- C emitter (tg_emit.c, tg_emit_codec.c) ---- */
void tg_emit(FILE *out, struct tg_file *f);
void tg_emit_codec(FILE *out, struct tg_msg *m);
/* Helpers shared by the emitters. */
const char *tg_ctype(const struct tg_type *t);     /* element C type */
unsigned tg_elem_width(const struct tg_type *t);   /* 0 when variable */
const char *tg_ld_name(const struct tg_type *t);   /* "i64", "u8", ... */

#endif
