/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subscriptions.  A subscription names one topic or a pattern (`*` one
 * token, `>` the rest); the dataplane links it to every matching topic, now
 * and as topics come and go.  An exact name must name an existing topic, so
 * a typo is an error rather than a subscription that never delivers.
 *
 * The subscriber's wake-up eventfd (optional) comes in with CtlSubOpen as
 * SCM_RIGHTS and goes straight on to the dataplane with DpSubCreate; our
 * copy is closed by the caller once the message is handled.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define CTL_DEPTH_MAX 65536u

static bool has_wildcard(const char *pattern)
{
    for (const char *p = pattern; *p; p++)
        if ((*p == '*' || *p == '>') && (p == pattern || p[-1] == '.') &&
            (p[1] == '\0' || p[1] == '.'))
            return true;
    return false;
}

int ctl_sub_open(struct ctl *ctl, uint32_t client_id, const struct CtlSubOpen *m, int fd,
                 uint32_t *id, char *err, size_t errlen)
{
    char pattern[CTL_NAME_MAX];
    uint32_t depth = m->depth ? m->depth : ctl->cfg.default_depth;
    struct DpSubCreate dm;
    uint32_t i;
    int rc;

    rc = ctl_name_check("pattern", m->pattern, true, pattern, err, errlen);
    if (rc < 0)
        return rc;
    if (!has_wildcard(pattern) && ctl_topic_find(ctl, pattern) < 0)
        return ctl_fail(err, errlen, -ENOENT, "unknown topic '%s'", pattern);
    if (depth < 2 || depth > CTL_DEPTH_MAX || (depth & (depth - 1)))
        return ctl_fail(err, errlen, -EINVAL, "depth %u is not a power of two in 2..%u",
                        depth, CTL_DEPTH_MAX);
    if (m->has_fd && fd < 0)
        return ctl_fail(err, errlen, -EINVAL, "has_fd is set but no descriptor came with "
                        "the message");
    for (i = ctl->sub_free_hint; i < ctl->max_subs && ctl->subs[i].used; i++)
        ;
    ctl->sub_free_hint = i;
    if (i == ctl->max_subs)
        return ctl_fail(err, errlen, -ENOSPC, "too many subscriptions: all %u in use (raise "
                        "[limits] max_subs)", ctl->max_subs);
    dm = (struct DpSubCreate){ i, client_id, tern_str_from_cstr(pattern), m->policy, depth,
                               m->has_fd };
    rc = ctl_dp_call(ctl, DpSubCreate_encode(&dm, ctl->dp.tx, CTL_MSG_MAX),
                     m->has_fd ? fd : -1, err, errlen);
    if (rc < 0)
        return rc;
    ctl->subs[i] = (struct ctl_sub){ true, client_id, m->policy, depth, "" };
    strcpy(ctl->subs[i].pattern, pattern);
    *id = i;
    ctl_log(CTL_DEBUG, "subscription %u: client %u, '%s', %s, depth %u", i, client_id,
            pattern, CtlPolicy_name(m->policy), depth);
    return 0;
}

int ctl_sub_close(struct ctl *ctl, uint32_t client_id, uint32_t sub_id, char *err,
                  size_t errlen)
{
    struct DpSubDelete m = { sub_id };
    int rc;

    if (sub_id >= ctl->max_subs || !ctl->subs[sub_id].used ||
        ctl->subs[sub_id].client_id != client_id)
        return ctl_fail(err, errlen, -ENOENT, "no subscription %u of this client", sub_id);
    rc = ctl_dp_call(ctl, DpSubDelete_encode(&m, ctl->dp.tx, CTL_MSG_MAX), -1, err, errlen);
    if (rc < 0)
        return rc;
    ctl->subs[sub_id].used = false;
    if (sub_id < ctl->sub_free_hint)
        ctl->sub_free_hint = sub_id;
    return 0;
}

void ctl_subs_forget(struct ctl *ctl, uint32_t client_id)
{
    for (uint32_t i = 0; i < ctl->max_subs; i++)
        if (ctl->subs[i].used && ctl->subs[i].client_id == client_id) {
            ctl->subs[i].used = false;
            if (i < ctl->sub_free_hint)
                ctl->sub_free_hint = i;
        }
}
