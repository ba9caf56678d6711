/* Embedding in a host event loop: the host's signal (hostfd_*.c: a
 * descriptor on POSIX, an event HANDLE on Windows), the notify callback
 * and ctexec_run_ready. The protocol that decides when the host is woken
 * and when its signal is cleared is the host flags' (ingress.c:
 * cx_host_attach_locked, cx_host_idle_locked, which the owner's policy
 * calls from RunReady, and from RunUntil before it sleeps, and the push).
 * This file only makes, raises, clears and closes the signal and calls the
 * callback. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include "shim.h"

/* Serialises attaching and detaching (rare) so that two first calls of
 * ctexec_fd (or ctexec_event_handle) make one signal and a set_notify
 * sees a finished attach. */
static pthread_mutex_t cx_embed_mu = PTHREAD_MUTEX_INITIALIZER;

/* The executor whose notify callback this thread is running, if any. */
static __thread struct ctexec *cx_notifying;

static struct ctexec *cx_slot_of(cx_ingress *in) {
    return (struct ctexec *)((char *)in - offsetof(struct ctexec, in));
}

/* Raises the host of in: its signal, then (notify) its callback. The
 * callback is copied under the lock and notify_busy is raised first, so
 * ctexec_set_notify can wait out every call of the callback it replaced.
 * With due NULL it raises unconditionally, outside the lock. With due (the
 * timer thread: a timer store's minimum deadline) it raises only if *due
 * has passed, read and raised under the ingress lock: the owner pops due
 * timers under that lock (cx_timers_move_due) before it clears the signal
 * (ctexec_run_ready), so a raise that loses the race with the move is not
 * made, and one that wins is cleared by that run. Returns whether it
 * raised. */
static int cx_host_raise(cx_ingress *in, int notify, const int64_t *due) {
    struct ctexec *s = cx_slot_of(in);
    __atomic_add_fetch(&s->notify_busy, 1, __ATOMIC_SEQ_CST);
    cx_lock(in);
    intptr_t sig = __atomic_load_n(&s->host_sig, __ATOMIC_ACQUIRE);
    intptr_t raise = s->host_raise;
    ctexec_notify_fn cb = s->notify;
    void *ud = s->notify_ud;
    int go = due == NULL || __atomic_load_n(due, __ATOMIC_SEQ_CST) <= cx_now();
    if (go && due != NULL && sig != 0) cx_hostsig_raise(raise);
    cx_unlock(in);
    if (go && due == NULL && sig != 0) cx_hostsig_raise(raise);
    if (go && notify && cb != NULL) {
        struct ctexec *outer = cx_notifying;
        cx_notifying = s;
        cb((ctexec *)s, ud);
        cx_notifying = outer;
    }
    __atomic_sub_fetch(&s->notify_busy, 1, __ATOMIC_RELEASE);
    return go;
}

/* Runner.WakeHost: on a pushing thread, outside the ingress lock. */
void cx_host_wake(cx_ingress *in, int notify) { (void)cx_host_raise(in, notify, NULL); }

/* The timer thread's raise (timers.c): see cx_host_raise. */
int cx_host_wake_due(cx_ingress *in, const int64_t *due) { return cx_host_raise(in, 1, due); }

/* Runner.ClearHost: on the owner, before it checks the queue again. */
void cx_host_clear(cx_ingress *in) {
    intptr_t sig = __atomic_load_n(&cx_slot_of(in)->host_sig, __ATOMIC_ACQUIRE);
    if (sig != 0) cx_hostsig_clear(sig - 1);
}

/* At ctexec_free, once Go has let go of the executor. */
void cx_host_detach(struct ctexec *s) {
    pthread_mutex_lock(&cx_embed_mu);
    intptr_t sig = s->host_sig, raise = s->host_raise;
    s->host_sig = 0;
    s->notify = NULL;
    s->notify_ud = NULL;
    pthread_mutex_unlock(&cx_embed_mu);
    if (sig != 0) cx_hostsig_close(sig - 1, raise);
}

/* ctexec_fd and ctexec_event_handle, after their prologue: the host's
 * signal, made and attached on the first call. kind is the caller's; the
 * platform has only one (cx_host_kind), and the other is CTEXEC_EINVAL. */
