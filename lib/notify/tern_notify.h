/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readiness for the service manager (configs/tern-*.service are
 * Type=notify).  The daemons call tern_notify_ready() once they accept
 * work, so a unit ordered After= them starts only then.
 */
#ifndef TERN_NOTIFY_H
#define TERN_NOTIFY_H

/* READY=1 to systemd.  Does nothing without $NOTIFY_SOCKET (not started by
 * systemd) or in a build without libsystemd; never fails the caller. */
void tern_notify_ready(void);

/* STOPPING=1: shutdown has begun (systemctl status says "deactivating"). */
void tern_notify_stopping(void);

#endif
