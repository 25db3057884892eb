/* A run's checkpoint/resume (conflux run --checkpoint-every DAYS, --resume CKPT.h5): the
 * state of the world and of every model after a whole number of days (through the handle of
 * io/ckpt.h), the run's identity and the series written so far, in one HDF5 file written
 * under a temporary name and renamed. A run resumed from one writes the same bytes in every
 * series and event variable as a run that was never stopped. The layout is described in
 * models/README.md ("Checkpoints"). */
#include "run/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/version.h"
#include "engine/world.h"
#include "run/output.h"

/* ---------------------------------------------------------------- a run's checkpoint */

/* What identifies the run a checkpoint belongs to (the root group). */
typedef struct ckpt_meta {
    int format;         /* CFX_CKPT_FORMAT */
    long days;          /* days simulated: the resumed run starts with day `days` */
    long step;          /* the engine's next step */
    uint64_t seed;      /* the seed in effect */
    int threads;        /* of the run that wrote it (results do not depend on it) */
    char *version;      /* conflux version */
    char *commit;       /* its git commit, for information */
    char *overrides;    /* --set, --seed and --days of the run, "path=value" lines */
    char *command_line; /* for information */
    char *created;      /* UTC time written, for information */
    char *sources;      /* the keys of the scenario's files, one a line */
} ckpt_meta;

static const cfx_ckpt_field meta_fields[] = {
    {"days", CFX_CKPT_LONG, offsetof(ckpt_meta, days)},
    {"step", CFX_CKPT_LONG, offsetof(ckpt_meta, step)},
    {"seed", CFX_CKPT_U64, offsetof(ckpt_meta, seed)},
    {"threads", CFX_CKPT_INT, offsetof(ckpt_meta, threads)}};

/* Everything in the root group but the format, which is read first and alone. */
static int meta_io(cfx_ckpt *c, ckpt_meta *m)
{
    cfx_ckpt_fields(c, meta_fields, sizeof meta_fields / sizeof *meta_fields, m);
    cfx_ckpt_text(c, "conflux_version", &m->version);
    cfx_ckpt_text(c, "git_commit", &m->commit);
    cfx_ckpt_text(c, "overrides", &m->overrides);
    cfx_ckpt_text(c, "command_line", &m->command_line);
    cfx_ckpt_text(c, "created", &m->created);
    return cfx_ckpt_text(c, "scenario_files", &m->sources);
}

static void meta_free(ckpt_meta *m)
{
    free(m->version);
    free(m->commit);
    free(m->overrides);
    free(m->command_line);
    free(m->created);
    free(m->sources);
}

/* The keys of the scenario's files, one a line (malloc'd). */
static char *source_keys(const cfx_scenario *s)
{
    size_t n = 1;
    for (size_t i = 0; i < s->n_sources; i++)
        n += strlen(s->sources[i].key) + 1;
    char *keys = malloc(n), *p = keys;
    if (!keys)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < s->n_sources; i++)
        p += sprintf(p, "%s\n", s->sources[i].key);
    return keys;
}

int cfx_checkpoint_path(char *buf, size_t n, const char *out, long days)
{
    return (size_t)snprintf(buf, n, "%s.ckpt/day-%05ld.h5", out, days) >= n ? -1 : 0;
}

/* fsync of a file or a directory, so a rename never publishes what is not on disk. */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int write_state(cfx_ckpt *c, cfx_world *w, const cfx_checkpoint_meta *meta)
{
    const cfx_scenario *s = cfx_world_scenario(w);
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ckpt_meta m = {.format = CFX_CKPT_FORMAT,
                   .days = cfx_world_next_step(w) / cfx_world_steps_per_day(w),
                   .step = cfx_world_next_step(w),
                   .seed = s->seed,
                   .threads = meta->threads,
                   .version = CFX_VERSION,
                   .commit = CFX_GIT_COMMIT,
                   .overrides = (char *)(meta->overrides ? meta->overrides : ""),
                   .command_line = (char *)(meta->command_line ? meta->command_line : ""),
                   .created = created,
                   .sources = source_keys(s)};
    if (!m.sources)
        return cfx_ckpt_failf(c, CFX_ENOMEM, NULL, "out of memory");
    cfx_ckpt_data(c, "format_version", CFX_CKPT_INT, 1, &m.format);
    meta_io(c, &m);
    free(m.sources);
    cfx_ckpt_group(c, "scenario");
    for (size_t i = 0; i < s->n_sources; i++)
        cfx_ckpt_data(c, s->sources[i].key, CFX_CKPT_U8, s->sources[i].len, s->sources[i].text);
    return cfx_world_checkpoint(w, c);
}

