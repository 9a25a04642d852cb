/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern_notify_ready() reaches $NOTIFY_SOCKET as READY=1 (what Type=notify
 * waits for), and without $NOTIFY_SOCKET does nothing and does not fail.
 * In a build without libsystemd it is a no-op: the first check is skipped.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "tern_notify.h"

static void ready_reaches_the_notify_socket(void **state)
{
#ifdef TERN_HAVE_SYSTEMD
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char got[256];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	(void)state;

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/tern_notify_%d.sock", (int)getpid());
	unlink(sa.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	tern_notify_ready();
	ssize_t n = recv(fd, got, sizeof(got) - 1, MSG_DONTWAIT);
	unlink(sa.sun_path);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
	assert_true(n > 0);
	got[n] = '\0';
	assert_non_null(strstr(got, "READY=1"));
#else
	(void)state;
	skip();
#endif
}

static void without_notify_socket_nothing_happens(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	tern_notify_ready();
	tern_notify_stopping();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ready_reaches_the_notify_socket),
		cmocka_unit_test(without_notify_socket_nothing_happens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
