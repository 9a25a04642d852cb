/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the node config reader on arbitrary bytes.  It must
 * never read out of bounds, and must give either 0 or -EINVAL with at least
 * one error line, never anything else. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/tern_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tern_config cfg;
    char err[1024];
    int rc;

    rc = tern__config_parse(&cfg, (const char *)data, size, "fuzz.ini", err, sizeof(err));
    if (rc != 0 && rc != -EINVAL)
        abort();
    if (rc == -EINVAL && strncmp(err, "fuzz.ini:", 9) != 0)
        abort();
    if (rc == 0 && (strlen(cfg.control_socket) == 0 || cfg.max_clients == 0))
        abort();
    return 0;
}
