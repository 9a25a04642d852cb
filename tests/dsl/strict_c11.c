/* SPDX-License-Identifier: Apache-2.0 */
/* Built with -std=c11 -Wall -Wextra -Werror -Wpedantic: proves generated
 * headers are clean strict C11.  Runs one round trip so it asserts
 * something at run time too. */
#include <stdio.h>

#include "bench.tmsg.h"
#include "types.tmsg.h"

int main(void)
{
	struct Point pt = { 3, -4 }, back;
	struct StatusQuery q = { 42, 7 }, q2;
	uint8_t buf[64];
	int64_t n = Point_encode(&pt, buf, sizeof(buf));

	if (n != Point_MAX_SIZE || Point_decode(&back, buf, (size_t)n) != n ||
	    back.x != 3 || back.y != -4) {
		fprintf(stderr, "Point round trip failed\n");
		return 1;
	}
	n = StatusQuery_encode(&q, buf, sizeof(buf));
	if (n != StatusQuery_MAX_SIZE || StatusQuery_decode(&q2, buf, (size_t)n) != n ||
	    q2.instance_id != 42 || q2.epoch != 7) {
		fprintf(stderr, "StatusQuery round trip failed\n");
		return 1;
	}
	return 0;
}
