/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: tern__esc() on any bytes and any output size.  The
 * output must fit, hold no control byte, no raw quote, and no backslash
 * that does not start one of its own \xNN escapes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/tern_esc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[TERN_ESC_LEN(256)];
	size_t cap, n;

	if (size < 1)
		return 0;
	cap = data[0] % 8 == 0 ? sizeof(out) : data[0] + 1u;   /* often unbounded, often cut */
	if (tern__esc(out, cap, data + 1, size - 1 > 256 ? 256 : size - 1) != out)
		abort();
	n = strlen(out);
	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\'')
			abort();
		if (c == '\\' && (i + 3 >= n + 1 || out[i + 1] != 'x' || !hex(out[i + 2]) ||
				  !hex(out[i + 3])))
			abort();
	}
	return 0;
}
