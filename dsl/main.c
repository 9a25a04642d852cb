/* SPDX-License-Identifier: Apache-2.0 */
/*
 * terngen [-I dir]... [-d depfile] [--internal] -o out.h schema.tmsg
 *
 * Writes the header to a temporary file renamed into place, so a failed
 * run never leaves a half-written header for the build to pick up.
 */
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "terngen.h"

static void usage_to(FILE *f, int status)
{
	fprintf(f, "usage: terngen [-I dir]... [-d depfile] [--internal] -o out.h schema.tmsg\n"
		   "  -I DIR     look for imported schemas in DIR too\n"
		   "  -d FILE    write a make-style dependency file\n"
		   "  -o FILE    the C header to write\n"
		   "  --internal a schema of tern's own: its ids are the reserved 1..999\n"
		   "             (user schemas must keep to 1000..65535)\n"
		   "  --help     this text\n"
		   "  --version  the version\n");
	exit(status);
}

static void usage(void)
{
	usage_to(stderr, 2);
}

static void write_depfile(const char *dep, const char *target)
{
	FILE *fp = fopen(dep, "w");
	if (!fp) {
		perror(dep);
		exit(1);
	}
	fprintf(fp, "%s:", target);
	for (size_t i = 0; i < tg_nfiles; i++)
		fprintf(fp, " %s", tg_files[i]->path);
	fprintf(fp, "\n");
	if (fclose(fp) != 0) {
		perror(dep);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const char **inc;
	size_t ninc = 0;
	const char *outp = NULL, *dep = NULL, *in = NULL;
	struct tg_file *f;
	char *tmp;
	FILE *out;
	int c;

	inc = tg_alloc(sizeof(*inc) * (size_t)argc);
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "internal", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "I:o:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'I':
			inc[ninc++] = optarg;
			break;
		case 'o':
			outp = optarg;
			break;
		case 'd':
			dep = optarg;
			break;
		case 'h':
			usage_to(stdout, 0);
			break;
		case 'i':
			tg_internal = true;
			break;
		case 'V':
			printf("terngen %s\n", TERN_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	in = argv[optind];

	f = tg_load(in, inc, ninc);
	if (f)
		tg_sema();
	tg_flush_errors();
	if (!f || tg_nerrors)
		return 1;

	if (!outp) {
		tg_emit(stdout, f);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	tmp = tg_alloc(strlen(outp) + 8);
	sprintf(tmp, "%s.tmp", outp);
	out = fopen(tmp, "w");
	if (!out) {
		perror(tmp);
		return 1;
	}
	tg_emit(out, f);
	if (fclose(out) != 0 || rename(tmp, outp) != 0) {
		perror(outp);
		remove(tmp);
		free(tmp);
		return 1;
	}
	free(tmp);
	if (dep)
		write_depfile(dep, outp);
	return 0;
}
