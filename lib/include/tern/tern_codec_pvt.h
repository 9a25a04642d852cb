/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers called by terngen-generated encoders and decoders: not an API,
 * may change with TERN_CODEC_ABI.  Include <tern/tern_codec.h> instead.
 * They stay static inline for the reason given there: generated code must
 * inline all the way down to single loads and stores.
 */
#ifndef TERN_CODEC_PVT_H
#define TERN_CODEC_PVT_H

#ifndef TERN_CODEC_H
#error "include <tern/tern_codec.h>, not tern_codec_pvt.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* One 8-byte store: a reader's loads of the header (one 8-byte or several
 * smaller ones) then forward from it instead of stalling on three stores. */
static inline void tern__put_hdr(uint8_t *p, uint16_t id, uint16_t ver, uint32_t len)
{
	tern__st_u64(p, (uint64_t)len << 32 | (uint32_t)ver << 16 | id);
}

/** Reads a message header expecting type @p id (whose version in the
 * reader's schema is @p my_ver): sets the body bounds and the writer's
 * version.  One 8-byte load; the common case (same type and version)
 * costs one comparison. */
static inline int tern__get_hdr(const uint8_t *p, const uint8_t *end, uint16_t id,
				uint16_t my_ver, const uint8_t **body_end, unsigned *ver)
{
	uint64_t h;
	uint32_t len;

	(void)my_ver;
	if (TERN_UNLIKELY(tern__left(p, end) < TERN_CODEC_HDR_SIZE))
		return TERN_CODEC_ETRUNC;
	h = tern__ld_u64(p);
	if (TERN_UNLIKELY((uint16_t)h != id))
		return TERN_CODEC_EBADTYPE;
	*ver = (uint16_t)(h >> 16);
	if (TERN_UNLIKELY(*ver == 0))
		return TERN_CODEC_EBADVERSION;
	len = (uint32_t)(h >> 32);
	if (TERN_UNLIKELY(len > tern__left(p, end) - TERN_CODEC_HDR_SIZE))
		return TERN_CODEC_ETRUNC;
	*body_end = p + TERN_CODEC_HDR_SIZE + len;
	return 0;
}

static inline int tern__enc_str(uint8_t **pp, const struct tern_str *s)
{
	uint8_t *p = *pp;
	if (TERN_UNLIKELY(s->len && !s->ptr))
		return TERN_CODEC_EINVAL;
	tern__st_u32(p, s->len);
	if (s->len)
		memcpy(p + 4, s->ptr, s->len);
	*pp = p + 4 + s->len;
	return 0;
}

/* Generated decoders know the 4 length bytes are there (the caller's
 * minimum-size check covered them) and call this directly. */
static inline int tern__dec_str_fit(const uint8_t **pp, const uint8_t *end,
				    struct tern_str *s)
{
	const uint8_t *p = *pp;
	uint32_t len = tern__ld_u32(p);

	if (TERN_UNLIKELY(len > tern__left(p, end) - 4))
		return TERN_CODEC_ETRUNC;
	s->ptr = (const char *)p + 4;
	s->len = len;
	*pp = p + 4 + len;
	return 0;
}

static inline int tern__dec_str(const uint8_t **pp, const uint8_t *end, struct tern_str *s)
{
	if (TERN_UNLIKELY(tern__left(*pp, end) < 4))
		return TERN_CODEC_ETRUNC;
	return tern__dec_str_fit(pp, end, s);
}

/** Encodes a list of fixed-width elements (count + raw LE elements). */
static inline int tern__enc_rawlist(uint8_t **pp, const void *data, uint32_t count,
				    size_t width)
{
	uint8_t *p = *pp;
	size_t n = (size_t)count * width;
	if (TERN_UNLIKELY(count && !data))
		return TERN_CODEC_EINVAL;
	tern__st_u32(p, count);
	if (n)
		memcpy(p + 4, data, n);
	*pp = p + 4 + n;
	return 0;
}

/** Decodes the view of a list of fixed-width elements (not validated);
 * the caller has checked that the 4 count bytes are there. */
static inline int tern__dec_rawlist(const uint8_t **pp, const uint8_t *end,
				    const void **data, uint32_t *count, size_t width)
{
	const uint8_t *p = *pp;
	uint32_t n = tern__ld_u32(p);

	if (TERN_UNLIKELY(n > (tern__left(p, end) - 4) / width))
		return TERN_CODEC_ETRUNC;
	*data = p + 4;
	*count = n;
	*pp = p + 4 + (size_t)n * width;
	return 0;
}

static inline int tern__check_bools(const uint8_t *p, uint32_t n)
{
	uint8_t acc = 0;
	for (uint32_t i = 0; i < n; i++)
		acc |= p[i];
	return acc > 1 ? TERN_CODEC_EBADBOOL : 0;
}

static inline size_t tern__list_str_size(const struct tern_list_str *l)
{
	size_t n = 4;
	if (!l->items)
		return n + l->wire_len;
	for (uint32_t i = 0; i < l->count; i++)
		n += 4 + (size_t)l->items[i].len;
	return n;
}

static inline int tern__enc_list_str(uint8_t **pp, const struct tern_list_str *l)
{
	uint8_t *p = *pp;
	tern__st_u32(p, l->count);
	p += 4;
	if (l->items) {
		for (uint32_t i = 0; i < l->count; i++)
			if (TERN_UNLIKELY(tern__enc_str(&p, &l->items[i]) != 0))
				return TERN_CODEC_EINVAL;
	} else if (l->count) {
		if (TERN_UNLIKELY(!l->wire))
			return TERN_CODEC_EINVAL;
		memcpy(p, l->wire, l->wire_len);
		p += l->wire_len;
	}
	*pp = p;
	return 0;
}

static inline int tern__dec_list_str(const uint8_t **pp, const uint8_t *end,
				     struct tern_list_str *l)
{
	const uint8_t *p = *pp;
	uint32_t n;

	if (TERN_UNLIKELY(tern__left(p, end) < 4))
		return TERN_CODEC_ETRUNC;
	n = tern__ld_u32(p);
	p += 4;
	/* each element takes at least 4 bytes: bounds the loop up front */
	if (TERN_UNLIKELY(n > tern__left(p, end) / 4))
		return TERN_CODEC_ETRUNC;
	l->items = NULL;
	l->wire = p;
	l->count = n;
	for (uint32_t i = 0; i < n; i++) {
		struct tern_str s;
		int rc = tern__dec_str(&p, end, &s);
		if (rc)
			return rc;
	}
	l->wire_len = (uint32_t)(p - l->wire);
	*pp = p;
	return 0;
}

/** Skips one encoded message (header + body) of any type. */
static inline int tern__skip_msg(const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;
	uint32_t len;
	if (tern__left(p, end) < TERN_CODEC_HDR_SIZE)
		return TERN_CODEC_ETRUNC;
	len = tern__ld_u32(p + 4);
	if (len > tern__left(p, end) - TERN_CODEC_HDR_SIZE)
		return TERN_CODEC_ETRUNC;
	*pp = p + TERN_CODEC_HDR_SIZE + len;
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* TERN_CODEC_PVT_H */
