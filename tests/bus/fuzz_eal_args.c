/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the check of tern-control's EAL arguments on any list.
 * Input: one byte of lcore id, then arguments as (1 byte length, bytes).
 * The check must give 0 or -EINVAL with a reason, and what it accepts must
 * be an argv of allowed options only, secondary and --no-pci always. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus_eal_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool allowed(const char *a)
{
	static const char *const ok[] = { "--proc-type=secondary", "--no-pci", "--file-prefix=",
					  "--lcores=", "--log-level=", "--no-telemetry" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strncmp(a, ok[i], strlen(ok[i])) == 0)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tern__eal_argv out;
	struct tern_str args[TERN__EAL_ARGC_MAX + 4];
	struct tern_list_str l = { .items = args };
	char err[256] = "";
	size_t p = 1;
	int rc;

	if (size < 1)
		return 0;
	while (p < size && l.count < sizeof(args) / sizeof(args[0])) {
		size_t n = data[p++];
		if (n > size - p)
			n = size - p;
		args[l.count++] = (struct tern_str){ (const char *)data + p, (uint32_t)n };
		p += n;
	}
	rc = tern__eal_args_check(&l, data[0], &out, err, sizeof(err));
	if (rc != 0 && (rc != -EINVAL || err[0] == '\0'))
		abort();
	if (rc != 0)
		return 0;
	if (out.argc < 5 || out.argc > 7 || out.argv[out.argc] != NULL ||
	    strcmp(out.argv[1], "--proc-type=secondary") || strcmp(out.argv[2], "--no-pci"))
		abort();
	for (int i = 0; i < out.argc; i++) {
		for (const char *c = out.argv[i]; *c; c++)
			if (*c <= ' ' || *c >= 0x7f)
				abort();
		if (i > 0 && !allowed(out.argv[i]))
			abort();
		if (i > 0 && (strstr(out.argv[i], "..") || strchr(out.argv[i], '/')))
			abort();
	}
	return 0;
}
