/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A message's size and tags_len are the publisher's to write, and so is its
 * capacity field: publishing must refuse what does not fit the pool's
 * buffers (the caller keeps the message, no sequence number is spent), and
 * the storage role must never copy past a buffer into the log even when a
 * header is changed after publishing.  Issue 7, finding 8: a 64-byte
 * allocation published with size 1e6 got a sequence number and the storage
 * role wrote 1 MB of neighbouring hugepage memory into the log.
 */
#define _GNU_SOURCE     /* nftw */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <tern/tern_log.h>

#include "bus_fixture.h"

static uint64_t baseline;
static uint32_t next_topic, next_sub, next_client;
static char dir[] = "/tmp/tern_ut_bounds.XXXXXX";

static uint32_t topic(const char *name)
{
	uint32_t id = next_topic++;
	assert_int_equal(dp_topic_create(&fx_dp, id, name, fx_err, sizeof(fx_err)), 0);
	return id;
}

/* Sizes a careless caller writes by hand, some wrapped into u32. */
static const struct { uint32_t size; uint16_t tags_len; } bad[] = {
	{ 2049, 0 },                          /* one past msg_size = 2048 */
	{ 0, 2049 },                          /* the tags alone */
	{ 2000, 49 },                         /* both, each in range */
	{ 1000000, 0 },
	{ 100000000, 0 },
	{ (uint32_t)4000000000u, 0 },
	{ UINT32_MAX, UINT16_MAX },           /* a 32-bit sum would wrap to 65534 */
	{ UINT32_MAX - 10, 11 },              /* ... or to exactly 0 */
};

static void refused(struct tern_pub *p, struct tern_sub *s)
{
	const struct tern_msg *v[1];
	uint64_t seq = p->t->seq;

	for (size_t i = 0; i < RTE_DIM(bad); i++) {
		struct tern_msg *m = tern_msg_alloc(p, 64);

		assert_non_null(m);
		m->size = bad[i].size;
		m->tags_len = bad[i].tags_len;
		m->capacity = UINT32_MAX;       /* the header's own word is not trusted */
		assert_int_equal(tern_publish(p, m), TERN_EMSGSIZE);
		assert_int_equal(p->t->seq, seq);               /* no sequence spent */
		assert_int_equal(tern_poll(s, v, 1), 0);        /* nothing visible */
		/* Still the caller's: fixed, it publishes. */
		m->size = 64;
		m->tags_len = 0;
		assert_int_equal(tern_publish(p, m), (int64_t)++seq);
		assert_int_equal(tern_poll(s, v, 1), 1);
		assert_int_equal(v[0]->size, 64);
		tern_release(s, v, 1);
	}
	assert_string_equal(tern_strerror(TERN_EMSGSIZE), "message size + tags exceed the buffer");
}

