/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-log entry point and the helpers its commands share: stream
 * discovery (a stream is a directory plus a segment base name) and JSON
 * string output.
 */
#define _GNU_SOURCE
#include <tern/tern_json.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log_segment.h"
#include "logtool.h"

static void
usage(FILE *f)
{
	fputs("usage: tern-log ls [--json] DIR [PREFIX]\n"
	      "       tern-log dump [--from earliest|latest|lsn:N|seq:N|time:NS]\n"
	      "                     [--count N] [--follow] DIR PREFIX\n"
	      "       tern-log verify DIR [PREFIX]\n"
	      "       tern-log --help | --version\n"
	      "DIR is the log root; PREFIX a stream as expanded from its rule\n"
	      "(e.g. md/md.eq.AAPL).  Exit: 0 ok, 1 damage found, 2 error.\n", f);
}

void
lt_json_str(FILE *f, const char *s, size_t len)
{
	tern_json_fput_str(f, s, len);
}

/* Collects distinct base names of one directory. */
struct lt_bases {
	char (*v)[TERN__NAME_MAX];
	size_t n, cap;
};

static void
lt_base_cb(const char *base, void *clientd)
{
	struct lt_bases *b = clientd;

	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->v[i], base) == 0)
			return;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		void *v = realloc(b->v, cap * sizeof(*b->v));
		if (v == NULL)
			return;
		b->v = v;
		b->cap = cap;
	}
	snprintf(b->v[b->n++], TERN__NAME_MAX, "%s", base);
}

static int
lt_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* nftw has no clientd: one walk at a time */
static struct {
	const char *root;
	int (*fn)(const char *root, const char *prefix, void *clientd);
	void *clientd;
	int rc;
	unsigned streams;
} lt_walk;

static int
lt_walk_dir(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag != FTW_D)
		return 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct lt_bases b = {0};
	tern__seg_bases(fd, lt_base_cb, &b);
	close(fd);
	if (b.n > 1)     /* qsort(NULL, 0, ...) is undefined */
		qsort(b.v, b.n, sizeof(*b.v), lt_cmp);
	const char *rel = path + strlen(lt_walk.root);
	while (*rel == '/')
		rel++;
	for (size_t i = 0; i < b.n; i++) {
		char prefix[4096];
		snprintf(prefix, sizeof(prefix), "%s%s%s", rel, *rel ? "/" : "",
				b.v[i]);
		int rc = lt_walk.fn(lt_walk.root, prefix, lt_walk.clientd);
		lt_walk.streams++;
		if (rc > lt_walk.rc)
			lt_walk.rc = rc;
	}
	free(b.v);
	return 0;
}

int
lt_streams(const char *root, const char *prefix,
		int (*fn)(const char *root, const char *prefix, void *clientd),
		void *clientd)
{
	if (prefix)
		return fn(root, prefix, clientd);
	lt_walk.root = root;
	lt_walk.fn = fn;
	lt_walk.clientd = clientd;
	lt_walk.rc = 0;
	lt_walk.streams = 0;
	if (nftw(root, lt_walk_dir, 16, FTW_PHYS) < 0) {
		fprintf(stderr, "tern-log: %s: %s\n", root, strerror(errno));
		return -errno;
	}
	if (lt_walk.streams == 0) {
		/* a mistyped directory must not pass for a clean log */
		fprintf(stderr, "tern-log: %s: no streams\n", root);
		return LT_ERROR;
	}
	return lt_walk.rc;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LT_ERROR;
	}
	if (strcmp(argv[1], "ls") == 0)
		return lt_cmd_ls(argc - 1, argv + 1);
	if (strcmp(argv[1], "dump") == 0)
		return lt_cmd_dump(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return lt_cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0) {
		printf("tern-log %s\n", TERN_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return LT_OK;
	}
	usage(stderr);
	return LT_ERROR;
}
