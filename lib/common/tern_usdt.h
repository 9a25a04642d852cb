/* SPDX-License-Identifier: Apache-2.0 */
/*
 * USDT probes (systemtap-sdt-dev's <sys/sdt.h>), provider "tern":
 *
 *   tern:publish        topic_id, result (seq or negative code)
 *   tern:publish_burst  topic_id, offered, published
 *   tern:poll           sub_id, messages returned
 *   tern:reclaim        client_id, buffers freed, topic locks released
 *   tern:log_append     lsn (or negative code), seq, payload size
 *
 * Each is one nop instruction where it sits plus an ELF note naming it and
 * where its arguments are (`readelf -n` lists them): free when nobody
 * traces, no syscall, no allocation, no semaphore (we define no
 * _SDT_HAS_SEMAPHORES, so no counter is read on the hot path either).  A
 * tracer (bpftrace, perf, stap) patches the nop into a breakpoint only
 * while attached.  Without <sys/sdt.h> they compile to nothing.
 *
 *   bpftrace -e 'usdt:/usr/lib/x86_64-linux-gnu/libtern.so:tern:publish { @[arg0] = count(); }'
 */
#ifndef TERN_USDT_H
#define TERN_USDT_H

#ifdef TERN_HAVE_SDT
#include <sys/sdt.h>
#define TERN_PROBE2(name, a, b) DTRACE_PROBE2(tern, name, a, b)
#define TERN_PROBE3(name, a, b, c) DTRACE_PROBE3(tern, name, a, b, c)
#else
#define TERN_PROBE2(name, a, b) do { (void)(a); (void)(b); } while (0)
#define TERN_PROBE3(name, a, b, c) do { (void)(a); (void)(b); (void)(c); } while (0)
#endif

#endif
