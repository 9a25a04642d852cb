/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node configuration: one INI file per node (configs/NODE.ini), read by
 * tern-dataplane and tern-control alike.  Parsing is done with libinih
 * (the Debian package), which reports line numbers but has no notion of a
 * schema; this module adds the schema, so that every error names the file,
 * the line and the key ("node.ini:12: [memory] mbufs: not a number").
 * rte_cfgfile was rejected because it loses line numbers.
 *
 * When no file is given the embedded default (configs/default.ini, compiled
 * in) is used, so a bare `tern-dataplane` runs a local stack.
 */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TERN_CFG_PATH_MAX 256
#define TERN_CFG_NAME_MAX 64
#define TERN_CFG_ARGS_MAX 32
#define TERN_CFG_RULES_MAX 32
#define TERN_CFG_PORTS_MAX 8
#define TERN_CFG_PORT_PATTERNS_MAX 16

struct tern_storage_rule_cfg {
    char pattern[TERN_CFG_NAME_MAX];     /* topic pattern, * and > allowed */
    char prefix[TERN_CFG_PATH_MAX];      /* file prefix, {topic} expands */
    char fsync[16];                      /* never | interval | always */
    uint32_t fsync_interval_ms;
    uint64_t segment_bytes;              /* 0: no size rotation */
    int32_t rotate_utc_minute;           /* minute of day, -1: none */
    uint64_t retain_bytes;               /* 0: keep all */
    uint64_t retain_seconds;             /* 0: keep all */
};

/* [gateway]: tern-gateway (lib/common/tern_config_gateway.c, docs/gateway.md). */
struct tern_gateway_cfg {
    char unix_socket[TERN_CFG_PATH_MAX]; /* "": <run_dir>/gateway.sock; "none": off */
    char listen[TERN_CFG_NAME_MAX];      /* HOST:PORT, default 127.0.0.1:7450; "none": off */
    uint32_t max_conns;
    uint32_t max_subs;                   /* per connection */
    uint32_t max_frame;                  /* bytes, header included */
    uint32_t hello_timeout_ms;
    uint32_t frame_timeout_ms;           /* first byte to last of one frame */
    uint32_t idle_timeout_ms;
    uint32_t out_max;                    /* unwritten output bytes per connection */
    uint32_t write_timeout_ms;           /* output pending, nothing written */
};

/* [port.NAME]: a DPDK port to a peer node (lib/common/tern_config_port.c, docs/transport.md). */
struct tern_port_cfg {
    char name[TERN_CFG_NAME_MAX];        /* NAME of [port.NAME]: [A-Za-z0-9_-], 1..31 chars */
    char vdev[TERN_CFG_PATH_MAX];        /* vdev = net_memif0,role=server,...  (exactly one of vdev/pci) */
    char pci[TERN_CFG_NAME_MAX];         /* pci = 0000:01:00.0 (DDDD:BB:DD.F or BB:DD.F) */
    uint32_t lcore;                      /* I/O lcore; default UINT32_MAX: the main lcore */
    uint32_t rx_desc, tx_desc;           /* default 1024 each, 64..16384, power of two */
    uint32_t mtu;                        /* IP MTU, default 1500, 576..9000 */
    uint32_t ip, peer_ip;                /* IPv4, host byte order; ip required, peer_ip required */
    uint16_t udp_port, peer_udp_port;    /* default 7460 each, 1..65535 */
    uint8_t mac[6];                      /* source MAC; default: the port's own (have_mac false) */
    uint8_t peer_mac[6];                 /* default ff:ff:ff:ff:ff:ff */
    bool have_mac;
    char imports[TERN_CFG_PORT_PATTERNS_MAX][TERN_CFG_NAME_MAX]; /* import = pattern (repeatable): topics this node takes from the peer */
    unsigned n_imports;
    char exports[TERN_CFG_PORT_PATTERNS_MAX][TERN_CFG_NAME_MAX]; /* export = pattern (repeatable): what the peer may take; default one ">" */
    unsigned n_exports;
    uint32_t window;                     /* frames the sender keeps for retransmission, default 4096, 64..65536, power of two */
    uint32_t rx_window;                  /* frames the receiver advertises, default 1024, 16..65536 */
    uint32_t heartbeat_ms;               /* default 100, 1..10000 */
    uint32_t link_timeout_ms;            /* default 1000, 10..600000, must be > heartbeat_ms (cross-check error) */
    uint32_t nak_delay_us;               /* default 100, 0..1000000 */
    uint32_t fault_loss_ppm, fault_dup_ppm, fault_reorder_ppm; /* "N%" or "N.M%" or "Nppm"; default 0; each <= 50% */
    uint32_t fault_delay_us;             /* default 0, 0..1000000: delay every received frame */
    uint64_t fault_seed;                 /* default 1 */
};

struct tern_config {
    char source[TERN_CFG_PATH_MAX];      /* file name, or "<embedded default>" */

    /* [node] */
    char node_name[TERN_CFG_NAME_MAX];
    char run_dir[TERN_CFG_PATH_MAX];     /* sockets live here; default /run/tern/<name> */
    char control_socket[TERN_CFG_PATH_MAX];   /* default <run_dir>/control.sock */
    char dataplane_socket[TERN_CFG_PATH_MAX]; /* default <run_dir>/dataplane.sock */
    uint32_t drain_timeout_ms;           /* SIGTERM: how long subscribers may drain, default 2000 */

