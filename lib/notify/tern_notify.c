/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "tern_notify.h"

#ifdef TERN_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

/* sd_notify() is itself a no-op without $NOTIFY_SOCKET; the check makes
 * that explicit and keeps a manual or test run from touching a socket
 * some parent left in the environment only when it asked for it. */
static void notify(const char *state)
{
	if (getenv("NOTIFY_SOCKET"))
		(void)sd_notify(0, state);
}
#else
static void notify(const char *state)
{
	(void)state;
}
#endif

void tern_notify_ready(void)
{
	notify("READY=1");
}

void tern_notify_stopping(void)
{
	notify("STOPPING=1");
}
