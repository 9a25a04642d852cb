/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus/tern_sock.h"
#include "ctl_harness.h"
#include "dp.tmsg.h"

#define LOG_MAX 512

static struct {
    pthread_mutex_t lock;
    pthread_t thread;
    bool stop;
    int bounce_ms;
    char path[128];
    int listen_fd, conn_fd;
    int fail_status;
    char fail_error[128];
    char log[LOG_MAX][160];
    bool used[LOG_MAX];
    int n;
    uint32_t topics[64];    /* live topic ids, for DpStatsReply */
    int n_topics;
    uint32_t topic_subs;    /* subscriptions it reports on every topic */
} fdp = { .lock = PTHREAD_MUTEX_INITIALIZER, .listen_fd = -1, .conn_fd = -1 };

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&fdp.lock);
    if (fdp.n < LOG_MAX) {
        va_start(ap, fmt);
        vsnprintf(fdp.log[fdp.n], sizeof(fdp.log[0]), fmt, ap);
        va_end(ap);
        fdp.used[fdp.n++] = false;
    }
    pthread_mutex_unlock(&fdp.lock);
}

void fake_dp_topic_subs(uint32_t n)
{
    pthread_mutex_lock(&fdp.lock);
    fdp.topic_subs = n;
    pthread_mutex_unlock(&fdp.lock);
}

void fake_dp_fail_next(int status, const char *error)
{
    pthread_mutex_lock(&fdp.lock);
    fdp.fail_status = status;
    snprintf(fdp.fail_error, sizeof(fdp.fail_error), "%s", error);
    pthread_mutex_unlock(&fdp.lock);
}

void fake_dp_clear(void)
{
    pthread_mutex_lock(&fdp.lock);
    fdp.n = 0;
    pthread_mutex_unlock(&fdp.lock);
}

void fake_dp_bounce(int ms)
{
    pthread_mutex_lock(&fdp.lock);
    fdp.bounce_ms = ms;
    pthread_mutex_unlock(&fdp.lock);
}

bool fake_dp_wait(const char *prefix, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        pthread_mutex_lock(&fdp.lock);
        for (int i = 0; i < fdp.n; i++)
            if (!fdp.used[i] && strncmp(fdp.log[i], prefix, strlen(prefix)) == 0) {
                fdp.used[i] = true;
                pthread_mutex_unlock(&fdp.lock);
                return true;
            }
        pthread_mutex_unlock(&fdp.lock);
        usleep(5000);
    }
    return false;
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
        return -1;
    return fd;
}

static void topic_set(uint32_t id, bool live)
{
    int i;

    pthread_mutex_lock(&fdp.lock);
    for (i = 0; i < fdp.n_topics && fdp.topics[i] != id; i++)
        ;
    if (live && i == fdp.n_topics && fdp.n_topics < 64)
        fdp.topics[fdp.n_topics++] = id;
    else if (!live && i < fdp.n_topics)
        fdp.topics[i] = fdp.topics[--fdp.n_topics];
    pthread_mutex_unlock(&fdp.lock);
}

static void reply(int fd, uint8_t *out, int status, const char *err)
{
    struct DpReply r = { status, tern_str_from_cstr(err) };
    int64_t n = DpReply_encode(&r, out, 4096);
    tern__sock_send(fd, out, (size_t)n, -1);
}

