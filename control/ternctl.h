/* SPDX-License-Identifier: Apache-2.0 */
/* ternctl internals: the printers of ternctl_print.c. */
#ifndef TERNCTL_H
#define TERNCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl.tmsg.h"

#include <stddef.h>

/* The pages of one listing (tern-control sends long ones in pages). */
struct ternctl_pages {
    size_t n;
    struct CtlTopicInfo_list *topics;   /* [n] */
    struct CtlSubInfo_list *subs;       /* [n] */
    uint8_t **bufs;                     /* [n]: the bytes they view */
};

void ternctl_print_topics(FILE *f, const struct ternctl_pages *p, bool json);
void ternctl_print_subs(FILE *f, const struct ternctl_pages *p, bool json);
/* r: the first page (pool, clients). */
void ternctl_print_stats(FILE *f, const struct CtlStatsReply *r, const struct ternctl_pages *p,
                         bool json);
void ternctl_print_clients(FILE *f, const struct CtlClientInfo_list *l, bool json);
void ternctl_print_info(FILE *f, const struct CtlServerInfoReply *r, bool json);
/* ternctl_links.c: link stats (nodes false) or node list; the exit code. */
struct tern_config;
int ternctl_links(const struct tern_config *cfg, bool json, bool nodes);
/* ternctl.c: print why with the usage (and as JSON with --json); returns 2. */
int ternctl_usage_error(const char *why);
/* ternctl_links.c: link fault NAME [KEY=VALUE...]; the exit code. */
int ternctl_link_fault(const struct tern_config *cfg, const char *port, char **sets, int n,
                       bool json);
/* A JSON string literal for s (quotes included). */
void ternctl_json_str(FILE *f, struct tern_str s);

#endif
