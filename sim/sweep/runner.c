/* Running a sweep's members: preparing its directory, running one member into its file, the
 * local driver that runs several at a time in child processes, and progress. */
#include "sweep/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "io/csv.h"
#include "run/checkpoint.h"
#include "run/output.h"
#include "run/run.h"

/* ---------------------------------------------------------------- the directory */

/* Writes a file that must hold exactly text: a new one through a temporary name (shards may
 * race here), or an existing one that is compared. */
static int write_or_compare(const char *path, const char *text, size_t len, cfx_error *err)
{
    char *old = NULL;
    size_t olen = 0;
    cfx_error ignore;
    if (cfx_read_file(path, &old, &olen, &ignore) == 0) {
        int same = olen == len && memcmp(old, text, len) == 0;
        free(old);
        return same ? 0
                    : cfx_error_set(err, CFX_ECREATE, path, 0, 0,
                                    "the directory holds another sweep (this file differs); "
                                    "use a new directory");
    }
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return cfx_error_set(err, CFX_ECREATE, tmp, 0, 0, "cannot create: %s", strerror(errno));
    int bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        unlink(tmp);
        return cfx_error_set(err, CFX_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    }
    return 0;
}

/* DIR/created: when the sweep began (SOURCE_DATE_EPOCH when set), ISO 8601 UTC. */
#define CREATED_LEN 20 /* 2025-11-01T00:00:00Z */

static int created_path(char *buf, size_t n, const char *dir)
{
    return snprintf(buf, n, "%s/created", dir) >= (int)n ? -1 : 0;
}

/* The time to record for a sweep that begins now: SOURCE_DATE_EPOCH when set (the
 * reproducible-builds convention), else the clock; text of CREATED_LEN + 1 bytes with '\n'. */
static int created_now(char *text, size_t n, cfx_error *err)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    time_t t = time(NULL);
    struct tm tm;
    if (epoch) {
        char *end;
        errno = 0;
        long long v = strtoll(epoch, &end, 10);
        if (!*epoch || *end || errno || v < 0 || v > 253402300799LL) /* to 9999-12-31 */
            return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0,
                                 "SOURCE_DATE_EPOCH must be seconds since 1970-01-01 (a whole "
                                 "number up to 253402300799), got '%s'",
                                 epoch);
        t = (time_t)v;
    }
    gmtime_r(&t, &tm);
    strftime(text, n, "%Y-%m-%dT%H:%M:%SZ\n", &tm);
    return 0;
}

/* Records text in DIR/created unless it is there: written under a temporary name and linked
 * into place, so that of shards that race here the first wins and all read its time. */
static int record_created(const char *dir, const char *text, cfx_error *err)
{
    char path[1100], tmp[1200];
    struct stat st;
    if (created_path(path, sizeof path, dir))
        return cfx_error_set(err, CFX_ECREATE, dir, 0, 0, "the directory's name is too long");
    if (stat(path, &st) == 0)
        return 0;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return cfx_error_set(err, CFX_ECREATE, tmp, 0, 0, "cannot create: %s", strerror(errno));
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    int rc = 0;
    if (bad || (link(tmp, path) && errno != EEXIST))
        rc = cfx_error_set(err, CFX_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
    unlink(tmp);
    return rc;
}

/* The sweep's time from DIR/created into buf (CREATED_LEN + 1 bytes); -1 with why in msg. */
static int read_created(const char *dir, char *buf, char *msg, size_t n)
{
    char path[1100], *text = NULL;
    size_t len = 0;
    cfx_error e;
    if (created_path(path, sizeof path, dir) || cfx_read_file(path, &text, &len, &e)) {
        snprintf(msg, n,
                 "%s/created: cannot read the sweep's time (run conflux sweep again with "
                 "--resume to record it)",
                 dir);
        return -1;
    }
    int ok = len == CREATED_LEN + 1 && text[4] == '-' && text[10] == 'T' &&
             text[CREATED_LEN - 1] == 'Z' && text[CREATED_LEN] == '\n';
    if (ok)
        snprintf(buf, CREATED_LEN + 1, "%.*s", CREATED_LEN, text);
    else
        snprintf(msg, n, "%s: not a time like 2025-11-01T00:00:00Z", path);
    free(text);
    return ok ? 0 : -1;
}

int cfx_sweep_prepare(const cfx_sweep *sw, const char *dir, cfx_error *err)
{
    char created[40];
    if (created_now(created, sizeof created, err))
        return err->code;
    if (mkdir(dir, 0777) && errno != EEXIST)
        return cfx_error_set(err, CFX_ECREATE, dir, 0, 0, "cannot create the directory: %s",
                             strerror(errno));
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return cfx_error_set(err, CFX_ECREATE, dir, 0, 0, "exists and is not a directory");
    char path[1100], *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return cfx_error_set(err, CFX_ENOMEM, dir, 0, 0, "out of memory");
    fputs("member,seed", f);
    for (size_t p = 0; p < sw->n_params; p++) {
        fputc(',', f);
        cfx_csv_write_cell(f, sw->params[p].path);
    }
    fputc('\n', f);
    for (size_t m = 0; m < sw->n_members; m++) {
        fprintf(f, "%zu,%llu", m, (unsigned long long)sw->seed[m]);
        for (size_t p = 0; p < sw->n_params; p++) {
            fputc(',', f);
            cfx_csv_write_cell(f, sw->values[m * sw->n_params + p]);
        }
        fputc('\n', f);
    }
    if (fclose(f)) {
        free(text);
        return cfx_error_set(err, CFX_ENOMEM, dir, 0, 0, "out of memory");
    }
    snprintf(path, sizeof path, "%s/sweep.yaml", dir);
    int rc = write_or_compare(path, sw->text, sw->text_len, err);
    snprintf(path, sizeof path, "%s/members.csv", dir);
    if (!rc)
        rc = write_or_compare(path, text, len, err);
    if (!rc)
        rc = record_created(dir, created, err);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- one member */

typedef struct poll_hook {
    void (*poll)(void *);
    void *ctx;
} poll_hook;

static void on_day(void *ctx, long day, long days, double elapsed_s)
{
    poll_hook *h = ctx;
    h->poll(h->ctx);
}

static void write_note(const char *path, const char *msg)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s\n", msg);
        fclose(f);
    }
}