static void serve_one(int fd, const uint8_t *in, size_t len, int passed)
{
    static uint8_t out[65536];
    uint16_t type = 0;
    int status;
    char err[128];

    tern_codec_peek(in, len, &type, NULL);
    pthread_mutex_lock(&fdp.lock);
    status = fdp.fail_status;
    snprintf(err, sizeof(err), "%s", fdp.fail_error);
    if (type != DpHello_TYPE_ID && type != DpStats_TYPE_ID)
        fdp.fail_status = 0;
    pthread_mutex_unlock(&fdp.lock);

    switch (type) {
    case DpHello_TYPE_ID: {
        struct DpHello m = { 0 };
        struct DpHelloReply r = { 0, TERN_STR_LIT(""), TERN_STR_LIT("fakepfx"), 4, 8, 2, 10 };
        DpHello_decode(&m, in, len);
        logf_("DpHello %u", m.proto_version);
        tern__sock_send(fd, out, (size_t)DpHelloReply_encode(&r, out, sizeof(out)), -1);
        return;
    }
    case DpStats_TYPE_ID: {
        struct DpTopicStats ts[64];
        struct DpSubStats ss[1] = { { 0, 7, 3, 2, 1 } };
        struct DpClientStats cs[1] = { { 0, 11, 12 } };
        struct DpStatsReply r = { 0, TERN_STR_LIT(""), 4000, 4095, { 0 }, { 0 }, { 0 } };
        pthread_mutex_lock(&fdp.lock);
        for (int i = 0; i < fdp.n_topics; i++)
            ts[i] = (struct DpTopicStats){ fdp.topics[i], 100 + fdp.topics[i],
                                           200 + fdp.topics[i], 0,
                                           .subscriptions = fdp.topic_subs };
        r.topics.items = ts;
        r.topics.count = (uint32_t)fdp.n_topics;
        pthread_mutex_unlock(&fdp.lock);
        r.subs.items = ss;
        r.subs.count = 1;
        r.clients.items = cs;
        r.clients.count = 1;
        logf_("DpStats");
        tern__sock_send(fd, out, (size_t)DpStatsReply_encode(&r, out, sizeof(out)), -1);
        return;
    }
    case DpClientAttach_TYPE_ID: {
        struct DpClientAttach m = { 0 };
        DpClientAttach_decode(&m, in, len);
        logf_("DpClientAttach %u %u %u %.*s", m.client_id, m.lcore_id, m.pid,
              (int)m.name.len, m.name.ptr);
        break;
    }
    case DpClientGone_TYPE_ID: {
        struct DpClientGone m = { 0 };
        DpClientGone_decode(&m, in, len);
        logf_("DpClientGone %u", m.client_id);
        break;
    }
    case DpTopicCreate_TYPE_ID: {
        struct DpTopicCreate m = { 0 };
        DpTopicCreate_decode(&m, in, len);
        logf_("DpTopicCreate %u %.*s", m.topic_id, (int)m.name.len, m.name.ptr);
        if (!status)
            topic_set(m.topic_id, true);
        break;
    }
    case DpTopicCreateMany_TYPE_ID: {
        /* Logged one by one, as the single requests would be; a failure
         * set with fake_dp_fail_next() refuses the first. */
        struct DpTopicCreateMany m = { 0 };
        struct DpTopicCreate one;
        struct tern_iter it;
        uint32_t done = 0;
        DpTopicCreateMany_decode(&m, in, len);
        it = DpTopicCreate_list_iter(&m.topics);
        while (!status && DpTopicCreate_list_next(&it, &one)) {
            logf_("DpTopicCreate %u %.*s", one.topic_id, (int)one.name.len, one.name.ptr);
            topic_set(one.topic_id, true);
            done++;
        }
        struct DpManyReply r = { status, tern_str_from_cstr(status ? err : ""), done };
        tern__sock_send(fd, out, (size_t)DpManyReply_encode(&r, out, 4096), -1);
        return;
    }
    case DpTopicDelete_TYPE_ID: {
        struct DpTopicDelete m = { 0 };
        DpTopicDelete_decode(&m, in, len);
        logf_("DpTopicDelete %u", m.topic_id);
        if (!status)
            topic_set(m.topic_id, false);
        break;
    }
    case DpPubOpen_TYPE_ID: {
        struct DpPubOpen m = { 0 };
        DpPubOpen_decode(&m, in, len);
        logf_("DpPubOpen %u %u %d", m.topic_id, m.client_id, m.exclusive);
        break;
    }
    case DpPubClose_TYPE_ID: {
        struct DpPubClose m = { 0 };
        DpPubClose_decode(&m, in, len);
        logf_("DpPubClose %u %u", m.topic_id, m.client_id);
        break;
    }
    case DpSubCreate_TYPE_ID: {
        struct DpSubCreate m = { 0 };
        DpSubCreate_decode(&m, in, len);
        logf_("DpSubCreate %u %u %.*s %u %u fd=%d", m.sub_id, m.client_id,
              (int)m.pattern.len, m.pattern.ptr, m.policy, m.depth, passed >= 0);
        break;
    }
    case DpSubDelete_TYPE_ID: {
        struct DpSubDelete m = { 0 };
        DpSubDelete_decode(&m, in, len);
        logf_("DpSubDelete %u", m.sub_id);
        break;
    }
    default:
        logf_("unknown %u", type);
        status = -EPROTO;
        snprintf(err, sizeof(err), "unknown");
    }
    reply(fd, out, status, status ? err : "");
}

