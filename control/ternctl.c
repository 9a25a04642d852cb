/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ternctl: the command line of tern-control.
 *
 *   ternctl [-c NODE.ini | -s SOCKET] [--json] topic create|delete NAME
 *   ternctl ... topic list [PATTERN]
 *   ternctl ... sub list [PATTERN]
 *   ternctl ... stats
 *   ternctl ... server info
 *
 * Each command is one request message, handled in tern-control by the same
 * action function the applications' requests use; ternctl only turns the
 * status into text and an exit code: 0 done, 1 tern-control said no (or
 * cannot be reached), 2 bad usage (nothing was sent).  With --json, stdout
 * holds exactly one JSON value, also on error ({"status":..,"error":..}).
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus/tern_sock.h"
#include "common/tern_config.h"
#include "ctl.h"
#include "ternctl.h"

#define NAME_MAX_LEN 255    /* topic names and patterns (TERN_TOPIC_MAX) */

static bool json;
static uint8_t buf[CTL_MSG_MAX];

/* Bad usage: why on stderr with the usage, and with --json one JSON object
 * on stdout as for every other error (exit 2: nothing was sent). */
static int usage_to(FILE *f, const char *why)
{
    if (why)
        fprintf(stderr, "ternctl: %s\n", why);
    if (why && json) {
        printf("{\"status\":%d,\"error\":", -EINVAL);
        ternctl_json_str(stdout, tern_str_from_cstr(why));
        printf("}\n");
    }
    fprintf(f,
            "usage: ternctl [-c NODE.ini | -s SOCKET] [--json] COMMAND\n"
            "  topic create NAME     create a topic\n"
            "  topic delete NAME     delete a topic (no publisher may hold it)\n"
            "  topic list [PATTERN]  topics with message counts\n"
            "  sub list [PATTERN]    subscriptions with delivered/dropped/queued\n"
            "  stats                 topics, subscriptions and clients\n"
            "  server info           limits, what is used, hugepage bytes per unit\n"
            "  -c FILE    node config naming the control socket (default: built-in)\n"
            "  -s SOCKET  the control socket itself (else $TERN_SOCKET, else the config's)\n"
            "  --json     print JSON on stdout\n"
            "  --version  print the version and exit\n");
    return 2;
}

static int usage(const char *why)
{
    return usage_to(stderr, why);
}

static int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "ternctl: %s\n", msg);
    if (json) {
        printf("{\"status\":%d,\"error\":", status);
        ternctl_json_str(stdout, tern_str_from_cstr(msg));
        printf("}\n");
    }
    return 1;
}

/* Send the request in buf (len bytes, or an encode error), receive the
 * reply into buf.  @return its length, or -errno. */
static ssize_t call(int fd, int64_t len)
{
    ssize_t n;
    int rc;

    if (len < 0)
        return -EINVAL;
    rc = tern__sock_send(fd, buf, (size_t)len, -1);
    if (rc < 0)
        return rc;
    n = tern__sock_recv(fd, buf, sizeof(buf), NULL);
    return n == 0 ? -ECONNRESET : n;
}

static int hello(int fd)
{
    struct CtlHello h = { CTL_PROTO_VERSION, CtlPeer_TOOL, (uint32_t)getpid(),
                          TERN_STR_LIT("ternctl"), { NULL, 0 } };
    struct CtlHelloReply r;
    ssize_t n = call(fd, CtlHello_encode(&h, buf, sizeof(buf)));

    if (n < 0)
        return fail((int)n, "tern-control: %s", strerror((int)-n));
    if (CtlHelloReply_decode(&r, buf, (size_t)n) < 0)
        return fail(-EPROTO, "tern-control: malformed hello reply");
    if (r.status < 0)
        return fail(r.status, "%.*s", (int)r.error.len, r.error.ptr);
    return 0;
}

/* A request answered by CtlReply. */
static int simple(int fd, int64_t len, const char *done_fmt, const char *name)
{
    struct CtlReply r;
    ssize_t n = call(fd, len);

    if (n < 0)
        return fail((int)n, "tern-control: %s", strerror((int)-n));
    if (CtlReply_decode(&r, buf, (size_t)n) < 0)
        return fail(-EPROTO, "tern-control: malformed reply");
    if (r.status < 0)
        return fail(r.status, "%.*s", (int)r.error.len, r.error.ptr);
    if (json) {
        printf("{\"status\":0,\"topic\":");
        ternctl_json_str(stdout, tern_str_from_cstr(name));
        printf(",\"id\":%u}\n", r.id);
    } else {
        printf(done_fmt, name, r.id);
        putchar('\n');
    }
    return 0;
}

/* A page of a listing kept past the next call: the decoded lists view
 * the bytes they came in. */
static uint8_t *keep_page(size_t n)
{
    uint8_t *copy = malloc(n);

    if (copy)
        memcpy(copy, buf, n);
    return copy;
}

