/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: tern_net_parse() on whatever arrives from the wire.
 * tern_net_wire.c is compiled into this program (tests/net/meson.build) so
 * libFuzzer sees its coverage.  Each input is parsed for any port and for
 * tern's default 7460, against the node message size 2048.  A frame parse
 * accepts must keep the promise tern_net_wire.h makes to the receiver:
 *   - the body lies inside the input, and a non-DATA body is count bytes;
 *   - walking DATA's count entries with tern_net_ent_next() puts every
 *     piece inside the input, frag_off + frag_len <= size + tags_len <=
 *     max_msg, and ends exactly at body_len.
 * A broken promise aborts, which libFuzzer reports as a crash.
 * Seed: fuzz_net_frame_seed.bin, a valid DATA frame of three entries.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tern_net_wire.h"

#define MAX_MSG 2048

static void check(const uint8_t *data, size_t size, uint16_t port)
{
	struct tern_net_view v;
	const uint8_t *end = data + size;
	uint32_t off = 0;

	if (tern_net_parse(data, (uint32_t)size, port, MAX_MSG, &v) != TERN_NET_OK)
		return;
	if (v.body < data || v.body > end || v.body_len > (size_t)(end - v.body))
		abort();
	if (port != 0 && v.dst_port != port)
		abort();
	if (v.h.type == 0 || v.h.type > TERN_NET_TYPE_MAX || v.h.session == 0)
		abort();
	if (v.h.type != TERN_NET_DATA) {
		if (v.h.count != v.body_len || v.h.count >= TERN_NET_NAME_MAX)
			abort();
		return;
	}
	if (v.h.count == 0)
		abort();
	for (unsigned n = 0; n < v.h.count; n++) {
		struct tern_net_ent e;
		uint64_t total;

		if (off > v.body_len || v.body_len - off < TERN_NET_ENT_LEN)
			abort();
		tern_net_ent_next(&v, &off, &e);
		if (off > v.body_len)
			abort();
		if (e.piece < data || e.piece > end || e.frag_len > (size_t)(end - e.piece))
			abort();
		if (e.piece + e.frag_len != v.body + off)
			abort();
		total = (uint64_t)e.size + e.tags_len;
		if ((uint64_t)e.frag_off + e.frag_len > total || total > MAX_MSG)
			abort();
	}
	if (off != v.body_len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > UINT32_MAX)
		return 0;
	check(data, size, 0);
	check(data, size, 7460);
	return 0;
}
