/* SPDX-License-Identifier: Apache-2.0 */
/* libtern accepts from tern-control only the EAL arguments tern-control
 * sends (lib/bus/bus_eal_args.c).  Issue 7, finding 10: a fake server
 * replied with "-d evil.so" and the client ran the library as root.
 * No EAL here: the check runs before rte_eal_init(). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bus/bus_eal_args.h"

#define LCORE 64

static struct tern__eal_argv out;
static char err[256];

/* Check n arguments given as (pointer, length), so NULs can be embedded. */
static int check_n(const struct tern_str *a, uint32_t n)
{
	struct tern_list_str l = { .items = a, .count = n };

	err[0] = '\0';
	return tern__eal_args_check(&l, LCORE, &out, err, sizeof(err));
}

#define S(lit) { (lit), sizeof(lit) - 1 }
/* What ctl_client_eal_args() sends, with one argument replaced or added. */
#define SENT(...) ((const struct tern_str[]){ S("tern-client"), S("--proc-type=secondary"),     \
	S("--file-prefix=tern_local"), S("--no-pci"), S("--lcores=64@(0-1)"),                   \
	S("--log-level=error"), S("--no-telemetry"), __VA_ARGS__ })
#define CHECK(...) check_n(SENT(__VA_ARGS__), sizeof(SENT(__VA_ARGS__)) / sizeof(struct tern_str))

/* The argument list in the default set replaced: index i gets a. */
static int with(unsigned i, struct tern_str a)
{
	struct tern_str v[7] = { S("tern-client"), S("--proc-type=secondary"),
				 S("--file-prefix=tern_local"), S("--no-pci"),
				 S("--lcores=64@(0-1)"), S("--log-level=error"),
				 S("--no-telemetry") };

	v[i] = a;
	return check_n(v, 7);
}

static void accepts_what_tern_control_sends(void **state)
{
	(void)state;
	const char *want[] = { "tern-client", "--proc-type=secondary", "--no-pci",
			       "--file-prefix=tern_local", "--lcores=64@(0-1)",
			       "--log-level=error", "--no-telemetry" };

	assert_int_equal(check_n(SENT(), 7), 0);
	assert_int_equal(out.argc, 7);
	for (int i = 0; i < 7; i++)
		assert_string_equal(out.argv[i], want[i]);
	assert_null(out.argv[7]);
	assert_int_equal(with(4, (struct tern_str)S("--lcores=64@(3)")), 0);
	assert_int_equal(with(4, (struct tern_str)S("--lcores=64@(0-3,6,8-127)")), 0);
	assert_int_equal(with(5, (struct tern_str)S("--log-level=7")), 0);
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=tern_it-X9")), 0);
}

static void forces_secondary_and_no_pci(void **state)
{
	(void)state;
	const struct tern_str bare[] = { S("app"), S("--file-prefix=p"), S("--lcores=64@(0)") };

	assert_int_equal(check_n(bare, 3), 0);
	assert_int_equal(out.argc, 5);
	assert_string_equal(out.argv[1], "--proc-type=secondary");
	assert_string_equal(out.argv[2], "--no-pci");
	assert_string_equal(out.argv[3], "--file-prefix=p");
	assert_string_equal(out.argv[4], "--lcores=64@(0)");
	assert_null(out.argv[5]);
}

static void refuses_options_tern_control_never_sends(void **state)
{
	(void)state;

	assert_int_equal(CHECK(S("-d"), S("/tmp/evil.so")), -EINVAL);
	assert_string_equal(err, "EAL argument '-d' refused: tern-control sends only --proc-type, "
			    "--file-prefix, --no-pci, --lcores, --log-level and --no-telemetry");
	assert_int_equal(CHECK(S("-d/tmp/evil.so")), -EINVAL);          /* glued */
	assert_non_null(strstr(err, "'-d/tmp/evil.so' refused"));
	assert_int_equal(CHECK(S("--driver-path=/tmp")), -EINVAL);
	assert_int_equal(CHECK(S("--vdev=net_tap0")), -EINVAL);
	assert_int_equal(CHECK(S("--huge-dir=/tmp")), -EINVAL);
	assert_int_equal(CHECK(S("--in-memory")), -EINVAL);
	assert_int_equal(CHECK(S("-a"), S("0000:01:00.0")), -EINVAL);
	assert_int_equal(CHECK(S("--")), -EINVAL);
	assert_int_equal(CHECK(S("evil.so")), -EINVAL);                 /* a stray operand */
	/* getopt_long abbreviations and near names */
	assert_int_equal(with(2, (struct tern_str)S("--file-pre=x")), -EINVAL);
	assert_int_equal(with(3, (struct tern_str)S("--no-pc")), -EINVAL);
	assert_int_equal(with(3, (struct tern_str)S("--no-pcix")), -EINVAL);
	assert_int_equal(with(6, (struct tern_str)S("-dlib.so")), -EINVAL);
}

