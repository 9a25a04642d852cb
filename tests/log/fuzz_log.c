/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: the log's readers, its recovery (writer open) and
 * tern_log_last_seq() on crafted streams.
 *
 * Random bytes almost never pass a segment header's or a record's CRC, so
 * they would only exercise the first check.  The input is instead a
 * program that builds *structurally valid* files: segment headers, records
 * and seals with correct CRCs, whose contents (lsns, seqs, lengths, the
 * file a seal names, index entries) come from the input, mixed with a few
 * deliberate faults (a bad CRC, garbage, a cut record, a bad header).
 *
 * What must hold, whatever the files:
 *  - every loop over the data ends: a reader reaches -EAGAIN within a
 *    number of calls bounded by the bytes on disk (abort() otherwise, and
 *    libFuzzer's -timeout catches a loop inside one call);
 *  - a reader returns records in increasing lsn order;
 *  - when recovery opens the stream, what is appended afterwards is read
 *    back by a reader from the start.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/log_cursor.h"
#include "log/log_record.h"
#include "log/log_segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSEG_MAX 4
#define SEG_MAX  8192

static char dir[64];

/* abort() with the reason: a finding, not a crash of the harness */
#define MUST(cond, what) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_log: %s\n", what); \
			abort(); \
		} \
	} while (0)

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t
take(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

struct seg {
	uint8_t b[SEG_MAX];
	size_t len;
	uint64_t first_lsn;
	char name[TERN__NAME_MAX];
	struct tern__idx_entry idx[16];
	unsigned nidx;
};

static struct seg segs[NSEG_MAX];
static uint64_t lsn_top;        /* past every lsn written so far */

static void
add_record(struct seg *s, struct in *in, uint64_t *lsn, uint64_t *seq)
{
	static const char *const topics[] = {"t", "u", "t.long.topic"};
	uint8_t payload[64];
	uint8_t op = take(in);
	struct tern_log_msg m = {
		.topic = topics[op % 3],
		.payload = payload,
		.payload_len = take(in) % sizeof(payload),
		.recv_ns = (int64_t)*seq * 10,
	};

	m.topic_len = (uint16_t)strlen(m.topic);
	for (uint32_t i = 0; i < m.payload_len; i++)
		payload[i] = take(in);
	/* mostly the next lsn and seq; sometimes out of order */
	uint8_t d = take(in);
	uint64_t l = d < 200 ? *lsn : d < 230 ? *lsn + (d & 7) :
		*lsn > (d & 3) ? *lsn - (d & 3) : 1;
	m.seq = (op & 0x80) ? *seq - (op & 3) : *seq;
	if (s->len + tern__rec_size(&m) > SEG_MAX)
		return;
	if (s->nidx < 16 && (take(in) & 3) == 0)
		tern__idx_entry_init(&s->idx[s->nidx++], l, m.seq, m.recv_ns,
				s->len);
	s->len += tern__rec_encode(s->b + s->len, &m, l, 0);
	*lsn = l + 1;
	if (l >= lsn_top)
		lsn_top = l + 1;
	*seq = m.seq + 1;
}

static void
add_seal(struct seg *s, struct in *in, unsigned i, uint64_t lsn)
{
	uint8_t to = take(in);
	const char *name = to % 4 == 0 ? s->name :            /* itself */
		to % 4 == 1 ? "f-20231114T221320.000000000Z-00000000000000000099.tlog" :
		segs[(i + 1 + to / 4) % NSEG_MAX].name;         /* the next, or any */
	uint64_t l = to & 0x10 ? s->first_lsn : to & 0x20 ? segs[(i + 1) % NSEG_MAX].first_lsn :
		lsn;

	if (s->len + TERN__SEAL_LEN <= SEG_MAX)
		s->len += tern__rec_encode_seal(s->b + s->len, l, name);
}

/* Build segment @p i from the input: a header, then records, seals and
 * faults. */
static void
build(unsigned i, struct in *in, uint64_t *lsn, uint64_t *seq)
{
	struct seg *s = &segs[i];
	struct tern__seg_hdr h;
	uint8_t ops = take(in) % 32;

	s->len = 0;
	s->nidx = 0;
	s->first_lsn = *lsn;
	tern__seg_hdr_init(&h, s->first_lsn, INT64_C(1700000000000000000) + i);
	memcpy(s->b, &h, sizeof(h));
	s->len = sizeof(h);
	for (uint8_t k = 0; k < ops && in->n > 0; k++) {
		uint8_t op = take(in);
		switch (op % 8) {
		case 0: case 1: case 2: case 3:
			add_record(s, in, lsn, seq);
			break;
		case 4:
			add_seal(s, in, i, *lsn);
			break;
		case 5:                 /* a flipped bit anywhere */
			if (s->len > 0) {
				size_t at = (size_t)take(in) << 8 | take(in);
				s->b[at % s->len] ^= (uint8_t)(1u << (op >> 5));
			}
			break;
		case 6:                 /* a cut at the end */
			s->len -= s->len > TERN__SEG_HDR ? take(in) % 80 % (s->len - TERN__SEG_HDR + 1) : 0;
			break;
		default:                /* garbage, 8-byte aligned or not */
			for (uint8_t g = take(in) % 40; g > 0 && s->len < SEG_MAX; g--)
				s->b[s->len++] = take(in);
			break;
		}
	}
}

static void
write_file(const char *name, const void *b, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, b, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void
write_index(const struct seg *s)
{
	uint8_t b[TERN__IDX_HDR + sizeof(s->idx)];
	struct tern__idx_hdr h;
	char name[TERN__NAME_MAX];

	tern__idx_hdr_init(&h, s->first_lsn);
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), s->idx, s->nidx * sizeof(s->idx[0]));
	tern__seg_idx_name(name, s->name);
	write_file(name, b, sizeof(h) + s->nidx * sizeof(s->idx[0]));
}

