/* Measurements in a fresh child process: this program re-executed as
 * `SETTINGS --child WORKLOAD VARIANT PARAM`, with CTEXEC_SPIN_NS=0 for a
 * nospin variant (the library reads it once, at load) and without it
 * otherwise. The child prints one result line on stdout. */
#include "bench.h" /* first: it defines _GNU_SOURCE */

#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char self_exe[4096];

void child_init(void) {
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n <= 0) die("readlink /proc/self/exe failed");
    self_exe[n] = 0;
}

static void add_setting_args(char **argv, int *argc, char bufs[][32]) {
    long vals[] = {cfg.rt_n, cfg.tp_n, cfg.tpf_n, cfg.window, cfg.growth_n, cfg.idle_ms};
    const char *names[] = {"--rt-n", "--tp-n", "--tpf-n", "--window", "--growth-n", "--idle-ms"};
    for (int i = 0; i < 6; i++) {
        snprintf(bufs[i], 32, "%ld", vals[i]);
        argv[(*argc)++] = (char *)names[i];
        argv[(*argc)++] = bufs[i];
    }
}

/* Runs this program as `SETTINGS --child W V P` (with CTEXEC_SPIN_NS=0 for a nospin
 * variant, without the variable otherwise) and parses its one result line. */
sample measure_in_child(const workload *w, const variant *v, long param) {
    char pbuf[32], bufs[6][32];
    char *argv[32];
    int argc = 0;
    snprintf(pbuf, sizeof pbuf, "%ld", param);
    argv[argc++] = "ctexec_bench";
    add_setting_args(argv, &argc, bufs);
    argv[argc++] = "--child";
    argv[argc++] = (char *)w->name;
    argv[argc++] = (char *)v->name;
    argv[argc++] = pbuf;
    argv[argc] = NULL;

    size_t ne = 0;
    while (environ[ne]) ne++;
    char **envp = xmalloc(sizeof(char *) * (ne + 2));
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (strncmp(environ[i], "CTEXEC_SPIN_NS=", 15) != 0) envp[k++] = environ[i];
    if (v->nospin) envp[k++] = "CTEXEC_SPIN_NS=0";
    envp[k] = NULL;

    int fds[2];
    if (pipe(fds) != 0) die("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    int rc = posix_spawn(&pid, self_exe, &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    close(fds[1]);
    if (rc != 0) die("posix_spawn %s: %s", self_exe, strerror(rc));

    char out[1024];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fds[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)r;
    out[len] = 0;
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0) die("waitpid: %s", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("child %s %s failed (status %d)", w->name, v->name, status);
    sample s = {{0}};
    char *line = strstr(out, "child ");
    if (line == NULL) die("child %s %s printed no result", w->name, v->name);
    line += 6;
    for (int i = 0; i < w->nmetrics; i++) {
        char *end;
        s.v[i] = strtod(line, &end);
        if (end == line) die("child %s %s: bad result line", w->name, v->name);
        line = end;
    }
    return s;
}

void child_main(int argc, char **argv, int i) {
    if (argc - i < 3) die("--child needs WORKLOAD VARIANT PARAM");
    const workload *w = find_workload(argv[i]);
    const variant *v = find_variant(argv[i + 1]);
    if (w == NULL || v == NULL) die("--child: unknown workload or variant");
    long param = atol(argv[i + 2]);
    if (w->warm_up != NULL) w->warm_up(v, param);
    sample s = w->measure(v, param);
    printf("child");
    for (int k = 0; k < w->nmetrics; k++) printf(" %.9g", s.v[k]);
    printf("\n");
    fflush(stdout);
}