static int pages_add(struct ternctl_pages *p)
{
    void *t = realloc(p->topics, (p->n + 1) * sizeof(*p->topics));
    void *s;

    if (!t)
        return -ENOMEM;
    p->topics = t;
    s = realloc(p->subs, (p->n + 1) * sizeof(*p->subs));
    if (!s)
        return -ENOMEM;
    p->subs = s;
    p->topics[p->n] = (struct CtlTopicInfo_list){ 0 };
    p->subs[p->n] = (struct CtlSubInfo_list){ 0 };
    p->n++;
    return 0;
}

/* Most pages a listing may take (65536 topics of 255 bytes take ~200). */
#define PAGES_MAX 4096

static int list(int fd, bool topics, const char *pattern)
{
    struct tern_str p = tern_str_from_cstr(pattern ? pattern : "");
    struct ternctl_pages pages = { 0 };
    struct CtlTopicListReply tr = { .more = true };
    struct CtlSubListReply sr = { .more = true };
    uint32_t from = 0;
    ssize_t n;

    while (topics ? tr.more : sr.more) {
        struct CtlTopicList tl = { p, from };
        struct CtlSubList sl = { p, from };
        uint8_t *page;

        n = call(fd, topics ? CtlTopicList_encode(&tl, buf, sizeof(buf))
                            : CtlSubList_encode(&sl, buf, sizeof(buf)));
        if (n < 0)
            return fail((int)n, "tern-control: %s", strerror((int)-n));
        if (topics ? CtlTopicListReply_decode(&tr, buf, (size_t)n) < 0
                   : CtlSubListReply_decode(&sr, buf, (size_t)n) < 0)
            return fail(-EPROTO, "tern-control: malformed reply");
        if ((topics ? tr.status : sr.status) < 0)
            return topics ? fail(tr.status, "%.*s", (int)tr.error.len, tr.error.ptr)
                          : fail(sr.status, "%.*s", (int)sr.error.len, sr.error.ptr);
        if (pages.n == PAGES_MAX || !(page = keep_page((size_t)n)) || pages_add(&pages) < 0)
            return fail(-ENOMEM, "listing too long (more than %d pages)", PAGES_MAX);
        /* Decode again from the kept copy: the views must outlive buf. */
        if (topics) {
            CtlTopicListReply_decode(&tr, page, (size_t)n);
            pages.topics[pages.n - 1] = tr.topics;
        } else {
            CtlSubListReply_decode(&sr, page, (size_t)n);
            pages.subs[pages.n - 1] = sr.subs;
        }
        uint32_t next = topics ? tr.next : sr.next;
        if (next <= from && (topics ? tr.more : sr.more))
            return fail(-EPROTO, "tern-control: a page that does not move on (from %u)", from);
        from = next;
    }
    if (json)
        printf("{\"status\":0,\"%s\":", topics ? "topics" : "subscriptions");
    if (topics)
        ternctl_print_topics(stdout, &pages, json);
    else
        ternctl_print_subs(stdout, &pages, json);
    if (json)
        printf("}\n");
    return 0;
}

static int stats(int fd)
{
    struct ternctl_pages pages = { 0 };
    struct CtlStatsReply r = { .more = true }, first = { 0 };
    uint32_t tf = 0, sf = 0;

    while (r.more) {
        struct CtlStats m = { 0, tf, sf };
        ssize_t n = call(fd, CtlStats_encode(&m, buf, sizeof(buf)));
        uint8_t *page;

        if (n < 0)
            return fail((int)n, "tern-control: %s", strerror((int)-n));
        if (CtlStatsReply_decode(&r, buf, (size_t)n) < 0)
            return fail(-EPROTO, "tern-control: malformed reply");
        if (r.status < 0)
            return fail(r.status, "%.*s", (int)r.error.len, r.error.ptr);
        if (pages.n == PAGES_MAX || !(page = keep_page((size_t)n)) || pages_add(&pages) < 0)
            return fail(-ENOMEM, "stats too long (more than %d pages)", PAGES_MAX);
        CtlStatsReply_decode(&r, page, (size_t)n);
        pages.topics[pages.n - 1] = r.topics;
        pages.subs[pages.n - 1] = r.subs;
        if (pages.n == 1)
            first = r;
        if (r.more && r.topic_next <= tf && r.sub_next <= sf)
            return fail(-EPROTO, "tern-control: a page that does not move on");
        tf = r.topic_next;
        sf = r.sub_next;
    }
    ternctl_print_stats(stdout, &first, &pages, json);
    return 0;
}

static int server_info(int fd)
{
    struct CtlServerInfo m = { 0 };
    struct CtlServerInfoReply r;
    ssize_t n = call(fd, CtlServerInfo_encode(&m, buf, sizeof(buf)));

    if (n < 0)
        return fail((int)n, "tern-control: %s", strerror((int)-n));
    if (CtlServerInfoReply_decode(&r, buf, (size_t)n) < 0)
        return fail(-EPROTO, "tern-control: malformed reply");
    if (r.status < 0)
        return fail(r.status, "%.*s", (int)r.error.len, r.error.ptr);
    ternctl_print_info(stdout, &r, json);
    return 0;
}

