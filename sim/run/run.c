/* A whole run: load, check the output path, simulate day by day while writing the result
 * file under a temporary name, check conservation each day, rename on success. */
#include "run/run.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "core/util.h"
#include "engine/world.h"
#include "models/registry.h"
#include "run/checkpoint.h"
#include "run/output.h"

int cfx_scenario_load(cfx_scenario **out, const char *path, const cfx_override *ov, size_t n_ov,
                      cfx_diags *d)
{
    return cfx_scenario_read(out, path, ov, n_ov, cfx_models_default_readers(), 1, d);
}

/* The scenario without its events table, which may be the very file a tool is writing (or
 * not exist yet): an empty one stands in for it. */
int cfx_scenario_load_network(cfx_scenario **out, const char *path, cfx_diags *d)
{
    char tmp[] = "/tmp/conflux-acled-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return cfx_diags_add(d, CFX_EFAIL, tmp, 0, 0, "cannot create a temporary file: %s",
                             strerror(errno));
    static const char header[] = "day,kind,target,days\n";
    int ok = write(fd, header, sizeof header - 1) == (ssize_t)(sizeof header - 1);
    close(fd);
    cfx_override ov = {.path = "events", .value = tmp};
    int rc = ok ? cfx_scenario_load(out, path, &ov, 1, d)
                : cfx_diags_add(d, CFX_EFAIL, tmp, 0, 0, "cannot write a temporary file");
    unlink(tmp);
    return rc;
}

int cfx_world_new(cfx_world **out, const cfx_scenario *s, int threads, cfx_error *err)
{
    cfx_world_opts wo = {.models = cfx_models_default(), .threads = threads};
    return cfx_world_alloc(out, s, &wo, err);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void iso_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Only a regular file (or nothing) may be replaced: never a directory or a device. */
static int replaceable(const char *path)
{
    struct stat st;
    return lstat(path, &st) != 0 || S_ISREG(st.st_mode);
}

/* The overrides as "path=value" lines, stamped into the result so it reproduces its run. */
static char *join_overrides(const cfx_run_opts *opt)
{
    size_t n = 1;
    for (size_t i = 0; i < opt->n_sets; i++)
        n += strlen(opt->sets[i].path) + strlen(opt->sets[i].value) + 2;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < opt->n_sets; i++)
        p += sprintf(p, "%s=%s\n", opt->sets[i].path, opt->sets[i].value);
    return s;
}

/* Chooses OUT and OUT.partial; refuses to overwrite what a user has. */
static int prepare_output(const cfx_run_opts *opt, const cfx_scenario *s, char *out,
                          size_t nout, char *partial, size_t npartial, cfx_error *err)
{
    if (opt->output) {
        snprintf(out, nout, "%s", opt->output);
    } else {
        if (mkdir("results", 0777) && errno != EEXIST)
            return cfx_error_set(err, CFX_ECREATE, "results", 0, 0,
                                 "cannot create the results directory: %s", strerror(errno));
        snprintf(out, nout, "results/%s.h5", s->name);
    }
    if ((size_t)snprintf(partial, npartial, "%s.partial", out) >= npartial)
        return cfx_error_set(err, CFX_ECREATE, out, 0, 0, "output path too long");
    /* Say so when the directory is missing, rather than fail later on OUT.partial. */
    const char *slash = strrchr(out, '/');
    if (slash && slash != out) {
        char dir[1024];
        struct stat st;
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - out), out);
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return cfx_error_set(err, CFX_ECREATE, out, 0, 0,
                                 "cannot create the output file: the directory '%s' does not "
                                 "exist",
                                 dir);
    }
    if (!replaceable(out) || !replaceable(partial))
        return cfx_error_set(err, CFX_ECREATE, replaceable(out) ? partial : out, 0, 0,
                             "exists and is not a regular file; not replaced, even with --force");
    if (exists(out) && !opt->force)
        return cfx_error_set(err, CFX_ECREATE, out, 0, 0,
                             "output exists; not overwritten without --force");
    if (exists(partial)) {
        /* a resumed run rebuilds the partial result of the run it continues */
        if (!opt->force && !opt->resume)
            return cfx_error_set(err, CFX_ECREATE, partial, 0, 0,
                                 "a partial result from an interrupted or failed run is in the "
                                 "way; move it or use --force");
        if (unlink(partial))
            return cfx_error_set(err, CFX_ECREATE, partial, 0, 0, "cannot remove: %s",
                                 strerror(errno));
    }
    return 0;
}

