/* SPDX-License-Identifier: Apache-2.0 */
/* Unix SOCK_SEQPACKET helpers shared by libtern and tern-dataplane: one
 * message per datagram, optionally carrying one file descriptor. */
#ifndef TERN_SOCK_H
#define TERN_SOCK_H

#include <stddef.h>
#include <sys/types.h>

/* Send len bytes, with pass_fd as SCM_RIGHTS when >= 0.  0 or -errno. */
int tern__sock_send(int fd, const void *buf, size_t len, int pass_fd);
/* Receive one message; *fd_out gets a passed fd or -1.
 * Returns bytes (0: peer closed) or -errno (-EAGAIN when nonblocking and empty,
 * -EMSGSIZE when truncated). */
ssize_t tern__sock_recv(int fd, void *buf, size_t cap, int *fd_out);
/* Connect to a SEQPACKET socket at path.  The fd, or -errno. */
int tern__sock_connect(const char *path);

#endif