int cfx_checkpoint_write(const char *out, cfx_world *w, cfx_output *o,
                         const cfx_checkpoint_meta *meta, cfx_error *err)
{
    char dir[1040], path[1100], tmp[1120];
    long days = cfx_world_next_step(w) / cfx_world_steps_per_day(w);
    if ((size_t)snprintf(dir, sizeof dir, "%s.ckpt", out) >= sizeof dir ||
        cfx_checkpoint_path(path, sizeof path, out, days))
        return cfx_error_set(err, CFX_ECREATE, out, 0, 0, "checkpoint path too long");
    snprintf(tmp, sizeof tmp, "%s.partial", path);
    struct stat st;
    if (mkdir(dir, 0777) && errno != EEXIST)
        return cfx_error_set(err, CFX_ECREATE, dir, 0, 0,
                             "cannot create the checkpoint directory: %s", strerror(errno));
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return cfx_error_set(err, CFX_ECREATE, dir, 0, 0,
                             "exists and is not a directory; no checkpoint can be written");
    unlink(tmp); /* left by a run killed while it wrote this checkpoint */
    cfx_ckpt *c;
    int rc = cfx_ckpt_open(&c, tmp, 1, err);
    if (rc)
        return rc;
    write_state(c, w, meta);
    rc = cfx_ckpt_close(c);
    if (!rc)
        rc = cfx_output_save_series(o, tmp, "series", err);
    if (!rc && sync_path(tmp))
        rc = cfx_error_set(err, CFX_EIO, tmp, 0, 0, "cannot sync the checkpoint: %s",
                           strerror(errno));
    if (!rc && rename(tmp, path))
        rc = cfx_error_set(err, CFX_EIO, path, 0, 0, "cannot move the checkpoint into place: %s",
                           strerror(errno));
    if (rc)
        unlink(tmp);
    else
        sync_path(dir); /* the rename itself, on file systems that need it */
    return rc;
}

/* Overrides as the run keeps them (KEY=VALUE lines) in one line for a message: "a=1; b=2". */
static void one_line(const char *over, char *buf, size_t n)
{
    size_t k = 0;
    const char *p = over;
    for (; *p && k + 6 < n; p++) {
        if (*p != '\n')
            buf[k++] = *p;
        else if (p[1]) {
            buf[k++] = ';';
            buf[k++] = ' ';
        }
    }
    if (*p && !(*p == '\n' && !p[1])) /* cut short: say so */
        k += (size_t)snprintf(buf + k, n - k, "...");
    buf[k] = '\0';
}

/* The checkpoint must be one this run can continue: same format, same conflux, same scenario
 * text, seed and overrides, a day inside the run. */
