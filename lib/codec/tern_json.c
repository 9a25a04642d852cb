/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Generic JSON printer over terngen descriptors.  It is a second,
 * independent reader of the wire format (the generated decoders are the
 * first); the fuzz targets check that both accept and reject the same
 * bytes.  Validation follows the rules of docs/dsl.md exactly.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <tern/tern_json.h>

struct jw {
	char *out;
	size_t cap;
	size_t n;
	bool full;
};

static void put(struct jw *w, const char *s, size_t len)
{
	if (w->n + len >= w->cap) {
		w->full = true;
		return;
	}
	memcpy(w->out + w->n, s, len);
	w->n += len;
}

static void puts_(struct jw *w, const char *s) { put(w, s, strlen(s)); }

__attribute__((format(printf, 2, 3))) static void putf(struct jw *w, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(w, tmp, (size_t)k);
}

static void put_str(struct jw *w, const uint8_t *s, uint32_t len)
{
	puts_(w, "\"");
	for (uint32_t i = 0; i < len && !w->full; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			put(w, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			putf(w, "\\u%04x", c);
		} else {
			put(w, (const char *)&c, 1);
		}
	}
	puts_(w, "\"");
}

/* @p digits: 9 for f32, 17 for f64: enough to read the same value back. */
static void put_double(struct jw *w, double d, int digits)
{
	if (isnan(d))
		puts_(w, "\"NaN\"");
	else if (isinf(d))
		puts_(w, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		putf(w, "%.*g", digits, d);
}

static unsigned kind_width(const struct tern_field_desc *f)
{
	static const unsigned widths[] = {
		[TERN_K_I8] = 1,  [TERN_K_I16] = 2, [TERN_K_I32] = 4, [TERN_K_I64] = 8,
		[TERN_K_U8] = 1,  [TERN_K_U16] = 2, [TERN_K_U32] = 4, [TERN_K_U64] = 8,
		[TERN_K_F32] = 4, [TERN_K_F64] = 8, [TERN_K_BOOL] = 1, [TERN_K_DATETIME] = 8,
	};
	if (f->kind == TERN_K_ENUM)
		return widths[f->enum_desc->base];
	if (f->kind == TERN_K_STRING || f->kind == TERN_K_MSG)
		return 0;
	return widths[f->kind];
}

static int msg(struct jw *w, const struct tern_msg_desc *d, const uint8_t **pp,
	       const uint8_t *lim);

/* One element of field @p f at *pp. */
static int elem(struct jw *w, const struct tern_field_desc *f, const uint8_t **pp,
		const uint8_t *end)
{
	const uint8_t *p = *pp;
	unsigned width = kind_width(f);

	if (f->kind == TERN_K_MSG)
		return msg(w, f->msg_desc, pp, end);
	if (f->kind == TERN_K_STRING) {
		struct tern_str s;
		int rc = tern__dec_str(pp, end, &s);
		if (rc == 0)
			put_str(w, (const uint8_t *)s.ptr, s.len);
		return rc;
	}
	if (tern__left(p, end) < width)
		return TERN_CODEC_ETRUNC;
	switch (f->kind) {
	case TERN_K_I8: putf(w, "%d", tern__ld_i8(p)); break;
	case TERN_K_I16: putf(w, "%d", tern__ld_i16(p)); break;
	case TERN_K_I32: putf(w, "%d", tern__ld_i32(p)); break;
	case TERN_K_I64:
	case TERN_K_DATETIME: putf(w, "%lld", (long long)tern__ld_i64(p)); break;
	case TERN_K_U8: putf(w, "%u", tern__ld_u8(p)); break;
	case TERN_K_U16: putf(w, "%u", tern__ld_u16(p)); break;
	case TERN_K_U32: putf(w, "%u", tern__ld_u32(p)); break;
	case TERN_K_U64: putf(w, "%llu", (unsigned long long)tern__ld_u64(p)); break;
	case TERN_K_F32: put_double(w, tern__ld_f32(p), 9); break;
	case TERN_K_F64: put_double(w, tern__ld_f64(p), 17); break;
	case TERN_K_BOOL:
		if (p[0] > 1)
			return TERN_CODEC_EBADBOOL;
		puts_(w, p[0] ? "true" : "false");
		break;
	case TERN_K_ENUM: {
		const struct tern_enum_desc *e = f->enum_desc;
		uint32_t v = width == 1 ? tern__ld_u8(p) : width == 2 ? tern__ld_u16(p) : tern__ld_u32(p);
		uint32_t i;
		for (i = 0; i < e->n_values && e->values[i].value != v; i++)
			;
		if (i == e->n_values)
			return TERN_CODEC_EBADENUM;
		putf(w, "\"%.48s\"", e->values[i].name);
		break;
	}
	default:
		return TERN_CODEC_EBADTYPE; /* corrupt descriptor */
	}
	*pp = p + width;
	return 0;
}

static int field(struct jw *w, const struct tern_field_desc *f, const uint8_t **pp,
		 const uint8_t *end)
{
	uint32_t n;
	int rc;

	switch (f->wrap) {
	case TERN_W_PLAIN:
		return elem(w, f, pp, end);
	case TERN_W_OPTIONAL:
		if (tern__left(*pp, end) < 1)
			return TERN_CODEC_ETRUNC;
		if (**pp > 1)
			return TERN_CODEC_EBADFLAG;
		if (*(*pp)++ == 0) {
			puts_(w, "null");
			return 0;
		}
		return elem(w, f, pp, end);
	case TERN_W_LIST:
		if (tern__left(*pp, end) < 4)
			return TERN_CODEC_ETRUNC;
		n = tern__ld_u32(*pp);
		*pp += 4;
		/* Every element takes at least one byte: no loop of 4G
		 * iterations on a short buffer. */
		if (n > tern__left(*pp, end))
			return TERN_CODEC_ETRUNC;
		break;
	case TERN_W_ARRAY:
		n = f->array_len;
		break;
	default:
		return TERN_CODEC_EBADTYPE;
	}
	puts_(w, "[");
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			puts_(w, ",");
		if ((rc = elem(w, f, pp, end)) != 0)
			return rc;
		if (w->full)
			return TERN_CODEC_ENOSPACE;
	}
	puts_(w, "]");
	return 0;
}

