/* SPDX-License-Identifier: Apache-2.0 */
/* Writes a small seed corpus for one fuzz family into a directory:
 *   fuzz_seeds <bench|types|evolution> <dir> */
#include <stdio.h>
#include <string.h>

#include "bench.tmsg.h"
#include "evo_v1.tmsg.h"
#include "evo_v2.tmsg.h"
#include "types.tmsg.h"

static const char *dir;
static int nseed;

static int put(const uint8_t *b, int64_t n)
{
	char path[4096];
	FILE *fp;

	if (n < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/seed%02d", dir, nseed++);
	fp = fopen(path, "wb");
	if (!fp || fwrite(b, 1, (size_t)n, fp) != (size_t)n || fclose(fp) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

#define PUT(M, v) (err |= put(buf, M##_encode(&(v), buf, sizeof(buf))))

int main(int argc, char **argv)
{
	static uint8_t buf[8192];
	static int64_t fills[16] = { 1, 2, 3 };
	static uint32_t tags[2] = { 7, 8 };
	static struct tern_str strs[2] = { { "ab", 2 }, { "", 0 } };
	static struct Point pts[2] = { { 1, 2 }, { 3, 4 } };
	static struct Optionals opts[2] = { { .has_o_i64 = true, .o_i64 = 3, .has_o_str = true,
					       .o_str = { "s", 1 } }, { 0 } };
	int err = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: fuzz_seeds <bench|types|evolution> <dir>\n");
		return 2;
	}
	dir = argv[2];
	if (strcmp(argv[1], "bench") == 0) {
		struct StatusQuery q = { 1, 2 };
		struct OrderUpdate u = { 1, 2, { 3, 4 }, Side_BUY, true, 5, TERN_STR_LIT("AAPL.OQ"),
					 true, 6, { fills, 16 }, { 1, 2, 3, 4 } };
		struct OrderUpdate u0 = { .side = Side_SELL };
		PUT(StatusQuery, q);
		PUT(OrderUpdate, u);
		PUT(OrderUpdate, u0);
		PUT(Price, u.price);
	} else if (strcmp(argv[1], "types") == 0) {
		struct Scalars sc = { 1, 2, 3, 4, 5, 6, 7, 8, 1.5f, 2.5, true, 9, Level_MID,
				      Color_GREEN, Big_MAX };
		struct Strings st = { TERN_STR_LIT("s"), true, TERN_STR_LIT("o"),
				      { strs, NULL, 2, 0 }, { TERN_STR_LIT("a"), TERN_STR_LIT("") } };
		struct Lists li = { .l_i8 = { fills, 3 }, .l_bool = { "\1\0", 2 },
				    .l_point = { pts, NULL, 2, 0 }, .l_str = { strs, NULL, 2, 0 },
				    .l_color = { "\7\0", 1 } };
		struct Arrays ar = { { 1, 2, 3 }, { true, false }, { Level_LOW, Level_HIGH },
				     { { 1, 2 }, { 3, 4 } }, { 1, 2 } };
		struct Nested ne = { .p = { 1, 2 }, .s = sc, .l = li, .has_os = true, .os = st,
				     .lo = { opts, NULL, 2, 0 } };
		struct Empty e = { 0 };
		PUT(Scalars, sc);
		PUT(Strings, st);
		PUT(Lists, li);
		PUT(Optionals, opts[0]);
		PUT(Arrays, ar);
		PUT(Nested, ne);
		PUT(Empty, e);
		PUT(Point, pts[0]);
	} else if (strcmp(argv[1], "evolution") == 0) {
		struct Order1 o1 = { 1, { 2 }, TERN_STR_LIT("one") };
		struct Order2 o2 = { 1, { 2, TERN_STR_LIT("n") }, TERN_STR_LIT("two"), true, 3,
				     { tags, 2 }, { 4, TERN_STR_LIT("") }, true };
		PUT(Order1, o1);
		PUT(Order2, o2);
	} else {
		fprintf(stderr, "fuzz_seeds: unknown family %s\n", argv[1]);
		return 2;
	}
	return err;
}
