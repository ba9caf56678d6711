/* The size rule of the size-versioned structs (include/ctexec.h,
 * "Size-versioned structs"; capi/cx/abi.c), one case per behaviour:
 * `test_abi --list` names them.
 *
 * A caller with a newer header is simulated by a struct that embeds
 * today's and adds fields after it. The first released sizes are 0.2.0's:
 * 48 and 112 bytes on 64-bit targets, today's sizes too; a caller with an
 * older, smaller struct becomes possible once a field is added, and these
 * cases then need one for it (its missing fields must read as zero). */
#include <stdlib.h>
#include "../check.h"

#define FIRST_OPTIONS_SIZE 48u /* 0.2.0, 64-bit */
#define FIRST_STATS_SIZE 112u

/* A newer header's structs: today's, then fields this library lacks. */
struct newer_options {
    ctexec_options known;
    uint64_t added[2];
};
struct newer_stats {
    ctexec_stats_t known;
    uint64_t added[2];
};

static int stats_flags(ctexec *ex) {
    ctexec_stats_t st = CTEXEC_STATS_INIT;
    OK(ctexec_stats(ex, &st));
    return (int)st.flags;
}

/* The initialisers set size to sizeof and every other byte to zero. */
static void test_init_macros(void) {
    ctexec_options o = CTEXEC_OPTIONS_INIT, zo;
    ctexec_stats_t s = CTEXEC_STATS_INIT, zs;
    memset(&zo, 0, sizeof zo);
    memset(&zs, 0, sizeof zs);
    zo.size = sizeof zo;
    zs.size = sizeof zs;
    CHECK(o.size == sizeof o && o.flags == 0 && o.max_queued == 0 && o.when_full == CTEXEC_FULL_BLOCK &&
          o.stall_ns == 0 && o.on_stall == NULL && o.stall_userdata == NULL);
    CHECK(memcmp(&s, &zs, sizeof s) == 0);
    (void)zo;
}

/* The first released sizes are still accepted (they are today's). */
static void test_first_sizes(void) {
    if (sizeof(void *) == 8) {
        CHECK(sizeof(ctexec_options) >= FIRST_OPTIONS_SIZE);
        CHECK(sizeof(ctexec_stats_t) >= FIRST_STATS_SIZE);
    }
    ctexec_options o = CTEXEC_OPTIONS_INIT;
    o.size = sizeof(void *) == 8 ? FIRST_OPTIONS_SIZE : (uint32_t)sizeof o;
    o.flags = CTEXEC_OPT_STATS;
    ctexec *ex;
    OK(ctexec_new_with(NULL, &o, &ex));
    ctexec_stats_t st = CTEXEC_STATS_INIT;
    st.size = sizeof(void *) == 8 ? FIRST_STATS_SIZE : (uint32_t)sizeof st;
    OK(ctexec_stats(ex, &st));
    CHECK(st.flags == CTEXEC_OPT_STATS && st.size == (sizeof(void *) == 8 ? FIRST_STATS_SIZE : sizeof st));
    OK(ctexec_free(ex));
}

/* Smaller than the first released size, 0, or above 4096: refused. */
static void test_bad_sizes(void) {
    static const uint32_t sizes[] = {0, 4, 8, 40, 47, 4097, 1u << 20, 0xffffffffu};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ctexec_options o = CTEXEC_OPTIONS_INIT;
        ctexec_stats_t st = CTEXEC_STATS_INIT;
        o.size = sizes[i];
        st.size = sizes[i];
        if (sizes[i] == sizeof o || sizes[i] == sizeof st) continue;
        ctexec *ex = (ctexec *)0x1;
        EXPECT_RC(ctexec_new_with(NULL, &o, &ex), CTEXEC_EINVAL);
        CHECK(ex == (ctexec *)0x1);
        EXPECT_RC(ctexec_stats(NULL, &st), CTEXEC_EINVAL);
        CHECK(st.size == sizes[i] && st.queued == 0);
    }
    ctexec_stats_t st = CTEXEC_STATS_INIT;
    st.size = FIRST_STATS_SIZE - 8;
    EXPECT_RC(ctexec_stats(NULL, &st), CTEXEC_EINVAL);
}

