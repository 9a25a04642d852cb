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
        "t.ini:6: [eal] lcores: dataplane lcore 100 collides with client lcores (first_client_lcore = 100)\n");

    /* More clients than lcore ids above first_client_lcore: they share them. */
    assert_int_equal(parse(&c, "[clients]\nfirst_client_lcore = 100\n[limits]\n"
                               "max_clients = 1024\n"), 0);
    assert_int_equal(tern_client_lcore(c.first_client_lcore, 0), 100);
    assert_int_equal(tern_client_lcore(c.first_client_lcore, 27), 127);
    assert_int_equal(tern_client_lcore(c.first_client_lcore, 28), 100);
    assert_int_equal(tern_client_lcore(c.first_client_lcore, 1023), 100 + 1023 % 28);
    assert_int_equal(tern_client_lcore(127, 5), 127);
    assert_int_equal(parse(&c, "[limits]\nmax_clients = 1025\n"), -EINVAL);
    assert_non_null(strstr(err, "max_clients"));

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

/* [port.NAME]: every key, the sections repeating, the values' forms. */
static void port_sections_set_every_key(void **state)
{
    static struct tern_config c;
    (void)state;

    const char *text =
        "[eal]\n"
        "allow = 01:00.0\n"
        "[port.peer-1]\n"
        "vdev = net_memif0,role=server,socket=/run/tern/m.sock,bsize=9216\n"
        "lcore = 3\n"
        "rx_desc = 512\n"
        "tx_desc = 2048\n"
        "mtu = 9000\n"
        "ip = 10.0.0.1\n"
        "peer_ip = 10.0.0.2\n"
        "udp_port = 7000\n"
        "peer_udp_port = 7001\n"
        "mac = 02:00:00:AA:bb:0f\n"
        "peer_mac = 02:00:00:00:00:02\n"
        "import = md.>\n"
        "import = ref.*.px\n"
        "export = orders.>\n"
        "window = 8192\n"
        "rx_window = 100\n"
        "heartbeat_ms = 50\n"
        "link_timeout_ms = 51\n"
        "nak_delay_us = 0\n"
        "fault_loss = 5%\n"
        "fault_dup = 0.5%\n"
        "fault_reorder = 250ppm\n"
        "fault_delay_us = 1000000\n"
        "fault_seed = 1234567890123456789\n"
        "[node]\n"
        "name = n1\n"
        "[port.peer-1]\n"                   /* the same port goes on */
        "export = audit\n"
        "[port.nic]\n"
        "pci = 0000:01:00.0\n"
        "ip = 192.168.1.1\n"
        "peer_ip = 192.168.1.2\n";

    if (parse(&c, text) != 0)
        print_error("%s", err);
    assert_string_equal(err, "");
    assert_int_equal(c.n_ports, 2);
    const struct tern_port_cfg *p = &c.ports[0];
    assert_string_equal(p->name, "peer-1");
    assert_string_equal(p->vdev, "net_memif0,role=server,socket=/run/tern/m.sock,bsize=9216");
    assert_string_equal(p->pci, "");
    assert_int_equal(p->lcore, 3);
    assert_int_equal(p->rx_desc, 512);
    assert_int_equal(p->tx_desc, 2048);
    assert_int_equal(p->mtu, 9000);
    assert_int_equal(p->ip, 0x0a000001);
    assert_int_equal(p->peer_ip, 0x0a000002);
    assert_int_equal(p->udp_port, 7000);
    assert_int_equal(p->peer_udp_port, 7001);
    assert_true(p->have_mac);
    assert_memory_equal(p->mac, "\x02\x00\x00\xaa\xbb\x0f", 6);
    assert_memory_equal(p->peer_mac, "\x02\x00\x00\x00\x00\x02", 6);
    assert_int_equal(p->n_imports, 2);
    assert_string_equal(p->imports[0], "md.>");
    assert_string_equal(p->imports[1], "ref.*.px");
    assert_int_equal(p->n_exports, 2);
    assert_string_equal(p->exports[0], "orders.>");
    assert_string_equal(p->exports[1], "audit");
    assert_int_equal(p->window, 8192);
    assert_int_equal(p->rx_window, 100);
    assert_int_equal(p->heartbeat_ms, 50);
    assert_int_equal(p->link_timeout_ms, 51);
    assert_int_equal(p->nak_delay_us, 0);
    assert_int_equal(p->fault_loss_ppm, 50000);
    assert_int_equal(p->fault_dup_ppm, 5000);
    assert_int_equal(p->fault_reorder_ppm, 250);
    assert_int_equal(p->fault_delay_us, 1000000);
    assert_true(p->fault_seed == 1234567890123456789ull);
    /* a PCI port, its address allow-listed in the short form */
    assert_string_equal(c.ports[1].name, "nic");
    assert_string_equal(c.ports[1].pci, "0000:01:00.0");
    assert_string_equal(c.ports[1].vdev, "");
    assert_int_equal(c.ports[1].ip, 0xc0a80101);
}

