/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The common end of tern-control's bulk requests (CtlTopicCreateMany,
 * CtlSubOpenMany, the topic replay after a dataplane restart): the
 * entries of a chunk are reserved in the registry as they are prepared,
 * so the batch sees its own names and ids; once the dataplane has said how
 * many it applied, the others are forgotten again, so a refused item
 * leaves the registry as the dataplane is.
 */
#include <errno.h>
#include <stdio.h>

#include "ctl.h"

int ctl_dp_many_apply(struct ctl *ctl, int64_t len, const uint32_t *chunk, uint32_t k,
                      void (*forget)(struct ctl *, uint32_t), uint32_t *ids, uint32_t *done,
                      char *err, size_t errlen)
{
    char dperr[CTL_ERR_MAX] = "";
    uint32_t applied = 0;
    int rc = k ? ctl_dp_many(ctl, len, &applied, dperr, sizeof(dperr)) : 0;

    applied = applied < k ? applied : k;    /* never trust a count past what was sent */
    if (rc == 0 && applied < k) {
        rc = -EPROTO;
        snprintf(dperr, sizeof(dperr), "the dataplane applied %u of %u and gave no reason",
                 applied, k);
    }
    for (uint32_t j = applied; j < k; j++)
        forget(ctl, chunk[j]);
    for (uint32_t j = 0; j < applied; j++)
        ids[(*done)++] = chunk[j];
    if (rc < 0)
        snprintf(err, errlen, "%s", dperr);
    return rc;
}