enum cmd { CMD_TOPIC_CREATE, CMD_TOPIC_DELETE, CMD_TOPIC_LIST, CMD_SUB_LIST, CMD_STATS,
           CMD_SERVER_INFO };

/* Parse the words after the options.  @return the command, or -1 after
 * printing why (usage). */
static int parse_cmd(int argc, char **argv, const char **arg)
{
    const char *a = argc > 0 ? argv[0] : NULL, *b = argc > 1 ? argv[1] : NULL;
    int cmd = -1, need = 0, opt_arg = 0;

    *arg = NULL;
    if (!a) {
        usage("no command");
        return -1;
    }
    if (!strcmp(a, "topic") && b && !strcmp(b, "create"))
        cmd = CMD_TOPIC_CREATE, need = 1;
    else if (!strcmp(a, "topic") && b && !strcmp(b, "delete"))
        cmd = CMD_TOPIC_DELETE, need = 1;
    else if (!strcmp(a, "topic") && b && !strcmp(b, "list"))
        cmd = CMD_TOPIC_LIST, opt_arg = 1;
    else if (!strcmp(a, "sub") && b && !strcmp(b, "list"))
        cmd = CMD_SUB_LIST, opt_arg = 1;
    else if (!strcmp(a, "stats"))
        cmd = CMD_STATS;
    else if (!strcmp(a, "server") && b && !strcmp(b, "info"))
        cmd = CMD_SERVER_INFO;
    if (cmd < 0) {
        static const struct { const char *word, *subs; } groups[] = {
            { "topic", "create, delete, list" }, { "sub", "list" }, { "server", "info" },
        };
        char why[160];

        snprintf(why, sizeof(why), "unknown command '%.40s%s%.40s'", a, b ? " " : "",
                 b ? b : "");
        for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
            if (!strcmp(a, groups[i].word))
                snprintf(why, sizeof(why), "%s %s%.40s%s: one of %s", a, b ? "'" : "",
                         b ? b : "needs a subcommand", b ? "' is not a subcommand" : "",
                         groups[i].subs);
        usage(why);
        return -1;
    }
    int words = cmd == CMD_STATS ? 1 : 2;
    if (argc - words < need) {
        usage("missing NAME");
        return -1;
    }
    if (argc - words > need + opt_arg) {
        usage("too many arguments");
        return -1;
    }
    *arg = argc > words ? argv[words] : NULL;
    if (*arg && strlen(*arg) > NAME_MAX_LEN) {
        char why[96];
        snprintf(why, sizeof(why), "name longer than %d characters", NAME_MAX_LEN);
        usage(why);
        return -1;
    }
    return cmd;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    static struct tern_config cfg;
    static char err[4096];
    const char *cfg_path = NULL, *sock = NULL, *arg;
    int opt, cmd, fd, rc;

    /* --json first, wherever it is: a usage error then answers in JSON too. */
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        json = json || !strcmp(argv[i], "--json") || !strcmp(argv[i], "-j");
    /* GNU getopt permutes: options may come anywhere ("topic list --json"). */
    while ((opt = getopt_long(argc, argv, "c:s:jh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            cfg_path = optarg;
            break;
        case 's':
            sock = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            usage_to(stdout, NULL);
            return 0;
        case 'V':
            printf("ternctl %s\n", TERN_VERSION);
            return 0;
        default:
            return usage("bad option");
        }
    }
    if (cfg_path && sock)
        return usage("give -c NODE.ini or -s SOCKET, not both");
    cmd = parse_cmd(argc - optind, argv + optind, &arg);
    if (cmd < 0)
        return 2;

    if (!sock && !cfg_path)
        sock = getenv("TERN_SOCKET");
    if (!sock) {
        if (tern_config_load(&cfg, cfg_path, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s", err);
            return fail(-EINVAL, "bad config %s", cfg_path ? cfg_path : "(built-in)");
        }
        sock = cfg.control_socket;
    }
    fd = tern__sock_connect(sock);
    if (fd < 0)
        return fail(fd, "cannot connect to tern-control at %s: %s", sock, strerror(-fd));
    ctl_sock_timeout(fd, 5000);
    rc = hello(fd);
    if (rc == 0) {
        struct CtlTopicCreate tc = { tern_str_from_cstr(arg ? arg : "") };
        struct CtlTopicDelete td = { tern_str_from_cstr(arg ? arg : "") };
        switch (cmd) {
        case CMD_TOPIC_CREATE:
            rc = simple(fd, CtlTopicCreate_encode(&tc, buf, sizeof(buf)),
                        "created topic '%s' (id %u)", arg);
            break;
        case CMD_TOPIC_DELETE:
            rc = simple(fd, CtlTopicDelete_encode(&td, buf, sizeof(buf)),
                        "deleted topic '%s' (it had id %u)", arg);
            break;
        case CMD_TOPIC_LIST:
            rc = list(fd, true, arg);
            break;
        case CMD_SUB_LIST:
            rc = list(fd, false, arg);
            break;
        case CMD_SERVER_INFO:
            rc = server_info(fd);
            break;
        default:
            rc = stats(fd);
            break;
        }
    }
    close(fd);
    return rc;
}
