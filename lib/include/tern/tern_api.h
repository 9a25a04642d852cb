/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_API_H
#define TERN_API_H

/* libtern is built with hidden visibility: only what is marked TERN_API is
 * part of the ABI (the job DPDK's version.map does). */
#if defined(__GNUC__)
#define TERN_API __attribute__((visibility("default")))
#else
#define TERN_API
#endif

#endif
