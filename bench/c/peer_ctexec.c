/* ctexec through the public header, in every configuration the targets
 * compare: default spin, CTEXEC_SPIN_NS=0, ctexec_call, statistics on, a
 * bounded queue, and a waiter that owns an executor. */
#include "bench.h"

static void *cq_create_with(const ctexec_options *o) {
    cq *q = xmalloc(sizeof *q);
    cx_check(ctexec_new_with(NULL, o, &q->ex), "ctexec_new_with");
    cx_check(ctexec_future_new(&q->done), "ctexec_future_new");
    return q;
}

static void *cq_create(void) { return cq_create_with(NULL); }

/* The safety options' cost: statistics on; a queue bounded at 1,024 that
 * makes submitters wait for room. */
static void *cq_create_stats(void) {
    ctexec_options o = {sizeof o, CTEXEC_OPT_STATS, 0, CTEXEC_FULL_BLOCK, 0, NULL, NULL, NULL, NULL};
    return cq_create_with(&o);
}

static void *cq_create_bounded(void) {
    ctexec_options o = {sizeof o, 0, 1024, CTEXEC_FULL_BLOCK, 0, NULL, NULL, NULL, NULL};
    return cq_create_with(&o);
}

void cq_destroy(void *p) {
    cq *q = p;
    cx_check(ctexec_future_free(q->done), "ctexec_future_free");
    cx_check(ctexec_free(q->ex), "ctexec_free");
    free(q);
}

void cq_fire(void *p, work_fn fn, void *arg) {
    cx_check(ctexec_submit(((cq *)p)->ex, fn, arg, NULL), "ctexec_submit");
}

uintptr_t cq_submit_f(void *p, work_fn fn, void *arg) {
    ctexec_future f;
    cx_check(ctexec_submit(((cq *)p)->ex, fn, arg, &f), "ctexec_submit");
    return (uintptr_t)f;
}

void *cq_wait_free(uintptr_t token) {
    void *r = NULL;
    cx_check(ctexec_future_wait((ctexec_future)token, -1, &r), "ctexec_future_wait");
    cx_check(ctexec_future_free((ctexec_future)token), "ctexec_future_free");
    return r;
}

/* The waiter owns an executor of its own (made on its first wait, freed
 * when the thread exits), so that every wait goes through the deadlock
 * check: a thread that owns none is never part of a cycle and skips it. */
static pthread_key_t owned_key;
static pthread_once_t owned_once = PTHREAD_ONCE_INIT;

static void owned_free(void *ex) { cx_check(ctexec_free(ex), "ctexec_free (owned)"); }
static void owned_init(void) { pthread_key_create(&owned_key, owned_free); }

static void *cq_owned_wait_free(uintptr_t token) {
    pthread_once(&owned_once, owned_init);
    if (pthread_getspecific(owned_key) == NULL) {
        ctexec *mine;
        cx_check(ctexec_new(NULL, &mine), "ctexec_new (owned)");
        pthread_setspecific(owned_key, mine);
    }
    return cq_wait_free(token);
}

static void *cq_call(void *p, work_fn fn, void *arg) {
    void *r = NULL;
    cx_check(ctexec_call(((cq *)p)->ex, fn, arg, &r), "ctexec_call");
    return r;
}

static void cq_run(void *p) {
    cq *q = p;
    cx_check(ctexec_run_until(q->ex, q->done), "ctexec_run_until");
}

static void cq_stop(void *p) {
    cx_check(ctexec_future_set_result(((cq *)p)->done, NULL), "ctexec_future_set_result");
}

/* nospin variants always run in a child started with CTEXEC_SPIN_NS=0; the
 * ones with a call run in the round-trip workloads only. */
const variant variant_ctexec = {"ctexec", "ctexec (adaptive spin)", 0, cq_create, cq_destroy,
                                cq_fire, cq_submit_f, cq_wait_free, cq_run, cq_stop, NULL, NULL};
const variant variant_ctexec_nospin = {"ctexec_nospin", "ctexec (CTEXEC_SPIN_NS=0)", 1, cq_create,
                                       cq_destroy, cq_fire, cq_submit_f, cq_wait_free, cq_run,
                                       cq_stop, NULL, NULL};
const variant variant_ctexec_call = {"ctexec_call", "ctexec_call (adaptive spin)", 0, cq_create,
                                     cq_destroy, cq_fire, cq_submit_f, cq_wait_free, cq_run,
                                     cq_stop, cq_call, NULL};
const variant variant_ctexec_call_nospin = {
    "ctexec_call_nospin", "ctexec_call (CTEXEC_SPIN_NS=0)", 1, cq_create, cq_destroy, cq_fire,
    cq_submit_f, cq_wait_free, cq_run, cq_stop, cq_call, NULL};
const variant variant_ctexec_stats = {"ctexec_stats", "ctexec, statistics on", 0, cq_create_stats,
                                      cq_destroy, cq_fire, cq_submit_f, cq_wait_free, cq_run,
                                      cq_stop, NULL, "tp_fire,tp_future"};
const variant variant_ctexec_bounded = {
    "ctexec_bounded", "ctexec, bounded at 1,024 (block)", 0, cq_create_bounded, cq_destroy,
    cq_fire, cq_submit_f, cq_wait_free, cq_run, cq_stop, NULL, "tp_fire,tp_future"};
const variant variant_ctexec_owner_nospin = {
    "ctexec_owner_nospin", "ctexec (CTEXEC_SPIN_NS=0), waiter owns an executor", 1, cq_create,
    cq_destroy, cq_fire, cq_submit_f, cq_owned_wait_free, cq_run, cq_stop, NULL, "rt"};
