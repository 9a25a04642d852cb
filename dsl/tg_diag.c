/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Diagnostics and allocation for terngen.  Errors go to stderr as
 * "file:line:col: error: message" (the format editors and CI logs link
 * to); compilation continues so one run reports every error it can.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "terngen.h"

int tg_nerrors;

/* Past this many errors later ones are mostly noise from the first. */
#define TG_MAX_ERRORS 50

/*
 * Errors are buffered and printed sorted by file (in the order files were
 * first named) and position: the lexer, parser and sema find them in
 * different passes, but a reader wants them top to bottom.
 */
struct diag {
	struct tg_loc loc;
	size_t file_rank;
	size_t seq;
	char *text;
};
static struct diag *diags;
static size_t ndiags;
static const char **files_seen;
static size_t nfiles_seen;

static size_t file_rank(const char *file)
{
	size_t i;
	for (i = 0; i < nfiles_seen; i++)
		if (strcmp(files_seen[i], file) == 0)
			return i;
	*TG_APPEND(files_seen, nfiles_seen) = file;
	return i;
}

static int cmp_diag(const void *a, const void *b)
{
	const struct diag *x = a, *y = b;
	if (x->file_rank != y->file_rank)
		return x->file_rank < y->file_rank ? -1 : 1;
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	if (x->loc.col != y->loc.col)
		return x->loc.col < y->loc.col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void tg_flush_errors(void)
{
	if (ndiags)
		qsort(diags, ndiags, sizeof(*diags), cmp_diag);
	for (size_t i = 0; i < ndiags; i++) {
		if (diags[i].loc.file)
			fprintf(stderr, "%s:%d:%d: error: %s\n", diags[i].loc.file,
				diags[i].loc.line, diags[i].loc.col, diags[i].text);
		else
			fprintf(stderr, "terngen: error: %s\n", diags[i].text);
	}
	ndiags = 0;
}

void tg_error(struct tg_loc loc, const char *fmt, ...)
{
	char text[1024];
	struct diag *d;
	va_list ap;

	tg_nerrors++;
	if (tg_nerrors > TG_MAX_ERRORS) {
		tg_flush_errors();
		fprintf(stderr, "terngen: too many errors, stopping\n");
		exit(1);
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	d = TG_APPEND(diags, ndiags);
	d->loc = loc;
	d->file_rank = loc.file ? file_rank(loc.file) : 0;
	d->seq = ndiags;
	d->text = tg_strdup(text);
}

void tg_fatal_oom(void)
{
	fprintf(stderr, "terngen: out of memory\n");
	exit(2);
}

void *tg_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		tg_fatal_oom();
	return p;
}

char *tg_strndup(const char *s, size_t n)
{
	char *p = tg_alloc(n + 1);
	memcpy(p, s, n);
	return p;
}

char *tg_strdup(const char *s)
{
	return tg_strndup(s, strlen(s));
}

void *tg_grow(void *arr, size_t n, size_t elem)
{
	/* Capacity doubles at powers of two, so it is derived from n. */
	if (n == 0 || (n & (n - 1)) == 0) {
		size_t cap = n ? n * 2 : 4;
		arr = realloc(arr, cap * elem);
		if (!arr)
			tg_fatal_oom();
	}
	memset((char *)arr + n * elem, 0, elem);
	return arr;
}