static void port_defaults(void **state)
{
    static struct tern_config c;
    (void)state;

    assert_int_equal(parse(&c, ""), 0);
    assert_int_equal(c.n_ports, 0);
    assert_int_equal(parse(&c, "[port.a]\nvdev = net_null0\nip = 10.0.0.1\n"
                               "peer_ip = 10.0.0.2\n"), 0);
    assert_string_equal(err, "");
    assert_int_equal(c.n_ports, 1);
    const struct tern_port_cfg *p = &c.ports[0];
    assert_string_equal(p->name, "a");
    assert_string_equal(p->pci, "");
    assert_int_equal(p->lcore, UINT32_MAX);
    assert_int_equal(p->rx_desc, 1024);
    assert_int_equal(p->tx_desc, 1024);
    assert_int_equal(p->mtu, 1500);
    assert_int_equal(p->udp_port, 7460);
    assert_int_equal(p->peer_udp_port, 7460);
    assert_false(p->have_mac);
    assert_memory_equal(p->mac, "\0\0\0\0\0\0", 6);
    assert_memory_equal(p->peer_mac, "\xff\xff\xff\xff\xff\xff", 6);
    assert_int_equal(p->n_imports, 0);
    assert_int_equal(p->n_exports, 1);
    assert_string_equal(p->exports[0], ">");
    assert_int_equal(p->window, 4096);
    assert_int_equal(p->rx_window, 1024);
    assert_int_equal(p->heartbeat_ms, 100);
    assert_int_equal(p->link_timeout_ms, 1000);
    assert_int_equal(p->nak_delay_us, 100);
    assert_int_equal(p->fault_loss_ppm, 0);
    assert_int_equal(p->fault_dup_ppm, 0);
    assert_int_equal(p->fault_reorder_ppm, 0);
    assert_int_equal(p->fault_delay_us, 0);
    assert_true(p->fault_seed == 1);
}

/* One bad port file: err must hold want, and parse must fail. */
static void port_err(const char *text, const char *want)
{
    static struct tern_config c;

    assert_int_equal(parse(&c, text), -EINVAL);
    if (!strstr(err, want))
        print_error("want '%s' in:\n%s", want, err);
    assert_non_null(strstr(err, want));
}

#define PORT_OK "[port.p]\nvdev = net_null0\nip = 10.0.0.1\npeer_ip = 10.0.0.2\n"

