/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-log dump: records as JSON lines.  A payload whose type id is one of
 * the schemas compiled in (the control protocols, for now) is printed
 * decoded by tern_msg_to_json(): those ids are tern's reserved 1..999, which
 * terngen refuses in user schemas, so an application's message is never
 * mistaken for one; any other payload, or one that does not
 * decode, as base64 with the reason.  Damage goes to stderr as JSON and
 * makes the exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tern/tern_json.h>
#include <tern/tern_log.h>

#include "ctl.tmsg.h"
#include "dp.tmsg.h"
#include "logtool.h"

static const struct tern_msg_desc *lt_descs[ctl_N_MESSAGES + dp_N_MESSAGES];
static size_t lt_ndescs;
static volatile sig_atomic_t lt_stop;

static void
lt_on_signal(int sig)
{
	(void)sig;
	lt_stop = 1;
}

static void
lt_base64(FILE *f, const uint8_t *p, size_t n)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	fputc('"', f);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		fputc(a[v >> 18 & 63], f);
		fputc(a[v >> 12 & 63], f);
		fputc(i + 1 < n ? a[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? a[v & 63] : '=', f);
	}
	fputc('"', f);
}

static void
lt_print(const struct tern_log_msg *m, char *json, size_t cap)
{
	printf("{\"lsn\":%" PRIu64 ",\"topic\":", m->lsn);
	lt_json_str(stdout, m->topic, m->topic_len);
	printf(",\"seq\":%" PRIu64 ",\"event_ns\":%" PRId64 ",\"send_ns\":%"
		PRId64 ",\"recv_ns\":%" PRId64 ",\"type_id\":%" PRIu32
		",\"type_version\":%u,\"tags\":{", m->seq, m->event_ns,
		m->send_ns, m->recv_ns, m->type_id, m->type_version);
	const char *k, *v;
	size_t kl, vl;
	uint32_t pos = 0;
	int first = 1;
	while (tern_log_tag_next(m->tags, m->tags_len, &pos, &k, &kl, &v, &vl) == 1) {
		if (!first)
			fputc(',', stdout);
		first = 0;
		lt_json_str(stdout, k, kl);
		fputc(':', stdout);
		lt_json_str(stdout, v, vl);
	}
	printf("},\"payload_len\":%" PRIu32, m->payload_len);
	/* decode only a type we know, by the record's type id: the payload
	 * names its own type too, and the two must agree */
	const struct tern_msg_desc *d = NULL;
	for (size_t i = 0; i < lt_ndescs && m->type_id != 0; i++)
		if (lt_descs[i]->type_id == m->type_id)
			d = lt_descs[i];
	if (d != NULL) {
		int64_t rc = tern_msg_to_json(&d, 1, m->payload, m->payload_len,
				json, cap);
		if (rc >= 0) {
			printf(",\"payload\":%s}\n", json);
			return;
		}
		printf(",\"decode_error\":%" PRId64, rc);
	}
	printf(",\"payload_base64\":");
	lt_base64(stdout, m->payload, m->payload_len);
	printf("}\n");
}

static int
lt_parse_from(const char *s, enum tern_log_start *mode, uint64_t *value)
{
	static const struct { const char *name; enum tern_log_start mode; } m[] = {
		{"lsn:", TERN_LOG_START_LSN}, {"seq:", TERN_LOG_START_SEQ},
		{"time:", TERN_LOG_START_TIME},
	};

	*value = 0;
	if (strcmp(s, "earliest") == 0) {
		*mode = TERN_LOG_START_EARLIEST;
		return 0;
	}
	if (strcmp(s, "latest") == 0) {
		*mode = TERN_LOG_START_LATEST;
		return 0;
	}
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		size_t n = strlen(m[i].name);
		if (strncmp(s, m[i].name, n) == 0 && s[n] != '\0') {
			char *end;
			*mode = m[i].mode;
			*value = strtoull(s + n, &end, 10);
			return *end == '\0' ? 0 : -EINVAL;
		}
	}
	return -EINVAL;
}

