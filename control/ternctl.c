/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ternctl: the command line of tern-control.
 *
 *   ternctl [-c NODE.ini | -s SOCKET] [--json] topic create|delete NAME
 *   ternctl ... topic list [PATTERN]
 *   ternctl ... sub list [PATTERN]
 *   ternctl ... topic info NAME
 *   ternctl ... client list
 *   ternctl ... stats [--watch [--interval S] [--count N]]
 *   ternctl ... server info
 *   ternctl ... health
 *   ternctl -c NODE.ini link stats | node list   (the dataplane's telemetry)
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
#include <time.h>
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
            "  topic info NAME       one topic, and the subscriptions that receive it\n"
            "  sub list [PATTERN]    (a topic name also lists the patterns receiving it)\n"
            "  client list           attached applications\n"
            "  stats [--watch [--interval S] [--count N]]\n"
            "                        topics, subscriptions and clients; --watch: rates\n"
            "  health                exit 0 when tern-control and tern-dataplane answer\n"
            "  server info           limits, what is used, hugepage bytes per unit\n"
            "  link stats            node links: frames, bytes, NAKs, retransmits, gaps (-c)\n"
            "  node list             the peer nodes and whether their links are up (-c)\n"
            "  link fault PORT [loss=R] [dup=R] [reorder=R] [delay_us=N]\n"
            "                        a port's fault injection now, or set (R: 5%%, 250ppm; -c)\n"
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

int ternctl_usage_error(const char *why)
{
    return usage(why);
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

/* Append a page slot holding page (a keep_page() copy, now p's to free). */
static int pages_add(struct ternctl_pages *p, uint8_t *page)
{
    void *t = realloc(p->topics, (p->n + 1) * sizeof(*p->topics));
    void *s = t ? realloc(p->subs, (p->n + 1) * sizeof(*p->subs)) : NULL;
    void *b = s ? realloc(p->bufs, (p->n + 1) * sizeof(*p->bufs)) : NULL;

    if (t)
        p->topics = t;
    if (s)
        p->subs = s;
    if (!b) {
        free(page);
        return -ENOMEM;
    }
    p->bufs = b;
    p->bufs[p->n] = page;
    p->topics[p->n] = (struct CtlTopicInfo_list){ 0 };
    p->subs[p->n] = (struct CtlSubInfo_list){ 0 };
    p->n++;
    return 0;
}

static void pages_free(struct ternctl_pages *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->bufs[i]);
    free(p->bufs);
    free(p->topics);
    free(p->subs);
    *p = (struct ternctl_pages){ 0 };
}

/* Most pages a listing may take (65536 topics of 255 bytes take ~200). */
#define PAGES_MAX 4096

/* Fetch every page of a topic or subscription listing into pages (a
 * topic listing fills pages.topics, a sub listing pages.subs, one page
 * slot each: both kinds may share one pages).  @return 0 or fail()'s. */
static int list_pages(int fd, bool topics, const char *pattern, struct ternctl_pages *pages)
{
    struct tern_str p = tern_str_from_cstr(pattern ? pattern : "");
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
        if (pages->n == PAGES_MAX || !(page = keep_page((size_t)n)) || pages_add(pages, page) < 0)
            return fail(-ENOMEM, "listing too long (more than %d pages)", PAGES_MAX);
        /* Decode again from the kept copy: the views must outlive buf. */
        if (topics) {
            CtlTopicListReply_decode(&tr, page, (size_t)n);
            pages->topics[pages->n - 1] = tr.topics;
        } else {
            CtlSubListReply_decode(&sr, page, (size_t)n);
            pages->subs[pages->n - 1] = sr.subs;
        }
        uint32_t next = topics ? tr.next : sr.next;
        if (next <= from && (topics ? tr.more : sr.more))
            return fail(-EPROTO, "tern-control: a page that does not move on (from %u)", from);
        from = next;
    }
    return 0;
}