/* A lower bound on the memory a run of s needs, bytes, from the sizes in sim/world.c,
 * sim/network.c and sim/output.c: each shipment slot holds 43 bytes in its arrays and 4 in
 * the calendar, the arrays grow by doubling (up to twice that) and realloc copies them
 * (half as much again while it does, so 2.5 x 47 bytes); nodes and roads carry
 * about 20 arrays each, plus the routes (a node x group table); the output buffers
 * chunk_days rows of every series, and HDF5 holds about as much again. */
static double estimate_bytes(const cfx_scenario *s, int threads)
{
    double n = (double)s->n_nodes, m = (double)s->n_edges, g = (double)s->n_groups;
    double ships = 2.5 * 47 * (double)s->initial_shipments;
    double network = n * (160 + 12 * g) + m * 160 + threads * n * 32;
    double row = 40 * n + 8 * m + 16 * g + 64 * (double)s->n_products;
    return ships + network + 2 * (double)s->chunk_days * row;
}

/* The world, unless *w holds one already (a resumed run's, its checkpoint loaded), and the
 * result file laid out at OUT.partial, which needs only the scenario (cfx_output_create).
 * With two threads or more the two are made at once: the world, with its first routing
 * tables, on one thread, and the file on this one, which makes every HDF5 call of the run
 * (HDF5 must never be called from two threads at once, and a thread-safe build keeps its
 * error settings per thread). W2's layout, 700,000 strings, takes about 0.15 s, and so do
 * its world and routes. The first step would make those routes otherwise: nothing changes the
 * network before that step's events, and an event (or an attack) that does has them made
 * again, which the other thread has time for. On one thread, the world first and no
 * routes: there they could only cost. A world that cannot be made leaves no file. Sets
 * res->load_seconds (the scenario and the world, from t0) when it makes the world,
 * res->output_seconds (the layout) and res->output_wait_seconds (the layout's time past the
 * world's when the two are made at once: the time the run waited for it). */
static int start(const cfx_scenario *s, const cfx_world_opts *wo, const char *partial,
                 const cfx_output_meta *meta, cfx_world **w, cfx_output **out,
                 cfx_run_result *res, double t0, cfx_error *err)
{
    int make = !*w, rc_w = 0, rc_o = 0, beside = 0;
    double loaded = t0, laid_out = 0, layout_end = 0, layout_start = 0;
    cfx_error err_w, err_o;
#pragma omp parallel num_threads(make && wo->threads > 1 ? 2 : 1)
    {
        int me = omp_get_thread_num(), last = omp_get_num_threads() - 1;
        if (me == 0)
            beside = last > 0;
        if (me == last && make) {
            rc_w = cfx_world_alloc(w, s, wo, &err_w);
            if (!rc_w && last > 0 && (rc_w = cfx_world_route(*w)))
                cfx_error_set(&err_w, rc_w, NULL, 0, 0, "out of memory (routes)");
            loaded = now_s();
        }
        if (me == 0 && !(last == 0 && rc_w)) {
            layout_start = now_s();
            rc_o = cfx_output_create(out, partial, s, meta, &err_o);
            layout_end = now_s();
            laid_out = layout_end - layout_start;
        }
    }
    if (make)
        res->load_seconds = loaded - t0;
    res->output_seconds = laid_out;
    /* beside the world: the part of the layout after the world was made */
    double after = layout_end - (loaded > layout_start ? loaded : layout_start);
    res->output_wait_seconds = !beside ? laid_out : after > 0 ? after : 0;
    if (rc_w) {
        cfx_output_discard(*out);
        *out = NULL;
        *err = err_w;
        return rc_w;
    }
    if (rc_o)
        *err = err_o;
    return rc_o;
}