static void publish_refuses_size_past_the_pool_buffer(void **state)
{
	(void)state;
	struct tern_client *c = fx_client(next_client++);
	uint32_t te = topic("bounds.excl"), ts = topic("bounds.shared");
	struct tern_pub *pe = fx_pub(c, te, true), *ps = fx_pub(c, ts, false);
	struct tern_sub *se = fx_sub(c, next_sub++, "bounds.excl", TERN_POLICY_DROP, 8);
	struct tern_sub *ss = fx_sub(c, next_sub++, "bounds.shared", TERN_POLICY_DROP, 8);
	const struct tern_msg *v[1];
	struct tern_msg *m;

	refused(pe, se);
	refused(ps, ss);
	assert_int_equal(ps->t->lock, 0);       /* refused before taking the topic */
	/* Exactly full is fine. */
	assert_non_null(m = tern_msg_alloc(pe, fx_dp.shm->msg_size - 10));
	m->tags_len = 10;
	assert_true(tern_publish(pe, m) > 0);
	assert_int_equal(tern_poll(se, v, 1), 1);
	tern_release(se, v, 1);
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(se);
	fx_sub_free(ss);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static void burst_stops_before_a_message_that_does_not_fit(void **state)
{
	(void)state;
	struct tern_client *c = fx_client(next_client++);
	uint32_t t = topic("bounds.burst");
	struct tern_pub *p = fx_pub(c, t, false);
	struct tern_sub *s = fx_sub(c, next_sub++, "bounds.burst", TERN_POLICY_DROP, 64);
	struct tern_msg *m[8];
	const struct tern_msg *v[8];

	for (size_t i = 0; i < RTE_DIM(bad); i++) {
		assert_int_equal(tern_msg_alloc_bulk(p, 8, m, 8), 0);
		m[3]->size = bad[i].size;
		m[3]->tags_len = bad[i].tags_len;
		assert_int_equal(tern_publish_burst(p, m, 8), 3);
		assert_int_equal(tern_publish_burst(p, m + 3, 5), 0);   /* first one bad */
		assert_int_equal(tern_poll(s, v, 8), 3);
		tern_release(s, v, 3);
		/* The caller still owns m[3..8): fixed, they go out in order. */
		m[3]->size = 8;
		m[3]->tags_len = 0;
		assert_int_equal(tern_publish_burst(p, m + 3, 5), 5);
		assert_int_equal(tern_poll(s, v, 8), 5);
		assert_int_equal(v[4]->seq, (i + 1) * 8);
		tern_release(s, v, 5);
	}
	/* Or freed. */
	assert_int_equal(tern_msg_alloc_bulk(p, 8, m, 2), 0);
	m[0]->tags_len = UINT16_MAX;
	assert_int_equal(tern_publish_burst(p, m, 2), 0);
	tern_msg_free(p, m[0]);
	tern_msg_free(p, m[1]);
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(s);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

/* topic_id is the bus's to set, like seq: subscribers index their holder
 * bits by it on release, and the storage role its topic table. */
static void publish_stamps_the_topic(void **state)
{
	(void)state;
	struct tern_client *c = fx_client(next_client++);
	uint32_t a = topic("stamp.a"), b = topic("stamp.b");
	struct tern_pub *p = fx_pub(c, a, false);
	struct tern_sub *sa = fx_sub(c, next_sub++, "stamp.a", TERN_POLICY_DROP, 8);
	struct tern_sub *sa2 = fx_sub(c, next_sub++, "stamp.>", TERN_POLICY_DROP, 8);
	struct tern_sub *sb = fx_sub(c, next_sub++, "stamp.b", TERN_POLICY_DROP, 8);
	const uint32_t forged[] = { b, fx_dp.shm->max_topics, UINT32_MAX };
	struct tern_msg *m[2];
	const struct tern_msg *v[4];

	for (size_t i = 0; i < RTE_DIM(forged); i++) {
		assert_non_null(m[0] = tern_msg_alloc(p, 8));
		m[0]->topic_id = forged[i];
		assert_true(tern_publish(p, m[0]) > 0);
		assert_int_equal(tern_msg_alloc_bulk(p, 8, m, 2), 0);
		m[1]->topic_id = forged[i];
		assert_int_equal(tern_publish_burst(p, m, 2), 2);
		for (int k = 0; k < 2; k++) {
			struct tern_sub *s = k ? sa2 : sa;
			assert_int_equal(tern_poll(s, v, 4), 3);
			for (int x = 0; x < 3; x++)
				assert_int_equal(v[x]->topic_id, a);
			tern_release(s, v, 3);
		}
		assert_int_equal(tern_poll(sb, v, 4), 0);
	}
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	fx_sub_free(sa);
	fx_sub_free(sa2);
	fx_sub_free(sb);
	assert_int_equal(dp_pool_free(&fx_dp), baseline);       /* every buffer released once */
}

/* The storage role never copies more than a buffer: a header changed after
 * publishing (tern_publish() checked it, the memory stays writable) is
 * counted as a storage error, not appended with its neighbours' bytes. */
static void storage_never_copies_past_the_buffer(void **state)
{
	(void)state;
	struct tern_client *c = fx_client(next_client++);
	uint32_t t = topic("st.bounds");
	struct tern_pub *p = fx_pub(c, t, true);
	uint64_t seq = 0, errors = fx_dp.storage_errors;

	for (size_t i = 0; i < RTE_DIM(bad); i++) {
		struct tern_msg *m = tern_msg_alloc(p, 64);
		assert_non_null(m);
		assert_true(tern_publish(p, m) > 0);
		m->size = bad[i].size;          /* a stale pointer, written after publish */
		m->tags_len = bad[i].tags_len;
		assert_int_equal(dp_storage_poll(&fx_dp), 1);
	}
	/* ... nor a topic id past the table. */
	for (int i = 0; i < 2; i++) {
		struct tern_msg *m = tern_msg_alloc(p, 64);
		assert_non_null(m);
		assert_true(tern_publish(p, m) > 0);
		m->topic_id = i ? UINT32_MAX : fx_dp.shm->max_topics;
		assert_int_equal(dp_storage_poll(&fx_dp), 1);
	}
	assert_int_equal(fx_dp.storage_errors - errors, RTE_DIM(bad) + 2);
	assert_int_equal(tern_log_last_seq(dir, "st", "st.bounds", &seq), 0);
	assert_int_equal(seq, 0);               /* nothing of them reached the log */
	assert_int_equal(fx_publish(p, 7), (int64_t)RTE_DIM(bad) + 3);
	assert_int_equal(dp_storage_poll(&fx_dp), 1);
	assert_int_equal(tern_log_last_seq(dir, "st", "st.bounds", &seq), 0);
	assert_int_equal(seq, RTE_DIM(bad) + 3);  /* an intact one is stored */
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

/* tern_msg_add_tag() is bounded by the buffer, not only by the header's
 * capacity word, which anyone holding the message can overwrite: a forged
 * capacity must not let tags run past the buffer into its neighbour. */
static void add_tag_is_bounded_by_the_buffer(void **state)
{
	(void)state;
	struct tern_client *c = fx_client(next_client++);
	uint32_t t = topic("tag.bounds");
	struct tern_pub *p = fx_pub(c, t, true);
	struct tern_msg *m = tern_msg_alloc(p, 64);
	char key[16], value[200];
	int rv = 0, n = 0;

	assert_non_null(m);
	m->capacity = UINT32_MAX;
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	while (n < 1000 && (rv = tern_msg_add_tag(m, (snprintf(key, sizeof(key), "k%d", n), key),
						  value)) == 0)
		n++;
	assert_int_equal(rv, -ENOSPC);
	assert_true(n > 0);
	assert_true((uint64_t)m->size + m->tags_len <= fx_dp.shm->msg_size);
	assert_true(tern_publish(p, m) > 0);    /* what it holds still fits */
	dp_client_gone(&fx_dp, c->client_id, fx_err, sizeof(fx_err));
	assert_int_equal(dp_pool_free(&fx_dp), baseline);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(publish_refuses_size_past_the_pool_buffer),
		cmocka_unit_test(burst_stops_before_a_message_that_does_not_fit),
		cmocka_unit_test(publish_stamps_the_topic),
		cmocka_unit_test(storage_never_copies_past_the_buffer),
		cmocka_unit_test(add_tag_is_bounded_by_the_buffer),
	};
	static char ini[512];
	int rv;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(ini, sizeof(ini), "[memory]\nmsg_size = 2048\n[storage]\ndir = %s\n"
		 "rule.1 = st.> -> st\nrule.1.fsync = never\n", dir);
	fx_ini = ini;
	if (fx_eal_init() < 0 || dp_storage_init(&fx_dp) < 0) {
		fprintf(stderr, "EAL/state init failed: %s\n", fx_err);
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
		fx_eal_fini();
		return 1;
	}
	baseline = dp_pool_free(&fx_dp);
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	dp_storage_close(&fx_dp);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	fx_eal_fini();
	return rv;
}
