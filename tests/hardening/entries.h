/* One call of every exported function, made from the one list of exports
 * (capi/exports.h), for the tests that need each export to refuse: panic.c
 * (after an internal panic, CTEXEC_EPANIC) and fork.c (in a forked child,
 * CTEXEC_EFORK). A new row in the list needs a call_<function> here, or
 * this does not compile.
 *
 * The calls use entry_ex and entry_future, which the test sets up (a live
 * executor owned by the calling thread, a pending promise), and plausible
 * arguments. Each call that has an out parameter writes it into a probe
 * that starts at a known value: a refused call must leave it untouched.
 * The two `pure` functions cannot fail: their call returns CTEXEC_OK when
 * they still work (a text for a status, the header's version). */
#ifndef CTEXEC_HARD_ENTRIES_H
#define CTEXEC_HARD_ENTRIES_H

#include "../../capi/exports.h"
#include "hard.h"

static ctexec *entry_ex;
static ctexec_future entry_future;

#define ENTRY_PROBE_EX ((ctexec *)0x1)
#define ENTRY_PROBE_FD (-7)
static ctexec *entry_probe_ex = ENTRY_PROBE_EX;
static ctexec_future entry_probe_future;
static int entry_probe_fd = ENTRY_PROBE_FD;
static void *entry_probe_ptr = ENTRY_PROBE_EX;
static uint64_t entry_probe_ran = 77;

/* The out parameters are where the probes say. */
static inline int entry_probes_untouched(void) {
    return entry_probe_ex == ENTRY_PROBE_EX && entry_probe_future == 0 && entry_probe_fd == ENTRY_PROBE_FD &&
           entry_probe_ptr == ENTRY_PROBE_EX && entry_probe_ran == 77;
}

/* A call that made an executor or a future frees it: these are calls
 * expected to be refused, and a success must not leak. */
static inline int entry_made_ex(int rc) {
    if (rc == CTEXEC_OK) {
        ctexec_free(entry_probe_ex);
        entry_probe_ex = ENTRY_PROBE_EX;
    }
    return rc;
}
static inline int entry_made_future(int rc) {
    if (rc == CTEXEC_OK) {
        ctexec_future_free(entry_probe_future);
        entry_probe_future = 0;
    }
    return rc;
}

static int call_ctexec_new(void) { return entry_made_ex(ctexec_new(NULL, &entry_probe_ex)); }
static int call_ctexec_new_with(void) {
    ctexec_options o = CTEXEC_OPTIONS_INIT;
    o.flags = CTEXEC_OPT_STATS;
    return entry_made_ex(ctexec_new_with(entry_ex, &o, &entry_probe_ex));
}
static int call_ctexec_submit(void) {
    return entry_made_future(ctexec_submit(entry_ex, hard_noop_item, NULL, &entry_probe_future));
}
static int call_ctexec_submit_timeout(void) {
    return entry_made_future(ctexec_submit_timeout(entry_ex, hard_noop_item, NULL, &entry_probe_future, -1));
}
static int call_ctexec_submit_with(void) {
    ctexec_submit_opts o = CTEXEC_SUBMIT_OPTS_INIT;
    o.flags = CTEXEC_SUBMIT_POST; /* entry_ex is the calling thread's */
    return entry_made_future(ctexec_submit_with(entry_ex, &o, hard_noop_item, NULL, &entry_probe_future));
}
static int call_ctexec_is_owner(void) { return ctexec_is_owner(entry_ex); }
static int call_ctexec_next_deadline(void) {
    int64_t ns = 0;
    return ctexec_next_deadline(entry_ex, &ns);
}
/* Refused calls never wait: a wait here would hang the test. */
static int call_ctexec_call(void) { return ctexec_call(entry_ex, hard_noop_item, NULL, &entry_probe_ptr); }
static int call_ctexec_run_until(void) { return ctexec_run_until(entry_ex, entry_future); }
static int call_ctexec_run_until_timeout(void) { return ctexec_run_until_timeout(entry_ex, entry_future, -1); }
static int call_ctexec_free(void) { return ctexec_free(entry_ex); }
static int call_ctexec_stats(void) {
    ctexec_stats_t st = CTEXEC_STATS_INIT;
    return ctexec_stats(entry_ex, &st);
}
static int call_ctexec_fd(void) { return ctexec_fd(entry_ex, &entry_probe_fd); }
static int call_ctexec_event_handle(void) { return ctexec_event_handle(entry_ex, &entry_probe_ptr); }
static int call_ctexec_run_ready(void) { return ctexec_run_ready(entry_ex, 0, -1, &entry_probe_ran); }
static int call_ctexec_set_notify(void) { return ctexec_set_notify(entry_ex, NULL, NULL); }
static int call_ctexec_future_new(void) { return entry_made_future(ctexec_future_new(&entry_probe_future)); }
static int call_ctexec_future_set_result(void) { return ctexec_future_set_result(entry_future, NULL); }
static int call_ctexec_future_set_error(void) { return ctexec_future_set_error(entry_future, 3); }
static int call_ctexec_future_cancel(void) { return ctexec_future_cancel(entry_future); }
static int call_ctexec_future_done(void) { return ctexec_future_done(entry_future); }
static int call_ctexec_future_wait(void) { return ctexec_future_wait(entry_future, -1, &entry_probe_ptr); }
static int call_ctexec_future_add_done_callback(void) {
    return ctexec_future_add_done_callback(entry_future, hard_noop_done, NULL);
}
static int call_ctexec_future_free(void) { return ctexec_future_free(entry_future); }
static int call_ctexec_strerror(void) {
    const char *s = ctexec_strerror(CTEXEC_EPANIC), *f = ctexec_strerror(CTEXEC_EFORK);
    return s != NULL && strstr(s, "panic") != NULL && f != NULL && strstr(f, "fork") != NULL ? CTEXEC_OK : -1000;
}
static int call_ctexec_version(void) { return ctexec_version() == CTEXEC_VERSION_NUMBER ? CTEXEC_OK : -1000; }
static int call_ctexec_live_counts(void) {
    ctexec_counts c;
    return ctexec_live_counts(&c);
}

typedef struct hard_entry {
    const char *name; /* ctexec_... */
    const char *hook; /* its CTEXEC_DEBUG_PANIC name, or "pure" */
    int (*call)(void);
} hard_entry;

#define HARD_ENTRY_ROW(fn, hook) {#fn, #hook, call_##fn},
static const hard_entry hard_entries[] = {CTEXEC_EXPORTS(HARD_ENTRY_ROW)};
#undef HARD_ENTRY_ROW
#define HARD_NENTRIES ((int)(sizeof hard_entries / sizeof hard_entries[0]))

static inline int hard_entry_is_pure(const hard_entry *e) { return strcmp(e->hook, "pure") == 0; }

/* The entry named `name`, with or without its ctexec_ prefix; NULL if none. */
static inline const hard_entry *hard_entry_named(const char *name) {
    for (int i = 0; i < HARD_NENTRIES; i++)
        if (!strcmp(hard_entries[i].name, name) || !strcmp(hard_entries[i].name + 7, name)) return &hard_entries[i];
    return NULL;
}

/* Calls every export; returns the index of the first that did not return
 * `want` (CTEXEC_OK for the pure ones), or -1. *rc gets its status. */
static inline int hard_entries_all_return(int want, int *rc) {
    for (int i = 0; i < HARD_NENTRIES; i++) {
        int w = hard_entry_is_pure(&hard_entries[i]) ? CTEXEC_OK : want;
        *rc = hard_entries[i].call();
        if (*rc != w) return i;
    }
    return -1;
}

#endif
