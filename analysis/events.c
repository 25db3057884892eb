/* conflux events: a result file's event timeline with its labels. The file stores events as
 * numbers on the `event` dimension (event_time, event_kind, event_node, event_edge,
 * event_days, event_group; a sweep: one row per member, padded, with member_event_count);
 * this reads them with the names from the file itself (event_kind's flag_meanings, node_id,
 * node_name, edge, group_name, the start attribute), sorts them by time and prints them as a
 * table or writes them as CSV. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/result_file.h"
#include "core/date.h"
#include "io/csv.h"

enum { EV_TIME, EV_KIND, EV_NODE, EV_EDGE, EV_DAYS, EV_GROUP, EV_N };
static const char *const ev_vars[EV_N] = {"event_time", "event_kind", "event_node",
                                          "event_edge", "event_days", "event_group"};

typedef char label[CFX_ANALYZE_NAME];
typedef char road_label[2 * CFX_ANALYZE_NAME + 4]; /* "NAME to NAME" */

struct cfx_events {
    size_t n;            /* rows kept */
    cfx_event_row *rows; /* sorted by time */
    size_t n_kinds;      /* the kinds event_kind's flag attributes name */
    label *kind;         /* n_kinds names */
    long *kind_value;    /* n_kinds values */
    size_t n_nodes, n_edges, n_groups;
    label *node, *node_name, *edge, *group; /* node_name: NULL if the file has no names */
    road_label *edge_name;                  /* NULL if the file has no names */
    char note[320];
};

void cfx_events_free(cfx_events *e)
{
    if (!e)
        return;
    free(e->rows);
    free(e->kind);
    free(e->kind_value);
    free(e->node);
    free(e->node_name);
    free(e->edge);
    free(e->edge_name);
    free(e->group);
    free(e);
}

size_t cfx_events_count(const cfx_events *e)
{
    return e->n;
}

const cfx_event_row *cfx_events_get(const cfx_events *e, size_t i)
{
    return i < e->n ? &e->rows[i] : NULL;
}

const char *cfx_events_note(const cfx_events *e)
{
    return e->note[0] ? e->note : NULL;
}

static int nomem(cfx_error *err)
{
    return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory");
}

/* n labels of a 1-d string variable, malloc'd into *out; an absent optional one: *out NULL. */
static int labels(cfx_result_reader *r, const char *name, size_t n, int optional, label **out)
{
    *out = NULL;
    if (optional && H5Lexists(r->f, name, H5P_DEFAULT) <= 0)
        return 0;
    if (!(*out = calloc(n + 1, sizeof **out)))
        return nomem(r->err);
    return cfx_result_read_labels(r, name, n, *out);
}