/* A newer header's options with its new fields left zero: accepted, and
 * the known fields are honoured. */
static void test_newer_options_zero_tail(void) {
    struct newer_options n;
    memset(&n, 0, sizeof n);
    n.known.size = sizeof n;
    n.known.flags = CTEXEC_OPT_STATS;
    ctexec *ex;
    OK(ctexec_new_with(NULL, &n.known, &ex));
    CHECK(stats_flags(ex) == CTEXEC_OPT_STATS);
    OK(ctexec_free(ex));
    /* The known fields are still checked. */
    n.known.when_full = 7;
    EXPECT_RC(ctexec_new_with(NULL, &n.known, &ex), CTEXEC_EINVAL);
}

/* A newer header's options with a new field set: refused, as the library
 * cannot do what it asks; nothing is created. */
static void test_newer_options_set_tail(void) {
    for (size_t byte = 0; byte < sizeof(((struct newer_options *)0)->added); byte++) {
        struct newer_options n;
        memset(&n, 0, sizeof n);
        n.known.size = sizeof n;
        ((unsigned char *)n.added)[byte] = 1;
        ctexec *ex = (ctexec *)0x1;
        EXPECT_RC(ctexec_new_with(NULL, &n.known, &ex), CTEXEC_EINVAL);
        CHECK(ex == (ctexec *)0x1);
    }
}

/* Statistics into a newer header's struct: the known fields are filled,
 * the new ones stay zero; a non-zero new field is refused, out untouched. */
static void test_newer_stats(void) {
    ctexec_options o = CTEXEC_OPTIONS_INIT;
    o.flags = CTEXEC_OPT_STATS;
    ctexec *ex;
    OK(ctexec_new_with(NULL, &o, &ex));
    struct newer_stats n;
    memset(&n, 0, sizeof n);
    n.known.size = sizeof n;
    OK(ctexec_stats(ex, &n.known));
    CHECK(n.known.flags == CTEXEC_OPT_STATS && n.known.size == sizeof n);
    CHECK(n.added[0] == 0 && n.added[1] == 0);
    memset(&n, 0, sizeof n);
    n.known.size = sizeof n;
    n.added[1] = 5;
    EXPECT_RC(ctexec_stats(ex, &n.known), CTEXEC_EINVAL);
    CHECK(n.known.flags == 0 && n.added[1] == 5);
    OK(ctexec_free(ex));
}

/* ctexec_stats writes the caller's size bytes and not one more. */
static void test_stats_writes_only_size(void) {
    ctexec_options o = CTEXEC_OPTIONS_INIT;
    o.flags = CTEXEC_OPT_STATS;
    ctexec *ex;
    OK(ctexec_new_with(NULL, &o, &ex));
    unsigned char buf[sizeof(ctexec_stats_t) + 32];
    memset(buf, 0xAA, sizeof buf);
    ctexec_stats_t st = CTEXEC_STATS_INIT;
    memcpy(buf, &st, sizeof st);
    OK(ctexec_stats(ex, (ctexec_stats_t *)(void *)buf));
    memcpy(&st, buf, sizeof st);
    CHECK(st.size == sizeof st && st.flags == CTEXEC_OPT_STATS);
    for (size_t i = sizeof st; i < sizeof buf; i++)
        if (buf[i] != 0xAA) FAIL("byte %zu past the caller's size was written", i);
    OK(ctexec_free(ex));
}

static const check_case cases[] = {
    {"init_macros", test_init_macros},
    {"first_sizes", test_first_sizes},
    {"bad_sizes", test_bad_sizes},
    {"newer_options_zero_tail", test_newer_options_zero_tail},
    {"newer_options_set_tail", test_newer_options_set_tail},
    {"newer_stats", test_newer_stats},
    {"stats_writes_only_size", test_stats_writes_only_size},
};

int main(int argc, char **argv) {
    return run_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
