/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: an old (evo_v1) and a new (evo_v2) reader of the same bytes.
 * Whatever the newer reader accepts, the older one accepts too, and they
 * agree on the fields both know. */
#include <stddef.h>
#include <stdint.h>

#include "evo_v1.tmsg.h"
#include "evo_v2.tmsg.h"
#include "fuzz_common.h"

FZ_DECODER(Order1)
FZ_DECODER(Order2)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t r1 = fz_Order1(data, size), r2 = fz_Order2(data, size);
	static const struct tern_msg_desc *const d1[] = { &Order1_desc }, *const d2[] = { &Order2_desc };
	struct Order1 o1;
	struct Order2 o2;

	/* only the Order descriptors: JSON must refuse an Inner as the
	 * decoders do */
	fz_agree(r1, d1, 1, data, size);
	fz_agree(r2, d2, 1, data, size);
	if (r2 >= 0) {
		FZ_CHECK(r1 == r2);
		FZ_CHECK(Order1_decode(&o1, data, size) == r1);
		FZ_CHECK(Order2_decode(&o2, data, size) == r2);
		FZ_CHECK(o1.id == o2.id && o1.inner.a == o2.inner.a);
		FZ_CHECK(o1.name.len == o2.name.len && o1.name.ptr == o2.name.ptr);
	}
	return 0;
}
