/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * The application framework: reactors, timers and inter-thread inboxes.
 *
 * A service is a set of handlers on reactors, one reactor per thread, each
 * pinned to a CPU.  A reactor's duty cycle (tern_reactor_do_work()) polls,
 * in bursts, its subscriptions, its inbox and its due timers, and every
 * fd_every cycles its file descriptors through epoll with a zero timeout;
 * it returns the work it did, and the idle strategy decides what an idle
 * cycle costs (Aeron's agents).  No heap allocation and no system call in a
 * busy cycle: everything is sized at tern_reactor_create().
 *
 *     struct tern_reactor_opts o = { .client = c, .idle = TERN_IDLE_SLEEP };
 *     tern_reactor_create(&o, &r);
 *     tern_reactor_sub_add(r, sub, on_quote, state);      // handler per subscription
 *     tern_timer_arm(r, tern_reactor_now_ns(r) + 1000000, 0, 0, on_timeout, state, &id);
 *     tern_reactor_start(r);                              // its own thread
 *     ...
 *     tern_reactor_stop(NULL);                            // or SIGTERM
 *     tern_reactor_join(r);
 *
 * Threads: every call on a reactor is for its own thread (its handlers, or
 * before it starts), except tern_reactor_send() and tern_reactor_stop(),
 * which any thread may call.  Each reactor that touches the bus needs a
 * tern_client of its own (tern_connect() once per reactor): a client's
 * buffer cache is not thread-safe, and one client per reactor is what lets
 * the bus reclaim each thread's buffers on its own (docs/reactor.md).
 *
 * Errors are negative errno values, as in tern.h.
 */
#ifndef TERN_REACTOR_H
#define TERN_REACTOR_H

#include <stdbool.h>
#include <stdint.h>

#include <tern/tern.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tern_reactor;

/** A timer handle: slot and generation, so a stale handle (its timer fired
 *  or was cancelled and the slot reused) is refused, never another's. */
typedef uint64_t tern_timer_id;

/** tern_timer_arm() flags. */
#define TERN_TIMER_CATCHUP 0x1u  /**< periodic: fire once for every missed period */

/** What an idle cycle does (a cycle that did no work). */
enum tern_idle {
	TERN_IDLE_SPIN = 0,   /**< rte_pause() and poll again: lowest latency, one CPU */
	TERN_IDLE_YIELD = 1,  /**< spin spin_idle cycles, then sched_yield() */
	TERN_IDLE_SLEEP = 2,  /**< spin, yield, then sleep in epoll on the wake-up fds */
};

/**
 * An inbox record: 32 bytes, copied into the receiver's ring.
 * type TERN_REC_MSG is a tern message forwarded by tern_reactor_forward():
 * ptr is the message view (the same pool buffer, not a copy), valid during
 * the handler call only.  Other types are the application's.
 */
struct tern_rec {
	uint32_t type;    /**< TERN_REC_MSG, or the application's (>= 1) */
	uint32_t from;    /**< the sender's tern_reactor_id(), set by the send */
	uint64_t u64;     /**< the application's */
	void *ptr;        /**< the application's; the message for TERN_REC_MSG */
	void *priv__;     /**< library private */
};
#define TERN_REC_MSG 0u
/** tern_rec.from of a sender that is not a reactor thread. */
#define TERN_REACTOR_NONE UINT32_MAX

/** Now, in ns, on the reactor's clock (the TSC unless opts.clock). */
typedef int64_t (*tern_clock_fn)(void *clockd);
/** A timer fired; tern_timer_deadline(r, id) is the deadline it fired for. */
typedef void (*tern_timer_fn)(struct tern_reactor *r, tern_timer_id id, void *clientd);
/** A subscription's message: a read-only view, released when the handler
 *  returns unless it was forwarded (tern_reactor_forward()). */
typedef void (*tern_msg_fn)(struct tern_reactor *r, const struct tern_msg *m, void *clientd);
/** An inbox record; *rec is valid during the call only. */
typedef void (*tern_rec_fn)(struct tern_reactor *r, const struct tern_rec *rec, void *clientd);
/** A file descriptor is ready (events as epoll's). */
typedef void (*tern_fd_fn)(struct tern_reactor *r, int fd, uint32_t events, void *clientd);
/** An on-stop hook. */
typedef void (*tern_hook_fn)(struct tern_reactor *r, void *clientd);

/** Reactor options; zero-initialise, then set what you need. */
struct tern_reactor_opts {
	const char *name;            /**< thread name and logs; NULL: "tern-reactor" */
	struct tern_client *client;  /**< this reactor's own bus client; NULL: no bus */
	bool close_client;           /**< tern_close(client) at shutdown */
	bool pin;                    /**< pin the running thread to cpu */
	int cpu;
	enum tern_idle idle;
	uint32_t spin_idle;          /**< idle cycles of spinning before yield/sleep; 0: 1000 */
	uint32_t yield_idle;         /**< then idle cycles of yielding before sleep; 0: 100 */
	uint32_t max_timers;         /**< preallocated timers; 0: 1024 */
	uint32_t inbox_size;         /**< inbox records, a power of two; 0: 1024 */
	uint32_t max_subs;           /**< 0: 16 */
	uint32_t max_fds;            /**< 0: 16 */
	uint32_t max_hooks;          /**< 0: 16 */
	uint32_t burst;              /**< messages and records per input per cycle, <= 64; 0: 32 */
	uint32_t fd_every;           /**< poll fds every so many busy cycles; 0: 64 */
	int64_t tick_ns;             /**< timer wheel tick, rounded up to a power of two; 0: 1024 */
	tern_clock_fn clock;         /**< NULL: the TSC (tests inject a clock) */
	void *clockd;
	tern_rec_fn on_rec;          /**< inbox handler; NULL: records are dropped */
	void *rec_clientd;
};

/**
 * Create a reactor; nothing runs until tern_reactor_run()/start().
 * Everything it will need is allocated here: timers, inbox, tables.
 * @return 0 with *out set, or -EINVAL (inbox_size not a power of two, burst
 *   past 64, a negative tick), -ENOMEM, or a negative errno from
 *   eventfd/timerfd/epoll creation.
 */
TERN_API int tern_reactor_create(const struct tern_reactor_opts *opts, struct tern_reactor **out);
/** Free a reactor that is not running (after tern_reactor_join()).  NULL is ignored. */
TERN_API void tern_reactor_destroy(struct tern_reactor *r);

/**
 * Poll s in r's duty cycle and call fn for each message.  s must be opened
 * on r's client; r closes it at shutdown.  With TERN_IDLE_SLEEP, s must
 * have been opened with want_fd (the reactor sleeps on it).
 * @return 0, -ENOSPC (max_subs), -EINVAL (NULL, or no fd while r sleeps).
 */
TERN_API int tern_reactor_sub_add(struct tern_reactor *r, struct tern_sub *s, tern_msg_fn fn,
				  void *clientd);
/**
 * Publishers r closes at shutdown, after its on-stop hooks (which may
 * still publish).  @return 0, -ENOSPC (max_subs: they share the limit).
 */
TERN_API int tern_reactor_pub_add(struct tern_reactor *r, struct tern_pub *p);
/**
 * Watch fd (events as epoll's, level-triggered); fn runs from the cycle
 * every fd_every busy cycles, or as soon as it is ready while r sleeps.
 * The only system call of a busy cycle is that epoll_wait(0), and only
 * when fds are registered.  @return 0, -ENOSPC (max_fds), or -errno of
 * epoll_ctl.
 */
TERN_API int tern_reactor_fd_add(struct tern_reactor *r, int fd, uint32_t events, tern_fd_fn fn,
				 void *clientd);
/**
 * Run fn once at shutdown, on r's thread: hooks run in reverse order of
 * registration, and reactors in reverse order of start (the last started
 * stops first).  @return 0, -ENOSPC (max_hooks).
 */
TERN_API int tern_reactor_on_stop(struct tern_reactor *r, tern_hook_fn fn, void *clientd);

/**
 * Arm a timer that fires fn at deadline_ns (on r's clock; a deadline already
 * past fires in the next cycle), and then, if period_ns > 0, every
 * period_ns after its deadline: the schedule does not drift with the
 * firing's lateness.  A reactor that falls behind by several periods fires
 * it once and reschedules it to the schedule's first deadline after now,
 * unless flags has TERN_TIMER_CATCHUP (then once per missed period, at
 * once).  A period shorter than the tick is late by up to a tick each time
 * and so skips deadlines: keep periods above opts.tick_ns.
 * Timers fire in deadline order (ties in the order they were armed), never
 * before their deadline, at most a tick (opts.tick_ns) plus a cycle late.
 * O(1): a slot of a hierarchical timing wheel.
 * @return 0 with *out set (out may be NULL), -ENOSPC (all max_timers
 *   armed), -EINVAL (fn NULL or period_ns < 0).
 */
TERN_API int tern_timer_arm(struct tern_reactor *r, int64_t deadline_ns, int64_t period_ns,
			    unsigned flags, tern_timer_fn fn, void *clientd, tern_timer_id *out);
/** Cancel: it will not fire (again), even from the cycle under way.  O(1).
 *  @return 0, or -ENOENT (fired one-shot, cancelled, or never armed). */
TERN_API int tern_timer_cancel(struct tern_reactor *r, tern_timer_id id);
/** Move an armed timer (or one firing now) to deadline_ns, keeping its
 *  period and id.  O(1).  @return 0, or -ENOENT. */
TERN_API int tern_timer_rearm(struct tern_reactor *r, tern_timer_id id, int64_t deadline_ns);
/** The deadline a timer is armed for, or is firing for; -ENOENT. */
TERN_API int64_t tern_timer_deadline(struct tern_reactor *r, tern_timer_id id);

/**
 * Copy rec into to's inbox; from any thread.  Per sender, records arrive in
 * the order sent.  A sleeping reactor is woken (one eventfd write, only
 * when it said it sleeps: a busy receiver costs the sender no syscall).
 * @return 0; TERN_EBACKPRESSURE (-EAGAIN) the inbox is full: nothing was
 *   sent, retry or give up (never a silent drop); TERN_ECLOSED the reactors
 *   are shutting down and to has drained its inbox for the last time.
 */
TERN_API int tern_reactor_send(struct tern_reactor *to, const struct tern_rec *rec);
/**
 * Forward m, the message r's subscription handler is handling now, to to's
 * inbox without a copy: to's handler gets it as a TERN_REC_MSG record, and
 * when that handler returns, the view goes back to r, which releases it.
 * @return 0; -EINVAL (m is not the message being handled); TERN_EBACKPRESSURE
 *   (to's inbox is full, or r has inbox_size views out); TERN_ECLOSED.
 *   On failure r still releases m when the handler returns.
 */
TERN_API int tern_reactor_forward(struct tern_reactor *r, struct tern_reactor *to,
				  const struct tern_msg *m);

/** One duty cycle: subscriptions, inbox, due timers, fds when due.
 *  @return the work done (messages, records, timers, fd events). */
TERN_API unsigned tern_reactor_do_work(struct tern_reactor *r);
/**
 * Run r on the calling thread until tern_reactor_stop(), then shut down
 * (docs/reactor.md): finish the cycle, drain the inbox, run the on-stop
 * hooks, close subscriptions and publishers.  @return 0, or -EBUSY (already
 * running).
 */
TERN_API int tern_reactor_run(struct tern_reactor *r);
/** tern_reactor_run() on a new thread.  @return 0 or -errno (pthread_create). */
TERN_API int tern_reactor_start(struct tern_reactor *r);
/** Wait for a started reactor to finish.  @return 0 or -EINVAL (not started). */
TERN_API int tern_reactor_join(struct tern_reactor *r);
/**
 * Stop every reactor of the process, from any thread or handler (r only
 * says who asked; NULL is fine).  Async-signal-safe.  A service stops as a
 * whole: one reactor alone could not close its inbox to senders that keep
 * running without a check on every send.
 */
TERN_API void tern_reactor_stop(struct tern_reactor *r);
/** Whether a stop was asked for. */
TERN_API bool tern_reactor_stopping(void);
/** Install SIGTERM and SIGINT handlers that call tern_reactor_stop().
 *  @return 0 or -errno (sigaction). */
TERN_API int tern_reactor_handle_signals(void);

/** Now, in ns, on r's clock, as read at the start of the cycle. */
TERN_API int64_t tern_reactor_now_ns(const struct tern_reactor *r);
/** r's client (opts.client). */
TERN_API struct tern_client *tern_reactor_client(const struct tern_reactor *r);
/** r's id, unique in the process (tern_rec.from). */
TERN_API uint32_t tern_reactor_id(const struct tern_reactor *r);

/** Counters; read from r's thread, or after it stopped. */
struct tern_reactor_stats {
	uint64_t cycles;     /**< duty cycles */
	uint64_t idle;       /**< of which did no work */
	uint64_t msgs;       /**< subscription messages handled */
	uint64_t recs;       /**< inbox records handled */
	uint64_t timers;     /**< timer firings */
	uint64_t fd_events;  /**< fd callbacks */
	uint64_t sleeps;     /**< times it slept in epoll */
	uint64_t refused;    /**< sends to it refused: inbox full */
};
TERN_API void tern_reactor_stats(const struct tern_reactor *r, struct tern_reactor_stats *st);

#ifdef __cplusplus
}
#endif
#endif
