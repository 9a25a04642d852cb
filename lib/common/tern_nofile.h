/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File descriptors for a daemon sized by its config: tern-control holds a
 * socket and a pidfd per client, and systemd's default soft limit (1024)
 * is below what 512 clients need, while the hard limit is far above it.
 */
#ifndef TERN_NOFILE_H
#define TERN_NOFILE_H

#include <stdint.h>

/* Raise RLIMIT_NOFILE's soft limit to its hard limit if it is below need;
 * returns the soft limit now in force (0 if it cannot be read). */
uint64_t tern_nofile_raise(uint64_t need);

#endif
