/* SPDX-License-Identifier: Apache-2.0 */
/* The node config reader: defaults, a full file, and every error class with
 * its exact message (the messages are the interface an operator sees). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/tern_config.h"

static char err[8192];

static int parse(struct tern_config *c, const char *text)
{
    return tern__config_parse(c, text, strlen(text), "t.ini", err, sizeof(err));
}

static void embedded_default_parses_to_documented_defaults(void **state)
{
    struct tern_config c;
    (void)state;

    assert_int_equal(tern_config_load(&c, NULL, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_string_equal(c.source, "<embedded default>");
    assert_string_equal(c.node_name, "local");
    assert_string_equal(c.run_dir, "/run/tern/local");
    assert_string_equal(c.control_socket, "/run/tern/local/control.sock");
    assert_string_equal(c.dataplane_socket, "/run/tern/local/dataplane.sock");
    assert_string_equal(c.file_prefix, "tern_local");
    assert_string_equal(c.lcores, "0@0");
    assert_string_equal(c.log_level, "error");
    assert_int_equal(c.n_allow, 0);
    assert_int_equal(c.n_extra_args, 0);
    assert_int_equal(c.mbufs, 16383);
    assert_int_equal(c.msg_size, 2048);
    assert_int_equal(c.mempool_cache, 256);
    assert_int_equal(c.max_topics, 256);
    assert_int_equal(c.max_subs, 256);
    assert_int_equal(c.max_clients, 32);
    assert_int_equal(c.default_depth, 1024);
    assert_int_equal(c.first_client_lcore, 64);
    assert_int_equal(c.client_timeout_ms, 2000);
    assert_int_equal(c.n_rules, 0);
}

static void empty_text_gives_defaults(void **state)
{
    struct tern_config c;
    (void)state;

    assert_int_equal(parse(&c, ""), 0);
    assert_string_equal(c.node_name, "local");
    assert_int_equal(c.max_clients, 32);
}

static const char full[] =
    "\xEF\xBB\xBF; a full node file\r\n"
    "[node]\n"
    "name = edge-1\n"
    "run_dir = /tmp/tern-edge   ; inline comment\n"
    "[eal]\n"
    "lcores = (0-1)@0,2@1\n"
    "allow = 0000:01:00.0 02:00.1\n"
    "allow = 0000:03:00.0\n"
    "extra_args = --huge-dir=/dev/hugepages --iova-mode=va\n"
    "log_level = debug\n"
    "  [memory]\n"
    "  mbufs = 8191\n"
    "msg_size: 1024\n"
    "mempool_cache = 0\n"
    "[limits]\n"
    "max_topics = 16\n"
    "max_subs = 8\n"
    "max_clients = 4\n"
    "default_depth = 64\n"
    "[clients]\n"
    "first_client_lcore = 10\n"
    "client_timeout_ms = 500\n"
    "[storage]\n"
    "rule.7.fsync = always\n"
    "rule.7 = md.> -> md/{topic}\n"
    "rule.2 = audit -> audit\n"
    "rule.2.segment_bytes = 16M\n"
    "rule.2.rotate_utc = 23:30\n"
    "rule.2.retain_bytes = 2G\n"
    "rule.2.retain_seconds = 7d\n"
    "rule.2.fsync_interval_ms = 5\n";

static void full_file_sets_every_key(void **state)
{
    struct tern_config c;
    (void)state;

    assert_int_equal(parse(&c, full), 0);
    assert_string_equal(err, "");
    assert_string_equal(c.node_name, "edge-1");
    assert_string_equal(c.run_dir, "/tmp/tern-edge");
    assert_string_equal(c.control_socket, "/tmp/tern-edge/control.sock");
    assert_string_equal(c.dataplane_socket, "/tmp/tern-edge/dataplane.sock");
    assert_string_equal(c.file_prefix, "tern_edge-1");
    assert_string_equal(c.lcores, "(0-1)@0,2@1");
    assert_int_equal(c.n_allow, 3);
    assert_string_equal(c.allow[1], "02:00.1");
    assert_string_equal(c.allow[2], "0000:03:00.0");
    assert_int_equal(c.n_extra_args, 2);
    assert_string_equal(c.extra_args[1], "--iova-mode=va");
    assert_string_equal(c.log_level, "debug");
    assert_int_equal(c.mbufs, 8191);
    assert_int_equal(c.msg_size, 1024);
    assert_int_equal(c.mempool_cache, 0);
    assert_int_equal(c.max_topics, 16);
    assert_int_equal(c.max_subs, 8);
    assert_int_equal(c.max_clients, 4);
    assert_int_equal(c.default_depth, 64);
    assert_int_equal(c.first_client_lcore, 10);
    assert_int_equal(c.client_timeout_ms, 500);
    /* ordered by N, whatever the order of the lines */
    assert_int_equal(c.n_rules, 2);
    assert_string_equal(c.rules[0].pattern, "audit");
    assert_string_equal(c.rules[0].prefix, "audit");
    assert_string_equal(c.rules[0].fsync, "interval");
    assert_int_equal(c.rules[0].fsync_interval_ms, 5);
    assert_int_equal(c.rules[0].segment_bytes, 16ull << 20);
    assert_int_equal(c.rules[0].rotate_utc_minute, 23 * 60 + 30);
    assert_int_equal(c.rules[0].retain_bytes, 2ull << 30);
    assert_int_equal(c.rules[0].retain_seconds, 7 * 86400);
    assert_string_equal(c.rules[1].pattern, "md.>");
    assert_string_equal(c.rules[1].prefix, "md/{topic}");
    assert_string_equal(c.rules[1].fsync, "always");
    assert_int_equal(c.rules[1].segment_bytes, 64ull << 20);
    assert_int_equal(c.rules[1].rotate_utc_minute, -1);
}