static void *fake_dp_main(void *arg)
{
    static uint8_t in[65536];
    (void)arg;

    while (!__atomic_load_n(&fdp.stop, __ATOMIC_ACQUIRE)) {
        struct pollfd p[2] = { { fdp.listen_fd, POLLIN, 0 }, { fdp.conn_fd, POLLIN, 0 } };
        int bounce;

        pthread_mutex_lock(&fdp.lock);
        bounce = fdp.bounce_ms;
        fdp.bounce_ms = 0;
        pthread_mutex_unlock(&fdp.lock);
        if (bounce) {
            close(fdp.conn_fd);
            close(fdp.listen_fd);
            unlink(fdp.path);
            fdp.conn_fd = -1;
            fdp.n_topics = 0;   /* a restarted dataplane is empty */
            usleep((useconds_t)bounce * 1000);
            fdp.listen_fd = listen_on(fdp.path);
            continue;
        }
        if (poll(p, 2, 20) <= 0)
            continue;
        if (p[0].revents & POLLIN) {
            int fd = accept4(fdp.listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                if (fdp.conn_fd >= 0)
                    close(fdp.conn_fd);
                fdp.conn_fd = fd;
            }
        }
        if (p[1].revents) {
            int passed = -1;
            ssize_t n = tern__sock_recv(fdp.conn_fd, in, sizeof(in), &passed);
            if (n <= 0) {
                close(fdp.conn_fd);
                fdp.conn_fd = -1;
                continue;
            }
            serve_one(fdp.conn_fd, in, (size_t)n, passed);
            if (passed >= 0)
                close(passed);
        }
    }
    return NULL;
}

int harness_start(struct harness *h, const char *tern_control, const char *extra_ini)
{
    FILE *f;

    snprintf(h->dir, sizeof(h->dir), "/tmp/tern-ctl-test-XXXXXX");
    if (!mkdtemp(h->dir))
        return -1;
    snprintf(h->ini, sizeof(h->ini), "%s/node.ini", h->dir);
    snprintf(h->ctl_sock, sizeof(h->ctl_sock), "%s/control.sock", h->dir);
    snprintf(h->dp_sock, sizeof(h->dp_sock), "%s/dataplane.sock", h->dir);
    snprintf(h->log, sizeof(h->log), "%s/tern-control.log", h->dir);
    f = fopen(h->ini, "w");
    if (!f)
        return -1;
    fprintf(f, "[node]\nname = t\nrun_dir = %s\n[limits]\nmax_topics = 4\nmax_subs = 8\n"
               "max_clients = 2\n[clients]\nfirst_client_lcore = 10\nclient_timeout_ms = 300\n%s",
            h->dir, extra_ini ? extra_ini : "");
    fclose(f);

    snprintf(fdp.path, sizeof(fdp.path), "%s", h->dp_sock);
    fdp.stop = false;
    fdp.n = 0;
    fdp.n_topics = 0;
    fdp.listen_fd = listen_on(h->dp_sock);
    if (fdp.listen_fd < 0 || pthread_create(&fdp.thread, NULL, fake_dp_main, NULL) != 0)
        return -1;

    snprintf(h->bin, sizeof(h->bin), "%s", tern_control);
    h->ctl_pid = harness_spawn(h);
    return h->ctl_pid > 0 && harness_ready(h) ? 0 : -1;
}

