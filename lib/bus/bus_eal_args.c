/* SPDX-License-Identifier: Apache-2.0 */
/* Checking tern-control's EAL arguments before rte_eal_init(); see
 * bus_eal_args.h for why an allow-list. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_config.h>

#include "common/tern_esc.h"
#include "bus_eal_args.h"

#define CPU_MAX 1024                /* tern-control's CPU lists stop there too */

enum opt { O_PROC_TYPE, O_FILE_PREFIX, O_NO_PCI, O_LCORES, O_LOG_LEVEL, O_NO_TELEMETRY, O_N };

static const struct {
	const char *name;
	bool value;                 /* takes "=value"; else a bare flag */
} opts[O_N] = {
	[O_PROC_TYPE] = { "--proc-type", true },
	[O_FILE_PREFIX] = { "--file-prefix", true },
	[O_NO_PCI] = { "--no-pci", false },
	[O_LCORES] = { "--lcores", true },
	[O_LOG_LEVEL] = { "--log-level", true },
	[O_NO_TELEMETRY] = { "--no-telemetry", false },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool name_chars(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && strchr(extra, *s) == NULL)
			return false;
	return true;
}

/* Decimal digits below max, no sign, no leading zero; returns the end. */
static const char *number(const char *p, unsigned max, unsigned *out)
{
	unsigned v = 0;
	const char *s = p;

	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v >= max)
			return NULL;
	}
	if (p == s || (p - s > 1 && *s == '0'))
		return NULL;
	*out = v;
	return p;
}

/* "ID@(CPUS)", CPUS like "0-3,6": what ctl_client_eal_args() writes. */
static bool lcores_ok(const char *v, uint32_t lcore_id)
{
	unsigned id, a, b;

	v = number(v, RTE_MAX_LCORE, &id);
	if (v == NULL || id != lcore_id || v[0] != '@' || v[1] != '(')
		return false;
	v += 2;
	do {
		if ((v = number(v, CPU_MAX, &a)) == NULL)
			return false;
		if (*v == '-' && ((v = number(v + 1, CPU_MAX, &b)) == NULL || b < a))
			return false;
	} while (*v == ',' && *++v);
	return v[0] == ')' && v[1] == '\0';
}

static bool log_level_ok(const char *v)
{
	static const char *const levels[] = { "emergency", "alert", "critical", "error", "warning",
					      "notice", "info", "debug", "1", "2", "3", "4",
					      "5", "6", "7", "8" };

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(v, levels[i]) == 0)
			return true;
	return false;
}

static bool value_ok(enum opt o, const char *v, uint32_t lcore_id)
{
	switch (o) {
	case O_PROC_TYPE:
		return strcmp(v, "secondary") == 0;
	case O_FILE_PREFIX:         /* a file name under /var/run/dpdk and /dev/hugepages */
		return v[0] != '\0' && strlen(v) < 64 && name_chars(v, "_-");
	case O_LCORES:
		return lcores_ok(v, lcore_id);
	case O_LOG_LEVEL:
		return log_level_ok(v);
	default:
		return false;
	}
}

static void put(struct tern__eal_argv *out, const char *a, const char *b)
{
	snprintf(out->buf[out->argc], sizeof(out->buf[0]), "%s%s", a, b);
	out->argv[out->argc] = out->buf[out->argc];
	out->argc++;
}

int tern__eal_args_check(const struct tern_list_str *in, uint32_t lcore_id,
			 struct tern__eal_argv *out, char *err, size_t errlen)
{
	char arg[TERN__EAL_ARG_LEN], esc[TERN_ESC_LEN(48)];
	const char *val[O_N] = { NULL };
	char vals[O_N][TERN__EAL_ARG_LEN];
	struct tern_iter it = tern_list_str_iter(in);
	struct tern_str s;
	unsigned i = 0;

	memset(out, 0, sizeof(*out));
	if (in->count == 0)
		return fail(err, errlen, "no EAL arguments");
	if (in->count > TERN__EAL_ARGC_MAX)
		return fail(err, errlen, "%u EAL arguments, at most %d", in->count,
			    TERN__EAL_ARGC_MAX);
	for (; tern_list_str_next(&it, &s); i++) {
		const char *eq;
		size_t nl;
		int o;

		/* Printable ASCII and no space: nothing tern-control sends has more,
		 * and a NUL would make the argument EAL sees differ from this one. */
		tern__esc(esc, sizeof(esc), s.ptr, s.len);
		if (s.len == 0 || s.len >= sizeof(arg))
			return fail(err, errlen, "EAL argument %u: %s", i,
				    s.len ? "too long" : "empty");
		for (uint32_t k = 0; k < s.len; k++)
			if ((unsigned char)s.ptr[k] <= ' ' || (unsigned char)s.ptr[k] >= 0x7f)
				return fail(err, errlen, "EAL argument %u '%s': a byte that is not "
					    "printable ASCII", i, esc);
		memcpy(arg, s.ptr, s.len);
		arg[s.len] = '\0';
		if (i == 0) {
			if (arg[0] == '-' || !name_chars(arg, "._+-"))
				return fail(err, errlen, "EAL program name '%s' is not a plain name",
					    esc);
			put(out, arg, "");
			continue;
		}
		/* The whole name: getopt_long would take "--file-pre" for
		 * --file-prefix, and "-dx" for "-d x". */
		eq = strchr(arg, '=');
		nl = eq ? (size_t)(eq - arg) : s.len;
		for (o = 0; o < O_N; o++)
			if (strlen(opts[o].name) == nl && memcmp(arg, opts[o].name, nl) == 0)
				break;
		if (o == O_N)
			return fail(err, errlen, "EAL argument '%s' refused: tern-control sends only "
				    "--proc-type, --file-prefix, --no-pci, --lcores, --log-level and "
				    "--no-telemetry", esc);
		if (val[o] != NULL)
			return fail(err, errlen, "EAL option %s given twice", opts[o].name);
		if (opts[o].value != (eq != NULL) || (eq && !value_ok((enum opt)o, eq + 1, lcore_id)))
			return fail(err, errlen, "EAL argument '%s' refused: %s", esc,
				    !opts[o].value ? "takes no value"
				    : eq == NULL ? "needs =value"
				    : o == O_LCORES ? "not this client's lcore as ID@(CPUS)"
				    : "bad value");
		snprintf(vals[o], sizeof(vals[o]), "%s", eq ? eq : "");
		val[o] = vals[o];
	}
	if (val[O_FILE_PREFIX] == NULL || val[O_LCORES] == NULL)
		return fail(err, errlen, "EAL arguments lack %s",
			    val[O_FILE_PREFIX] == NULL ? "--file-prefix" : "--lcores");
	/* Rebuilt from the checked values; the two that keep us a guest of the
	 * dataplane's memory and off its devices are there whatever was sent. */
	put(out, "--proc-type=secondary", "");
	put(out, "--no-pci", "");
	put(out, "--file-prefix", val[O_FILE_PREFIX]);
	put(out, "--lcores", val[O_LCORES]);
	if (val[O_LOG_LEVEL])
		put(out, "--log-level", val[O_LOG_LEVEL]);
	if (val[O_NO_TELEMETRY])
		put(out, "--no-telemetry", "");
	out->argv[out->argc] = NULL;
	return 0;
}
