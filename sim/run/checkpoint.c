/* Checkpoint files: the cfx_ckpt handle that the world and the models save and load their
 * state through (one checksummed dataset per array), and the run-level writing, checking
 * and loading of a whole checkpoint. The only module besides the output that talks to
 * HDF5; the series a checkpoint carries are copied by the output module, which owns their
 * layout. */
#include "run/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include "run/output.h"
#include "run/run.h"
#include "core/version.h"
#include "engine/world.h"

struct cfx_ckpt {
    hid_t file;
    hid_t group; /* current group (== file at the root) */
    int saving;
    int rc;          /* the first failure, 0 while none */
    cfx_error *err;  /* where that failure is described */
    char path[1200]; /* the file, for messages */
    char where[128]; /* the current group, for messages */
};

static hid_t native(cfx_ckpt_type t)
{
    switch (t) {
    case CFX_CKPT_U8:
        return H5T_NATIVE_UINT8;
    case CFX_CKPT_U16:
        return H5T_NATIVE_UINT16;
    case CFX_CKPT_I32:
        return H5T_NATIVE_INT32;
    case CFX_CKPT_U32:
        return H5T_NATIVE_UINT32;
    case CFX_CKPT_I64:
        return H5T_NATIVE_INT64;
    case CFX_CKPT_U64:
        return H5T_NATIVE_UINT64;
    case CFX_CKPT_INT:
        return H5T_NATIVE_INT;
    case CFX_CKPT_LONG:
        return H5T_NATIVE_LONG;
    case CFX_CKPT_SIZE:
        return sizeof(size_t) == 8 ? H5T_NATIVE_UINT64 : H5T_NATIVE_UINT32;
    default:
        return H5T_NATIVE_DOUBLE;
    }
}

static size_t type_size(cfx_ckpt_type t)
{
    static const size_t size[CFX_CKPT_NTYPES] = {[CFX_CKPT_U8] = 1,
                                                 [CFX_CKPT_U16] = 2,
                                                 [CFX_CKPT_I32] = 4,
                                                 [CFX_CKPT_U32] = 4,
                                                 [CFX_CKPT_I64] = 8,
                                                 [CFX_CKPT_U64] = 8,
                                                 [CFX_CKPT_F64] = 8,
                                                 [CFX_CKPT_INT] = sizeof(int),
                                                 [CFX_CKPT_LONG] = sizeof(long),
                                                 [CFX_CKPT_SIZE] = sizeof(size_t)};
    return size[t];
}

/* FNV-1a on 64-bit words (then the tail bytes): a checksum of a dataset's bytes as the
 * writer held them, to tell a damaged checkpoint from a good one. */
static uint64_t checksum(const void *v, size_t n)
{
    const unsigned char *p = v;
    uint64_t h = 14695981039346656037ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, 8);
        h = (h ^ word) * 1099511628211ULL;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

int cfx_ckpt_saving(const cfx_ckpt *c)
{
    return c->saving;
}

int cfx_ckpt_status(const cfx_ckpt *c)
{
    return c->rc;
}