/* Every error class, all reported in one pass, in line order. */
static void every_error_is_reported_with_file_line_and_key(void **state)
{
    struct tern_config c;
    (void)state;

    const char *text =
        "stray = 1\n"                               /* 1 */
        "[node]\n"                                  /* 2 */
        "name = a b\n"                              /* 3 */
        "nmae = x\n"                                /* 4 */
        "[memory\n"                                 /* 5 */
        "[memory]\n"                                /* 6 */
        "mbufs = lots\n"                            /* 7 */
        "msg_size = 70000\n"                        /* 8 */
        "mempool_cache = -1\n"                      /* 9 */
        "just some words\n"                         /* 10 */
        "mbufs = 1024\n"                            /* 11 */
        "mbufs = 2048\n"                            /* 12 */
        "msg_size =\n"                              /* 13 */
        "= 5\n"                                     /* 14 */
        "[limits]\n"                                /* 15 */
        "default_depth = 1000\n"                    /* 16 */
        "max_topics = 99999999999999999999999\n"    /* 17 */
        "[bogus]\n"                                 /* 18 */
        "whatever = 1\n"                            /* 19 */
        "[eal]\n"                                   /* 20 */
        "lcores = 0@@1\n"                           /* 21 */
        "allow = 1:2:3\n"                           /* 22 */
        "extra_args = --proc-type=primary\n"        /* 23 */
        "log_level = loud\n"                        /* 24 */
        "[storage]\n"                               /* 25 */
        "rule.1 = md.>\n"                           /* 26 */
        "rule.1.fsync = sometimes\n"                /* 27 */
        "rule.1.segment_bytes = 12Q\n"              /* 28 */
        "rule.1.rotate_utc = 25:00\n"               /* 29 */
        "rule.2.retain_seconds = 1d\n"              /* 30 */
        "rules.3 = x -> y\n";                       /* 31 */
    const char *want =
        "t.ini:1: stray: key outside any section\n"
        "t.ini:3: [node] name: invalid character ' ' in 'a b' (allowed: letters, digits, '_', '-')\n"
        "t.ini:4: [node] nmae: unknown key\n"
        "t.ini:5: syntax error: missing ']'\n"
        "t.ini:7: [memory] mbufs: not a number: 'lots'\n"
        "t.ini:8: [memory] msg_size: out of range: 70000 (allowed 64..61440)\n"
        "t.ini:9: [memory] mempool_cache: not a number: '-1'\n"
        "t.ini:10: syntax error: expected '[section]' or 'key = value'\n"
        "t.ini:11: [memory] mbufs: duplicate key (first set on line 7)\n"
        "t.ini:12: [memory] mbufs: duplicate key (first set on line 7)\n"
        "t.ini:13: [memory] msg_size: missing value\n"
        "t.ini:14: [memory]: missing key before '='\n"
        "t.ini:16: [limits] default_depth: not a power of two: 1000\n"
        "t.ini:17: [limits] max_topics: out of range: 99999999999999999999999 (allowed 1..65536)\n"
        "t.ini:18: [bogus]: unknown section\n"
        "t.ini:21: [eal] lcores: cannot parse '0@@1' (a DPDK --lcores value, e.g. 0@0 or 0@0,1@1)\n"
        "t.ini:22: [eal] allow: '1:2:3' is not a PCI address (0000:01:00.0)\n"
        "t.ini:23: [eal] extra_args: '--proc-type=primary' not allowed: tern-dataplane is always the primary\n"
        "t.ini:24: [eal] log_level: unknown level 'loud' (emergency, alert, critical, error, warning, notice, info, debug, or 1..8)\n"
        "t.ini:26: [storage] rule.1: expected 'PATTERN -> PREFIX', e.g. 'md.> -> md/{topic}'\n"
        "t.ini:27: [storage] rule.1.fsync: expected never, interval or always, not 'sometimes'\n"
        "t.ini:28: [storage] rule.1.segment_bytes: not a number: '12Q' (a count of bytes, suffix K, M, G or T)\n"
        "t.ini:29: [storage] rule.1.rotate_utc: expected HH:MM (UTC) or none, not '25:00'\n"
        "t.ini:31: [storage] rules.3: unknown key (expected dir, mode, group, rule.N or rule.N.{fsync, fsync_interval_ms, segment_bytes, rotate_utc, retain_bytes, retain_seconds})\n"
        "t.ini:30: [storage] rule.2: options without the rule itself (add 'rule.2 = PATTERN -> PREFIX')\n";

    assert_int_equal(parse(&c, text), -EINVAL);
    assert_string_equal(err, want);
}