/* The kind names: event_kind's flag_values and flag_meanings (CF flags). */
static int kinds(cfx_result_reader *r, cfx_events *e)
{
    hid_t ds = H5Dopen2(r->f, "event_kind", H5P_DEFAULT);
    int no_mem = 0, rc = 0;
    char *meanings = ds >= 0 ? cfx_result_attr_text(ds, "flag_meanings", &no_mem) : NULL;
    hid_t a =
        ds >= 0 && H5Aexists(ds, "flag_values") > 0 ? H5Aopen(ds, "flag_values", H5P_DEFAULT) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    hssize_t nv = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    size_t words = 0;
    for (char *p = meanings; p && *p;) {
        p += strspn(p, " ");
        if (*p)
            words++;
        p += strcspn(p, " ");
    }
    if (no_mem)
        rc = nomem(r->err);
    else if (!meanings || nv <= 0 || (size_t)nv != words)
        rc = cfx_result_fail(r, CFX_EINVAL,
                             "not a conflux result: event_kind lacks matching flag_values and "
                             "flag_meanings");
    else if (!(e->kind = calloc(words, sizeof *e->kind)) ||
             !(e->kind_value = calloc(words, sizeof *e->kind_value)))
        rc = nomem(r->err);
    else if (H5Aread(a, H5T_NATIVE_LONG, e->kind_value) < 0)
        rc = cfx_result_fail(r, CFX_EINVAL, "cannot read event_kind's flag_values");
    else {
        char *p = meanings;
        for (size_t k = 0; k < words; k++) {
            p += strspn(p, " ");
            size_t len = strcspn(p, " ");
            snprintf(e->kind[k], sizeof e->kind[k], "%.*s", (int)len, p);
            p += len;
        }
        e->n_kinds = words;
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (a >= 0)
        H5Aclose(a);
    if (ds >= 0)
        H5Dclose(ds);
    free(meanings);
    return rc;
}

/* Edge names "NAME OF FROM to NAME OF TO" from edge_from, edge_to and node_name (when the file
 * has them all). */
static int edge_names(cfx_result_reader *r, cfx_events *e)
{
    if (!e->node_name || !e->n_edges || H5Lexists(r->f, "edge_from", H5P_DEFAULT) <= 0 ||
        H5Lexists(r->f, "edge_to", H5P_DEFAULT) <= 0)
        return 0;
    int save = r->sweep, rc;
    hsize_t want[1] = {e->n_edges};
    double *ends = malloc(2 * e->n_edges * sizeof *ends);
    if (!ends || !(e->edge_name = calloc(e->n_edges, sizeof *e->edge_name))) {
        free(ends);
        return nomem(r->err);
    }
    r->sweep = 0;
    if (!(rc = cfx_result_read_var(r, "edge_from", 0, 1, want, ends)))
        rc = cfx_result_read_var(r, "edge_to", 0, 1, want, ends + e->n_edges);
    r->sweep = save;
    for (size_t i = 0; i < e->n_edges && !rc; i++) {
        double a = ends[i], b = ends[e->n_edges + i];
        if (a >= 0 && b >= 0 && a < (double)e->n_nodes && b < (double)e->n_nodes)
            snprintf(e->edge_name[i], sizeof e->edge_name[i], "%s to %s", e->node_name[(size_t)a],
                     e->node_name[(size_t)b]);
    }
    free(ends);
    return rc;
}

/* The labels events point to: nodes, roads, groups, kinds. */
static int read_labels(cfx_result_reader *r, cfx_events *e)
{
    int rc;
    if ((rc = cfx_result_len(r, "node_id", 1, &e->n_nodes)) ||
        (rc = cfx_result_len(r, "edge", 1, &e->n_edges)) ||
        (rc = cfx_result_len(r, "group_name", 1, &e->n_groups)) ||
        (rc = labels(r, "node_id", e->n_nodes, 0, &e->node)) ||
        (rc = labels(r, "node_name", e->n_nodes, 1, &e->node_name)) ||
        (rc = labels(r, "edge", e->n_edges, 0, &e->edge)) ||
        (rc = labels(r, "group_name", e->n_groups, 0, &e->group)) || (rc = kinds(r, e)))
        return rc;
    return edge_names(r, e);
}

/* Which member to read: a sweep's (member < 0: 0, noted), none of a run's. How many events
 * it recorded: member_event_count, or the whole event dimension of a run. */
static int pick_member(cfx_result_reader *r, cfx_events *e, long *member, size_t width,
                       size_t *count)
{
    *count = width;
    if (!r->sweep) {
        if (*member >= 0)
            return cfx_error_set(r->err, CFX_EUSAGE, r->path, 0, 0,
                                 "--member %ld: the file is a run, not a sweep", *member);
        *member = 0;
        return 0;
    }
    size_t M = r->n_members;
    if (*member >= (long)M)
        return cfx_error_set(r->err, CFX_EUSAGE, r->path, 0, 0,
                             "--member %ld: the sweep has %zu members (0 to %zu)", *member, M,
                             M - 1);
    if (*member < 0) {
        *member = 0;
        snprintf(e->note, sizeof e->note,
                 "a sweep of %zu members: showing member 0 (choose with --member N)", M);
    }
    double *v = malloc(M * sizeof *v);
    hsize_t want[1] = {M};
    int rc = 0, save = r->sweep;
    if (!v)
        return nomem(r->err);
    r->sweep = 0;
    if (!(rc = cfx_result_read_var(r, "member_event_count", 0, 1, want, v))) {
        double c = v[*member];
        if (!(c >= 0 && c <= (double)width))
            rc = cfx_result_fail(r, CFX_EINVAL,
                                 "member_event_count of member %ld is %g, not 0 to %zu", *member, c,
                                 width);
        else
            *count = (size_t)c;
    }
    if (!rc && H5Lexists(r->f, "member_status", H5P_DEFAULT) > 0 &&
        !(rc = cfx_result_read_var(r, "member_status", 0, 1, want, v)) && v[*member] != 0) {
        size_t len = strlen(e->note);
        snprintf(e->note + len, sizeof e->note - len,
                 "%smember %ld did not finish "
                 "(member_status %g): its events are those it recorded before it stopped",
                 len ? "; " : "", *member, v[*member]);
    }
    r->sweep = save;
    free(v);
    return rc;
}

static const char *kind_name(const cfx_events *e, long value)
{
    for (size_t k = 0; k < e->n_kinds; k++)
        if (e->kind_value[k] == value)
            return e->kind[k];
    return NULL;
}

/* An index variable's value i of event j: -1 (none) or an index below n. */
static int check_index(cfx_result_reader *r, const char *var, size_t j, double v, size_t n)
{
    if (v == -1 || (v >= 0 && v < (double)n && v == floor(v)))
        return 0;
    return cfx_result_fail(r, CFX_EINVAL, "event %zu: %s is %g, not -1 or an index below %zu", j,
                           var, v, n);
}

/* Fills row j from the raw values; its date from start (days since 1970-01-01, NULL when the
 * file has none). */
static int fill_row(cfx_result_reader *r, cfx_events *e, double *const v[EV_N], size_t j,
                    const long *start, cfx_event_row *w)
{
    int rc;
    const char *kind = kind_name(e, (long)v[EV_KIND][j]);
    if (!isfinite(v[EV_TIME][j]) || v[EV_TIME][j] < 0)
        return cfx_result_fail(r, CFX_EINVAL, "event %zu: event_time is %g", j, v[EV_TIME][j]);
    if (!kind)
        return cfx_result_fail(r, CFX_EINVAL, "event %zu: event_kind %g is none of flag_values", j,
                               v[EV_KIND][j]);
    if ((rc = check_index(r, "event_node", j, v[EV_NODE][j], e->n_nodes)) ||
        (rc = check_index(r, "event_edge", j, v[EV_EDGE][j], e->n_edges)) ||
        (rc = check_index(r, "event_group", j, v[EV_GROUP][j], e->n_groups)))
        return rc;
    long node = (long)v[EV_NODE][j], edge = (long)v[EV_EDGE][j], group = (long)v[EV_GROUP][j];
    *w = (cfx_event_row){.day = v[EV_TIME][j],
                         .kind = kind,
                         .node = node >= 0 ? e->node[node] : NULL,
                         .node_name = node >= 0 && e->node_name ? e->node_name[node] : NULL,
                         .edge = edge >= 0 ? e->edge[edge] : NULL,
                         .edge_name = edge >= 0 && e->edge_name ? e->edge_name[edge] : NULL,
                         .group = group >= 0 ? e->group[group] : NULL,
                         .days = isfinite(v[EV_DAYS][j]) && v[EV_DAYS][j] > 0 ? v[EV_DAYS][j] : 0};
    if (start) /* a date before 1970 is a negative day count: known all the same */
        cfx_date_iso(*start + (long)floor(w->day), w->date);
    return 0;
}

static int by_time(const void *pa, const void *pb)
{
    const cfx_event_row *a = pa, *b = pb;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order; /* file order for ties */
}

/* The member's events, sorted. */
static int read_rows(cfx_result_reader *r, cfx_events *e, long member)
{
    size_t width, count;
    int rc;
    if ((rc = cfx_result_len(r, "event_time", 0, &width)) ||
        (rc = pick_member(r, e, &member, width, &count)))
        return rc;
    hsize_t d[1] = {width};
    double *buf = malloc((EV_N * width + 1) * sizeof *buf), *v[EV_N];
    e->rows = calloc(count + 1, sizeof *e->rows);
    if (!buf || !e->rows) {
        free(buf);
        return nomem(r->err);
    }
    int no_mem = 0;
    char *start_text = cfx_result_attr_text(r->f, "start", &no_mem);
    long start_day = 0;
    const long *start = start_text && !cfx_date_parse_iso(start_text, &start_day) ? &start_day
                                                                                 : NULL;
    free(start_text);
    if (no_mem) {
        free(buf);
        return nomem(r->err);
    }
    for (int k = 0; k < EV_N && !rc; k++) {
        v[k] = buf + (size_t)k * width;
        rc = cfx_result_read_var(r, ev_vars[k], (size_t)member, 1, d, v[k]);
    }
    for (size_t j = 0; j < count && !rc; j++) {
        rc = fill_row(r, e, v, j, start, &e->rows[j]);
        e->rows[j].order = j;
    }
    free(buf);
    if (rc)
        return rc;
    e->n = count;
    qsort(e->rows, count, sizeof *e->rows, by_time);
    return 0;
}

int cfx_events_read(cfx_events **out, const char *path, long member, cfx_error *err)
{
    *out = NULL;
    cfx_result_reader r;
    cfx_events *e = calloc(1, sizeof *e);
    if (!e)
        return nomem(err);
    int rc = cfx_result_open(&r, path, err);
    if (!rc)
        rc = read_labels(&r, e);
    if (!rc)
        rc = read_rows(&r, e, member);
    if (r.f >= 0)
        H5Fclose(r.f);
    if (rc) {
        cfx_events_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

/* ---------------------------------------------------------------- choosing kinds */

int cfx_events_keep_kinds(cfx_events *e, const char *list, cfx_error *err)
{
    unsigned char *keep = calloc(e->n_kinds + 1, 1);
    if (!keep)
        return nomem(err);
    for (const char *p = list; *p;) {
        p += strspn(p, " ,");
        size_t len = strcspn(p, ",");
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        if (!len)
            break;
        size_t k = 0;
        while (k < e->n_kinds && !(strlen(e->kind[k]) == len && !strncasecmp(e->kind[k], p, len)))
            k++;
        if (k == e->n_kinds) {
            char all[CFX_ANALYZE_NAME * 24] = "";
            for (size_t i = 0; i < e->n_kinds; i++) {
                size_t used = strlen(all);
                snprintf(all + used, sizeof all - used, "%s%s", i ? ", " : "", e->kind[i]);
            }
            free(keep);
            return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0,
                                 "unknown event kind '%.*s' (kinds: %s)", (int)len, p, all);
        }
        keep[k] = 1;
        p += len;
        p += strcspn(p, ",");
    }
    size_t n = 0;
    for (size_t i = 0; i < e->n; i++) {
        size_t k = 0;
        while (k < e->n_kinds && e->kind[k] != e->rows[i].kind)
            k++;
        if (k < e->n_kinds && keep[k])
            e->rows[n++] = e->rows[i];
    }
    e->n = n;
    free(keep);
    return 0;
}

/* ---------------------------------------------------------------- printing and CSV */

/* "12" for a whole number of days, "12.25" otherwise. */
static void day_text(double day, char *buf, size_t n)
{
    if (day == floor(day))
        snprintf(buf, n, "%.0f", day);
    else
        snprintf(buf, n, "%.2f", day);
}

static const char *place_of(const cfx_event_row *w)
{
    return w->node ? w->node : w->edge ? w->edge : "-";
}

static const char *name_of(const cfx_event_row *w)
{
    return w->node                   ? (w->node_name ? w->node_name : "")
           : w->edge && w->edge_name ? w->edge_name
                                     : "";
}

void cfx_events_print(const cfx_events *e, FILE *f)
{
    int wk = 4, wp = 5, wg = 5;
    for (size_t i = 0; i < e->n; i++) {
        const cfx_event_row *w = &e->rows[i];
        int lk = (int)strlen(w->kind), lp = (int)strlen(place_of(w));
        int lg = w->group ? (int)strlen(w->group) : 1;
        wk = lk > wk ? lk : wk;
        wp = lp > wp ? lp : wp;
        wg = lg > wg ? lg : wg;
    }
    fprintf(f, "%-10s %6s  %-*s  %-*s  %-*s  %6s  %s\n", "date", "day", wk, "kind", wp, "place", wg,
            "group", "days", "name");
    for (size_t i = 0; i < e->n; i++) {
        const cfx_event_row *w = &e->rows[i];
        char day[32], days[32] = "-";
        day_text(w->day, day, sizeof day);
        if (w->days > 0)
            snprintf(days, sizeof days, "%.1f", w->days);
        fprintf(f, "%-10s %6s  %-*s  %-*s  %-*s  %6s  %s\n", w->date[0] ? w->date : "-", day, wk,
                w->kind, wp, place_of(w), wg, w->group ? w->group : "-", days, name_of(w));
    }
}

static int put_csv(const void *ctx, FILE *f)
{
    const cfx_events *e = ctx;
    fputs("date,day,kind,node,edge,group,days,name\n", f);
    for (size_t i = 0; i < e->n; i++) {
        const cfx_event_row *w = &e->rows[i];
        fprintf(f, "%s,%.10g,", w->date, w->day);
        const char *cells[5] = {w->kind, w->node ? w->node : "", w->edge ? w->edge : "",
                                w->group ? w->group : "", NULL};
        for (int c = 0; cells[c]; c++) {
            cfx_csv_write_cell(f, cells[c]);
            fputc(',', f);
        }
        if (w->days > 0)
            fprintf(f, "%.10g", w->days);
        fputc(',', f);
        cfx_csv_write_cell(f, name_of(w));
        fputc('\n', f);
    }
    return ferror(f) ? CFX_EIO : 0;
}

int cfx_events_write_csv(const cfx_events *e, const char *path, int force, cfx_error *err)
{
    return cfx_csv_write_file(path, force, put_csv, e, err);
}