/* A stopped member's checkpoint, written on scratch, goes to DIR, where any node finds it. */
static int keep_checkpoint(const char *scratch_out, const char *out)
{
    char from[1100], to[1200], dir[1110];
    if (!cfx_checkpoint_latest(from, sizeof from, scratch_out))
        return 0;
    snprintf(dir, sizeof dir, "%s.ckpt", out);
    if ((mkdir(dir, 0777) && errno != EEXIST) ||
        snprintf(to, sizeof to, "%s/%s", dir, strrchr(from, '/') + 1) >= (int)sizeof to)
        return -1;
    return cfx_copy_file(from, to);
}

/* The member's command line: the `conflux run` that reproduces it (ov: its seed and
 * values), the same whatever the shard, rank, job or scratch directory that ran it. NULL when
 * out of memory. */
static char *member_command(const cfx_sweep *sw, const char *out, const cfx_override *ov)
{
    size_t len = 0;
    char *cmd = NULL;
    FILE *cf = open_memstream(&cmd, &len);
    if (!cf)
        return NULL;
    fprintf(cf, "conflux run %s -o %s --seed %s", sw->scenario, out, ov[0].value);
    for (size_t p = 1; p <= sw->n_params; p++)
        fprintf(cf, " --set %s=%s", ov[p].path, ov[p].value);
    if (fclose(cf)) {
        free(cmd);
        return NULL;
    }
    return cmd;
}

/* Writes the note of a member that failed: its diagnostics, or the error. */
static void note_failure(const char *note, const cfx_diags *d, const cfx_error *err)
{
    char msg[4096] = "", one[1400];
    for (size_t i = 0; i < d->n; i++) {
        cfx_error_format(&d->v[i], one, sizeof one);
        size_t used = strlen(msg);
        snprintf(msg + used, sizeof msg - used, "%s%s", i ? "; " : "", one);
    }
    if (!d->n)
        cfx_error_format(err, msg, sizeof msg);
    write_note(note, msg);
}