static void port_errors_name_file_line_section_and_key(void **state)
{
    char text[4096];
    size_t n = 0;
    (void)state;

    port_err(PORT_OK "ip = 10.0.0.300\n",
             "t.ini:5: [port.p] ip: duplicate key (first set on line 3)\n");
    port_err("[port.p]\nvdev = net_null0\npeer_ip = 10.0.0.2\nip = 10.0.0.300\n",
             "t.ini:4: [port.p] ip: not an IPv4 address: '10.0.0.300' (e.g. 10.0.0.1)\n");
    port_err(PORT_OK "mac = 02:00:00:00:00\n",
             "t.ini:5: [port.p] mac: not a MAC address: '02:00:00:00:00' "
             "(six hex octets, aa:bb:cc:dd:ee:ff)\n");
    port_err(PORT_OK "peer_mac = 02:00:00:00:00:0g\n",
             "t.ini:5: [port.p] peer_mac: not a MAC address: '02:00:00:00:00:0g'");
    port_err("\n[port.p]\nip = 10.0.0.1\npeer_ip = 10.0.0.2\n",
             "t.ini:2: [port.p] vdev: neither vdev nor pci given: a port needs exactly one "
             "(vdev = net_..., or pci = ADDR)\n");
    port_err("[eal]\nallow = 0000:01:00.0\n" PORT_OK "pci = 0000:01:00.0\n",
             "t.ini:7: [port.p] pci: both vdev (line 4) and pci given: a port is one or the other\n");
    port_err("[port.p]\npci = 0000:02:00.1\nip = 10.0.0.1\npeer_ip = 10.0.0.2\n"
             "[eal]\nallow = 0000:01:00.0\n",
             "t.ini:2: [port.p] pci: '0000:02:00.1' is not in [eal] allow: "
             "add 'allow = 0000:02:00.1' under [eal]\n");
    port_err(PORT_OK "[port.a b]\nvdev = net_null1\n",
             "t.ini:5: [port.a b]: invalid character ' ' in port name 'a b' "
             "(allowed: letters, digits, '_', '-')\n");
    port_err("[port.]\n", "t.ini:1: [port.]: empty port name (expected [port.NAME])\n");
    port_err("[port.abcdefghijklmnopqrstuvwxyz012345]\n",
             "t.ini:1: [port.abcdefghijklmnopqrstuvwxyz012345]: port name too long "
             "(32 characters, at most 31)\n");
    for (int i = 0; i < 9; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "[port.p%d]\nvdev = net_null%d\n"
                              "ip = 10.0.0.%d\npeer_ip = 10.0.1.1\n", i, i, i + 1);
    port_err(text, "t.ini:33: [port.p8]: more than 8 ports\n");
    assert_int_equal(strchr(err, '\n')[1], '\0');    /* only that: its keys are dropped */
    port_err("[port.p]\nvdev = net_null0\n[node]\nname = x\n[port.p]\nvdev = net_null1\n",
             "t.ini:6: [port.p] vdev: duplicate key (first set on line 2)\n");
    n = (size_t)snprintf(text, sizeof(text), "%s", PORT_OK);
    for (int i = 0; i < 17; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "import = t%d.>\n", i);
    port_err(text, "t.ini:21: [port.p] import: more than 16 import patterns\n");
    port_err(PORT_OK "export = a.>.b\n", "t.ini:5: [port.p] export: invalid pattern 'a.>.b' "
             "(dot-separated tokens; '*' is a whole token, '>' only the last)\n");
    port_err(PORT_OK "heartbeat_ms = 200\nlink_timeout_ms = 200\n",
             "t.ini:6: [port.p] link_timeout_ms: link_timeout_ms (200) must be more than "
             "heartbeat_ms (200)\n");
    port_err(PORT_OK "heartbeat_ms = 5000\n",
             "t.ini:5: [port.p] heartbeat_ms: link_timeout_ms (1000) must be more than "
             "heartbeat_ms (5000)\n");
    port_err(PORT_OK "fault_loss = 60%\n",
             "t.ini:5: [port.p] fault_loss: out of range: 60% (at most 50%, 500000ppm)\n");
    port_err(PORT_OK "fault_dup = 5 %\n",
             "t.ini:5: [port.p] fault_dup: expected a rate as N%, N.M% or Nppm "
             "(e.g. 5%, 0.5%, 250ppm), not '5 %'\n");
    port_err(PORT_OK "mtu = 100\n",
             "t.ini:5: [port.p] mtu: out of range: 100 (allowed 576..9000)\n");
    port_err("[port.p]\nvdev = net_memif0\nip = 10.0.0.1\npeer_ip = 10.0.0.2\nmtu = 4000\n",
             "t.ini:5: [port.p] mtu: mtu 4000 needs frames of 4014 bytes, more than the memif "
             "buffer (bsize=2048): add ',bsize=4096' to vdev or lower mtu\n");
    port_err("[port.p]\nvdev = net_memif0,bsize=4096\nip = 10.0.0.1\npeer_ip = 10.0.0.2\n"
             "mtu = 4083\n",
             "t.ini:5: [port.p] mtu: mtu 4083 needs frames of 4097 bytes, more than the memif buffer (bsize=4096)");
    port_err(PORT_OK "rx_desc = 1000\n", "t.ini:5: [port.p] rx_desc: not a power of two: 1000\n");
    port_err(PORT_OK "fault_seed = 99999999999999999999\n",
             "t.ini:5: [port.p] fault_seed: out of range: 99999999999999999999");
    port_err(PORT_OK "colour = red\n", "t.ini:5: [port.p] colour: unknown key\n");
    port_err("[port.p]\nvdev = memif0\n", "t.ini:2: [port.p] vdev: 'memif0' is not a DPDK net vdev");
    port_err("[port.p]\nvdev = net_memif0, role=server\n",
             "t.ini:2: [port.p] vdev: 'net_memif0, role=server' is not a DPDK net vdev");
    port_err("[port.p]\nvdev = net_null0\n",
             "t.ini:1: [port.p] ip: required: this node's IPv4 address on the port\n"
             "t.ini:1: [port.p] peer_ip: required: the peer node's IPv4 address\n");
    port_err(PORT_OK "[port.q]\nvdev = net_null1\nip = 10.0.0.1\npeer_ip = 10.0.0.3\n",
             "t.ini:7: [port.q] ip: 10.0.0.1 udp_port 7460 already used by [port.p] (line 3)\n");
    /* a different udp_port on the same address is another endpoint */
    static struct tern_config c;
    assert_int_equal(parse(&c, PORT_OK "[port.q]\nvdev = net_null1\nip = 10.0.0.1\n"
                               "udp_port = 7461\npeer_ip = 10.0.0.3\n"), 0);
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
        cmocka_unit_test(port_sections_set_every_key),
        cmocka_unit_test(port_defaults),
        cmocka_unit_test(port_errors_name_file_line_section_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
