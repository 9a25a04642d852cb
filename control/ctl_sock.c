/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon side of the socket helpers; sending and receiving messages
 * (with SCM_RIGHTS) is shared with libtern and tern-dataplane in
 * lib/bus/tern_sock.c. */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bus/tern_sock.h"
#include "ctl_sock.h"

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path))
        return -ENAMETOOLONG;
    strcpy(sa->sun_path, path);
    return 0;
}

int ctl_sock_listen(const char *path)
{
    struct sockaddr_un sa;
    int fd, rc;

    rc = fill_addr(&sa, path);
    if (rc < 0)
        return rc;
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int probe;

        if (errno != EADDRINUSE)
            goto out_errno;
        /* Someone answering there is a live daemon: never steal its name. */
        probe = tern__sock_connect(path);
        if (probe >= 0) {
            close(probe);
            close(fd);
            return -EADDRINUSE;
        }
        unlink(path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            goto out_errno;
    }
    /* SOMAXCONN (the kernel caps it at net.core.somaxconn): a burst of
     * applications starting at once must queue, not see EAGAIN. */
    if (listen(fd, SOMAXCONN) < 0)
        goto out_errno;
    return fd;

out_errno:
    rc = -errno;
    close(fd);
    return rc;
}

int ctl_sock_timeout(int fd, unsigned ms)
{
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
        return -errno;
    return 0;
}
