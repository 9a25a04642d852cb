/* SPDX-License-Identifier: Apache-2.0 */
/* The name index (lib/common/tern_names.c) against a plain array: random
 * adds and deletes on a table kept full, so backward-shift deletion is
 * exercised on long runs and wrapped ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/tern_names.h"

#define N 4096
static char names[N][32];
static int present[N];

static const char *key_of(void *ctx, uint32_t id)
{
    (void)ctx;
    return names[id];
}

static void test_basic(void **state)
{
    struct tern__names n;

    (void)state;
    assert_int_equal(tern__names_init(&n, 4, key_of, NULL), 0);
    snprintf(names[0], sizeof(names[0]), "md.eq.A");
    snprintf(names[1], sizeof(names[1]), "md.eq.B");
    assert_int_equal(tern__names_find(&n, "md.eq.A"), -ENOENT);
    assert_int_equal(tern__names_add(&n, names[0], 0), 0);
    assert_int_equal(tern__names_add(&n, names[0], 0), -EEXIST);
    assert_int_equal(tern__names_add(&n, names[1], 1), 0);
    assert_int_equal(tern__names_find(&n, "md.eq.A"), 0);
    assert_int_equal(tern__names_find(&n, "md.eq.B"), 1);
    assert_int_equal(tern__names_del(&n, "md.eq.A", 0), 0);
    assert_int_equal(tern__names_del(&n, "md.eq.A", 0), -ENOENT);
    assert_int_equal(tern__names_find(&n, "md.eq.A"), -ENOENT);
    assert_int_equal(tern__names_find(&n, "md.eq.B"), 1);
    tern__names_fini(&n);
}

static void test_full(void **state)
{
    struct tern__names n;

    (void)state;
    assert_int_equal(tern__names_init(&n, 3, key_of, NULL), 0);
    for (int i = 0; i < 4; i++)
        snprintf(names[i], sizeof(names[i]), "t%d", i);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tern__names_add(&n, names[i], (uint32_t)i), 0);
    assert_int_equal(tern__names_add(&n, names[3], 3), -ENOSPC);
    tern__names_fini(&n);
}

static void test_churn(void **state)
{
    struct tern__names n;
    unsigned seed = 1;
    int live = 0;

    (void)state;
    /* A small table kept near full: runs are long and wrap around. */
    assert_int_equal(tern__names_init(&n, N / 8, key_of, NULL), 0);
    for (int i = 0; i < N; i++)
        snprintf(names[i], sizeof(names[i]), "x.%d", i);
    memset(present, 0, sizeof(present));
    for (int step = 0; step < 200000; step++) {
        int i = (int)(rand_r(&seed) % (N / 4));
        if (present[i]) {
            assert_int_equal(tern__names_del(&n, names[i], (uint32_t)i), 0);
            present[i] = 0;
            live--;
        } else if (live < N / 8) {
            assert_int_equal(tern__names_add(&n, names[i], (uint32_t)i), 0);
            present[i] = 1;
            live++;
        }
        if (step % 1000 == 0)
            for (int k = 0; k < N / 4; k++)
                assert_int_equal(tern__names_find(&n, names[k]), present[k] ? k : -ENOENT);
    }
    assert_int_equal(n.used, (uint32_t)live);
    tern__names_fini(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