static int list(int fd, bool topics, const char *pattern)
{
    struct ternctl_pages pages = { 0 };
    int rc = list_pages(fd, topics, pattern, &pages);

    if (rc == 0) {
        if (json)
            printf("{\"status\":0,\"%s\":", topics ? "topics" : "subscriptions");
        if (topics)
            ternctl_print_topics(stdout, &pages, json);
        else
            ternctl_print_subs(stdout, &pages, json);
        if (json)
            printf("}\n");
    }
    pages_free(&pages);
    return rc;
}

/* Every page of the node's stats; first: the first page (pool, clients).
 * @return 0, or what fail() returned. */
static int fetch_stats(int fd, struct CtlStatsReply *first_out, struct ternctl_pages *pages)
{
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
        if (pages->n == PAGES_MAX || !(page = keep_page((size_t)n)) || pages_add(pages, page) < 0)
            return fail(-ENOMEM, "stats too long (more than %d pages)", PAGES_MAX);
        CtlStatsReply_decode(&r, page, (size_t)n);
        pages->topics[pages->n - 1] = r.topics;
        pages->subs[pages->n - 1] = r.subs;
        if (pages->n == 1)
            first = r;
        if (r.more && r.topic_next <= tf && r.sub_next <= sf)
            return fail(-EPROTO, "tern-control: a page that does not move on");
        tf = r.topic_next;
        sf = r.sub_next;
    }
    *first_out = first;
    return 0;
}

/* The commands shown from one stats snapshot. */
typedef int show_fn(int fd, const struct CtlStatsReply *first, const struct ternctl_pages *p,
                    const char *arg);

static int with_stats(int fd, show_fn *show, const char *arg)
{
    struct ternctl_pages pages = { 0 };
    struct CtlStatsReply first;
    int rc = fetch_stats(fd, &first, &pages);

    if (rc == 0)
        rc = show(fd, &first, &pages, arg);
    pages_free(&pages);
    return rc;
}

static int show_stats(int fd, const struct CtlStatsReply *first, const struct ternctl_pages *p,
                      const char *arg)
{
    (void)fd, (void)arg;
    ternctl_print_stats(stdout, first, p, json);
    return 0;
}

static int show_clients(int fd, const struct CtlStatsReply *first,
                        const struct ternctl_pages *p, const char *arg)
{
    (void)fd, (void)p, (void)arg;
    if (json)
        printf("{\"status\":0,\"clients\":");
    ternctl_print_clients(stdout, &first->clients, json);
    if (json)
        printf("}\n");
    return 0;
}

/* The one topic, and the subscriptions (patterns included) that receive it:
 * a topic listing filtered by the name, then tern-control's sub filter,
 * which lists the patterns that receive a name. */
static int topic_info(int fd, const char *name)
{
    struct ternctl_pages one = { 0 };
    struct CtlTopicInfo t;
    bool found = false;
    int rc = list_pages(fd, true, name, &one);

    for (size_t k = 0; rc == 0 && k < one.n && !found; k++) {
        struct tern_iter it = CtlTopicInfo_list_iter(&one.topics[k]);
        while (!found && CtlTopicInfo_list_next(&it, &t))
            found = t.name.len == strlen(name) && !memcmp(t.name.ptr, name, t.name.len);
    }
    if (rc == 0 && !found)
        rc = fail(-ENOENT, "no topic '%s'", name);
    if (rc == 0)
        rc = list_pages(fd, false, name, &one);
    if (rc == 0 && json) {
        printf("{\"status\":0,\"topic\":");
        ternctl_print_topics(stdout, &one, true);
        printf(",\"subscriptions\":");
        ternctl_print_subs(stdout, &one, true);
        printf("}\n");
    } else if (rc == 0) {
        ternctl_print_topics(stdout, &one, false);
        printf("\nsubscriptions receiving it:\n");
        ternctl_print_subs(stdout, &one, false);
    }
    pages_free(&one);
    return rc;
}