static int cx_host_signal(ctexec *ex, int kind, intptr_t *out) {
    if (ex == NULL) return CTEXEC_EINVAL;
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) return CTEXEC_EBADHANDLE;
    if (kind != cx_host_kind) return CTEXEC_EINVAL;
    pthread_mutex_lock(&cx_embed_mu);
    intptr_t sig = s->host_sig - 1, raise;
    int rc = CTEXEC_OK;
    if (s->host_sig == 0) {
        if (cx_hostsig_open(&sig, &raise) != 0) {
            rc = CTEXEC_ENOMEM;
        } else {
            s->host_raise = raise;
            __atomic_store_n(&s->host_sig, sig + 1, __ATOMIC_RELEASE);
            rc = CX_GO(cx_go->attach(s->handle));
            if (rc == 1) cx_hostsig_raise(raise); /* work was queued before */
            if (rc > 0) rc = CTEXEC_OK;
            if (rc == CTEXEC_OK) cx_timers_attached(s); /* its timers now raise it */
        }
    }
    pthread_mutex_unlock(&cx_embed_mu);
    if (rc == CTEXEC_OK) *out = sig;
    return rc;
}

int ctexec_fd(ctexec *ex, int *out_fd) {
    CX_ENTER();
    CX_HOOK("fd");
    if (out_fd == NULL) return CTEXEC_EINVAL;
    intptr_t sig;
    int rc = cx_host_signal(ex, CX_HOST_FD, &sig);
    if (rc == CTEXEC_OK) *out_fd = (int)sig;
    return rc;
}

int ctexec_event_handle(ctexec *ex, void **out_handle) {
    CX_ENTER();
    CX_HOOK("event_handle");
    if (out_handle == NULL) return CTEXEC_EINVAL;
    intptr_t sig;
    int rc = cx_host_signal(ex, CX_HOST_EVENT, &sig);
    if (rc == CTEXEC_OK) *out_handle = (void *)sig;
    return rc;
}

int ctexec_run_ready(ctexec *ex, uint64_t max_items, int64_t max_ns, uint64_t *out_ran) {
    CX_ENTER();
    if (ex == NULL) return CTEXEC_EINVAL;
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) return CTEXEC_EBADHANDLE;
    uint64_t self = cx_self();
    if (self != s->in.owner) return CTEXEC_EWRONGTHREAD;
    uint64_t ran = 0;
    /* Go moves the due timers into the queue once its checks pass, so a
     * refused call (CTEXEC_EBUSY) moves none and asks no raise. */
    int rc = CX_GO(cx_go->run_ready(s->handle, max_items, max_ns, self, &ran));
    if (rc >= 0) cx_timers_after_ready(s);
    if (rc >= 0 && out_ran != NULL) *out_ran = ran;
    return rc;
}

int ctexec_set_notify(ctexec *ex, ctexec_notify_fn cb, void *userdata) {
    CX_ENTER();
    CX_HOOK("set_notify");
    if (ex == NULL) return CTEXEC_EINVAL;
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) return CTEXEC_EBADHANDLE;
    if (cx_notifying == s) return CTEXEC_EBUSY; /* it would wait for itself */
    int rc = CTEXEC_OK;
    pthread_mutex_lock(&cx_embed_mu);
    cx_lock(&s->in);
    s->notify = cb;
    s->notify_ud = userdata;
    cx_unlock(&s->in);
    if (cb != NULL) rc = CX_GO(cx_go->attach(s->handle));
    pthread_mutex_unlock(&cx_embed_mu);
    if (cb != NULL && rc >= 0) cx_timers_attached(s); /* its timers now call cb */
    /* A wake that copied the old callback raised notify_busy before it
     * took the lock we just released: wait until it has returned. */
    while (__atomic_load_n(&s->notify_busy, __ATOMIC_ACQUIRE) != 0) sched_yield();
    if (rc < 0) return rc;
    if (rc == 1) { /* work was queued before: this is its transition */
        struct ctexec *outer = cx_notifying;
        cx_notifying = s;
        cb(ex, userdata);
        cx_notifying = outer;
    }
    return CTEXEC_OK;
}
