/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the decoders of bench.tmsg (StatusQuery, Price, OrderUpdate). */
#include <stddef.h>
#include <stdint.h>

#include "bench.tmsg.h"
#include "fuzz_common.h"

FZ_DECODER(StatusQuery)
FZ_DECODER(Price)
FZ_DECODER(OrderUpdate)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t a = fz_StatusQuery(data, size), b = fz_Price(data, size),
		c = fz_OrderUpdate(data, size);
	uint16_t id = 0;

	if (tern_codec_peek(data, size, &id, NULL) < 0)
		return 0;
	fz_agree(id == StatusQuery_TYPE_ID ? a : id == Price_TYPE_ID ? b :
		 id == OrderUpdate_TYPE_ID ? c : TERN_CODEC_EUNKNOWN,
		 bench_messages, bench_N_MESSAGES, data, size);
	return 0;
}
