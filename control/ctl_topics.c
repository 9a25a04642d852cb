/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Topics and publishers.  tern-control picks topic ids (slot indexes of the
 * shared topic table) and enforces the publisher rules; the dataplane sets
 * up the shared state.  A registry entry changes only after the dataplane
 * said yes, so the two never disagree about what exists.
 *
 * Exclusive publishers: a publisher alone on its topic may ask to be
 * exclusive and then publishes with no lock at all (the single-publisher
 * case must not pay for the multi-publisher one).  So an exclusive open is
 * refused while anyone else publishes, and a shared open while an exclusive
 * publisher holds the topic.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tern/tern_topic.h>

#include "ctl.h"

int ctl_name_check(const char *what, struct tern_str name, bool wildcards, char *out,
                   char *err, size_t errlen)
{
    if (name.len == 0)
        return ctl_fail(err, errlen, -EINVAL, "empty %s", what);
    if (ctl_str(out, CTL_NAME_MAX, name) < 0)
        return ctl_fail(err, errlen, -EINVAL, "%s longer than %d characters", what,
                        CTL_NAME_MAX - 1);
    if (memchr(name.ptr, '\0', name.len) || tern_topic_validate(out, wildcards) < 0)
        return ctl_fail(err, errlen, -EINVAL,
                        "bad %s '%.*s': dot-separated tokens of letters, digits and "
                        "_-+:@=%%~#%s", what, (int)strnlen(out, CTL_NAME_MAX), out,
                        wildcards ? "; '*' is one whole token, '>' only the last" : "");
    return 0;
}

int ctl_topic_find(const struct ctl *ctl, const char *name)
{
    int64_t id = tern__names_find(&ctl->topic_names, name);

    return id >= 0 && (uint32_t)id < ctl->max_topics ? (int)id : -ENOENT;
}

void ctl_topic_adopt(struct ctl *ctl, uint32_t id, const char *name)
{
    struct ctl_topic *tp = &ctl->topics[id];

    *tp = (struct ctl_topic){ .used = true, .excl_client = CTL_NONE };
    snprintf(tp->name, sizeof(tp->name), "%s", name);
    /* Cannot fail: the index has room for every slot, and the name is new
     * (the caller checked, or forgot the slot's old entry). */
    tern__names_add(&ctl->topic_names, tp->name, id);
}

void ctl_topic_forget(struct ctl *ctl, uint32_t id)
{
    if (!ctl->topics[id].used)
        return;
    tern__names_del(&ctl->topic_names, ctl->topics[id].name, id);
    ctl->topics[id].used = false;
    if (id < ctl->topic_free_hint)
        ctl->topic_free_hint = id;
}

/* Validate name and find its topic; -ENOENT with the reason if none. */
static int topic_get(struct ctl *ctl, struct tern_str name, char *out, char *err,
                     size_t errlen)
{
    int rc = ctl_name_check("topic name", name, false, out, err, errlen);

    if (rc < 0)
        return rc;
    rc = ctl_topic_find(ctl, out);
    if (rc < 0)
        return ctl_fail(err, errlen, -ENOENT, "unknown topic '%s'", out);
    return rc;
}

/* Check a new topic's name and pick its id (lowest free first), into n
 * and *id; nothing changes.  0 or -errno with the reason. */
static int topic_prepare(struct ctl *ctl, struct tern_str name, char *n, uint32_t *id,
                         char *err, size_t errlen)
{
    uint32_t i;
    int rc = ctl_name_check("topic name", name, false, n, err, errlen);

    if (rc < 0)
        return rc;
    if (ctl_topic_find(ctl, n) >= 0)
        return ctl_fail(err, errlen, -EEXIST, "topic '%s' exists", n);
    /* Lowest free id first, as before, without rescanning the used ones. */
    for (i = ctl->topic_free_hint; i < ctl->max_topics && ctl->topics[i].used; i++)
        ;
    ctl->topic_free_hint = i;
    if (i == ctl->max_topics)
        return ctl_fail(err, errlen, -ENOSPC, "too many topics: all %u in use (raise "
                        "[limits] max_topics)", ctl->max_topics);
    *id = i;
    return 0;
}

