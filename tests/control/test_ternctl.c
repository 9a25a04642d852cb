/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ternctl as users and scripts see it: exit codes (0 done, 1 refused or
 * unreachable, 2 usage), messages, and --json output, against a real
 * tern-control on a fake dataplane.
 *
 * argv[1]: tern-control, argv[2]: ternctl.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_harness.h"

static const char *tern_control, *ternctl;
static struct harness H;
static char out[8192], errout[8192];

/* Run bin with argv (NULL-terminated); capture both streams. */
static int run_argv(const char *bin, const char **argv)
{
    int po[2], pe[2], status;
    pid_t pid;

    if (pipe(po) < 0 || pipe(pe) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(bin, (char **)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    /* Outputs are small: read stdout to EOF, then stderr. */
    ssize_t k, got = 0;
    while ((k = read(po[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
        got += k;
    out[got] = '\0';
    got = 0;
    while ((k = read(pe[0], errout + got, sizeof(errout) - 1 - (size_t)got)) > 0)
        got += k;
    errout[got] = '\0';
    close(po[0]);
    close(pe[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static int run(const char *arg, ...)
{
    const char *argv[32] = { ternctl };
    va_list ap;
    int n = 1;

    va_start(ap, arg);
    for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return run_argv(ternctl, argv);
}

static int setup(void **state)
{
    (void)state;
    return harness_start(&H, tern_control, NULL);
}

static int teardown(void **state)
{
    (void)state;
    return harness_stop(&H) == 0 ? 0 : -1;
}

static void hostile_arguments_are_usage_errors(void **state)
{
    char longname[300];
    (void)state;

    memset(longname, 'n', 256);
    longname[256] = '\0';
    assert_int_equal(run(NULL), 2);
    assert_true(strstr(errout, "ternctl: no command\nusage: ternctl") == errout);
    assert_int_equal(run("-s", H.ctl_sock, "topic", NULL), 2);
    assert_true(strstr(errout, "ternctl: topic needs a subcommand: one of create, delete, info, list\n") == errout);
    assert_int_equal(run("-s", H.ctl_sock, "topic", "create", NULL), 2);
    assert_true(strstr(errout, "ternctl: missing NAME\n") == errout);
    assert_int_equal(run("-s", H.ctl_sock, "topic", "create", "a", "b", NULL), 2);
    assert_true(strstr(errout, "ternctl: too many arguments\n") == errout);
    assert_int_equal(run("-s", H.ctl_sock, "stats", "now", NULL), 2);
    assert_int_equal(run("-s", H.ctl_sock, "frobnicate", NULL), 2);
    assert_true(strstr(errout, "ternctl: unknown command 'frobnicate'\n") == errout);
    assert_int_equal(run("-s", H.ctl_sock, "topic", "create", longname, NULL), 2);
    assert_true(strstr(errout, "ternctl: name longer than 255 characters\n") == errout);
    assert_int_equal(run("-s", H.ctl_sock, "--bogus", "stats", NULL), 2);
    assert_int_equal(run("-s", NULL), 2);       /* -s without its argument */
    assert_string_equal(out, "");
    /* --help is not an error */
    assert_int_equal(run("--help", NULL), 0);
}

static void create_duplicate_delete_in_text(void **state)
{
    (void)state;

    assert_int_equal(run("-s", H.ctl_sock, "topic", "create", "md.eq.AAPL", NULL), 0);
    assert_string_equal(out, "created topic 'md.eq.AAPL' (id 0)\n");
    assert_string_equal(errout, "");
    assert_int_equal(run("-s", H.ctl_sock, "topic", "create", "md.eq.AAPL", NULL), 1);
    assert_string_equal(out, "");
    assert_string_equal(errout, "ternctl: topic 'md.eq.AAPL' exists\n");
    assert_int_equal(run("-s", H.ctl_sock, "topic", "create", "md.*", NULL), 1);
    assert_true(strstr(errout, "ternctl: bad topic name 'md.*'") == errout);
    /* options may follow the command; -c finds the socket in the config */
    assert_int_equal(run("topic", "list", "-c", H.ini, NULL), 0);
    assert_string_equal(out,
        "ID    NAME          PUBLISHED    DELIVERED  PUBS  SUBS\n"
        "0     md.eq.AAPL          100          200     0     0\n");
    assert_int_equal(run("-s", H.ctl_sock, "topic", "delete", "md.eq.AAPL", NULL), 0);
    assert_string_equal(out, "deleted topic 'md.eq.AAPL' (it had id 0)\n");
    assert_int_equal(run("-s", H.ctl_sock, "topic", "delete", "md.eq.AAPL", NULL), 1);
    assert_string_equal(errout, "ternctl: unknown topic 'md.eq.AAPL'\n");
}

static void json_output_is_exact(void **state)
{
    (void)state;

    assert_int_equal(run("--json", "-s", H.ctl_sock, "topic", "create", "q.\"x\"", NULL), 1);
    assert_true(strncmp(out, "{\"status\":-22,\"error\":\"bad topic name 'q.\\\"x\\\"'", 46) == 0);
    assert_int_equal(run("--json", "-s", H.ctl_sock, "topic", "create", "j.one", NULL), 0);
    assert_string_equal(out, "{\"status\":0,\"topic\":\"j.one\",\"id\":0}\n");
    assert_int_equal(run("--json", "-s", H.ctl_sock, "topic", "create", "j.one", NULL), 1);
    assert_string_equal(out, "{\"status\":-17,\"error\":\"topic 'j.one' exists\"}\n");
    assert_int_equal(run("--json", "-s", H.ctl_sock, "topic", "list", "j.*", NULL), 0);
    assert_string_equal(out, "{\"status\":0,\"topics\":[{\"id\":0,\"name\":\"j.one\","
                             "\"published\":100,\"delivered\":200,\"publishers\":0,"
                             "\"subscriptions\":0}]}\n");
    assert_int_equal(run("--json", "-s", H.ctl_sock, "sub", "list", NULL), 0);
    assert_string_equal(out, "{\"status\":0,\"subscriptions\":[]}\n");
    assert_int_equal(run("--json", "-s", H.ctl_sock, "stats", NULL), 0);
    assert_string_equal(out, "{\"status\":0,\"pool\":{\"free\":4000,\"size\":4095},"
                             "\"storage_errors\":0,\"topics\":[{\"id\":0,\"name\":\"j.one\",\"published\":100,"
                             "\"delivered\":200,\"publishers\":0,\"subscriptions\":0}],"
                             "\"subscriptions\":[],\"clients\":[]}\n");
    assert_int_equal(run("--json", "-s", H.ctl_sock, "topic", "delete", "j.one", NULL), 0);
    /* The ceilings, from the config here (the fake dataplane reports no sizes). */
    assert_int_equal(run("--json", "-s", H.ctl_sock, "server", "info", NULL), 0);
    assert_true(strncmp(out, "{\"status\":0,\"limits\":{\"max_topics\":", 35) == 0);
    assert_true(strstr(out, "\"hugepage_bytes\":{\"per_topic\":") != NULL);
    assert_int_equal(run("-s", H.ctl_sock, "server", "info", NULL), 0);
    assert_true(strstr(out, "[limits] max_links") != NULL);
}

static void unreachable_daemon_is_exit_1(void **state)
{
    char path[160];
    (void)state;

    snprintf(path, sizeof(path), "%s/nobody.sock", H.dir);
    assert_int_equal(run("-s", path, "stats", NULL), 1);
    assert_true(strstr(errout, "ternctl: cannot connect to tern-control at ") == errout);
    assert_true(strstr(errout, "No such file or directory") != NULL);
    assert_int_equal(run("--json", "-s", path, "stats", NULL), 1);
    assert_true(strncmp(out, "{\"status\":-2,\"error\":\"cannot connect", 36) == 0);
}

static void tern_control_rejects_a_bad_config_with_every_error(void **state)
{
    char path[160];
    const char *argv[] = { tern_control, "-c", path, NULL };
    FILE *f;
    (void)state;

    snprintf(path, sizeof(path), "%s/bad.ini", H.dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("[node]\nname = bad name\n[memory]\nmbufs = 10\n", f);
    fclose(f);
    assert_int_equal(run_argv(tern_control, argv), 1);
    char want[512];
    snprintf(want, sizeof(want),
             "%s:2: [node] name: invalid character ' ' in 'bad name' (allowed: letters, "
             "digits, '_', '-')\n%s:4: [memory] mbufs: out of range: 10 (allowed 64..67108864)\n",
             path, path);
    assert_string_equal(errout, want);
    const char *extra[] = { tern_control, "stray", NULL };
    assert_int_equal(run_argv(tern_control, extra), 2);
    assert_true(strstr(errout, "usage: tern-control") == errout);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_arguments_are_usage_errors),
        cmocka_unit_test(create_duplicate_delete_in_text),
        cmocka_unit_test(json_output_is_exact),
        cmocka_unit_test(unreachable_daemon_is_exit_1),
        cmocka_unit_test(tern_control_rejects_a_bad_config_with_every_error),
    };
    if (argc < 3) {
        fprintf(stderr, "usage: test_ternctl TERN_CONTROL TERNCTL\n");
        return 2;
    }
    tern_control = argv[1];
    ternctl = argv[2];
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, setup, teardown);
}
