/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the libFuzzer targets: run one generated decoder on the input,
 * and if it accepts, re-encode and decode again (must succeed and be a
 * fixed point; the re-encoding may be longer than the input when the input
 * came from an older version).  Each target also runs tern_msg_to_json() and requires it
 * to agree with the decoder on validity.
 */
#ifndef TERN_FUZZ_COMMON_H
#define TERN_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include <tern/tern_json.h>

static uint8_t fz_out[1 << 17], fz_again[1 << 17];
static char fz_json[1 << 18];

#define FZ_CHECK(cond)                                                             \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

/* Defines fz_<M>(data, size) returning the decoder's verdict. */
#define FZ_DECODER(M)                                                              \
	static int64_t fz_##M(const uint8_t *data, size_t size)                    \
	{                                                                          \
		struct M m, m2;                                                    \
		int64_t n = M##_decode(&m, data, size), e, e2;                     \
		if (n < 0)                                                         \
			return n;                                                  \
		FZ_CHECK(n >= 8 && (size_t)n <= size);                             \
		e = M##_encode(&m, fz_out, sizeof(fz_out));                        \
		if (e == TERN_CODEC_ENOSPACE)                                      \
			return n; /* larger than the scratch: fine */              \
		FZ_CHECK(e > 0);                                                   \
		FZ_CHECK(M##_decode(&m2, fz_out, (size_t)e) == e);                 \
		e2 = M##_encode(&m2, fz_again, sizeof(fz_again));                  \
		FZ_CHECK(e2 == e && memcmp(fz_out, fz_again, (size_t)e) == 0);     \
		return n;                                                          \
	}

/* The decoder for the input's type id and the JSON printer must agree. */
static inline void fz_agree(int64_t rc, const struct tern_msg_desc *const *descs, size_t n,
			    const uint8_t *data, size_t size)
{
	int64_t j = tern_msg_to_json(descs, n, data, size, fz_json, sizeof(fz_json));
	if (j == TERN_CODEC_ENOSPACE)
		return;
	FZ_CHECK((rc >= 0) == (j >= 0));
	FZ_CHECK(j < 0 || strlen(fz_json) == (size_t)j);
}

#endif
