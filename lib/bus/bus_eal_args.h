/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EAL arguments an application attaches with come from tern-control's
 * CtlHelloReply, and rte_eal_init() acts on whatever it is given: `-d
 * lib.so` loads and runs a library, `--vdev` creates devices, `--huge-dir`
 * and `--file-prefix=../x` point it at other files.  Anything that can
 * listen on TERN_SOCKET would choose them, and applications often run as
 * root.  So libtern accepts exactly the options tern-control sends
 * (control/ctl_clients.c, ctl_client_eal_args()), each once, in the
 * `--name=value` form, with its value checked, and builds the argv anew
 * from the checked values, always with --proc-type=secondary and --no-pci.
 * Anything else fails the connect.  An allow-list rather than a list of
 * dangerous options: EAL grows options, and getopt_long accepts any
 * unambiguous abbreviation of each.
 */
#ifndef TERN_BUS_EAL_ARGS_H
#define TERN_BUS_EAL_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include <tern/tern_codec.h>

#define TERN__EAL_ARGC_MAX 12       /* tern-control sends 7, argv[0] included */
#define TERN__EAL_ARG_LEN 160       /* bytes of one argument, NUL included */

/* The argv for rte_eal_init(), which keeps pointers into it: keep it alive. */
struct tern__eal_argv {
	int argc;
	char *argv[TERN__EAL_ARGC_MAX + 1];
	char buf[TERN__EAL_ARGC_MAX][TERN__EAL_ARG_LEN];
};

/**
 * Check the EAL arguments in (argv[0] included) and build out from them.
 * lcore_id is the one the same reply assigned: --lcores must name it.
 * @return 0, or -EINVAL with err saying which argument and why.
 */
int tern__eal_args_check(const struct tern_list_str *in, uint32_t lcore_id,
			 struct tern__eal_argv *out, char *err, size_t errlen);

#endif