static int msg(struct jw *w, const struct tern_msg_desc *d, const uint8_t **pp,
	       const uint8_t *lim)
{
	const uint8_t *p = *pp, *end;
	unsigned ver;
	int rc = tern__get_hdr(p, lim, d->type_id, d->version, &end, &ver);

	if (rc)
		return rc;
	p += TERN_CODEC_HDR_SIZE;
	putf(w, "{\"_type\":");
	put_str(w, (const uint8_t *)d->name, (uint32_t)strlen(d->name));
	putf(w, ",\"_version\":%u", ver);
	for (uint32_t i = 0; i < d->n_fields; i++) {
		const struct tern_field_desc *f = &d->fields[i];
		if (f->since > ver)
			break; /* the writer predates this field and the rest */
		puts_(w, ",");
		put_str(w, (const uint8_t *)f->name, (uint32_t)strlen(f->name));
		puts_(w, ":");
		if ((rc = field(w, f, &p, end)) != 0)
			return rc;
		if (w->full)
			return TERN_CODEC_ENOSPACE;
	}
	if (p != end) {
		if (ver <= d->version)
			return TERN_CODEC_EBADLEN;
		putf(w, ",\"_skipped_bytes\":%zu", (size_t)(end - p));
	}
	puts_(w, "}");
	*pp = end;
	return 0;
}

int64_t tern_msg_to_json(const struct tern_msg_desc *const *msgs, size_t n_msgs,
			 const void *buf, size_t len, char *out, size_t cap)
{
	struct jw w = { out, cap, 0, false };
	const uint8_t *p = buf;
	uint16_t id = 0;
	int64_t rc = tern_codec_peek(buf, len, &id, NULL);
	size_t i;

	if (cap)
		out[0] = 0;
	if (rc < 0)
		return rc;
	for (i = 0; i < n_msgs && msgs[i]->type_id != id; i++)
		;
	if (i == n_msgs)
		return TERN_CODEC_EUNKNOWN;
	rc = msg(&w, msgs[i], &p, p + len);
	if (rc == 0 && w.full)
		rc = TERN_CODEC_ENOSPACE;
	if (rc) {
		if (cap)
			out[0] = 0; /* no half object for a caller that ignores rc */
		return rc;
	}
	out[w.n] = 0;
	return (int64_t)w.n;
}

void tern_json_fput_str(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