    /* [eal] */
    char file_prefix[TERN_CFG_NAME_MAX]; /* default tern_<name> */
    char lcores[TERN_CFG_NAME_MAX];      /* dataplane --lcores value, e.g. "0@0" */
    char allow[TERN_CFG_ARGS_MAX][TERN_CFG_NAME_MAX]; /* PCI allow-list; empty: --no-pci */
    unsigned n_allow;
    char extra_args[TERN_CFG_ARGS_MAX][TERN_CFG_NAME_MAX]; /* appended verbatim */
    unsigned n_extra_args;
    char log_level[TERN_CFG_NAME_MAX];   /* default "error" */
    uint32_t storage_lcore;              /* lcore of the storage role; default 0 (the main) */

    /* [memory] */
    uint32_t mbufs;                      /* per NUMA socket, default 16383 */
    uint32_t msg_size;                   /* max payload + tags, default 2048 */
    uint32_t mempool_cache;              /* per lcore cache, default 256 */

    /* [limits] */
    uint32_t max_topics;                 /* default 256 */
    uint32_t max_subs;                   /* default 256 */
    uint32_t max_clients;                /* default 32 */
    uint32_t max_links;                  /* (topic, subscription) pairs, default 4096 */
    uint32_t default_depth;              /* per-topic queue of a subscription, default 1024 */

    /* [clients] */
    uint32_t first_client_lcore;         /* default 64 */
    uint32_t client_timeout_ms;          /* hello deadline, default 2000 */

    /* [metrics]: tern-control's Prometheus endpoint (ctl_metrics.c) */
    char metrics_address[TERN_CFG_NAME_MAX]; /* IPv4 or IPv6 literal, default 127.0.0.1 */
    uint32_t metrics_port;               /* default 0: off */

    /* [storage] rules, ordered by N: rule.N = pattern -> prefix, with
     * rule.N.fsync (default interval), .fsync_interval_ms (100),
     * .segment_bytes (64M), .rotate_utc (HH:MM or none), .retain_bytes (0),
     * .retain_seconds (0).  See lib/common/tern_config_storage.c. */
    struct tern_storage_rule_cfg rules[TERN_CFG_RULES_MAX];
    unsigned n_rules;
    char storage_dir[TERN_CFG_PATH_MAX]; /* [storage] dir = ..., default /var/lib/tern/<name> */
    uint32_t storage_mode;               /* [storage] mode of log files, default 0640 (dirs 0750) */
    char storage_group[TERN_CFG_NAME_MAX]; /* [storage] group of log files; "": the dataplane's */

    struct tern_gateway_cfg gw;          /* [gateway] */

    /* [port.NAME] sections, in the order of their first header */
    struct tern_port_cfg ports[TERN_CFG_PORTS_MAX];
    unsigned n_ports;
};

/* The text of configs/default.ini, compiled in. */
extern const char tern_config_default_ini[];

/**
 * Fill *cfg from the INI file at path, or from the embedded default when path
 * is NULL.  Unset keys take their defaults.
 *
 * @return 0, or
 *   -ENOENT / -EACCES  the file cannot be opened (any -errno of fopen());
 *   -EIO               a read error;
 *   -EFBIG             the file is larger than 1 MiB;
 *   -ENOMEM            no memory for the file's text;
 *   -EINVAL            a syntax error, an unknown section or key, a bad value
 *                      or a failed cross-check.
 *   On error errbuf (may be NULL) holds one line per problem, each
 *   "file:line: [section] key: why"; every problem is listed, not only the
 *   first (until errbuf is full).  Not thread-safe: it sets libinih options.
 */
int tern_config_load(struct tern_config *cfg, const char *path, char *errbuf, size_t errlen);

/* RTE_MAX_LCORE of Debian's DPDK 22.11: lcore ids are 0..127. */
#define TERN_LCORE_MAX 128

/*
 * The lcore id client slot `id` attaches as: first_client_lcore + id,
 * wrapping over first_client_lcore..127 once there are more clients than
 * ids.  Sharing one is safe because clients never touch DPDK's per-lcore
 * state in shared memory: they keep their buffer caches in their own slot
 * (lib/bus/tern_pool.h) and use no per-lcore library (RCU, hash caches).
 */
static inline uint32_t tern_client_lcore(uint32_t first_client_lcore, uint32_t id)
{
    return first_client_lcore + id % (TERN_LCORE_MAX - first_client_lcore);
}
/* A fault rate as the config writes it (N%, N.M% or Nppm, at most 50 %):
 * 0 with *ppm set, -EINVAL (not a rate) or -ERANGE. */
int tern_cfg_rate_ppm(const char *v, uint32_t *ppm);

/**
 * Internal (tests, fuzzing): tern_config_load() on len bytes of INI text,
 * named source in messages.  The text need not be NUL-terminated; a NUL
 * byte inside it is an error.  Same return values, minus the file ones.
 */
int tern__config_parse(struct tern_config *cfg, const char *text, size_t len,
                       const char *source, char *errbuf, size_t errlen);

#endif