static int check_meta(cfx_ckpt *c, const ckpt_meta *m, const cfx_world *w,
                      const cfx_checkpoint_meta *meta)
{
    const cfx_scenario *s = cfx_world_scenario(w);
    const char *over = meta->overrides ? meta->overrides : "";
    if (strcmp(m->version, CFX_VERSION) != 0)
        return cfx_ckpt_failf(c, CFX_EINVAL, NULL,
                       "written by conflux %s; this is conflux %s, whose results may differ",
                       m->version, CFX_VERSION);
    if (m->seed != s->seed)
        return cfx_ckpt_failf(c, CFX_EINVAL, NULL,
                       "written by a run with seed %llu; this run has seed %llu (give the "
                       "same --seed and --set options as the run that wrote it)",
                       (unsigned long long)m->seed, (unsigned long long)s->seed);
    if (strcmp(m->overrides, over) != 0) {
        char was[400], now[400];
        one_line(m->overrides, was, sizeof was);
        one_line(over, now, sizeof now);
        return cfx_ckpt_failf(c, CFX_EINVAL, NULL,
                       "written by a run with the overrides [%s]; this run has [%s] (give the "
                       "same --seed, --days and --set options as the run that wrote it)",
                       was, now);
    }
    char *keys = source_keys(s);
    int same = keys && strcmp(keys, m->sources) == 0;
    free(keys);
    if (!same)
        return cfx_ckpt_failf(c, CFX_EINVAL, NULL,
                       "written for another scenario (it does not read the same files)");
    cfx_ckpt_group(c, "scenario");
    for (size_t i = 0; i < s->n_sources && !cfx_ckpt_status(c); i++) {
        const cfx_source *src = &s->sources[i];
        char *text = NULL;
        if (!cfx_ckpt_text(c, src->key, &text) &&
            (strlen(text) != src->len || memcmp(text, src->text, src->len) != 0))
            cfx_ckpt_failf(c, CFX_EINVAL, NULL,
                    "written for another version of the scenario: %s (%s) has changed since",
                    src->path, src->key);
        free(text);
    }
    if (!cfx_ckpt_status(c) && (m->days < 0 || m->days >= s->days || m->step != m->days * cfx_world_steps_per_day(w)))
        cfx_ckpt_failf(c, CFX_EINVAL, NULL, "holds day %ld (step %ld) of a run of %ld days", m->days,
                m->step, s->days);
    return cfx_ckpt_status(c);
}

int cfx_checkpoint_load(const char *path, cfx_world *w, const cfx_checkpoint_meta *meta,
                        long *days, cfx_error *err)
{
    cfx_ckpt *c;
    int rc = cfx_ckpt_open(&c, path, 0, err);
    if (rc)
        return rc;
    ckpt_meta m = {0};
    int format = 0;
    if (!cfx_ckpt_data(c, "format_version", CFX_CKPT_INT, 1, &format) && format != CFX_CKPT_FORMAT)
        cfx_ckpt_failf(c, CFX_EINVAL, NULL,
                "format version %d; this conflux reads version %d (rerun from the start)", format,
                CFX_CKPT_FORMAT);
    if (!cfx_ckpt_status(c) && !meta_io(c, &m) && !check_meta(c, &m, w, meta)) {
        if (!cfx_world_checkpoint(w, c) && cfx_world_next_step(w) != m.step)
            cfx_ckpt_failf(c, CFX_EINVAL, NULL, "the world's step %ld is not the first of day %ld",
                    cfx_world_next_step(w), m.days);
        *days = m.days;
    }
    meta_free(&m);
    return cfx_ckpt_close(c);
}

int cfx_checkpoint_replay(const char *path, cfx_output *o, const cfx_world *w, long days,
                          cfx_error *err)
{
    return cfx_output_load_series(o, w, path, "series", (size_t)days, err);
}

/* ---------------------------------------------------------------- finding and removing */

/* 1 when name is "day-NNNNN.h5" (a whole checkpoint, not one being written), with its day. */
static int checkpoint_day(const char *name, long *day)
{
    char tail[8];
    int used = 0;
    return sscanf(name, "day-%ld%7s%n", day, tail, &used) == 2 && strcmp(tail, ".h5") == 0 &&
           name[used] == '\0' && *day > 0;
}

int cfx_checkpoint_latest(char *buf, size_t n, const char *out)
{
    char dir[1040];
    long best = 0, day;
    if ((size_t)snprintf(dir, sizeof dir, "%s.ckpt", out) >= sizeof dir)
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        if (checkpoint_day(e->d_name, &day) && day > best)
            best = day;
    closedir(d);
    return best > 0 && cfx_checkpoint_path(buf, n, out, best) == 0;
}

void cfx_checkpoint_remove(const char *out)
{
    char dir[1040], path[1400];
    if ((size_t)snprintf(dir, sizeof dir, "%s.ckpt", out) >= sizeof dir)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, "day-", 4) == 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}