/* Output since t, which the run waited for. */
static void output_since(cfx_run_result *res, double t)
{
    double spent = now_s() - t;
    res->output_seconds += spent;
    res->output_wait_seconds += spent;
}

/* Refuses, before anything is allocated, a scenario that cannot fit in memory: a run that
 * the operating system would kill hours later, or that would push a shared node to swap. */
static int check_memory(const cfx_scenario *s, int threads, cfx_diags *d)
{
    const char *what;
    double need = estimate_bytes(s, threads), have = cfx_mem_available(&what);
    if (need <= have)
        return 0;
    const double gib = 1024.0 * 1024 * 1024;
    return cfx_diags_add(d, CFX_EINVAL, s->path, 0, 0,
                         "too large for this machine: the run needs an estimated %.2f GiB "
                         "(%ld shipments at day 0, %zu nodes, %zu roads, %zu groups) but %s is "
                         "%.2f GiB; refused before allocating. Lower "
                         "transport.initial_shipments or the network's size, or run it on a "
                         "machine with more memory",
                         need / gib, s->initial_shipments, s->n_nodes, s->n_edges, s->n_groups,
                         what, have / gib);
}

static void check_conservation(const cfx_world *w, long day)
{
    cfx_world_totals t;
    cfx_world_get_totals(w, &t);
    int64_t lhs = t.produced_kg;
    int64_t rhs = t.arrived_kg + t.in_transit_kg + t.stock_kg + t.seized_kg + t.lost_kg;
    if (lhs != rhs) {
        fprintf(stderr,
                "internal error: cargo not conserved on day %ld: produced %lld kg, accounted "
                "%lld kg\n",
                day, (long long)lhs, (long long)rhs);
        abort();
    }
}