static void cross_checks_blame_the_line_that_set_the_key(void **state)
{
    struct tern_config c;
    (void)state;

    assert_int_equal(parse(&c, "[clients]\nfirst_client_lcore = 100\n[limits]\n"
                               "max_clients = 30\n[eal]\nlcores = 0@0,100@1\n"), -EINVAL);
    assert_string_equal(err,
        "t.ini:4: [limits] max_clients: client lcores 100..129 exceed the highest lcore id 127 "
        "(first_client_lcore + max_clients must be at most 128)\n"
        "t.ini:6: [eal] lcores: dataplane lcore 100 collides with client lcores (first_client_lcore = 100)\n");

    /* with only first_client_lcore set, that is the line and key to blame */
    assert_int_equal(parse(&c, "\n[clients]\nfirst_client_lcore = 100\n"), -EINVAL);
    assert_string_equal(err,
        "t.ini:3: [clients] first_client_lcore: client lcores 100..131 exceed the highest "
        "lcore id 127 (first_client_lcore + max_clients must be at most 128)\n");

    assert_int_equal(parse(&c, "[memory]\nmbufs = 300\n"), -EINVAL);
    assert_string_equal(err, "t.ini:2: [memory] mbufs: mempool_cache (256) is more than mbufs / 1.5 (mbufs = 300)\n");
}

static void socket_paths_must_fit_sun_path(void **state)
{
    struct tern_config c;
    char text[512];
    (void)state;

    snprintf(text, sizeof(text), "[node]\nrun_dir = /tmp/%0100d\n", 0);
    assert_int_equal(parse(&c, text), -EINVAL);
    assert_string_equal(err,
        "t.ini:2: [node] run_dir: control socket path too long for a Unix socket (118 characters, at most 107)\n"
        "t.ini:2: [node] run_dir: dataplane socket path too long for a Unix socket (120 characters, at most 107)\n");
}

static void overlong_line_and_nul_byte_are_errors(void **state)
{
    struct tern_config c;
    char text[400];
    (void)state;

    snprintf(text, sizeof(text), "[node]\nrun_dir = /%0250d\nname = ok\n", 0);
    assert_int_equal(parse(&c, text), -EINVAL);
    assert_string_equal(err, "t.ini:2: line too long (261 characters, at most 197)\n");
    assert_string_equal(c.node_name, "ok");     /* parsing went on */

    static const char nul[] = "[node]\nname = a\0b\nbad line\n";
    assert_int_equal(tern__config_parse(&c, nul, sizeof(nul) - 1, "t.ini", err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "t.ini:2: syntax error: NUL byte\n"
                             "t.ini:3: syntax error: expected '[section]' or 'key = value'\n");
}

static void indented_line_is_not_a_continuation(void **state)
{
    struct tern_config c;
    (void)state;

    assert_int_equal(parse(&c, "[limits]\nmax_topics = 5\n    max_subs = 6\n"), 0);
    assert_int_equal(c.max_topics, 5);
    assert_int_equal(c.max_subs, 6);
}

static void small_errbuf_truncates_safely(void **state)
{
    struct tern_config c;
    char small[24];
    (void)state;

    memset(small, 'x', sizeof(small));
    assert_int_equal(tern__config_parse(&c, "a\nb\nc\n", 6, "t.ini", small, sizeof(small)),
                     -EINVAL);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, "t.ini:1: syntax error: ", sizeof(small) - 1);
    /* no buffer at all is fine too */
    assert_int_equal(tern__config_parse(&c, "a\n", 2, "t.ini", NULL, 0), -EINVAL);
}

static void load_reads_a_file_and_names_it(void **state)
{
    struct tern_config c;
    char path[] = "/tmp/tern-test-config-XXXXXX";
    int fd = mkstemp(path);
    (void)state;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "[node]\nname = n1\n[x]\n", 21), 21);
    close(fd);
    assert_int_equal(tern_config_load(&c, path, err, sizeof(err)), -EINVAL);
    char want[128];
    snprintf(want, sizeof(want), "%s:3: [x]: unknown section\n", path);
    assert_string_equal(err, want);
    assert_string_equal(c.source, path);
    unlink(path);

    assert_int_equal(tern_config_load(&c, path, err, sizeof(err)), -ENOENT);
    snprintf(want, sizeof(want), "%s: cannot open: No such file or directory\n", path);
    assert_string_equal(err, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(embedded_default_parses_to_documented_defaults),
        cmocka_unit_test(empty_text_gives_defaults),
        cmocka_unit_test(full_file_sets_every_key),
        cmocka_unit_test(every_error_is_reported_with_file_line_and_key),
        cmocka_unit_test(cross_checks_blame_the_line_that_set_the_key),
        cmocka_unit_test(socket_paths_must_fit_sun_path),
        cmocka_unit_test(overlong_line_and_nul_byte_are_errors),
        cmocka_unit_test(indented_line_is_not_a_continuation),
        cmocka_unit_test(small_errbuf_truncates_safely),
        cmocka_unit_test(load_reads_a_file_and_names_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
