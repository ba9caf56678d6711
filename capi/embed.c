/* Embedding in a host event loop: the descriptor (hostfd_*.c), the notify
 * callback and ctexec_run_ready. The protocol that decides when the host is
 * woken and when its descriptor is cleared is the Host part of
 * executor/shared.go; the owner's side of it runs in Go (RunReady, and
 * RunUntil before it sleeps). This file only makes, signals, clears and
 * closes the descriptor and calls the callback. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include "shim.h"
#include "_cgo_export.h"

/* Serialises attaching and detaching (rare) so that two first calls of
 * ctexec_fd make one descriptor and a set_notify sees a finished attach. */
static pthread_mutex_t cx_embed_mu = PTHREAD_MUTEX_INITIALIZER;

/* The executor whose notify callback this thread is running, if any. */
static __thread struct ctexec *cx_notifying;

static struct ctexec *cx_slot_of(cx_ingress *in) {
    return (struct ctexec *)((char *)in - offsetof(struct ctexec, in));
}

/* Runner.WakeHost: on a pushing thread, outside the ingress lock. The
 * callback is copied under the lock and notify_busy is raised first, so
 * ctexec_set_notify can wait out every call of the callback it replaced. */
void cx_host_wake(cx_ingress *in, int notify) {
    struct ctexec *s = cx_slot_of(in);
    __atomic_add_fetch(&s->notify_busy, 1, __ATOMIC_SEQ_CST);
    cx_lock(in);
    int fd = __atomic_load_n(&s->host_fd, __ATOMIC_ACQUIRE) - 1;
    int wfd = s->host_wfd;
    ctexec_notify_fn cb = s->notify;
    void *ud = s->notify_ud;
    cx_unlock(in);
    if (fd >= 0) cx_hostfd_raise(wfd);
    if (notify && cb != NULL) {
        struct ctexec *outer = cx_notifying;
        cx_notifying = s;
        cb((ctexec *)s, ud);
        cx_notifying = outer;
    }
    __atomic_sub_fetch(&s->notify_busy, 1, __ATOMIC_RELEASE);
}

/* Runner.ClearHost: on the owner, before it checks the queue again. */
void cx_host_clear(cx_ingress *in) {
    int fd = __atomic_load_n(&cx_slot_of(in)->host_fd, __ATOMIC_ACQUIRE) - 1;
    if (fd < 0) return;
    cx_hostfd_clear(fd);
}

/* At ctexec_free, once Go has let go of the executor. */
void cx_host_detach(struct ctexec *s) {
    pthread_mutex_lock(&cx_embed_mu);
    int fd = s->host_fd - 1, wfd = s->host_wfd;
    s->host_fd = 0;
    s->notify = NULL;
    s->notify_ud = NULL;
    pthread_mutex_unlock(&cx_embed_mu);
    if (fd >= 0) cx_hostfd_close(fd, wfd);
}

int ctexec_fd(ctexec *ex, int *out_fd) {
    CX_ENTER();
    if (ex == NULL || out_fd == NULL) return CTEXEC_EINVAL;
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) return CTEXEC_EBADHANDLE;
    pthread_mutex_lock(&cx_embed_mu);
    int fd = s->host_fd - 1, rc = CTEXEC_OK;
    if (fd < 0) {
        int wfd = -1;
        fd = cx_hostfd_open(&wfd);
        if (fd == -2) {
            rc = CTEXEC_EINVAL; /* no descriptors on this platform */
        } else if (fd < 0) {
            rc = CTEXEC_ENOMEM;
        } else {
            s->host_wfd = wfd;
            __atomic_store_n(&s->host_fd, fd + 1, __ATOMIC_RELEASE);
            rc = ctexecgo_attach(s->handle);
            if (rc == 1) cx_hostfd_raise(wfd); /* work was queued before */
            if (rc > 0) rc = CTEXEC_OK;
        }
    }
    pthread_mutex_unlock(&cx_embed_mu);
    if (rc == CTEXEC_OK) *out_fd = fd;
    return rc;
}

int ctexec_event_handle(ctexec *ex, void **out_handle) {
    CX_ENTER();
    (void)ex;
    (void)out_handle;
    return CTEXEC_EINVAL; /* POSIX has no event handles: use ctexec_fd */
}

int ctexec_run_ready(ctexec *ex, uint64_t max_items, int64_t max_ns, uint64_t *out_ran) {
    CX_ENTER();
    if (ex == NULL) return CTEXEC_EINVAL;
    struct ctexec *s = cx_valid(ex);
    if (s == NULL) return CTEXEC_EBADHANDLE;
    uint64_t self = cx_self();
    if (self != s->in.owner) return CTEXEC_EWRONGTHREAD;
    uint64_t ran = 0;
    int rc = ctexecgo_run_ready(s->handle, max_items, max_ns, self, &ran);
    if (rc >= 0 && out_ran != NULL) *out_ran = ran;
    return rc;
}

int ctexec_set_notify(ctexec *ex, ctexec_notify_fn cb, void *userdata) {
    CX_ENTER();
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
    if (cb != NULL) rc = ctexecgo_attach(s->handle);
    pthread_mutex_unlock(&cx_embed_mu);
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
