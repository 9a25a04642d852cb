/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Storage rules and the rule-routed log (struct tern_log).
 *
 * Rules are matched once per topic, on its first append; the result (a
 * writer, or "not stored") is cached in an open-addressing table sized at
 * open, so the steady-state cost of routing is one hash and one string
 * compare.  Several topics whose prefixes expand alike share one writer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log_prefix.h"
#include "log_writer_pvt.h"

struct tern__topic_slot {
	char *topic;                  /* NULL: free */
	uint16_t len;
	struct tern_log_writer *w;    /* NULL: no rule stores it */
};

struct tern__stream {
	char *prefix;
	struct tern_log_writer *w;
};

struct tern_log {
	char *dir;
	struct tern_log_rule *rules;
	unsigned int nrules;
	struct tern_log_opts opts;
	struct tern__flusher *fl;
	struct tern__topic_slot *slots;
	unsigned int nslots, used;
	struct tern__stream *streams;
	unsigned int nstreams;
};

int
tern_log_rules_route(const struct tern_log_rule *rules, unsigned int nrules,
		const char *topic, char *buf, size_t cap)
{
	for (unsigned int i = 0; i < nrules; i++) {
		if (!tern_topic_match(rules[i].pattern, topic))
			continue;
		const char *p = rules[i].prefix;
		size_t n = 0, tl = strlen(topic);
		while (*p) {
			size_t add = strncmp(p, "{topic}", 7) == 0 ? tl : 1;
			if (n + add >= cap)
				return -ENAMETOOLONG;
			if (add == 1) {
				buf[n++] = *p++;
			} else {
				memcpy(buf + n, topic, tl);
				n += tl;
				p += 7;
			}
		}
		if (cap == 0)
			return -ENAMETOOLONG;
		buf[n] = '\0';
		return (int)i;
	}
	return -ENOENT;
}

static uint64_t
tern__fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
	return h;
}

int
tern_log_open(const char *dir, const struct tern_log_rule *rules,
		unsigned int nrules, const struct tern_log_opts *opts,
		unsigned int max_topics, struct tern_log **out)
{
	struct tern_log *log;
	bool syncs = false;
	int rc = -ENOMEM;

	if (dir == NULL || out == NULL || (nrules && rules == NULL))
		return -EINVAL;
	for (unsigned int i = 0; i < nrules; i++) {
		if (tern_topic_validate(rules[i].pattern, true) < 0 ||
		    rules[i].prefix == NULL ||
		    tern__log_prefix_problem(rules[i].prefix, 0) != NULL)
			return -EINVAL;
		syncs |= rules[i].policy.fsync != TERN_LOG_FSYNC_NEVER;
	}
	log = calloc(1, sizeof(*log));
	if (log == NULL)
		return -ENOMEM;
	log->opts = opts ? *opts : (struct tern_log_opts){0};
	log->nslots = 16;
	while (log->nslots < (max_topics ? max_topics : 1024) * 2)
		log->nslots *= 2;     /* load factor <= 1/2 */
	log->slots = calloc(log->nslots, sizeof(*log->slots));
	log->rules = calloc(nrules ? nrules : 1, sizeof(*log->rules));
	log->dir = strdup(dir);
	if (log->slots == NULL || log->rules == NULL || log->dir == NULL)
		goto out_free;
	for (unsigned int i = 0; i < nrules; i++) {
		log->rules[i] = rules[i];
		log->rules[i].pattern = strdup(rules[i].pattern);
		log->rules[i].prefix = strdup(rules[i].prefix);
		log->nrules++;
		if (!log->rules[i].pattern || !log->rules[i].prefix)
			goto out_free;
	}
	if (syncs && (rc = tern__flusher_create(&log->fl)) < 0)
		goto out_free;
	*out = log;
	return 0;
out_free:
	tern_log_close(log);
	return rc;
}

