/* SPDX-License-Identifier: Apache-2.0 */
/* ternctl internals: the printers of ternctl_print.c. */
#ifndef TERNCTL_H
#define TERNCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "ctl.tmsg.h"

void ternctl_print_topics(FILE *f, const struct CtlTopicInfo_list *l, bool json);
void ternctl_print_subs(FILE *f, const struct CtlSubInfo_list *l, bool json);
void ternctl_print_stats(FILE *f, const struct CtlStatsReply *r, bool json);
/* A JSON string literal for s (quotes included). */
void ternctl_json_str(FILE *f, struct tern_str s);

#endif