int cfx_sweep_run_member(const cfx_sweep *sw, size_t m, const cfx_sweep_opts *o,
                         void (*poll)(void *), void *poll_ctx)
{
    char out[1100], run_out[1100], note[1100], seed[32], created[CREATED_LEN + 1], why[1300];
    char ckpt[1100];
    cfx_sweep_member_path(out, sizeof out, o->dir, m, ".h5");
    cfx_sweep_member_path(note, sizeof note, o->dir, m, ".error");
    /* With scratch the member is written on the node and copied to DIR when complete. */
    if (o->scratch)
        cfx_sweep_member_path(run_out, sizeof run_out, o->scratch, m, ".h5");
    else
        snprintf(run_out, sizeof run_out, "%s", out);
    /* Every member carries the sweep's time, so that its file has the same bytes whenever
     * and wherever it runs. */
    if (read_created(o->dir, created, why, sizeof why)) {
        write_note(note, why);
        return CFX_MEMBER_FAILED;
    }
    size_t k = sw->n_params;
    cfx_override *ov = calloc(k + 1, sizeof *ov);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)sw->seed[m]);
    for (size_t p = 0; ov && p <= k; p++)
        ov[p] = p ? (cfx_override){sw->params[p - 1].path, sw->values[m * k + p - 1]}
                  : (cfx_override){"seed", seed};
    char *cmd = ov ? member_command(sw, out, ov) : NULL;
    if (!cmd) {
        free(ov);
        write_note(note, "out of memory");
        return CFX_MEMBER_FAILED;
    }
    /* a member stopped by a signal left a checkpoint in DIR: go on from it */
    int resumed = o->resume && cfx_checkpoint_latest(ckpt, sizeof ckpt, out);
    poll_hook hook = {poll, poll_ctx};
    cfx_run_opts opt = {.scenario = sw->scenario,
                        .output = run_out,
                        .sets = ov,
                        .n_sets = k + 1,
                        .threads = 1,
                        .force = 1,
                        .command_line = cmd,
                        .created = created,
                        .stop = o->stop,
                        .checkpoint_on_stop = 1,
                        .flush_at_close = 1, /* a killed member is redone */
                        .chunk_bytes = (size_t)1 << 20,
                        .resume = resumed ? ckpt : NULL,
                        .progress = poll ? on_day : NULL,
                        .progress_ctx = &hook};
    cfx_run_result res;
    cfx_diags d = {0};
    cfx_error err = {0};
    int rc = cfx_run(&opt, &res, &d, &err), status = CFX_MEMBER_OK;
    if (rc == CFX_EINTR) {
        status = CFX_MEMBER_STOPPED;
        if (o->scratch && keep_checkpoint(run_out, out)) {
            status = CFX_MEMBER_FAILED;
            write_note(note, "stopped by a signal, and its checkpoint could not be copied "
                             "from the scratch directory");
        }
    } else if (rc == CFX_EINVAL && resumed && err.file[0] &&
               strncmp(err.file, ckpt, sizeof err.file - 1) == 0) {
        /* its checkpoint was refused, and every later --resume would refuse it again: when
         * it is damaged (io/ckpt.c's words for that all say "damaged"), the note says how to
         * run the member afresh; otherwise it was written by another conflux or for other
         * inputs, and rerunning this member alone would mix versions in one sweep */
        status = CFX_MEMBER_FAILED;
        char dir[1100];
        cfx_error_format(&err, why, sizeof why);
        snprintf(dir, sizeof dir, "%s", ckpt);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        char msg[2600];
        if (strstr(err.msg, "damaged"))
            snprintf(msg, sizeof msg,
                     "%s; delete %s and run the sweep again with --resume to run this member "
                     "from its first day",
                     why, dir);
        else
            snprintf(msg, sizeof msg,
                     "%s; the sweep's inputs or conflux changed since it was stopped: finish it "
                     "with the conflux and files that started it, or run it again whole in a "
                     "new directory",
                     why);
        write_note(note, msg);
    } else if (rc) {
        status = CFX_MEMBER_FAILED;
        note_failure(note, &d, &err);
    } else if (o->scratch && cfx_copy_file(run_out, out)) {
        status = CFX_MEMBER_FAILED;
        char msg[2400];
        snprintf(msg, sizeof msg, "%s: cannot copy the result from scratch to %s: %s", run_out,
                 out, strerror(errno));
        write_note(note, msg);
    }
    if (status != CFX_MEMBER_FAILED)
        unlink(note); /* of an earlier try */
    if (status == CFX_MEMBER_OK)
        cfx_checkpoint_remove(out);
    if (o->scratch && status != CFX_MEMBER_STOPPED) {
        unlink(run_out);
        cfx_checkpoint_remove(run_out);
    }
    cfx_diags_free(&d);
    free(ov);
    free(cmd);
    return status;
}

