/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AF_UNIX SOCK_SEQPACKET helpers of tern-control and ternctl, on top of
 * lib/bus/tern_sock.h (send/receive one message, with SCM_RIGHTS).
 * SEQPACKET because every control message is one datagram with
 * boundaries kept (no framing code), delivered in order over a connection,
 * and a peer's death (even kill -9) shows up as EOF at once.
 */
#ifndef CTL_SOCK_H
#define CTL_SOCK_H

#include <stddef.h>
#include <sys/types.h>

/** Largest control message (a stats reply of a full node fits). */
#define CTL_MSG_MAX (192u * 1024u)

/**
 * Bind and listen on path.  A socket file already there is removed only if
 * nothing answers on it (a stale file left by a crash).
 * @return the listening fd (non-blocking, close-on-exec), or -EADDRINUSE
 *         (another process listens there), -ENAMETOOLONG, or -errno.
 */
int ctl_sock_listen(const char *path);

/** Set SO_RCVTIMEO and SO_SNDTIMEO to ms.  @return 0 or -errno. */
int ctl_sock_timeout(int fd, unsigned ms);

#endif