/* The writer for a topic seen for the first time (NULL: not stored). */
static int
tern__log_route(struct tern_log *log, const char *topic,
		struct tern_log_writer **w)
{
	char prefix[TERN__NAME_MAX * 2];
	int ri = tern_log_rules_route(log->rules, log->nrules, topic, prefix,
			sizeof(prefix));

	*w = NULL;
	if (ri == -ENOENT)
		return 0;
	if (ri < 0)
		return ri;
	for (unsigned int i = 0; i < log->nstreams; i++) {
		if (strcmp(log->streams[i].prefix, prefix) == 0) {
			*w = log->streams[i].w;
			return 0;
		}
	}
	struct tern__stream *v = realloc(log->streams,
			(log->nstreams + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	log->streams = v;
	char *p = strdup(prefix);
	if (p == NULL)
		return -ENOMEM;
	int rc = tern__writer_open(log->dir, prefix, &log->rules[ri].policy,
			&log->opts, log->fl, w);
	if (rc < 0) {
		free(p);
		return rc;
	}
	v[log->nstreams++] = (struct tern__stream){p, *w};
	return 0;
}

int64_t
tern_log_append(struct tern_log *log, const struct tern_log_msg *msg,
		struct tern_log_writer **writer)
{
	if (msg == NULL || msg->topic == NULL)
		return -EINVAL;
	size_t len = msg->topic_len ? msg->topic_len : strlen(msg->topic);
	if (len == 0 || len > TERN_TOPIC_MAX)
		return -EINVAL;
	uint64_t h = tern__fnv1a(msg->topic, len);
	unsigned int mask = log->nslots - 1, i = (unsigned int)h & mask;

	for (;; i = (i + 1) & mask) {
		struct tern__topic_slot *s = &log->slots[i];
		if (s->topic == NULL)
			break;
		if (s->len == len && memcmp(s->topic, msg->topic, len) == 0) {
			if (s->w == NULL)
				return 0;
			if (writer)
				*writer = s->w;
			return tern_log_writer_append(s->w, msg);
		}
	}
	/* first sighting */
	if (log->used * 2 >= log->nslots)
		return -ENOSPC;
	char *t = strndup(msg->topic, len);
	if (t == NULL)
		return -ENOMEM;
	if (tern_topic_validate(t, false) < 0) {
		free(t);
		return -EINVAL;
	}
	struct tern_log_writer *w;
	int rc = tern__log_route(log, t, &w);
	if (rc < 0) {
		free(t);
		return rc;
	}
	log->slots[i] = (struct tern__topic_slot){t, (uint16_t)len, w};
	log->used++;
	if (w == NULL)
		return 0;
	if (writer)
		*writer = w;
	return tern_log_writer_append(w, msg);
}

/* Run @p fn on every writer; the first error wins, the rest still run. */
static int
tern__log_each(struct tern_log *log, int (*fn)(struct tern_log_writer *w))
{
	int rc = 0;

	for (unsigned int i = 0; i < log->nstreams; i++) {
		int r = fn(log->streams[i].w);
		if (r < 0 && rc == 0)
			rc = r;
	}
	return rc;
}

int
tern_log_flush(struct tern_log *log)
{
	return tern__log_each(log, tern_log_writer_flush);
}

int
tern_log_tick(struct tern_log *log)
{
	return tern__log_each(log, tern_log_writer_tick);
}

int
tern_log_close(struct tern_log *log)
{
	int rc = 0;

	if (log == NULL)
		return 0;
	for (unsigned int i = 0; i < log->nstreams; i++) {
		int r = tern_log_writer_close(log->streams[i].w);
		if (r < 0 && rc == 0)
			rc = r;
		free(log->streams[i].prefix);
	}
	free(log->streams);
	tern__flusher_destroy(log->fl);
	for (unsigned int i = 0; log->slots && i < log->nslots; i++)
		free(log->slots[i].topic);
	free(log->slots);
	for (unsigned int i = 0; i < log->nrules; i++) {
		free((char *)log->rules[i].pattern);
		free((char *)log->rules[i].prefix);
	}
	free(log->rules);
	free(log->dir);
	free(log);
	return rc;
}