/* tern-control and tern-dataplane both answer: the stats need both. */
static int show_health(int fd, const struct CtlStatsReply *first, const struct ternctl_pages *p,
                       const char *arg)
{
    (void)fd, (void)p, (void)arg;
    if (json)
        printf("{\"status\":0,\"healthy\":true,\"pool\":{\"free\":%llu,\"size\":%llu}}\n",
               (unsigned long long)first->pool_free, (unsigned long long)first->pool_size);
    else
        printf("ok: tern-control and tern-dataplane answer; pool %llu of %llu free\n",
               (unsigned long long)first->pool_free, (unsigned long long)first->pool_size);
    return 0;
}

/* stats --watch: every interval, the rates since the last sample (per topic
 * published and delivered per second, drops per second over all
 * subscriptions), `count` times (0: until interrupted).  One line of text,
 * or one JSON object (NDJSON), per topic and sample. */
static int stats_watch(int fd, double interval, long count)
{
    uint64_t *pub = NULL, *del = NULL, drops = 0;
    uint32_t max_id = 0;
    double t0 = 0;

    for (long i = 0; count == 0 || i <= count; i++) {
        struct ternctl_pages pages = { 0 };
        struct CtlStatsReply first;
        struct timespec ts;
        double now, dt;
        uint64_t d = 0;
        int rc = fetch_stats(fd, &first, &pages);

        if (rc != 0) {
            pages_free(&pages);
            free(pub);
            free(del);
            return rc;
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
        dt = now - t0;
        for (size_t k = 0; k < pages.n; k++) {
            struct tern_iter it = CtlSubInfo_list_iter(&pages.subs[k]);
            struct CtlSubInfo su;
            while (CtlSubInfo_list_next(&it, &su))
                d += su.dropped;
        }
        if (i > 0 && !json)
            printf("-- %.1f s: pool %llu/%llu free, %.0f drops/s\n", dt,
                   (unsigned long long)first.pool_free, (unsigned long long)first.pool_size,
                   (double)(d - drops) / dt);
        for (size_t k = 0; k < pages.n; k++) {
            struct tern_iter it = CtlTopicInfo_list_iter(&pages.topics[k]);
            struct CtlTopicInfo t;
            while (CtlTopicInfo_list_next(&it, &t)) {
                if (t.topic_id >= max_id) {
                    uint32_t n = t.topic_id + 1024;
                    uint64_t *p2 = realloc(pub, n * sizeof(*pub)), *d2;
                    if (p2)
                        pub = p2;
                    d2 = p2 ? realloc(del, n * sizeof(*del)) : NULL;
                    if (!d2) {
                        pages_free(&pages);
                        free(pub);
                        return fail(-ENOMEM, "out of memory");
                    }
                    del = d2;
                    memset(pub + max_id, 0, (n - max_id) * sizeof(*pub));
                    memset(del + max_id, 0, (n - max_id) * sizeof(*del));
                    max_id = n;
                }
                if (i > 0) {
                    double pr = (double)(t.published - pub[t.topic_id]) / dt;
                    double dr = (double)(t.delivered - del[t.topic_id]) / dt;
                    if (json) {
                        printf("{\"t\":%.3f,\"topic\":", dt);
                        ternctl_json_str(stdout, t.name);
                        printf(",\"published_per_s\":%.1f,\"delivered_per_s\":%.1f,"
                               "\"published\":%llu,\"delivered\":%llu}\n", pr, dr,
                               (unsigned long long)t.published,
                               (unsigned long long)t.delivered);
                    } else {
                        printf("  %-40.*s %12.0f pub/s %12.0f deliv/s\n", (int)t.name.len,
                               t.name.ptr, pr, dr);
                    }
                }
                pub[t.topic_id] = t.published;
                del[t.topic_id] = t.delivered;
            }
        }
        fflush(stdout);
        pages_free(&pages);
        drops = d;
        t0 = now;
        if (count == 0 || i < count)
            usleep((useconds_t)(interval * 1e6));
    }
    free(pub);
    free(del);
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
           CMD_SERVER_INFO, CMD_TOPIC_INFO, CMD_CLIENT_LIST, CMD_HEALTH,
           CMD_LINK_STATS, CMD_NODE_LIST, CMD_LINK_FAULT };

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
    else if (!strcmp(a, "topic") && b && !strcmp(b, "info"))
        cmd = CMD_TOPIC_INFO, need = 1;
    else if (!strcmp(a, "client") && b && !strcmp(b, "list"))
        cmd = CMD_CLIENT_LIST;
    else if (!strcmp(a, "health"))
        cmd = CMD_HEALTH;
    else if (!strcmp(a, "link") && b && !strcmp(b, "stats"))
        cmd = CMD_LINK_STATS;
    else if (!strcmp(a, "link") && b && !strcmp(b, "fault"))
        cmd = CMD_LINK_FAULT, need = 1, opt_arg = 4;
    else if (!strcmp(a, "node") && b && !strcmp(b, "list"))
        cmd = CMD_NODE_LIST;
    if (cmd < 0) {
        static const struct { const char *word, *subs; } groups[] = {
            { "topic", "create, delete, info, list" }, { "sub", "list" }, { "server", "info" },
            { "client", "list" }, { "link", "stats, fault" }, { "node", "list" },
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
    int words = cmd == CMD_STATS || cmd == CMD_HEALTH ? 1 : 2;
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
        { "watch", no_argument, NULL, 'w' },
        { "interval", required_argument, NULL, 'i' },
        { "count", required_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 },
    };
    bool watch = false;
    double interval = 1.0;
    long count = 0;
    char *end;
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
        case 'w':
            watch = true;
            break;
        case 'i':
            interval = strtod(optarg, &end);
            if (*end || !(interval >= 0.01 && interval <= 3600))
                return usage("--interval: seconds, 0.01 to 3600");
            break;
        case 'n':
            count = strtol(optarg, &end, 10);
            if (*end || count < 1 || count > 1000000)
                return usage("--count: 1 to 1000000");
            break;
        default:
            return usage("bad option");
        }
    }
    if (cfg_path && sock)
        return usage("give -c NODE.ini or -s SOCKET, not both");
    cmd = parse_cmd(argc - optind, argv + optind, &arg);
    if (cmd < 0)
        return 2;
    if (watch && cmd != CMD_STATS)
        return usage("--watch goes with stats");

    if (cmd == CMD_LINK_STATS || cmd == CMD_NODE_LIST || cmd == CMD_LINK_FAULT) {
        /* From the dataplane's telemetry: the config names its file prefix. */
        if (sock)
            return usage("link stats / fault and node list reach the dataplane: give -c "
                         "NODE.ini");
        if (tern_config_load(&cfg, cfg_path, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s", err);
            return fail(-EINVAL, "bad config %s", cfg_path ? cfg_path : "(built-in)");
        }
        if (cmd == CMD_LINK_FAULT)
            return ternctl_link_fault(&cfg, arg, argv + optind + 3, argc - optind - 3, json);
        return ternctl_links(&cfg, json, cmd == CMD_NODE_LIST);
    }
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
        case CMD_TOPIC_INFO:
            rc = topic_info(fd, arg);
            break;
        case CMD_CLIENT_LIST:
            rc = with_stats(fd, show_clients, NULL);
            break;
        case CMD_HEALTH:
            rc = with_stats(fd, show_health, NULL);
            break;
        case CMD_STATS:
            rc = watch ? stats_watch(fd, interval, count) : with_stats(fd, show_stats, NULL);
            break;
        default:
            rc = 2;
            break;
        }
    }
    close(fd);
    return rc;
}