int cfx_run(const cfx_run_opts *opt, cfx_run_result *res, cfx_diags *d, cfx_error *err)
{
    double t0 = now_s();
    memset(res, 0, sizeof *res);
    cfx_scenario *s = NULL;
    cfx_world *w = NULL;
    cfx_output *out = NULL;
    char path[1024], partial[1040];
    char *overrides = NULL;
    long day0 = 0; /* days a checkpoint brings */
    int rc = cfx_scenario_read(&s, opt->scenario, opt->sets, opt->n_sets,
                               cfx_models_default_readers(), opt->threads, d);
    if (rc)
        return rc;
    if ((rc = check_memory(s, opt->threads > 0 ? opt->threads : 1, d)))
        goto done;
    if ((rc = prepare_output(opt, s, path, sizeof path, partial, sizeof partial, err)))
        goto done;
    cfx_world_opts wo = {.models = cfx_models_default(),
                         .threads = opt->threads > 0 ? opt->threads : 1};
    if (!(overrides = join_overrides(opt))) {
        rc = cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
        goto done;
    }
    cfx_checkpoint_meta cmeta = {.overrides = overrides, .command_line = opt->command_line,
                                 .threads = wo.threads};
    char created[32];
    iso_now(created, sizeof created);
    cfx_output_meta meta = {.command_line = opt->command_line, .threads = wo.threads,
                            .created = opt->created ? opt->created : created,
                            .overrides = overrides,
                            .flush_at_close = opt->flush_at_close,
                            .chunk_bytes = opt->chunk_bytes};
    if (opt->resume) { /* its checkpoint checked before any file is laid out */
        if ((rc = cfx_world_alloc(&w, s, &wo, err)) ||
            (rc = cfx_checkpoint_load(opt->resume, w, &cmeta, &day0, err)))
            goto done;
        res->load_seconds = now_s() - t0;
    }
    if ((rc = start(s, &wo, partial, &meta, &w, &out, res, t0, err)))
        goto done;
    if (opt->resume) {
        double t_replay = now_s();
        rc = cfx_checkpoint_replay(opt->resume, out, w, day0, err);
        output_since(res, t_replay);
        if (rc)
            goto done;
    }
    snprintf(res->scenario, sizeof res->scenario, "%s", s->name);
    snprintf(res->output, sizeof res->output, "%s", partial);
    res->days = s->days;
    res->threads = wo.threads;
    res->days_run = day0;
    for (long day = day0; day < s->days; day++) {
        if (opt->stop && *opt->stop) {
            /* a run told to checkpoint when stopped saves the days it has not saved yet */
            if (opt->checkpoint_on_stop && day > day0 &&
                (opt->checkpoint_every <= 0 || day % opt->checkpoint_every != 0) &&
                (rc = cfx_checkpoint_write(path, w, out, &cmeta, err)))
                break;
            rc = cfx_error_set(err, CFX_EINTR, NULL, 0, 0,
                               "interrupted after %ld of %ld days; partial result kept in %s",
                               day, s->days, partial);
            break;
        }
        cfx_obs row; /* the day observed straight into the output's buffer */
        cfx_output_next_row(out, &row);
        cfx_world_observe_into(w, &row);
        if ((rc = cfx_world_run_day(w, err)))
            break;
        check_conservation(w, day);
        res->days_run = day + 1;
        double t_append = now_s();
        rc = cfx_output_append(out, w, err);
        output_since(res, t_append);
        if (rc)
            break;
        if (opt->progress)
            opt->progress(opt->progress_ctx, day + 1, s->days, now_s() - t0);
        if (opt->checkpoint_every > 0 && (day + 1) % opt->checkpoint_every == 0 &&
            day + 1 < s->days && (rc = cfx_checkpoint_write(path, w, out, &cmeta, err)))
            break;
    }
    cfx_world_observe_into(w, NULL); /* before the buffer goes */
    int complete = rc == 0;
    cfx_error cerr;
    double t_close = now_s();
    int crc = cfx_output_close(out, w, complete, &cerr);
    output_since(res, t_close);
    out = NULL;
    if (crc && !rc) {
        rc = crc;
        *err = cerr;
    }
    if (!rc) {
        /* Without --force, link + unlink: a file that appeared at OUT during the run is not
         * replaced (rename would replace it silently). */
        int moved = opt->force ? rename(partial, path) : link(partial, path);
        if (moved && !opt->force && errno != EEXIST && !exists(path))
            moved = rename(partial, path); /* a file system without hard links */
        else if (!moved && !opt->force)
            unlink(partial);
        if (moved) {
            rc = cfx_error_set(err, errno == EEXIST ? CFX_ECREATE : CFX_EIO, path, 0, 0,
                               errno == EEXIST ? "appeared during the run and is not replaced; "
                                                 "the result is in %s"
                                               : "cannot move %s into place: %s",
                               partial, strerror(errno));
        } else {
            snprintf(res->output, sizeof res->output, "%s", path);
            res->complete = 1;
        }
    }
    cfx_world_totals tot;
    cfx_world_get_totals(w, &tot);
    res->hop_events = tot.hop_events;
    res->shipment_days = tot.shipment_days;
    res->produced_t = (double)tot.produced_kg / 1000.0;
    res->arrived_t = (double)tot.arrived_kg / 1000.0;
    res->in_transit_t = (double)tot.in_transit_kg / 1000.0;
    res->stock_t = (double)tot.stock_kg / 1000.0;
    res->seized_t = (double)tot.seized_kg / 1000.0;
    res->lost_t = (double)tot.lost_kg / 1000.0;
    res->n_events = tot.n_events;
done:
    if (out) {
        cfx_error ignore;
        cfx_output_close(out, w, 0, &ignore);
    }
    free(overrides);
    cfx_world_free(w);
    cfx_scenario_free(s);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        res->peak_rss_bytes = ru.ru_maxrss * 1024L;
    res->wall_seconds = now_s() - t0;
    return rc;
}