static void refuses_bad_values(void **state)
{
	(void)state;

	assert_int_equal(with(1, (struct tern_str)S("--proc-type=primary")), -EINVAL);
	assert_string_equal(err, "EAL argument '--proc-type=primary' refused: bad value");
	assert_int_equal(with(1, (struct tern_str)S("--proc-type=auto")), -EINVAL);
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=../x")), -EINVAL);
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=/tmp/x")), -EINVAL);
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=a.b")), -EINVAL);
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=")), -EINVAL);
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix")), -EINVAL);
	assert_string_equal(err, "EAL argument '--file-prefix' refused: needs =value");
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
						    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")), -EINVAL);
	assert_int_equal(with(3, (struct tern_str)S("--no-pci=1")), -EINVAL);
	assert_string_equal(err, "EAL argument '--no-pci=1' refused: takes no value");
	assert_int_equal(with(6, (struct tern_str)S("--no-telemetry=0")), -EINVAL);
	assert_int_equal(with(5, (struct tern_str)S("--log-level=lib.eal:debug")), -EINVAL);
	assert_int_equal(with(5, (struct tern_str)S("--log-level=9")), -EINVAL);
	/* --lcores: this client's lcore only, ID@(CPUS) only */
	const char *lc[] = { "--lcores=65@(0-1)", "--lcores=0@(0)", "--lcores=64", "--lcores=64@0",
			     "--lcores=64@(1-0)", "--lcores=64@(0-1024)", "--lcores=64@()",
			     "--lcores=64@(0,)", "--lcores=64@(0))", "--lcores=064@(0)",
			     "--lcores=64@(0),65@(1)", "--lcores=(64-65)@(0)", "--lcores=64@(-1)",
			     "--lcores=99999999999@(0)", "--lcores=64@(0)x" };
	for (size_t i = 0; i < sizeof(lc) / sizeof(lc[0]); i++) {
		assert_int_equal(with(4, tern_str_from_cstr(lc[i])), -EINVAL);
		assert_non_null(strstr(err, "not this client's lcore as ID@(CPUS)"));
	}
}

static void refuses_malformed_lists(void **state)
{
	(void)state;
	struct tern_str many[TERN__EAL_ARGC_MAX + 1];

	assert_int_equal(check_n(NULL, 0), -EINVAL);
	assert_string_equal(err, "no EAL arguments");
	for (int i = 0; i <= TERN__EAL_ARGC_MAX; i++)
		many[i] = (struct tern_str)S("--no-pci");
	many[0] = (struct tern_str)S("tern-client");
	assert_int_equal(check_n(many, TERN__EAL_ARGC_MAX + 1), -EINVAL);
	assert_string_equal(err, "13 EAL arguments, at most 12");
	assert_int_equal(check_n(many, 3), -EINVAL);
	assert_string_equal(err, "EAL option --no-pci given twice");
	assert_int_equal(CHECK(S("--file-prefix=other")), -EINVAL);     /* a second prefix */
	assert_int_equal(with(3, (struct tern_str){ "", 0 }), -EINVAL);
	assert_string_equal(err, "EAL argument 3: empty");
	/* missing the two values only tern-control knows */
	const struct tern_str nolc[] = { S("app"), S("--file-prefix=p") };
	assert_int_equal(check_n(nolc, 2), -EINVAL);
	assert_string_equal(err, "EAL arguments lack --lcores");
	const struct tern_str nofp[] = { S("app"), S("--lcores=64@(0)") };
	assert_int_equal(check_n(nofp, 2), -EINVAL);
	assert_string_equal(err, "EAL arguments lack --file-prefix");
	/* argv[0] is a name, not an option */
	assert_int_equal(with(0, (struct tern_str)S("-d")), -EINVAL);
	assert_int_equal(with(0, (struct tern_str)S("/bin/app")), -EINVAL);
}

static void refuses_nul_newline_and_other_bytes(void **state)
{
	(void)state;
	char big[TERN__EAL_ARG_LEN + 10];

	/* EAL would see "--no-pci" and the rest would vanish from any log. */
	assert_int_equal(with(3, (struct tern_str){ "--no-pci\0-d/tmp/x.so", 20 }), -EINVAL);
	assert_string_equal(err, "EAL argument 3 '--no-pci\\x00-d/tmp/x.so': a byte that is not "
			    "printable ASCII");
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=a\nb")), -EINVAL);
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=a b")), -EINVAL);
	assert_int_equal(with(2, (struct tern_str)S("--file-prefix=caf\xc3\xa9")), -EINVAL);
	assert_int_equal(with(0, (struct tern_str)S("tern\x1b[2J")), -EINVAL);
	assert_non_null(strstr(err, "tern\\x1b[2J"));   /* escaped in the message too */
	memset(big, 'a', sizeof(big));
	memcpy(big, "--file-prefix=", 14);
	assert_int_equal(with(2, (struct tern_str){ big, sizeof(big) }), -EINVAL);
	assert_string_equal(err, "EAL argument 2: too long");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_what_tern_control_sends),
		cmocka_unit_test(forces_secondary_and_no_pci),
		cmocka_unit_test(refuses_options_tern_control_never_sends),
		cmocka_unit_test(refuses_bad_values),
		cmocka_unit_test(refuses_malformed_lists),
		cmocka_unit_test(refuses_nul_newline_and_other_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