pid_t harness_spawn(const struct harness *h)
{
    return harness_spawn_limited(h, 0);
}

pid_t harness_spawn_limited(const struct harness *h, unsigned nofile)
{
    pid_t pid = fork();

    if (pid == 0) {
        struct rlimit rl = { nofile, nofile };
        int log = open(h->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log >= 0)
            dup2(log, 2);
        if (nofile)
            setrlimit(RLIMIT_NOFILE, &rl);
        execl(h->bin, h->bin, "-c", h->ini, (char *)NULL);
        _exit(127);
    }
    return pid;
}

bool harness_ready(const struct harness *h)
{
    for (int i = 0; i < 500; i++) {
        int fd = tern__sock_connect(h->ctl_sock);
        if (fd >= 0) {
            close(fd);
            return true;
        }
        usleep(10000);
    }
    return false;
}

int harness_stop(struct harness *h)
{
    int status = -1, rc = -1;
    char cmd[160];

    if (h->ctl_pid > 0) {
        kill(h->ctl_pid, SIGTERM);
        if (waitpid(h->ctl_pid, &status, 0) == h->ctl_pid && WIFEXITED(status))
            rc = WEXITSTATUS(status);
        h->ctl_pid = 0;
    }
    __atomic_store_n(&fdp.stop, true, __ATOMIC_RELEASE);
    pthread_join(fdp.thread, NULL);
    close(fdp.conn_fd);
    close(fdp.listen_fd);
    fdp.conn_fd = fdp.listen_fd = -1;
    if (access(h->ctl_sock, F_OK) == 0)
        rc = -2;    /* tern-control must unlink its socket on SIGTERM */
    /* Its log goes to the test's output, for whoever reads a failure. */
    snprintf(cmd, sizeof(cmd), "cat '%s' >&2", h->log);
    if (system(cmd) != 0)
        rc = -3;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
    if (system(cmd) != 0)
        rc = -3;
    return rc;
}

int cl_connect(const struct harness *h)
{
    int fd = tern__sock_connect(h->ctl_sock);
    struct timeval tv = { 3, 0 };

    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

int cl_hello(int fd, uint32_t proto, uint8_t peer, const char *name, const uint16_t *cpus,
             uint32_t ncpus, struct CtlHelloReply *reply, uint8_t *buf, size_t cap)
{
    struct CtlHello m = { proto, peer, (uint32_t)getpid(), tern_str_from_cstr(name),
                          { cpus, ncpus } };
    int64_t n = CtlHello_encode(&m, buf, cap);
    ssize_t got;

    if (n < 0 || tern__sock_send(fd, buf, (size_t)n, -1) < 0)
        return -EIO;
    got = tern__sock_recv(fd, buf, cap, NULL);
    if (got <= 0 || CtlHelloReply_decode(reply, buf, (size_t)got) < 0)
        return -EIO;
    return reply->status;
}

int cl_call(int fd, const void *req, int64_t len, int fd_pass, struct CtlReply *r, char *err,
            size_t errlen)
{
    static uint8_t buf[65536];
    ssize_t got;

    err[0] = '\0';
    if (len < 0 || tern__sock_send(fd, req, (size_t)len, fd_pass) < 0)
        return -1001;
    got = tern__sock_recv(fd, buf, sizeof(buf), NULL);
    if (got <= 0)
        return -1002;
    if (CtlReply_decode(r, buf, (size_t)got) < 0)
        return -1003;
    snprintf(err, errlen, "%.*s", (int)r->error.len, r->error.ptr ? r->error.ptr : "");
    return r->status;
}

bool cl_eof(int fd, int timeout_ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    char b[256];

    if (poll(&p, 1, timeout_ms) <= 0)
        return false;
    return recv(fd, b, sizeof(b), MSG_DONTWAIT) == 0;
}
