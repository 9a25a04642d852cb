/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one check of a storage rule's file prefix, shared by the config
 * reader (so that `tern-dataplane --check` and start refuse, with the file
 * and line, what the log would refuse later, per topic, at run time) and
 * tern_log_open().
 */
#ifndef TERN_LOG_PREFIX_H
#define TERN_LOG_PREFIX_H

#include <stddef.h>

/** Longest prefix as configured, NUL included (the bus publishes the rules
 * in shared memory in fields of this size). */
#define TERN_LOG_PREFIX_MAX 192
/** Longest prefix once {topic} is expanded, NUL included (the buffers of
 * the storage role and of replaying clients). */
#define TERN_LOG_EXPANDED_MAX 256

/**
 * What is wrong with storage prefix @p prefix, or NULL when nothing is.
 * With @p topic_max > 0, also whether every expansion of `{topic}` for a
 * topic name of up to @p topic_max characters fits the file name and path
 * limits.
 */
const char *tern__log_prefix_problem(const char *prefix, size_t topic_max);

#endif
