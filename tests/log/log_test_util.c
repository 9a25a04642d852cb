/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log_record.h"
#include "log/log_segment.h"
#include "log_test_util.h"

char tlt_dir[64];

int
tlt_setup(void **state)
{
	(void)state;
	tlt_mkdtemp(tlt_dir);
	return 0;
}

int
tlt_teardown(void **state)
{
	(void)state;
	tlt_rmrf(tlt_dir);
	return 0;
}

void
tlt_mkdtemp(char dir[64])
{
	snprintf(dir, 64, "/tmp/tern-log-test-XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
}

static int
tlt_rm1(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
tlt_rmrf(const char *dir)
{
	nftw(dir, tlt_rm1, 16, FTW_DEPTH | FTW_PHYS);
}

static int
tlt_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
tlt_nth(const char *dir, const char *suffix, int nth, char *path, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[4096];
	int n = 0, rc = -1;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && n < 4096) {
		size_t l = strlen(e->d_name), sl = strlen(suffix);
		if (l >= sl && strcmp(e->d_name + l - sl, suffix) == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), tlt_cmp);
	if (nth < 0)
		rc = n;
	else if (nth < n) {
		snprintf(path, cap, "%s/%s", dir, names[nth]);
		rc = 0;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	return rc;
}

int
tlt_count(const char *dir, const char *suffix)
{
	return tlt_nth(dir, suffix, -1, NULL, 0);
}

void
tlt_msg_init(struct tlt_msg *t, const char *topic, uint64_t seq,
		uint32_t payload_len)
{
	memset(&t->m, 0, sizeof(t->m));
	for (uint32_t i = 0; i < payload_len && i < sizeof(t->payload); i++)
		t->payload[i] = (uint8_t)(seq * 31 + i);
	int n = snprintf(t->tags, sizeof(t->tags), "src=test%cn=%llu",
			'\0', (unsigned long long)seq);
	t->m.topic = topic;
	t->m.seq = seq;
	t->m.event_ns = (int64_t)seq * 3;
	t->m.send_ns = (int64_t)seq * 3 + 1;
	t->m.recv_ns = (int64_t)seq * 3 + 2;
	t->m.type_id = 100;
	t->m.type_version = 2;
	t->m.tags = t->tags;
	t->m.tags_len = (uint32_t)n + 1;
	t->m.payload = t->payload;
	t->m.payload_len = payload_len;
}

int
tlt_msg_check(const struct tern_log_msg *got, const char *topic, uint64_t seq,
		uint32_t payload_len)
{
	struct tlt_msg want;

	tlt_msg_init(&want, topic, seq, payload_len);
	return got->topic_len == strlen(topic) &&
		memcmp(got->topic, topic, got->topic_len) == 0 &&
		got->seq == seq && got->event_ns == want.m.event_ns &&
		got->send_ns == want.m.send_ns && got->recv_ns == want.m.recv_ns &&
		got->type_id == 100 && got->type_version == 2 &&
		got->tags_len == want.m.tags_len &&
		memcmp(got->tags, want.tags, got->tags_len) == 0 &&
		got->payload_len == payload_len &&
		memcmp(got->payload, want.payload, payload_len) == 0;
}

int64_t
tlt_clock(void *clientd)
{
	return *(int64_t *)clientd;
}

int
tlt_write_448(const char *dir, const char *base)
{
	uint8_t b[448] = {0};
	char name[TERN__NAME_MAX], next[TERN__NAME_MAX], path[512];
	struct tern__seg_hdr h;
	struct tern_log_msg m = {.topic = "t", .topic_len = 1, .seq = 1,
		.payload = "abcdefghij", .payload_len = 10};
	const int64_t created = INT64_C(1700000000) * 1000000000;

	tern__seg_name(name, sizeof(name), base, created, 1, ".tlog");
	tern__seg_name(next, sizeof(next), base, created, 2, ".tlog");
	tern__seg_hdr_init(&h, 1, created);
	memcpy(b, &h, sizeof(h));
	size_t n = tern__rec_encode(b + sizeof(h), &m, 1, 0);
	b[sizeof(h) + n - 1] ^= 1;              /* one bad record */
	/* a seal with a valid CRC that names a missing file and points back
	 * at its own segment */
	n += sizeof(h) + tern__rec_encode_seal(b + sizeof(h) + n, 1, next);
	if (n != sizeof(b))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	size_t w = fwrite(b, 1, sizeof(b), f);
	return fclose(f) == 0 && w == sizeof(b) ? 0 : -1;
}
