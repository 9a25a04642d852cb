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

/* Check a subscription request and pick its id: *dm is what the
 * dataplane is to create (its pattern viewing pattern); nothing changes. */
static int sub_prepare(struct ctl *ctl, uint32_t client_id, const struct CtlSubOpen *m, int fd,
                       char *pattern, struct DpSubCreate *dm, char *err, size_t errlen)
{
    uint32_t depth = m->depth ? m->depth : ctl->cfg.default_depth;
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
    *dm = (struct DpSubCreate){ i, client_id, tern_str_from_cstr(pattern), m->policy, depth,
                                m->has_fd };
    return 0;
}

static void sub_commit(struct ctl *ctl, const struct DpSubCreate *dm, const char *pattern)
{
    ctl->subs[dm->sub_id] = (struct ctl_sub){ true, dm->client_id, dm->policy, dm->depth, "" };
    snprintf(ctl->subs[dm->sub_id].pattern, sizeof(ctl->subs[dm->sub_id].pattern), "%s",
             pattern);
}

static void sub_forget(struct ctl *ctl, uint32_t sub_id)
{
    ctl->subs[sub_id].used = false;
    if (sub_id < ctl->sub_free_hint)
        ctl->sub_free_hint = sub_id;
}

int ctl_sub_open(struct ctl *ctl, uint32_t client_id, const struct CtlSubOpen *m, int fd,
                 uint32_t *id, char *err, size_t errlen)
{
    char pattern[CTL_NAME_MAX];
    struct DpSubCreate dm = { 0 };
    int rc;

    rc = sub_prepare(ctl, client_id, m, fd, pattern, &dm, err, errlen);
    if (rc < 0)
        return rc;
    rc = ctl_dp_call(ctl, DpSubCreate_encode(&dm, ctl->dp.tx, CTL_MSG_MAX),
                     m->has_fd ? fd : -1, err, errlen);
    if (rc < 0)
        return rc;
    sub_commit(ctl, &dm, pattern);
    *id = dm.sub_id;
    ctl_log(CTL_DEBUG, "subscription %u: client %u, '%s', %s, depth %u", dm.sub_id, client_id,
            pattern, CtlPolicy_name(m->policy), dm.depth);
    return 0;
}

#define CTL_MANY_CHUNK 256          /* per datagram to the dataplane, as for topics */

int ctl_sub_open_many(struct ctl *ctl, uint32_t client_id, const struct CtlSubOpen_list *subs,
                      uint32_t *done, uint32_t *ids, char *err, size_t errlen)
{
    static struct DpSubCreate items[CTL_MANY_CHUNK];
    uint32_t chunk[CTL_MANY_CHUNK];
    struct tern_iter it = CtlSubOpen_list_iter(subs);
    struct CtlSubOpen one;
    int rc = 0;

    *done = 0;
    while (rc == 0 && *done < subs->count) {
        uint32_t k = 0;
        /* Reserved in the registry as prepared (the batch's ids differ);
         * what the dataplane does not apply is forgotten again. */
        while (k < CTL_MANY_CHUNK && CtlSubOpen_list_next(&it, &one)) {
            char pattern[CTL_NAME_MAX];
            if (one.has_fd)
                rc = ctl_fail(err, errlen, -EINVAL, "a bulk subscription cannot pass an fd");
            else
                rc = sub_prepare(ctl, client_id, &one, -1, pattern, &items[k], err, errlen);
            if (rc < 0)
                break;
            sub_commit(ctl, &items[k], pattern);
            items[k].pattern = tern_str_from_cstr(ctl->subs[items[k].sub_id].pattern);
            k++;
        }
        struct DpSubCreateMany m = { { items, NULL, k, 0 } };
        for (uint32_t j = 0; j < k; j++)
            chunk[j] = items[j].sub_id;
        int drc = ctl_dp_many_apply(ctl, DpSubCreateMany_encode(&m, ctl->dp.tx, CTL_MSG_MAX),
                                    chunk, k, sub_forget, ids, done, err, errlen);
        rc = drc < 0 ? drc : rc;
    }
    return rc;
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
    sub_forget(ctl, sub_id);
    return 0;
}

void ctl_subs_forget(struct ctl *ctl, uint32_t client_id)
{
    for (uint32_t i = 0; i < ctl->max_subs; i++)
        if (ctl->subs[i].used && ctl->subs[i].client_id == client_id)
            sub_forget(ctl, i);
}