int ctl_topic_create(struct ctl *ctl, struct tern_str name, uint32_t *id, char *err,
                     size_t errlen)
{
    char n[CTL_NAME_MAX];
    struct DpTopicCreate m;
    uint32_t i;
    int rc;

    rc = topic_prepare(ctl, name, n, &i, err, errlen);
    if (rc < 0)
        return rc;
    m = (struct DpTopicCreate){ i, tern_str_from_cstr(n) };
    rc = ctl_dp_call(ctl, DpTopicCreate_encode(&m, ctl->dp.tx, CTL_MSG_MAX), -1, err, errlen);
    if (rc < 0)
        return rc;
    ctl_topic_adopt(ctl, i, n);
    *id = i;
    ctl_log(CTL_INFO, "topic %u created: '%s'", i, n);
    return 0;
}

/* Items a bulk request sends the dataplane per datagram: 256 of the
 * longest names stay well inside CTL_MSG_MAX. */
#define CTL_MANY_CHUNK 256

int ctl_topic_create_many(struct ctl *ctl, const struct tern_list_str *names, uint32_t *done,
                          uint32_t *ids, char *err, size_t errlen)
{
    static struct DpTopicCreate items[CTL_MANY_CHUNK];
    uint32_t chunk[CTL_MANY_CHUNK];
    struct tern_iter it = tern_list_str_iter(names);
    struct tern_str name;
    int rc = 0;

    *done = 0;
    while (rc == 0 && *done < names->count) {
        uint32_t k = 0;
        /* Reserve each in the registry as it is prepared, so that the batch
         * sees its own names and ids; what the dataplane does not apply is
         * forgotten again. */
        while (k < CTL_MANY_CHUNK && tern_list_str_next(&it, &name)) {
            char n[CTL_NAME_MAX];
            uint32_t id;
            if ((rc = topic_prepare(ctl, name, n, &id, err, errlen)) < 0)
                break;
            ctl_topic_adopt(ctl, id, n);
            items[k++] = (struct DpTopicCreate){ id, tern_str_from_cstr(ctl->topics[id].name) };
        }
        struct DpTopicCreateMany m = { { items, NULL, k, 0 } };
        for (uint32_t j = 0; j < k; j++)
            chunk[j] = items[j].topic_id;
        int drc = ctl_dp_many_apply(ctl, DpTopicCreateMany_encode(&m, ctl->dp.tx, CTL_MSG_MAX),
                                    chunk, k, ctl_topic_forget, ids, done, err, errlen);
        rc = drc < 0 ? drc : rc;
    }
    if (*done)
        ctl_log(CTL_INFO, "%u topics created in bulk, ids %u..", *done, ids[0]);
    return rc;
}

int ctl_topic_delete(struct ctl *ctl, struct tern_str name, uint32_t *id, char *err,
                     size_t errlen)
{
    char n[CTL_NAME_MAX];
    struct DpTopicDelete m;
    int t, rc;

    t = topic_get(ctl, name, n, err, errlen);
    if (t < 0)
        return t;
    if (ctl->topics[t].n_pubs)
        return ctl_fail(err, errlen, -EBUSY, "topic '%s' has %u open publishers", n,
                        ctl->topics[t].n_pubs);
    m = (struct DpTopicDelete){ (uint32_t)t };
    rc = ctl_dp_call(ctl, DpTopicDelete_encode(&m, ctl->dp.tx, CTL_MSG_MAX), -1, err, errlen);
    if (rc < 0)
        return rc;
    ctl_topic_forget(ctl, (uint32_t)t);
    *id = (uint32_t)t;
    ctl_log(CTL_INFO, "topic %d deleted: '%s'", t, n);
    return 0;
}

int ctl_topic_lookup(struct ctl *ctl, struct tern_str name, uint32_t *id, char *err,
                     size_t errlen)
{
    char n[CTL_NAME_MAX];
    int t = topic_get(ctl, name, n, err, errlen);

    if (t < 0)
        return t;
    *id = (uint32_t)t;
    return 0;
}

