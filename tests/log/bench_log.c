/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-log-bench: append throughput of the log against a raw baseline that
 * writes the same bytes, and replay read throughput.  Never pass/fail:
 * figures only (meson benchmark, `--json`).
 *
 * Append runs, per payload size (64 B, 1 KiB) and fsync policy:
 *  - log: tern_log_writer_append() in bursts of 32, tern_log_writer_flush()
 *    after each (the storage lcore's pattern).  Under `always` at most
 *    --window records wait for durability (acknowledgements), and the run
 *    ends when all are durable.
 *  - raw: the very bytes of those bursts (records encoded once) written
 *    with write() per burst; `interval`: a thread runs fdatasync every
 *    interval; `always`: fdatasync after every k bursts, k being the log's
 *    measured records per fdatasync, so both do the same I/O pattern.
 * Ratio = log bytes/s / raw bytes/s of one log/raw pair; pairs alternate
 * which runs first, --repeat times; medians are reported (the ratio's
 * median over pairs resists a machine whose load drifts).
 *
 * Replay: the `never` log of each size read back from the earliest record,
 * cold (segments synced, then posix_fadvise DONTNEED) and warm.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <tern/tern_log.h>

#include "log/log_record.h"

#define BURST 32

static struct {
	double seconds;
	uint64_t max_bytes;
	uint32_t interval_ms;
	uint64_t window;
	int repeat;
	bool json;
	const char *dir;
} opt = {1.0, 256ull << 20, 10, 4096, 1, false, "/var/tmp"};

static const char *const pol_name[] = {"never", "interval", "always"};

struct run {
	double secs;
	uint64_t records, bytes, syncs;
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
msg_init(struct tern_log_msg *m, const uint8_t *payload, uint32_t len)
{
	static const char tags[] = "src=bench\0venue=XNAS";

	memset(m, 0, sizeof(*m));
	m->topic = "bench.md.eq.AAPL";
	m->topic_len = 16;     /* the bus knows it; spares a strlen */
	m->type_id = 100;
	m->type_version = 1;
	m->tags = tags;
	m->tags_len = sizeof(tags);
	m->payload = payload;
	m->payload_len = len;
}

static int
rm1(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st; (void)f; (void)w;
	return remove(p);
}

static void
rmrf(const char *d)
{
	nftw(d, rm1, 16, FTW_DEPTH | FTW_PHYS);
}

static struct tern_log_policy
policy(enum tern_log_fsync f)
{
	return (struct tern_log_policy){.fsync = f, .interval_ms = opt.interval_ms,
		.segment_bytes = 64ull << 20, .rotate_utc_sec = -1};
}

static int
log_run(const char *dir, enum tern_log_fsync f, uint32_t len, struct run *r)
{
	struct tern_log_policy pol = policy(f);
	struct tern_log_writer *w;
	struct tern_log_msg m;
	static uint8_t payload[1024];
	int rc = tern_log_writer_open(dir, "bench", &pol, NULL, &w);

	if (rc < 0)
		return rc;
	msg_init(&m, payload, len);
	double t0 = now_s(), t = t0;
	uint64_t seq = 0, bytes = 0, per = tern__rec_size(&m);
	while (t - t0 < opt.seconds && bytes < opt.max_bytes) {
		for (int b = 0; b < 64; b++) {
			for (int i = 0; i < BURST; i++) {
				m.seq = ++seq;
				m.event_ns = m.send_ns = m.recv_ns = (int64_t)seq;
				if (tern_log_writer_append(w, &m) < 0)
					return -EIO;
			}
			if ((rc = tern_log_writer_flush(w)) < 0)
				return rc;
			while (f == TERN_LOG_FSYNC_ALWAYS &&
			       seq - tern_log_writer_durable(w) > opt.window)
				usleep(20);
		}
		bytes += 64 * BURST * per;
		t = now_s();
	}
	if (f == TERN_LOG_FSYNC_ALWAYS && (rc = tern_log_writer_sync(w)) < 0)
		return rc;
	r->secs = now_s() - t0;
	struct tern_log_writer_stats st;
	tern_log_writer_stats(w, &st);
	r->records = st.records;
	r->bytes = st.bytes;
	r->syncs = st.syncs;
	return tern_log_writer_close(w);
}

struct syncer {
	int fd;
	atomic_bool stop;
	uint64_t syncs;
};

static void *
syncer_main(void *arg)
{
	struct syncer *s = arg;

	while (!atomic_load(&s->stop)) {
		usleep(opt.interval_ms * 1000);
		fdatasync(s->fd);
		s->syncs++;
	}
	return NULL;
}

/* write() the same bursts; fdatasync every @p k bursts (always) or from a
 * thread every interval. */
static int
raw_run(const char *dir, enum tern_log_fsync f, uint32_t len, uint64_t k,
		struct run *r)
{
	static uint8_t payload[1024], buf[BURST * (TERN_LOG_RECORD_HDR + 1024 + 64)];
	struct tern_log_msg m;
	char path[600];
	size_t n = 0;

	msg_init(&m, payload, len);
	for (int i = 0; i < BURST; i++) {
		m.seq = (uint64_t)i + 1;
		n += tern__rec_encode(buf + n, &m, m.seq, 0);
	}
	snprintf(path, sizeof(path), "%s/raw.bin", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0)
		return -errno;
	struct syncer s = {.fd = fd};
	pthread_t th;
	if (f == TERN_LOG_FSYNC_INTERVAL)
		pthread_create(&th, NULL, syncer_main, &s);
	double t0 = now_s(), t = t0;
	uint64_t bursts = 0, syncs = 0;
	while (t - t0 < opt.seconds && bursts * n < opt.max_bytes) {
		for (int b = 0; b < 64; b++) {
			if (write(fd, buf, n) != (ssize_t)n)
				return -EIO;
			if (f == TERN_LOG_FSYNC_ALWAYS && ++bursts % k == 0) {
				fdatasync(fd);
				syncs++;
			} else if (f != TERN_LOG_FSYNC_ALWAYS) {
				bursts++;
			}
		}
		t = now_s();
	}
	if (f == TERN_LOG_FSYNC_ALWAYS && bursts % k != 0) {
		fdatasync(fd);
		syncs++;
	}
	r->secs = now_s() - t0;
	if (f == TERN_LOG_FSYNC_INTERVAL) {
		atomic_store(&s.stop, true);
		pthread_join(th, NULL);
		syncs = s.syncs;
	}
	r->records = bursts * BURST;
	r->bytes = bursts * n;
	r->syncs = syncs;
	close(fd);
	unlink(path);
	return 0;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Read the stream back: records/s. */
static double
replay(const char *dir, bool cold, uint64_t *records)
{
	struct tern_log_reader *r;
	struct tern_log_msg m;
	char seg[1024];

	if (cold) {
		/* the writer closed with a sync: pages are clean, so DONTNEED
		 * really drops them */
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL) {
			snprintf(seg, sizeof(seg), "%s/%s", dir, e->d_name);
			int fd = open(seg, O_RDONLY);
			if (fd >= 0) {
				posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
				close(fd);
			}
		}
		if (d)
			closedir(d);
	}
	if (tern_log_reader_open(dir, "bench", TERN_LOG_START_EARLIEST, 0, NULL, &r) < 0)
		return 0;
	double t0 = now_s();
	uint64_t n = 0, sum = 0;
	int rc;
	while ((rc = tern_log_reader_next(r, &m)) == 0) {
		n++;
		sum += m.seq;      /* touch the record */
	}
	double t = now_s() - t0;
	tern_log_reader_close(r);
	*records = n + (sum == 0);   /* keep sum alive */
	return (double)n / t;
}

static void
usage(void)
{
	fputs("usage: tern-log-bench [--json] [--seconds S] [--max-mb MB]\n"
	      "         [--repeat N] [--interval-ms MS] [--window N] [--dir DIR]\n"
	      "DIR must be on a real disk (default /var/tmp).\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			opt.json = true;
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			opt.seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--max-mb") == 0 && i + 1 < argc)
			opt.max_bytes = strtoull(argv[++i], NULL, 10) << 20;
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			opt.repeat = atoi(argv[++i]);
		else if (strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc)
			opt.interval_ms = (uint32_t)atoi(argv[++i]);
		else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
			opt.window = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			opt.dir = argv[++i];
		else
			usage();
	}
	if (opt.repeat < 1 || opt.repeat > 99 || opt.seconds <= 0)
		usage();
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/tern-log-bench-XXXXXX", opt.dir);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	struct statfs sf;
	bool tmpfs = statfs(dir, &sf) == 0 && sf.f_type == TMPFS_MAGIC;
	if (opt.json)
		printf("{\"dir\":\"%s\",\"tmpfs\":%s,\"seconds\":%g,\"repeat\":%d,"
			"\"burst\":%d,\"interval_ms\":%u,\"window\":%llu,\"append\":[",
			opt.dir, tmpfs ? "true" : "false", opt.seconds, opt.repeat,
			BURST, opt.interval_ms, (unsigned long long)opt.window);
	else
		printf("%-9s %5s %14s %12s %12s %9s %7s\n", "policy", "size",
			"log rec/s", "log MB/s", "raw MB/s", "rec/sync", "ratio");

	static const uint32_t sizes[] = {64, 1024};
	const char *sep = "";
	for (int si = 0; si < 2; si++) {
		for (int f = 0; f < 3; f++) {
			double lb[99], rb[99], lr[99], rps[99], ra[99];
			struct run lrun = {0}, rrun = {0};
			for (int k = 0; k < opt.repeat; k++) {
				rmrf(dir);
				mkdir(dir, 0755);
				/* raw needs the log's batch size: log first, then
				 * raw; from the second repetition raw goes first
				 * every other time with the previous batch size */
				uint64_t per_sync = lrun.syncs ?
					lrun.records / lrun.syncs : BURST;
				uint64_t kb = per_sync / BURST ? per_sync / BURST : 1;
				bool raw_first = k % 2 == 1;
				if ((raw_first && raw_run(dir, (enum tern_log_fsync)f,
						sizes[si], kb, &rrun) < 0) ||
				    log_run(dir, (enum tern_log_fsync)f, sizes[si], &lrun) < 0) {
					fprintf(stderr, "run failed\n");
					return 1;
				}
				per_sync = lrun.syncs ? lrun.records / lrun.syncs : BURST;
				kb = per_sync / BURST ? per_sync / BURST : 1;
				if (!raw_first && raw_run(dir, (enum tern_log_fsync)f,
						sizes[si], kb, &rrun) < 0) {
					fprintf(stderr, "raw run failed\n");
					return 1;
				}
				lb[k] = (double)lrun.bytes / lrun.secs;
				lr[k] = (double)lrun.records / lrun.secs;
				rb[k] = (double)rrun.bytes / rrun.secs;
				rps[k] = (double)per_sync;
				ra[k] = lb[k] / rb[k];
			}
			double mlb = median(lb, opt.repeat), mrb = median(rb, opt.repeat);
			double mlr = median(lr, opt.repeat), mps = median(rps, opt.repeat);
			double mra = median(ra, opt.repeat);
			if (opt.json)
				printf("%s{\"policy\":\"%s\",\"payload\":%u,"
					"\"log_records_per_s\":%.0f,\"log_bytes_per_s\":%.0f,"
					"\"raw_bytes_per_s\":%.0f,\"records_per_sync\":%.0f,"
					"\"ratio\":%.3f}", sep, pol_name[f], sizes[si],
					mlr, mlb, mrb, f ? mps : 0, mra);
			else
				printf("%-9s %5u %14.0f %12.1f %12.1f %9.0f %7.3f\n",
					pol_name[f], sizes[si], mlr, mlb / 1e6,
					mrb / 1e6, f ? mps : 0, mra);
			fflush(stdout);
			sep = ",";
		}
		/* replay what the never run wrote (rerun it to have it) */
		rmrf(dir);
		mkdir(dir, 0755);
		struct run w;
		if (log_run(dir, TERN_LOG_FSYNC_NEVER, sizes[si], &w) < 0)
			return 1;
		uint64_t nc, nw;
		double cold = replay(dir, true, &nc);
		double warm = replay(dir, false, &nw);
		if (opt.json)
			printf("%s{\"replay\":true,\"payload\":%u,\"records\":%llu,"
				"\"cold_records_per_s\":%.0f,\"warm_records_per_s\":%.0f}",
				sep, sizes[si], (unsigned long long)nc, cold, warm);
		else
			printf("replay %5u B: %llu records, cold %.0f rec/s, warm %.0f rec/s\n",
				sizes[si], (unsigned long long)nc, cold, warm);
	}
	if (opt.json)
		printf("]}\n");
	rmrf(dir);
	return 0;
}
