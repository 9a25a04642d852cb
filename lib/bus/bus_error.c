/* SPDX-License-Identifier: Apache-2.0 */
/* Error text: tern_strerror() for return codes, and a per-thread message
 * chain for slow calls (one line per layer, as aeron_error.c does). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bus_pvt.h"

static __thread char errbuf[1024];

void tern__err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
}

void tern__err_append(const char *fmt, ...)
{
	size_t len = strnlen(errbuf, sizeof(errbuf));
	va_list ap;

	if (len + 2 >= sizeof(errbuf))
		return;
	errbuf[len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(errbuf + len, sizeof(errbuf) - len, fmt, ap);
	va_end(ap);
}

const char *tern_errmsg(void)
{
	return errbuf;
}

const char *tern_strerror(int rv)
{
	if (rv >= 0)
		return "success";
	switch (rv) {
	case TERN_EBACKPRESSURE: return "backpressure: a subscriber's queue is full, retry";
	case TERN_ENOTCONN:      return "not connected to the tern bus";
	case TERN_ECLOSED:       return "handle closed";
	case TERN_EMSGSIZE:      return "message size + tags exceed the buffer";
	case TERN_ESTORAGE:      return "storage failed to keep the message (see ternctl stats)";
	case TERN_ESHUTDOWN:     return "tern-dataplane is shutting down: publishing stopped";
	case -EPROTONOSUPPORT:   return "tern-control speaks another protocol version";
	case -EPROTO:            return "protocol error";
	default:                 return strerror(-rv);
	}
}