/* ---------------------------------------------------------------- the local driver */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int cfx_sweep_todo(const cfx_sweep *sw, const cfx_sweep_opts *o, size_t *todo, size_t *n_todo,
                   cfx_sweep_tally *t, cfx_error *err)
{
    size_t n = 0, kk = o->shard_n ? o->shard_k : 0, nn = o->shard_n ? o->shard_n : 1;
    char path[1100];
    memset(t, 0, sizeof *t);
    for (size_t m = kk; m < sw->n_members; m += nn) {
        cfx_sweep_member_path(path, sizeof path, o->dir, m, ".h5");
        if (o->resume && cfx_output_complete(path)) {
            t->skipped++;
            continue;
        }
        if (!o->resume && exists(path))
            return cfx_error_set(err, CFX_ECREATE, path, 0, 0,
                                 "exists; not overwritten (add --resume to skip complete "
                                 "members and redo the rest)");
        todo[n++] = m;
    }
    *n_todo = n;
    t->todo = n;
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cfx_sweep_progress(const cfx_sweep_opts *o, cfx_sweep_tally *t, double elapsed_s, int last)
{
    if (!o->progress || (!last && elapsed_s - t->shown_s < (o->progress == 2 ? 0.2 : 10)))
        return;
    t->shown_s = elapsed_s;
    size_t done = t->ok + t->failed;
    double left = done ? elapsed_s / (double)done * (double)(t->todo - done) : 0;
    fprintf(stderr, "%smembers: %zu of %zu done, %zu failed%s, %.0f s elapsed, ~%.0f s left%s",
            o->progress == 2 ? "\r" : "", done, t->todo, t->failed,
            t->skipped ? " (complete ones skipped)" : "", elapsed_s, left,
            o->progress == 2 && !last ? " " : "\n");
    fflush(stderr);
}

/* Writes the note of a member whose process died without writing one. */
static void note_crash(const char *dir, size_t m, int status)
{
    char note[1100], msg[128];
    cfx_sweep_member_path(note, sizeof note, dir, m, ".error");
    if (WIFSIGNALED(status))
        snprintf(msg, sizeof msg, "the member's process was killed by signal %d", WTERMSIG(status));
    else
        snprintf(msg, sizeof msg, "the member's process exited with status %d",
                 WEXITSTATUS(status));
    if (!exists(note))
        write_note(note, msg);
}

/* A worker: a child process that runs the members it is sent, one after another, and
 * answers each with its status. It keeps its heap, its HDF5 library and its zlib streams
 * from one member to the next, where a process per member paid for them (page faults, set
 * up) every time; a member that crashes still takes only its worker with it. */
typedef struct worker {
    pid_t pid;  /* 0: none */
    int to;     /* the parent's end of the pipe of member numbers */
    int from;   /* the parent's end of the pipe of answers */
    size_t m;   /* the member it runs */
    int busy;
} worker;

typedef struct answer {
    uint64_t m;
    int32_t status; /* CFX_MEMBER_* */
} answer;

static void worker_loop(const cfx_sweep *sw, const cfx_sweep_opts *o, int in, int out)
{
    uint64_t m;
    while (cfx_move_all(in, &m, sizeof m, 0) == sizeof m) {
        answer a = {.m = m, .status = cfx_sweep_run_member(sw, (size_t)m, o, NULL, NULL)};
        if (cfx_move_all(out, &a, sizeof a, 1) != sizeof a)
            break;
    }
    _exit(0);
}

/* Starts worker s (the others' pipe ends are closed in the child). 0, or -1 with errno. */
static int start_worker(worker *w, int jobs, int s, const cfx_sweep *sw, const cfx_sweep_opts *o)
{
    int down[2], up[2];
    if (pipe(down))
        return -1;
    if (pipe(up)) {
        close(down[0]);
        close(down[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        for (int k = 0; k < jobs; k++)
            if (k != s && w[k].pid) {
                close(w[k].to);
                close(w[k].from);
            }
        worker_loop(sw, o, down[0], up[1]);
    }
    int saved = errno;
    close(down[0]);
    close(up[1]);
    if (pid < 0) {
        close(down[1]);
        close(up[0]);
        errno = saved;
        return -1;
    }
    w[s] = (worker){.pid = pid, .to = down[1], .from = up[0]};
    return 0;
}

/* Sends member m to worker s; -1 when the worker is gone. */
static int send_member(worker *w, size_t m)
{
    uint64_t v = m;
    w->m = m;
    w->busy = cfx_move_all(w->to, &v, sizeof v, 1) == sizeof v;
    return w->busy ? 0 : -1;
}

static void stop_worker(worker *w)
{
    close(w->to);
    close(w->from);
    waitpid(w->pid, NULL, 0);
    w->pid = 0;
}

int cfx_sweep_run_local(const cfx_sweep *sw, const cfx_sweep_opts *o, const size_t *todo,
                        size_t n_todo, cfx_sweep_tally *t, cfx_error *err)
{
    int jobs = o->jobs > 0 ? o->jobs : 1, rc = 0, told = 0;
    worker *w = calloc((size_t)jobs, sizeof *w);
    struct pollfd *fds = calloc((size_t)jobs, sizeof *fds);
    int *slot = calloc((size_t)jobs, sizeof *slot);
    size_t next = 0;
    double t0 = now_s();
    if (!w || !fds || !slot) {
        free(w);
        free(fds);
        free(slot);
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* a worker that dies leaves its pipe closed: a write to it must fail, not kill us */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
    sigaction(SIGPIPE, &ign, &old_pipe);
    for (;;) {
        /* every idle slot gets the next member, starting a worker where there is none */
        for (int s = 0; s < jobs && !rc && next < n_todo && !(o->stop && *o->stop); s++) {
            if (w[s].busy)
                continue;
            if (!w[s].pid && start_worker(w, jobs, s, sw, o)) {
                rc = cfx_error_set(err, CFX_EFAIL, NULL, 0, 0, "cannot start a member: %s",
                                   strerror(errno));
                break;
            }
            if (send_member(&w[s], todo[next]) == 0)
                next++;
            else
                stop_worker(&w[s]); /* gone before it took one: start another */
        }
        int n = 0;
        for (int s = 0; s < jobs; s++)
            if (w[s].busy) {
                fds[n] = (struct pollfd){.fd = w[s].from, .events = POLLIN};
                slot[n++] = s;
            }
        if (n == 0 && (rc || next >= n_todo || (o->stop && *o->stop)))
            break;
        /* A stop (Slurm's signal may reach this process only) is passed on to the members,
         * which save a checkpoint after their day. */
        for (int s = 0; o->stop && *o->stop && !told && s < jobs; s++)
            if (w[s].busy)
                kill(w[s].pid, SIGTERM);
        told = o->stop && *o->stop;
        /* polled, so that a signal arriving just before the wait is seen within 20 ms */
        if (n == 0 || poll(fds, (nfds_t)n, 20) <= 0)
            continue;
        for (int i = 0; i < n; i++) {
            worker *x = &w[slot[i]];
            if (!fds[i].revents)
                continue;
            answer a;
            x->busy = 0;
            if (cfx_move_all(x->from, &a, sizeof a, 0) == sizeof a && a.m == x->m) {
                if (a.status == CFX_MEMBER_OK)
                    t->ok++;
                else if (a.status == CFX_MEMBER_STOPPED)
                    t->stopped++;
                else
                    t->failed++;
                continue;
            }
            /* the worker died running its member */
            int status = 0;
            close(x->to);
            close(x->from);
            waitpid(x->pid, &status, 0);
            x->pid = 0;
            t->failed++;
            note_crash(o->dir, x->m, status);
        }
        cfx_sweep_progress(o, t, now_s() - t0, 0);
    }
    cfx_sweep_progress(o, t, now_s() - t0, 1);
    for (int s = 0; s < jobs; s++)
        if (w[s].pid)
            stop_worker(&w[s]);
    sigaction(SIGPIPE, &old_pipe, NULL);
    free(w);
    free(fds);
    free(slot);
    if (!rc)
        rc = cfx_sweep_interrupted(o, t, n_todo, err);
    return rc;
}

int cfx_sweep_interrupted(const cfx_sweep_opts *o, const cfx_sweep_tally *t, size_t n_todo,
                          cfx_error *err)
{
    if (!(o->stop && *o->stop) || t->ok + t->failed >= n_todo)
        return 0;
    return cfx_error_set(err, CFX_EINTR, NULL, 0, 0,
                         "interrupted: %zu of %zu members done, %zu stopped with a checkpoint; "
                         "rerun with --resume to finish",
                         t->ok + t->failed, n_todo, t->stopped);
}

void cfx_sweep_print_failures(const char *dir, const size_t *members, size_t n, size_t max,
                              FILE *f)
{
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < max; i++) {
        char path[1100], *msg = NULL;
        size_t len;
        cfx_error ignore;
        cfx_sweep_member_path(path, sizeof path, dir, members[i], ".error");
        if (cfx_read_file(path, &msg, &len, &ignore) == 0) {
            fprintf(f, "conflux: member %zu failed: %s%s", members[i], msg,
                    len && msg[len - 1] == '\n' ? "" : "\n");
            shown++;
        }
        free(msg);
    }
}
