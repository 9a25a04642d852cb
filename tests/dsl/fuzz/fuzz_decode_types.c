/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the decoders of types.tmsg + common.tmsg (every DSL type). */
#include <stddef.h>
#include <stdint.h>

#include "types.tmsg.h"
#include "fuzz_common.h"

FZ_DECODER(Point)
FZ_DECODER(Scalars)
FZ_DECODER(Strings)
FZ_DECODER(Lists)
FZ_DECODER(Optionals)
FZ_DECODER(Arrays)
FZ_DECODER(Nested)
FZ_DECODER(Empty)

static const struct tern_msg_desc *const descs[] = {
	&Point_desc, &Scalars_desc, &Strings_desc, &Lists_desc,
	&Optionals_desc, &Arrays_desc, &Nested_desc, &Empty_desc,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t rc[8] = {
		fz_Point(data, size), fz_Scalars(data, size), fz_Strings(data, size),
		fz_Lists(data, size), fz_Optionals(data, size), fz_Arrays(data, size),
		fz_Nested(data, size), fz_Empty(data, size),
	};
	uint16_t id = 0;
	int64_t mine = TERN_CODEC_EUNKNOWN;

	if (tern_codec_peek(data, size, &id, NULL) < 0)
		return 0;
	for (size_t i = 0; i < 8; i++) {
		if (descs[i]->type_id == id)
			mine = rc[i];
		else
			FZ_CHECK(rc[i] == TERN_CODEC_EBADTYPE); /* ids are checked first */
	}
	fz_agree(mine, descs, 8, data, size);
	return 0;
}