/* Records the first failure: "PATH: checkpoint: GROUP/NAME: message". */
static int ck_fail(cfx_ckpt *c, int code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int ck_fail(cfx_ckpt *c, int code, const char *name, const char *fmt, ...)
{
    if (c->rc)
        return c->rc;
    char msg[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->rc = code;
    if (name)
        return cfx_error_set(c->err, code, c->path, 0, 0, "checkpoint: '%s%s%s': %s", c->where,
                             c->where[0] ? "/" : "", name, msg);
    return cfx_error_set(c->err, code, c->path, 0, 0, "checkpoint: %s", msg);
}

/* Loading fails with CFX_EINVAL (a damaged or foreign file), saving with CFX_EIO. */
static int io_code(const cfx_ckpt *c)
{
    return c->saving ? CFX_EIO : CFX_EINVAL;
}

int cfx_ckpt_group(cfx_ckpt *c, const char *path)
{
    if (c->rc)
        return c->rc;
    hid_t g = -1;
    if (strcmp(path, "/") == 0 || !c->saving) {
        g = H5Gopen2(c->file, path, H5P_DEFAULT);
    } else {
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        if (lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0)
            g = H5Gcreate2(c->file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (lcpl >= 0)
            H5Pclose(lcpl);
    }
    if (g < 0)
        return ck_fail(c, io_code(c), NULL, "group '%s' %s", path,
                       c->saving ? "cannot be created" : "is missing");
    if (c->group != c->file)
        H5Gclose(c->group);
    c->group = g;
    snprintf(c->where, sizeof c->where, "%s", strcmp(path, "/") == 0 ? "" : path);
    return 0;
}

static int attr_u64(hid_t obj, const char *name, uint64_t *v, int write)
{
    hid_t sp = -1, a;
    if (write) {
        sp = H5Screate(H5S_SCALAR);
        a = sp >= 0 ? H5Acreate2(obj, name, H5T_NATIVE_UINT64, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    } else {
        a = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT) : -1;
    }
    herr_t rc = a < 0   ? -1
                : write ? H5Awrite(a, H5T_NATIVE_UINT64, v)
                        : H5Aread(a, H5T_NATIVE_UINT64, v);
    if (a >= 0)
        H5Aclose(a);
    if (sp >= 0)
        H5Sclose(sp);
    return rc < 0 ? -1 : 0;
}

static int save_data(cfx_ckpt *c, const char *name, cfx_ckpt_type t, size_t n, const void *v)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t ds =
        sp >= 0 ? H5Dcreate2(c->group, name, native(t), sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)
                : -1;
    uint64_t sum = checksum(v, n * type_size(t));
    int ok = ds >= 0 &&
             (n == 0 || H5Dwrite(ds, native(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) &&
             attr_u64(ds, "checksum", &sum, 1) == 0;
    if (ds >= 0)
        H5Dclose(ds);
    if (sp >= 0)
        H5Sclose(sp);
    return ok ? 0 : ck_fail(c, CFX_EIO, name, "cannot be written");
}

/* Opens dataset name and gives its number of values; fails when it is not there. */
static hid_t open_data(cfx_ckpt *c, const char *name, size_t *n)
{
    hid_t ds =
        H5Lexists(c->group, name, H5P_DEFAULT) > 0 ? H5Dopen2(c->group, name, H5P_DEFAULT) : -1;
    hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    if (np < 0) {
        if (ds >= 0)
            H5Dclose(ds);
        ck_fail(c, CFX_EINVAL, name, "missing (not a conflux checkpoint, or a damaged one)");
        return -1;
    }
    *n = (size_t)np;
    return ds;
}

static int load_data(cfx_ckpt *c, const char *name, cfx_ckpt_type t, size_t n, void *v)
{
    size_t have;
    hid_t ds = open_data(c, name, &have);
    if (ds < 0)
        return c->rc;
    uint64_t sum = 0;
    int rc = 0;
    if (have != n)
        rc = ck_fail(c, CFX_EINVAL, name, "holds %zu values, expected %zu", have, n);
    else if (n && H5Dread(ds, native(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        rc = ck_fail(c, CFX_EINVAL, name, "cannot be read (the file is damaged)");
    else if (attr_u64(ds, "checksum", &sum, 0) || sum != checksum(v, n * type_size(t)))
        rc = ck_fail(c, CFX_EINVAL, name, "checksum mismatch (the file is damaged)");
    H5Dclose(ds);
    return rc;
}

int cfx_ckpt_data(cfx_ckpt *c, const char *name, cfx_ckpt_type t, size_t n, void *v)
{
    if (c->rc)
        return c->rc;
    return c->saving ? save_data(c, name, t, n, v) : load_data(c, name, t, n, v);
}

int cfx_ckpt_count(cfx_ckpt *c, const char *name, size_t max, size_t *n)
{
    uint64_t v = *n;
    if (cfx_ckpt_data(c, name, CFX_CKPT_U64, 1, &v))
        return c->rc;
    if (v > max)
        return ck_fail(c, CFX_EINVAL, name, "is %llu, more than the %zu possible",
                       (unsigned long long)v, max);
    *n = (size_t)v;
    return 0;
}

int cfx_ckpt_fail(cfx_ckpt *c, const char *name, const char *what)
{
    return ck_fail(c, io_code(c), name, "%s", what);
}

int cfx_ckpt_fields(cfx_ckpt *c, const cfx_ckpt_field *f, size_t nf, void *base)
{
    for (size_t i = 0; i < nf; i++)
        cfx_ckpt_data(c, f[i].name, f[i].type, 1, (char *)base + f[i].off);
    return c->rc;
}

int cfx_ckpt_records(cfx_ckpt *c, const cfx_ckpt_field *f, size_t nf, void *recs, size_t n,
                     size_t size)
{
    char *col = NULL;
    for (size_t i = 0; i < nf && !c->rc; i++) {
        size_t w = type_size(f[i].type);
        char *p = realloc(col, n ? n * w : 1);
        if (!p)
            return ck_fail(c, CFX_ENOMEM, f[i].name, "out of memory");
        col = p;
        char *at = (char *)recs + f[i].off;
        if (c->saving)
            for (size_t k = 0; k < n; k++)
                memcpy(col + k * w, at + k * size, w);
        if (!cfx_ckpt_data(c, f[i].name, f[i].type, n, col) && !c->saving)
            for (size_t k = 0; k < n; k++)
                memcpy(at + k * size, col + k * w, w);
    }
    free(col);
    return c->rc;
}

int cfx_ckpt_arrays(cfx_ckpt *c, const cfx_ckpt_array *a, size_t na, void *base, const size_t *lens)
{
    for (size_t i = 0; i < na; i++)
        cfx_ckpt_data(c, a[i].name, a[i].type, lens[a[i].len], *(void **)((char *)base + a[i].off));
    return c->rc;
}

/* Saves text as bytes, or loads it into a malloc'd NUL-terminated *text. */
static int ckpt_text(cfx_ckpt *c, const char *name, char **text)
{
    size_t n = 0;
    if (c->saving)
        return cfx_ckpt_data(c, name, CFX_CKPT_U8, strlen(*text), *text);
    if (c->rc)
        return c->rc;
    hid_t ds = open_data(c, name, &n);
    if (ds < 0)
        return c->rc;
    H5Dclose(ds);
    if (!(*text = calloc(n + 1, 1)))
        return ck_fail(c, CFX_ENOMEM, name, "out of memory");
    return cfx_ckpt_data(c, name, CFX_CKPT_U8, n, *text);
}

int cfx_ckpt_open(cfx_ckpt **out, const char *path, int saving, cfx_error *err)
{
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* errors are reported through cfx_error */
    struct stat st;
    if (!saving && (stat(path, &st) || access(path, R_OK)))
        return cfx_error_set(err, CFX_ENOENT, path, 0, 0, "cannot open the checkpoint: %s",
                             strerror(errno));
    if (!saving && !S_ISREG(st.st_mode))
        return cfx_error_set(err, CFX_ENOENT, path, 0, 0,
                             "cannot open the checkpoint: not a regular file");
    cfx_ckpt *c = calloc(1, sizeof *c);
    if (!c)
        return cfx_error_set(err, CFX_ENOMEM, path, 0, 0, "out of memory (checkpoint)");
    *c = (cfx_ckpt){.file = -1, .group = -1, .saving = saving, .err = err};
    snprintf(c->path, sizeof c->path, "%s", path);
    if (saving) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        if (fapl >= 0 && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) >= 0)
            c->file = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
        if (fapl >= 0)
            H5Pclose(fapl);
    } else if (H5Fis_hdf5(path) > 0) {
        c->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    }
    if (c->file < 0) {
        free(c);
        return saving ? cfx_error_set(err, CFX_ECREATE, path, 0, 0, "cannot create the checkpoint")
                      : cfx_error_set(err, CFX_EINVAL, path, 0, 0,
                                      "not a conflux checkpoint, or a damaged one (HDF5 cannot "
                                      "open it)");
    }
    c->group = c->file;
    *out = c;
    return 0;
}

int cfx_ckpt_close(cfx_ckpt *c)
{
    if (!c)
        return 0;
    if (c->group >= 0 && c->group != c->file)
        H5Gclose(c->group);
    if (c->file >= 0 && H5Fclose(c->file) < 0 && c->saving)
        ck_fail(c, CFX_EIO, NULL, "cannot close the file");
    int rc = c->rc;
    free(c);
    return rc;
}

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
    ckpt_text(c, "conflux_version", &m->version);
    ckpt_text(c, "git_commit", &m->commit);
    ckpt_text(c, "overrides", &m->overrides);
    ckpt_text(c, "command_line", &m->command_line);
    ckpt_text(c, "created", &m->created);
    return ckpt_text(c, "scenario_files", &m->sources);
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

/* The run's running summary (run.c's per-product sums), so a resumed run reports the same. */
/* clang-format off */
#define PS(f, t) {#f, CFX_CKPT_##t, offsetof(cfx_product_summary, f)}
static const cfx_ckpt_field summary_fields[] = {
    PS(baseline_price, F64), PS(peak_price, F64), PS(peak_day, LONG),
    PS(shortfall_t, F64),    PS(demand_t, F64),   PS(delivered_t, F64)};
#undef PS
/* clang-format on */

static int summary_io(cfx_ckpt *c, cfx_run_result *res)
{
    cfx_ckpt_group(c, "run");
    return cfx_ckpt_records(c, summary_fields, sizeof summary_fields / sizeof *summary_fields,
                            res->products, res->n_products, sizeof *res->products);
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

static int write_state(cfx_ckpt *c, cfx_world *w, const cfx_run_result *res,
                       const cfx_checkpoint_meta *meta)
{
    const cfx_scenario *s = w->s;
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ckpt_meta m = {.format = CFX_CKPT_FORMAT,
                   .days = w->step / w->steps_per_day,
                   .step = w->step,
                   .seed = s->seed,
                   .threads = meta->threads,
                   .version = CFX_VERSION,
                   .commit = CFX_GIT_COMMIT,
                   .overrides = (char *)(meta->overrides ? meta->overrides : ""),
                   .command_line = (char *)(meta->command_line ? meta->command_line : ""),
                   .created = created,
                   .sources = source_keys(s)};
    if (!m.sources)
        return ck_fail(c, CFX_ENOMEM, NULL, "out of memory");
    cfx_ckpt_data(c, "format_version", CFX_CKPT_INT, 1, &m.format);
    meta_io(c, &m);
    free(m.sources);
    cfx_ckpt_group(c, "scenario");
    for (size_t i = 0; i < s->n_sources; i++)
        cfx_ckpt_data(c, s->sources[i].key, CFX_CKPT_U8, s->sources[i].len, s->sources[i].text);
    cfx_world_checkpoint(w, c);
    return summary_io(c, (cfx_run_result *)res);
}

int cfx_checkpoint_write(const char *out, cfx_world *w, cfx_output *o, const cfx_run_result *res,
                         const cfx_checkpoint_meta *meta, cfx_error *err)
{
    char dir[1040], path[1100], tmp[1120];
    long days = w->step / w->steps_per_day;
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
    write_state(c, w, res, meta);
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

/* The checkpoint must be one this run can continue: same format, same conflux, same scenario
 * text, seed and overrides, a day inside the run. */
static int check_meta(cfx_ckpt *c, const ckpt_meta *m, const cfx_world *w,
                      const cfx_checkpoint_meta *meta)
{
    const cfx_scenario *s = w->s;
    const char *over = meta->overrides ? meta->overrides : "";
    if (strcmp(m->version, CFX_VERSION) != 0)
        return ck_fail(c, CFX_EINVAL, NULL,
                       "written by conflux %s; this is conflux %s, whose results may differ",
                       m->version, CFX_VERSION);
    if (m->seed != s->seed)
        return ck_fail(c, CFX_EINVAL, NULL,
                       "written by a run with seed %llu; this run has seed %llu (give the "
                       "same --seed and --set options as the run that wrote it)",
                       (unsigned long long)m->seed, (unsigned long long)s->seed);
    if (strcmp(m->overrides, over) != 0)
        return ck_fail(c, CFX_EINVAL, NULL,
                       "written by a run with the overrides [%s]; this run has [%s] (give the "
                       "same --seed, --days and --set options as the run that wrote it)",
                       m->overrides, over);
    char *keys = source_keys(s);
    int same = keys && strcmp(keys, m->sources) == 0;
    free(keys);
    if (!same)
        return ck_fail(c, CFX_EINVAL, NULL,
                       "written for another scenario (it does not read the same files)");
    cfx_ckpt_group(c, "scenario");
    for (size_t i = 0; i < s->n_sources && !c->rc; i++) {
        const cfx_source *src = &s->sources[i];
        char *text = NULL;
        if (!ckpt_text(c, src->key, &text) &&
            (strlen(text) != src->len || memcmp(text, src->text, src->len) != 0))
            ck_fail(c, CFX_EINVAL, NULL,
                    "written for another version of the scenario: %s (%s) has changed since",
                    src->path, src->key);
        free(text);
    }
    if (!c->rc && (m->days < 0 || m->days >= s->days || m->step != m->days * w->steps_per_day))
        ck_fail(c, CFX_EINVAL, NULL, "holds day %ld (step %ld) of a run of %ld days", m->days,
                m->step, s->days);
    return c->rc;
}

int cfx_checkpoint_load(const char *path, cfx_world *w, cfx_run_result *res,
                        const cfx_checkpoint_meta *meta, long *days, cfx_error *err)
{
    cfx_ckpt *c;
    int rc = cfx_ckpt_open(&c, path, 0, err);
    if (rc)
        return rc;
    ckpt_meta m = {0};
    int format = 0;
    if (!cfx_ckpt_data(c, "format_version", CFX_CKPT_INT, 1, &format) && format != CFX_CKPT_FORMAT)
        ck_fail(c, CFX_EINVAL, NULL,
                "format version %d; this conflux reads version %d (rerun from the start)", format,
                CFX_CKPT_FORMAT);
    if (!c->rc && !meta_io(c, &m) && !check_meta(c, &m, w, meta)) {
        if (!cfx_world_checkpoint(w, c) && w->step != m.step)
            ck_fail(c, CFX_EINVAL, NULL, "the world's step %ld is not the first of day %ld",
                    w->step, m.days);
        summary_io(c, res);
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