int
lt_cmd_dump(int argc, char **argv)
{
	enum tern_log_start mode = TERN_LOG_START_EARLIEST;
	uint64_t value = 0, count = UINT64_MAX, damaged = 0;
	bool follow = false;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--follow") == 0) {
			follow = true;
		} else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
			if (lt_parse_from(argv[++i], &mode, &value) < 0)
				goto usage;
		} else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			count = strtoull(argv[++i], NULL, 10);
		} else {
			goto usage;
		}
	}
	if (argc - i != 2)
		goto usage;
	for (size_t k = 0; k < ctl_N_MESSAGES; k++)
		lt_descs[lt_ndescs++] = ctl_messages[k];
	for (size_t k = 0; k < dp_N_MESSAGES; k++)
		lt_descs[lt_ndescs++] = dp_messages[k];

	char newest[256];
	bool header_ok = true;
	int nseg = lt_newest_segment(argv[i], argv[i + 1], newest, sizeof(newest),
			&header_ok);
	if (nseg < 0 || (nseg == 0 && !follow)) {
		fprintf(stderr, "tern-log: %s/%s: %s\n", argv[i], argv[i + 1],
				nseg < 0 ? strerror(-nseg) : "no segments: no such stream");
		return LT_ERROR;
	}
	struct tern_log_opts o = {.max_record_bytes = 64u << 20};
	struct tern_log_reader *r;
	int rc = tern_log_reader_open(argv[i], argv[i + 1], mode, value, &o, &r);
	if (rc < 0) {
		fprintf(stderr, "tern-log: %s/%s: %s\n", argv[i], argv[i + 1],
				strerror(-rc));
		return LT_ERROR;
	}
	/* no SA_RESTART: a wait in a system call ends at once */
	struct sigaction sa = {.sa_handler = lt_on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	size_t cap = 1u << 20;
	char *json = malloc(cap);
	struct tern_log_msg m;
	while (count > 0 && !lt_stop && json) {
		rc = tern_log_reader_next(r, &m);
		if (rc == 0) {
			lt_print(&m, json, cap);
			count--;
		} else if (rc == -EBADMSG) {
			const struct tern_log_damage *d = tern_log_reader_damage(r);
			fprintf(stderr, "{\"damage\":{\"file\":");
			lt_json_str(stderr, d->file, strlen(d->file));
			fprintf(stderr, ",\"offset\":%" PRIu64 ",\"skipped\":%"
				PRIu64 "}}\n", d->offset, d->skipped);
			damaged++;
		} else if (rc == -ENODATA) {
			fprintf(stderr, "{\"gap\":\"records deleted by retention\"}\n");
		} else if (rc == -EAGAIN && follow) {
			fflush(stdout);
			usleep(10000);
		} else {
			if (rc != -EAGAIN) {
				fprintf(stderr, "tern-log: %s\n", strerror(-rc));
				damaged = damaged ? damaged : 1;
			}
			break;
		}
	}
	/* A reader waits at a newest segment whose header does not read (it
	 * may be one being created); after the fact it is damage. */
	if (rc == -EAGAIN && !follow && count > 0 &&
	    lt_newest_segment(argv[i], argv[i + 1], newest, sizeof(newest),
			      &header_ok) > 0 && !header_ok) {
		fprintf(stderr, "{\"damage\":{\"file\":");
		lt_json_str(stderr, newest, strlen(newest));
		fprintf(stderr, ",\"offset\":0,\"reason\":\"bad segment header\"}}\n");
		damaged++;
	}
	free(json);
	tern_log_reader_close(r);
	return damaged ? LT_DAMAGE : LT_OK;
usage:
	fputs("usage: tern-log dump [--from earliest|latest|lsn:N|seq:N|time:NS]"
	      " [--count N] [--follow] DIR PREFIX\n", stderr);
	return LT_ERROR;
}