static void
clear_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

static void
remove_dir(void)
{
	clear_dir();
	rmdir(dir);
}

/* Read the whole stream; abort when it does not end within @p bound calls
 * or goes backwards.  @return the last seq returned (0: none). */
static uint64_t
read_all(enum tern_log_start mode, uint64_t value, size_t bound)
{
	struct tern_log_reader *r;
	struct tern_log_msg m;
	uint64_t last_lsn = 0, last_seq = 0;
	int rc;

	if (tern_log_reader_open(dir, "f", mode, value, NULL, &r) < 0)
		return 0;
	for (size_t calls = 0; (rc = tern_log_reader_next(r, &m)) != -EAGAIN; calls++) {
		MUST(calls <= bound, "a reader makes no progress");
		if (rc == -EBADMSG || rc == -ENODATA)
			continue;
		if (rc < 0)
			break;
		MUST(last_lsn == 0 || m.lsn > last_lsn, "a reader went back in lsn");
		last_lsn = m.lsn;
		last_seq = m.seq;
	}
	tern_log_reader_close(r);
	return last_seq;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	uint64_t lsn = 1 + take(&in) % 4, seq = 1;
	unsigned nseg = 1 + take(&in) % NSEG_MAX;
	uint8_t faults = take(&in);
	size_t bytes = 0;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/tern-fuzz-log-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(remove_dir);
	}
	clear_dir();
	memset(segs, 0, sizeof(segs));  /* a seal may name any of them */
	lsn_top = lsn;
	for (unsigned i = 0; i < nseg; i++) {
		segs[i].first_lsn = lsn;
		tern__seg_name(segs[i].name, sizeof(segs[i].name), "f",
				INT64_C(1700000000000000000) + i * 1000, lsn, ".tlog");
		build(i, &in, &lsn, &seq);
		if (i + 1 < nseg && !(faults & (1u << i)))
			add_seal(&segs[i], &(struct in){(const uint8_t *)"\x02", 1}, i, lsn);
		/* the writer starts each segment past every lsn before it
		 * (inside one, records may go back: damage); sometimes there is
		 * a gap */
		if (lsn_top <= segs[i].first_lsn)
			lsn_top = segs[i].first_lsn + 1;
		lsn = lsn_top + (faults >> 6);
	}
	for (unsigned i = 0; i < nseg; i++) {
		if (faults & (0x10u << (i & 1)) && i == nseg - 1 - (faults >> 7))
			memset(segs[i].b, 0, TERN__SEG_HDR);   /* a damaged header */
		write_file(segs[i].name, segs[i].b, segs[i].len);
		if (segs[i].nidx)
			write_index(&segs[i]);
		bytes += segs[i].len;
	}
	size_t bound = 64 + 4 * nseg + bytes / 8 * 2;

	read_all(TERN_LOG_START_EARLIEST, 0, bound);
	read_all(TERN_LOG_START_LSN, 1 + take(&in) % 40, bound);
	read_all(TERN_LOG_START_SEQ, 1 + take(&in) % 40, bound);
	read_all(TERN_LOG_START_TIME, take(&in) * 10u, bound);
	read_all(TERN_LOG_START_LATEST, 0, bound);
	uint64_t last;
	tern_log_last_seq(dir, "f", "t", &last);

	/* a scan of every file, as tern-log ls and verify do */
	struct tern__cursor c;
	if (tern__cursor_init(&c, 1u << 16, 1u << 20) < 0)
		abort();
	for (unsigned i = 0; i < nseg; i++) {
		char path[512];
		struct tern__scan s;
		snprintf(path, sizeof(path), "%s/%s", dir, segs[i].name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			tern__scan_segment(&c, fd, &s, NULL, NULL, NULL);
			close(fd);
		}
	}
	tern__cursor_fini(&c);

	/* recovery, then the stream goes on */
	struct tern_log_policy pol = {.rotate_utc_sec = -1};
	struct tern_log_writer *w;
	if (tern_log_writer_open(dir, "f", &pol, NULL, &w) == 0) {
		for (uint64_t k = 1; k <= 3; k++) {
			struct tern_log_msg m = {.topic = "t", .seq = 1000000 + k,
				.payload = "x", .payload_len = 1};
			MUST(tern_log_writer_append(w, &m) > 0, "append after recovery");
		}
		MUST(tern_log_writer_close(w) == 0, "close after recovery");
		MUST(read_all(TERN_LOG_START_EARLIEST, 0, bound + 16) == 1000003,
				"what was appended after recovery is not read back");
		/* the highest seq of "t", which a crafted record may exceed */
		MUST(tern_log_last_seq(dir, "f", "t", &last) == 0 && last >= 1000003,
				"tern_log_last_seq() misses what was appended after recovery");
	}
	return 0;
}
