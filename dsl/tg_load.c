/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loads a schema and, depth first, everything it imports.  An import is
 * looked up relative to the importing file first, then in each -I
 * directory.  Files are identified by realpath() so two spellings of one
 * file load once; a file met again while it is still loading closes an
 * import cycle.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "terngen.h"

struct tg_file **tg_files;
size_t tg_nfiles;

static char **real_paths; /* parallel to tg_files */
static struct tg_file **stack;
static size_t nstack;
static const char *const *inc;
static size_t ninc;

static char *read_all(const char *path, int *err)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!fp) {
		*err = errno;
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				tg_fatal_oom();
		}
		size_t r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	buf[n] = 0;
	return buf;
}

static char *make_stem(const char *base)
{
	const char *dot = strchr(base, '.');
	size_t n = dot ? (size_t)(dot - base) : strlen(base);
	char *s = tg_alloc(n + 2), *o = s;

	if (n == 0 || isdigit((unsigned char)base[0]))
		*o++ = 't';
	for (size_t i = 0; i < n; i++)
		*o++ = isalnum((unsigned char)base[i]) ? base[i] : '_';
	return s;
}

static char *join(const char *dir, size_t dirlen, const char *name)
{
	char *s = tg_alloc(dirlen + strlen(name) + 2);
	if (dirlen) {
		memcpy(s, dir, dirlen);
		s[dirlen] = '/';
		strcpy(s + dirlen + 1, name);
	} else {
		strcpy(s, name);
	}
	return s;
}

static struct tg_file *load(const char *path, struct tg_loc from);

static void load_imports(struct tg_file *f)
{
	const char *slash = strrchr(f->path, '/');
	size_t dirlen = slash ? (size_t)(slash - f->path) : 0;

	for (size_t i = 0; i < f->nimports; i++) {
		struct tg_import *imp = &f->imports[i];
		bool absolute = imp->path[0] == '/';
		char *first = absolute ? tg_strdup(imp->path) : join(f->path, dirlen, imp->path);
		char *path = first;

		/* Relative to the importing file first, then each -I dir; when
		 * nothing opens, the error names the first candidate. */
		for (size_t d = 0; !absolute && d <= ninc; d++) {
			FILE *fp;
			if (d > 0) {
				if (path != first)
					free(path);
				path = join(inc[d - 1], strlen(inc[d - 1]), imp->path);
			}
			fp = fopen(path, "rb");
			if (fp) {
				fclose(fp);
				break;
			}
			if (d == ninc) {
				if (path != first)
					free(path);
				path = first;
			}
		}
		imp->file = load(path, imp->loc);
		if (path != first)
			free(path);
		free(first);
	}
}

static struct tg_file *load(const char *path, struct tg_loc from)
{
	char real[PATH_MAX];
	struct tg_file *f;
	const char *slash;
	char *src;
	struct tg_tok *toks;
	size_t ntoks;
	int err = 0;

	if (!realpath(path, real)) {
		if (from.file)
			tg_error(from, "cannot open imported file '%s': %s", path, strerror(errno));
		else
			tg_error(from, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < tg_nfiles; i++) {
		if (strcmp(real_paths[i], real) != 0)
			continue;
		f = tg_files[i];
		if (f->state == 1) {
			/* Name the whole cycle: from the file imported again down
			 * the loading stack to the file importing it now. */
			char msg[1024] = "";
			size_t at = 0;
			while (at < nstack && stack[at] != f)
				at++;
			for (size_t k = at; k < nstack; k++) {
				strncat(msg, stack[k]->base, sizeof(msg) - strlen(msg) - 1);
				strncat(msg, " -> ", sizeof(msg) - strlen(msg) - 1);
			}
			strncat(msg, f->base, sizeof(msg) - strlen(msg) - 1);
			tg_error(from, "import cycle: %s", msg);
			return NULL;
		}
		return f;
	}
	src = read_all(path, &err);
	if (!src) {
		tg_error(from, "cannot read '%s': %s", path, strerror(err));
		return NULL;
	}
	f = tg_alloc(sizeof(*f));
	f->path = tg_strdup(path);
	slash = strrchr(path, '/');
	f->base = tg_strdup(slash ? slash + 1 : path);
	f->stem = make_stem(f->base);
	f->state = 1;
	{
		size_t idx = tg_nfiles;
		*TG_APPEND(tg_files, tg_nfiles) = f;
		real_paths = tg_grow(real_paths, idx, sizeof(*real_paths));
		real_paths[idx] = tg_strdup(real);
	}
	toks = tg_lex(f->path, src, &ntoks);
	tg_parse(f, toks, ntoks);
	/* The AST points into the tokens: keep them (and the source) reachable
	 * until exit, which is when terngen frees everything. */
	f->src = src;
	f->toks = toks;

	*TG_APPEND(stack, nstack) = f;
	load_imports(f);
	nstack--;
	f->state = 2;
	return f;
}

struct tg_file *tg_load(const char *path, const char *const *incdirs, size_t nincdirs)
{
	struct tg_loc none = { 0 };
	inc = incdirs;
	ninc = nincdirs;
	return load(path, none);
}
