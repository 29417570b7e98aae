/* instances.c: a fleet of cbr-stream processes for the harness
 * (tests/stream/fleet.c, budget.c).
 *
 * Instance i runs as `--instance fleet-i` on the PostgreSQL state h->pg,
 * with a /metrics port of its own and its log in work/INST_LOG-i.log,
 * kept across its restarts; everything else as h_start gives a single
 * cbr-stream (the config file, the short session timeout). */
#include "config.h"
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include "tests/stream/harness.h"

static void log_name(const harness *h, int i, char *out, size_t n)
{
    snprintf(out, n, "%s-%d.log", h->inst_log ? h->inst_log : "stream", i);
}

/* Reaps instance i if it exited: true while it still runs. */
static bool alive(harness *h, int i)
{
    if (h->inst[i] <= 0)
        return false;
    int st;
    if (waitpid(h->inst[i], &st, WNOHANG) != h->inst[i])
        return true;
    h->inst[i] = 0;
    h->inst_status[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
}

int h_inst_start(harness *h, int i, const char *bundle, const char *const *extra)
{
    if (i < 0 || i >= H_INSTANCES || alive(h, i) || !h->pg)
        return -1;
    /* A fresh port each start: the last one may linger in TIME_WAIT. */
    if ((h->inst_port[i] = h_free_port()) < 0)
        return -1;
    char name[32], log[64];
    snprintf(name, sizeof name, "fleet-%d", i);
    log_name(h, i, log, sizeof log);
    const char *args[24] = {"--instance", name};
    size_t n = 2;
    for (size_t k = 0; extra && extra[k] && n + 1 < sizeof args / sizeof *args; k++)
        args[n++] = extra[k];
    args[n] = NULL;
    pid_t pid = h_spawn(h, bundle, h->pg, log, h->inst_port[i], args);
    if (pid < 0)
        return -1;
    h->inst[i] = pid;
    h->inst_starts[i]++;
    return 0;
}

int h_inst_kill(harness *h, int i, int sig)
{
    return h->inst[i] > 0 ? kill(h->inst[i], sig) : -1;
}

bool h_inst_running(harness *h, int i)
{
    return alive(h, i);
}

int h_inst_wait(harness *h, int i, int timeout_ms)
{
    if (h->inst[i] <= 0)
        return -1;
    for (int64_t deadline = h_now_ms() + timeout_ms; alive(h, i);) {
        if (h_now_ms() > deadline)
            return -1;
        h_pump(h, 50);
    }
    return h->inst_status[i];
}

double h_inst_metric(harness *h, int i, const char *name)
{
    return h_metric_at(h->inst_port[i], name);
}

size_t h_inst_log_count(harness *h, int i, const char *text)
{
    char log[64];
    log_name(h, i, log, sizeof log);
    return h_file_count(h, log, text);
}

int h_inst_stop_all(harness *h, int timeout_ms)
{
    int bad = 0;
    for (int i = 0; i < H_INSTANCES; i++)
        if (alive(h, i))
            h_inst_kill(h, i, SIGTERM);
    int64_t deadline = h_now_ms() + timeout_ms;
    for (int i = 0; i < H_INSTANCES; i++) {
        if (h->inst[i] <= 0)
            continue;
        int64_t left = deadline - h_now_ms();
        int st = h_inst_wait(h, i, left > 0 ? (int)left : 0);
        if (st != 0) {
            h_diag("fleet-%d did not stop cleanly (status %d)", i, st);
            if (st < 0) {
                h_inst_kill(h, i, SIGKILL);
                h_inst_wait(h, i, 10000);
            }
            bad++;
        }
    }
    return bad;
}
