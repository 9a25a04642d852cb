/* SPDX-License-Identifier: Apache-2.0 */
/* tern-log ls: segments with their first/last lsn, sequence, time, size. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log_cursor.h"
#include "log/log_segment.h"
#include "logtool.h"

struct lt_dmg {
	const char *file;
	void (*fn)(const char *file, uint64_t off, uint64_t skipped, void *clientd);
	void *clientd;
};

static void
lt_dmg_cb(uint64_t off, uint64_t skipped, void *clientd)
{
	struct lt_dmg *d = clientd;

	if (d->fn)
		d->fn(d->file, off, skipped, d->clientd);
}

int
lt_segments(const char *root, const char *prefix,
		void (*on_damage)(const char *file, uint64_t off, uint64_t skipped,
			void *clientd),
		int (*fn)(const struct lt_seg *s, void *clientd), void *clientd)
{
	struct lt_dmg dmg = {NULL, on_damage, clientd};
	char base[TERN__NAME_MAX];
	struct tern__seg *segs = NULL;
	struct tern__cursor cur;
	int rc, worst = 0;

	int dirfd = tern__stream_dir(root, prefix, NULL, base);
	if (dirfd < 0) {
		fprintf(stderr, "tern-log: %s/%s: %s\n", root, prefix,
				strerror(-dirfd));
		return LT_ERROR;
	}
	int n = tern__seg_list(dirfd, base, &segs);
	if (n == 0)
		fprintf(stderr, "tern-log: %s/%s: no segments: no such stream\n",
				root, prefix);
	if (n <= 0 || tern__cursor_init(&cur, 1 << 20, 64u << 20) < 0) {
		close(dirfd);
		free(segs);
		return LT_ERROR;
	}
	for (int i = 0; i < n; i++) {
		struct tern__scan scan;
		int fd = openat(dirfd, segs[i].name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "tern-log: %s: %s\n", segs[i].name,
					strerror(errno));
			worst = LT_ERROR;
			continue;
		}
		dmg.file = segs[i].name;
		rc = tern__scan_segment(&cur, fd, &scan, NULL, lt_dmg_cb, &dmg);
		if (rc < 0) {
			fprintf(stderr, "tern-log: %s: %s\n", segs[i].name,
					strerror(-rc));
			worst = LT_ERROR;
		} else {
			struct lt_seg s = {prefix, dirfd, &segs[i], fd, i == n - 1,
				&scan};
			rc = fn(&s, clientd);
			worst = rc > worst ? rc : worst;
		}
		close(fd);
	}
	tern__cursor_fini(&cur);
	free(segs);
	close(dirfd);
	return worst;
}

int
lt_newest_segment(const char *root, const char *prefix, char *name,
		size_t cap, bool *header_ok)
{
	char base[TERN__NAME_MAX];
	struct tern__seg *segs = NULL;
	struct tern__seg_hdr h;

	int dirfd = tern__stream_dir(root, prefix, NULL, base);
	if (dirfd < 0)
		return dirfd;
	int n = tern__seg_list(dirfd, base, &segs);
	if (n > 0) {
		snprintf(name, cap, "%s", segs[n - 1].name);
		int fd = openat(dirfd, segs[n - 1].name, O_RDONLY | O_CLOEXEC);
		*header_ok = fd >= 0 && pread(fd, &h, sizeof(h), 0) == sizeof(h) &&
			tern__seg_hdr_ok(&h);
		if (fd >= 0)
			close(fd);
	}
	free(segs);
	close(dirfd);
	return n;
}

static int
lt_ls_seg(const struct lt_seg *s, void *clientd)
{
	const struct tern__scan *c = s->scan;
	char t0[64] = "-", t1[64] = "-";
	bool json = *(bool *)clientd;

	if (c->records) {
		tern__fmt_time(t0, c->first_ns);
		tern__fmt_time(t1, c->last_ns);
	}
	if (json) {
		printf("{\"stream\":");
		lt_json_str(stdout, s->prefix, strlen(s->prefix));
		printf(",\"file\":");
		lt_json_str(stdout, s->seg->name, strlen(s->seg->name));
		printf(",\"records\":%" PRIu64 ",\"first_lsn\":%" PRIu64
			",\"last_lsn\":%" PRIu64 ",\"first_seq\":%" PRIu64
			",\"last_seq\":%" PRIu64 ",\"first_time\":\"%s\""
			",\"last_time\":\"%s\",\"bytes\":%" PRIu64
			",\"sealed\":%s,\"active\":%s}\n",
			c->records, c->first_lsn, c->last_lsn, c->first_seq,
			c->last_seq, t0, t1, c->file_size,
			c->sealed ? "true" : "false", s->last ? "true" : "false");
	} else {
		printf("%-60s %10" PRIu64 " %10" PRIu64 "..%-10" PRIu64
			" seq %" PRIu64 "..%" PRIu64 " %s .. %s %10" PRIu64 " B%s\n",
			s->seg->name, c->records, c->first_lsn, c->last_lsn,
			c->first_seq, c->last_seq, t0, t1, c->file_size,
			s->last ? " (active)" : "");
	}
	return LT_OK;
}

static int
lt_ls_stream(const char *root, const char *prefix, void *clientd)
{
	if (!*(bool *)clientd)
		printf("stream %s\n", prefix);
	return lt_segments(root, prefix, NULL, lt_ls_seg, clientd);
}

int
lt_cmd_ls(int argc, char **argv)
{
	bool json = false;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--json") == 0) {
		json = true;
		i++;
	}
	if (argc - i < 1 || argc - i > 2) {
		fputs("usage: tern-log ls [--json] DIR [PREFIX]\n", stderr);
		return LT_ERROR;
	}
	int rc = lt_streams(argv[i], argc - i == 2 ? argv[i + 1] : NULL,
			lt_ls_stream, &json);
	return rc < 0 ? LT_ERROR : rc;
}