int ctl_pub_open(struct ctl *ctl, uint32_t client_id, struct tern_str topic, bool exclusive,
                 uint32_t *id, char *err, size_t errlen)
{
    char n[CTL_NAME_MAX];
    struct ctl_topic *tp;
    struct DpPubOpen m;
    int t, rc;

    t = topic_get(ctl, topic, n, err, errlen);
    if (t < 0)
        return t;
    tp = &ctl->topics[t];
    if (exclusive && tp->n_pubs)
        return ctl_fail(err, errlen, -EBUSY, "topic '%s' already has %u publishers: an "
                        "exclusive publisher must be the only one", n, tp->n_pubs);
    if (!exclusive && tp->excl_client != CTL_NONE)
        return ctl_fail(err, errlen, -EBUSY, "topic '%s' has an exclusive publisher "
                        "(client %u)", n, tp->excl_client);
    m = (struct DpPubOpen){ (uint32_t)t, client_id, exclusive };
    rc = ctl_dp_call(ctl, DpPubOpen_encode(&m, ctl->dp.tx, CTL_MSG_MAX), -1, err, errlen);
    if (rc < 0)
        return rc;
    ctl->pubs[(size_t)client_id * ctl->max_topics + (uint32_t)t]++;
    tp->n_pubs++;
    if (exclusive)
        tp->excl_client = client_id;
    *id = (uint32_t)t;
    return 0;
}

int ctl_pub_close(struct ctl *ctl, uint32_t client_id, uint32_t topic_id, char *err,
                  size_t errlen)
{
    struct DpPubClose m = { topic_id, client_id };
    uint32_t *count;
    int rc;

    if (topic_id >= ctl->max_topics || !ctl->topics[topic_id].used ||
        !*(count = &ctl->pubs[(size_t)client_id * ctl->max_topics + topic_id]))
        return ctl_fail(err, errlen, -ENOENT, "no open publisher on topic id %u", topic_id);
    rc = ctl_dp_call(ctl, DpPubClose_encode(&m, ctl->dp.tx, CTL_MSG_MAX), -1, err, errlen);
    if (rc < 0)
        return rc;
    (*count)--;
    ctl->topics[topic_id].n_pubs--;
    if (ctl->topics[topic_id].excl_client == client_id)
        ctl->topics[topic_id].excl_client = CTL_NONE;
    return 0;
}

void ctl_pubs_forget(struct ctl *ctl, uint32_t client_id)
{
    uint32_t *row = &ctl->pubs[(size_t)client_id * ctl->max_topics];

    for (uint32_t t = 0; t < ctl->max_topics; t++) {
        ctl->topics[t].n_pubs -= row[t];
        row[t] = 0;
        if (ctl->topics[t].excl_client == client_id)
            ctl->topics[t].excl_client = CTL_NONE;
    }
}

int ctl_topics_replay(struct ctl *ctl, const uint8_t *have)
{
    static struct DpTopicCreate items[CTL_MANY_CHUNK];
    char err[CTL_ERR_MAX];
    uint32_t t = 0, k, done;
    int rc;

    /* In bulk: a dataplane restarted under 65 536 topics gets them back in
     * 256 round trips, not 65 536 (each holds the reactor). */
    while (t < ctl->max_topics) {
        for (k = 0; t < ctl->max_topics && k < CTL_MANY_CHUNK; t++)
            if (ctl->topics[t].used && !have[t])
                items[k++] = (struct DpTopicCreate){ t, tern_str_from_cstr(ctl->topics[t].name) };
        if (k == 0)
            continue;
        struct DpTopicCreateMany m = { { items, NULL, k, 0 } };
        rc = ctl_dp_many(ctl, DpTopicCreateMany_encode(&m, ctl->dp.tx, CTL_MSG_MAX), &done,
                         err, sizeof(err));
        if (rc < 0) {
            ctl_log(CTL_ERROR, "cannot re-create topic '%s' in the dataplane: %s",
                    done < k ? ctl->topics[items[done].topic_id].name : "?", err);
            return rc;
        }
    }
    return 0;
}
