/* SPDX-License-Identifier: Apache-2.0 */
/*
 * configs/default.ini is the one reference of the node file: every key,
 * its default and its meaning.  These checks keep it honest against the
 * parser's own key table, so a new key cannot go undocumented and a
 * changed default cannot leave the reference behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/tern_config_pvt.h"

#define DEFAULT_MARK "# "
#define EXAMPLE_MARK "# example: "

static char err[8192];

/* A commented-out "# key = value" line: a default. */
static bool is_default_line(const char *l)
{
    const char *p = l + strlen(DEFAULT_MARK);

    if (strncmp(l, DEFAULT_MARK, strlen(DEFAULT_MARK)) != 0 || !(*p >= 'a' && *p <= 'z'))
        return false;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.')
        p++;
    return strncmp(p, " = ", 3) == 0;
}

/* The reference with its defaults (and, with examples, its examples)
 * uncommented.  The caller frees. */
static char *uncomment(bool examples)
{
    const char *s = tern_config_default_ini;
    char *out = malloc(strlen(s) + 1), *o = out;

    assert_non_null(out);
    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t n = eol ? (size_t)(eol - s) + 1 : strlen(s);
        char line[512];

        assert_true(n < sizeof(line));
        memcpy(line, s, n);
        line[n] = '\0';
        const char *keep = line;
        if (examples && strncmp(line, EXAMPLE_MARK, strlen(EXAMPLE_MARK)) == 0)
            keep = line + strlen(EXAMPLE_MARK);
        else if (is_default_line(line))
            keep = line + strlen(DEFAULT_MARK);
        o = stpcpy(o, keep);
        s += n;
    }
    return out;
}

static int parse(struct tern_config *c, const char *text)
{
    err[0] = '\0';
    return tern__config_parse(c, text, strlen(text), "default.ini", err, sizeof(err));
}

/* Whether `key = ` is set, shown as a default or as an example in [section]. */
static bool documented(const char *section, const char *key)
{
    const char *s = tern_config_default_ini;
    char cur[64] = "";

    while (*s) {
        const char *eol = strchr(s, '\n');
        size_t n = eol ? (size_t)(eol - s) : strlen(s);
        const char *l = s;

        if (*l == '[' && n < sizeof(cur)) {
            memcpy(cur, l + 1, n - 2);
            cur[n - 2] = '\0';
        } else if (strcmp(cur, section) == 0) {
            if (strncmp(l, EXAMPLE_MARK, strlen(EXAMPLE_MARK)) == 0)
                l += strlen(EXAMPLE_MARK);
            else if (strncmp(l, DEFAULT_MARK, strlen(DEFAULT_MARK)) == 0)
                l += strlen(DEFAULT_MARK);
            if (strncmp(l, key, strlen(key)) == 0 && strncmp(l + strlen(key), " = ", 3) == 0)
                return true;
        }
        s += n + (eol != NULL);
    }
    return false;
}

static void every_parser_key_is_documented(void **state)
{
    const char *section, *key;
    char buf[64], name[64];
    unsigned missing = 0;
    (void)state;

    for (size_t i = 0; (key = tern__cfg_key_at(i, &section)); i++)
        if (!documented(section, key)) {
            print_error("configs/default.ini lacks [%s] %s\n", section, key);
            missing++;
        }
    for (size_t i = 0; (key = tern__cfg_storage_key_at(i, buf, sizeof(buf))); i++) {
        /* rule.N is shown as rule.1 */
        const char *n = strstr(key, "rule.N");
        if (n)
            snprintf(name, sizeof(name), "rule.1%s", n + strlen("rule.N"));
        else
            snprintf(name, sizeof(name), "%s", key);
        if (!documented("storage", name)) {
            print_error("configs/default.ini lacks [storage] %s\n", name);
            missing++;
        }
    }
    assert_int_equal(missing, 0);
}

static void the_defaults_shown_are_the_defaults(void **state)
{
    static struct tern_config shown, builtin;
    char *text = uncomment(false);
    (void)state;

    assert_int_equal(parse(&builtin, tern_config_default_ini), 0);
    if (parse(&shown, text) != 0)
        print_error("%s", err);
    assert_string_equal(err, "");
    free(text);
    /* Same text name, same defaults first: equal byte for byte. */
    assert_string_equal(shown.run_dir, builtin.run_dir);
    assert_string_equal(shown.storage_dir, builtin.storage_dir);
    assert_int_equal(shown.storage_mode, builtin.storage_mode);
    assert_memory_equal(&shown, &builtin, sizeof(shown));
}

static void every_key_shown_parses(void **state)
{
    static struct tern_config c;
    char *text = uncomment(true);
    (void)state;

    if (parse(&c, text) != 0)
        print_error("%s", err);
    assert_string_equal(err, "");
    /* the examples did land: a storage rule with its default options */
    assert_int_equal(c.n_rules, 1);
    assert_int_equal(c.n_allow, 1);
    assert_int_equal(c.n_extra_args, 1);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_parser_key_is_documented),
        cmocka_unit_test(the_defaults_shown_are_the_defaults),
        cmocka_unit_test(every_key_shown_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
