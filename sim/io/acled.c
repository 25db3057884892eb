/* ACLED export -> conflux events: dates, places (haversine to nodes, cross distance to
 * roads), event types to kinds, actors to groups; every row's fate is kept for the report. */
#include "io/acled.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/csv.h"
#include "core/date.h"
#include "core/util.h"

#define PI 3.14159265358979323846 /* PI is not in C11 */

cfx_acled_opts cfx_acled_opts_default(void)
{
    return (cfx_acled_opts){
        .radius_km = 25, /* assumption: about the spacing of the Kachin towns */
        .town_km = 5,    /* assumption: a town and its outskirts */
        .from_day = -1000000000L,
        .to_day = 1000000000L,
        .fight_days = 7,      /* assumption: ACLED reports clashes day by day */
        .strike_days = 1,     /* as conflict.strikes.cut_days' default */
        .strike_loss_p = 0.3, /* as conflict.strikes.loss_p's default */
        .mine_damage = 0.1,   /* as kachin-2025's conflict.strikes.mine_damage */
        .post_seize_p = 0.05, /* assumption */
        .actors = NULL,
    };
}

/* ---------------------------------------------------------------- dates and distances */


static const char *const month_names[12] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};

/* "May", "may", "September", "Sep" (3 letters or the full name). */
static int month_of(const char *w, size_t n)
{
    for (int m = 0; m < 12; m++) {
        size_t full = strlen(month_names[m]);
        if ((n == 3 || n == full) && strncasecmp(w, month_names[m], n) == 0)
            return m + 1;
    }
    return 0;
}

int cfx_acled_parse_date(const char *s, long *out)
{
    int y, m, d, used = 0;
    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
        sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 && used == 10 &&
        isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[5]) &&
        isdigit((unsigned char)s[8])) {
        /* YYYY-MM-DD */
    } else {
        /* D Month YYYY */
        char word[16];
        if (sscanf(s, "%2d %15[A-Za-z] %4d%n", &d, word, &y, &used) != 3 || s[used] != '\0' ||
            !isdigit((unsigned char)s[0]) || !(m = month_of(word, strlen(word))))
            return -1;
    }
    if (!cfx_date_valid(y, m, d))
        return -1;
    *out = cfx_days_from_civil(y, m, d);
    return 0;
}

static double rad(double deg)
{
    return deg * (PI / 180.0);
}

double cfx_acled_haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    double dlat = rad(lat2 - lat1), dlon = rad(lon2 - lon1);
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(rad(lat1)) * cos(rad(lat2)) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * CFX_EARTH_RADIUS_KM * asin(fmin(1.0, sqrt(h)));
}

/* Distance, km, from a point to the straight road between two nodes, in a plane tangent at
 * the point (equirectangular: good to well under 1 % over the tens of km that matter here).
 * *t is where the foot of the perpendicular falls, 0 at `a`, 1 at `b`. */
static double cross_km(double lat, double lon, double alat, double alon, double blat, double blon,
                       double *t)
{
    double k = CFX_EARTH_RADIUS_KM * PI / 180.0, c = cos(rad(lat));
    double ax = (alon - lon) * c * k, ay = (alat - lat) * k;
    double bx = (blon - lon) * c * k, by = (blat - lat) * k;
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    *t = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
    double px = ax + *t * dx, py = ay + *t * dy;
    return sqrt(px * px + py * py);
}

/* ---------------------------------------------------------------- actors */

typedef struct actor_entry {
    char *actor; /* as written */
    char *group; /* "" for an actor that is no group of the model */
} actor_entry;

struct cfx_acled_actors {
    size_t n;
    actor_entry *v; /* a file's rows first, then the built-in ones */
};

/* ACLED's own actor names (the 2024 codebook) for the parties of the Kachin war. Documented
 * in scenarios/README.md, "Importing ACLED events"; an actors file overrides any row. */
static const char *const builtin_actors[][2] = {
    {"Military Forces of Myanmar", "SAC"},
    {"Police Forces of Myanmar", "SAC"},
    {"Pyu Saw Htee Militia", "SAC"},
    {"BGF: Border Guard Force", "SAC"},
    {"NDA-K: New Democratic Army-Kachin", "SAC"},
    {"SNA: Shanni Nationalities Army", "SAC"},
    {"KIA: Kachin Independence Army", "KIA"},
    {"KIO: Kachin Independence Organization", "KIA"},
    {"PDF: People's Defense Force", "KIA"},
    {"TNLA: Ta'ang National Liberation Army", "TNLA"},
    {"MNDAA: Myanmar National Democratic Alliance Army", "MNDAA"},
    {"AA: Arakan Army", "AA"},
    {"UWSA: United Wa State Army", "UWSA"},
    {"Military Forces of China", "China"},
    {"Civilians", ""},
    {"Unidentified Armed Group", ""},
    {"Protesters", ""},
    {"Rioters", ""},
};

/* The length of a name without a trailing " (...)" qualifier and blanks. */
static size_t stem_len(const char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n && s[n - 1] == ')') {
        const char *open = NULL;
        for (size_t i = 0; i < n; i++)
            if (s[i] == '(')
                open = s + i;
        if (open) {
            n = (size_t)(open - s);
            while (n && isspace((unsigned char)s[n - 1]))
                n--;
        }
    }
    return n;
}

static int same_name(const char *a, const char *b)
{
    size_t na = stem_len(a), nb = stem_len(b);
    return na == nb && na && strncasecmp(a, b, na) == 0;
}

static int add_actor(cfx_acled_actors *a, const char *actor, const char *group)
{
    actor_entry *v = realloc(a->v, (a->n + 1) * sizeof *v);
    if (!v)
        return CFX_ENOMEM;
    a->v = v;
    v[a->n].actor = cfx_strdup(actor);
    v[a->n].group = cfx_strdup(group);
    if (!v[a->n].actor || !v[a->n].group) {
        free(v[a->n].actor);
        free(v[a->n].group);
        return CFX_ENOMEM;
    }
    a->n++;
    return 0;
}

void cfx_acled_actors_free(cfx_acled_actors *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i].actor);
        free(a->v[i].group);
    }
    free(a->v);
    free(a);
}

int cfx_acled_actors_load(cfx_acled_actors **out, const char *path, cfx_diags *d)
{
    *out = NULL;
    cfx_acled_actors *a = calloc(1, sizeof *a);
    cfx_csv *t = NULL;
    int rc = a ? 0 : cfx_diags_add(d, CFX_ENOMEM, path, 0, 0, "out of memory");
    if (!rc && path && !(rc = cfx_csv_load(&t, path, d))) {
        long ca = cfx_csv_col(t, "actor"), cg = cfx_csv_col(t, "group");
        if (ca < 0 || cg < 0)
            rc = cfx_diags_add(d, CFX_EINVAL, path, 1, 1,
                               "an actors table needs the columns 'actor' and 'group'");
        for (size_t r = 0; !rc && r < t->nrows; r++) {
            const char *g = cfx_csv_cell(t, r, (size_t)cg);
            if (!*cfx_csv_cell(t, r, (size_t)ca))
                cfx_diags_add(d, CFX_EINVAL, path, t->line[r * t->ncols + (size_t)ca],
                              t->col[r * t->ncols + (size_t)ca], "empty actor name");
            else if (strpbrk(g, " ,-"))
                cfx_diags_add(d, CFX_EINVAL, path, t->line[r * t->ncols + (size_t)cg],
                              t->col[r * t->ncols + (size_t)cg],
                              "a group name has no spaces, commas or '-', got '%s'", g);
            else if (add_actor(a, cfx_csv_cell(t, r, (size_t)ca), g))
                rc = cfx_diags_add(d, CFX_ENOMEM, path, 0, 0, "out of memory");
        }
        if (!rc)
            rc = cfx_diags_code(d);
    }
    for (size_t i = 0; !rc && i < sizeof builtin_actors / sizeof *builtin_actors; i++)
        if (add_actor(a, builtin_actors[i][0], builtin_actors[i][1]))
            rc = cfx_diags_add(d, CFX_ENOMEM, "", 0, 0, "out of memory");
    cfx_csv_free(t);
    if (rc) {
        cfx_acled_actors_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

const char *cfx_acled_actor_group(const cfx_acled_actors *a, const char *actor)
{
    for (size_t i = 0; i < a->n; i++)
        if (same_name(a->v[i].actor, actor))
            return a->v[i].group;
    return NULL;
}

/* ---------------------------------------------------------------- event types */

enum { ON_NODE, ON_NODE_OR_ROAD };

/* ACLED event type and sub-type (NULL: any) -> conflux kind. Close and reopen stand for
 * "any kind the notes decide" (see map_row). Documented in scenarios/README.md. */
static const struct rule {
    const char *type, *sub;
    int kind;
    int where;
} rules[] = {
    {"Battles", "Armed clash", CFX_EV_ATTACK, ON_NODE},
    {"Battles", "Government regains territory", CFX_EV_CAPTURE, ON_NODE},
    {"Battles", "Non-state actor overtakes territory", CFX_EV_CAPTURE, ON_NODE},
    {"Explosions/Remote violence", NULL, CFX_EV_STRIKE, ON_NODE_OR_ROAD},
    {"Strategic developments", "Non-violent transfer of territory", CFX_EV_CAPTURE, ON_NODE},
    {"Strategic developments", "Headquarters or base established", CFX_EV_CHECKPOINT, ON_NODE},
    {"Strategic developments", "Looting/property destruction", CFX_EV_DESTROY, ON_NODE},
    {"Strategic developments", NULL, CFX_EV_CLOSE, ON_NODE},
};

static const struct rule *find_rule(const char *type, const char *sub)
{
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (strcasecmp(rules[i].type, type) == 0 &&
            (!rules[i].sub || strcasecmp(rules[i].sub, sub) == 0))
            return &rules[i];
    return NULL;
}

static int mentions(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p; p++)
        if (strncasecmp(p, word, n) == 0)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- import */

typedef struct cols {
    long id, date, type, sub, lat, lon, actor1, actor2, location, notes, fatalities;
} cols;

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    return s;
}

/* Drops the row with a reason ("class: detail"); returns 0 (-1 when out of memory). */
static int drop(cfx_acled_row *row, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int drop(cfx_acled_row *row, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    row->why = vformat(fmt, ap);
    va_end(ap);
    row->kind = -1;
    return row->why ? 0 : -1;
}

static const char *cell(const cfx_csv *t, size_t r, long c)
{
    return c >= 0 ? cfx_csv_cell(t, r, (size_t)c) : "";
}

/* A coordinate cell: 0, or -1 after a located message and a drop. */
static int coord(const cfx_csv *t, size_t r, long c, double lim, const char *what,
                 cfx_acled_row *row, double *out, cfx_diags *d)
{
    const char *s = cell(t, r, c);
    char *end = NULL;
    double v = strtod(s, &end);
    if (*s && end && *end == '\0' && isfinite(v) && fabs(v) <= lim) {
        *out = v;
        return 0;
    }
    size_t i = r * t->ncols + (size_t)c;
    cfx_diags_add(d, CFX_EINVAL, t->path, t->line[i], t->col[i],
                  "'%s' must be a number in [-%g, %g] degrees, got '%s'", what, lim, lim, s);
    drop(row, "malformed: %s '%s'", what, s);
    return -1;
}

/* Where the event is: the nearest node (markets excepted: they are the end of the supply
 * chain, not places of the war), or, when `road` allows it and no node is within town_km,
 * the road whose straight line passes closer than that node (between its ends). Returns the
 * distance, km; *node or *edge is set. */
static double place(const cfx_scenario *s, double lat, double lon, int road, double town_km,
                    long *node, long *edge)
{
    double best = INFINITY;
    *node = *edge = -1;
    for (size_t v = 0; v < s->n_nodes; v++) {
        if (s->node_kind[v] == CFX_NODE_MARKET)
            continue;
        double km = cfx_acled_haversine_km(lat, lon, s->lat[v], s->lon[v]);
        if (km < best) {
            best = km;
            *node = (long)v;
        }
    }
    for (size_t e = 0; road && best > town_km && e < s->n_edges; e++) {
        int32_t a = s->edge_from[e], b = s->edge_to[e];
        if (s->node_kind[a] == CFX_NODE_MARKET || s->node_kind[b] == CFX_NODE_MARKET)
            continue;
        double t, km = cross_km(lat, lon, s->lat[a], s->lon[a], s->lat[b], s->lon[b], &t);
        if (t > 0 && t < 1 && km < best) {
            best = km;
            *edge = (long)e;
        }
    }
    if (*edge >= 0)
        *node = -1;
    return best;
}

static char *source_text(const cfx_csv *t, size_t r, const cols *c)
{
    const char *a1 = cell(t, r, c->actor1), *a2 = cell(t, r, c->actor2);
    char *s = format(
        "ACLED %s: %s / %s; %s%s%s; %s; fatalities %s; %s", cell(t, r, c->id), cell(t, r, c->type),
        cell(t, r, c->sub), a1, *a2 ? " vs " : "", a2, cell(t, r, c->location),
        *cell(t, r, c->fatalities) ? cell(t, r, c->fatalities) : "n/a", cell(t, r, c->notes));
    for (char *p = s; p && *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return s;
}

/* Maps one readable row (date and place known). Returns 0, or -1 when out of memory. */
static int map_row(const cfx_scenario *s, const cfx_acled_actors *actors, const cfx_acled_opts *o,
                   const cfx_csv *t, size_t r, const cols *c, double lat, double lon,
                   cfx_acled_row *row)
{
    const char *type = cell(t, r, c->type), *sub = cell(t, r, c->sub);
    const struct rule *rule = find_rule(type, sub);
    if (!rule)
        return drop(row, "no conflux kind: '%s / %s'", type, sub);
    long node, edge;
    double km = place(s, lat, lon, rule->where == ON_NODE_OR_ROAD, o->town_km, &node, &edge);
    if (!(km <= o->radius_km)) {
        long v;
        double nk = place(s, lat, lon, 0, 0, &v, &edge);
        return drop(row, "out of range: no node%s within %g km (nearest %s, %.1f km)",
                    rule->where == ON_NODE_OR_ROAD ? " or road" : "", o->radius_km,
                    v >= 0 ? s->node_id[v] : "none", nk);
    }
    row->km = km;
    row->target =
        edge >= 0 ? format("%s-%s", s->node_id[s->edge_from[edge]], s->node_id[s->edge_to[edge]])
                  : cfx_strdup(s->node_id[node]);
    if (!row->target)
        return -1;
    int kind = rule->kind, nk = node >= 0 ? s->node_kind[node] : -1;
    const char *a1 = cell(t, r, c->actor1);
    switch (kind) {
    case CFX_EV_ATTACK:
        row->days = o->fight_days;
        break;
    case CFX_EV_STRIKE:
        row->days = o->strike_days;
        row->value = o->strike_loss_p;
        row->has_value = 1;
        break;
    case CFX_EV_CAPTURE: {
        const char *g = cfx_acled_actor_group(actors, a1);
        if (!g)
            return drop(row, "unknown actor: '%s' is not in the actors table", a1);
        if (!*g)
            return drop(row, "no group: '%s' is no armed group of the model", a1);
        if (!(row->group = cfx_strdup(g)))
            return -1;
        break;
    }
    case CFX_EV_CHECKPOINT:
        row->value = 0;
        row->seize_p = o->post_seize_p;
        row->has_value = row->has_seize_p = 1;
        break;
    case CFX_EV_DESTROY:
        if (nk != CFX_NODE_MINE)
            return drop(row, "no network effect: destruction at '%s', a %s, not a mine",
                        row->target, cfx_node_kind_names[nk]);
        row->value = o->mine_damage;
        row->has_value = 1;
        break;
    case CFX_EV_CLOSE: {
        /* Other strategic developments count only at a gate whose closure or reopening the
         * notes report. */
        const char *notes = cell(t, r, c->notes);
        int reopen = mentions(notes, "reopen") || mentions(notes, "re-open"),
            closed = mentions(notes, "clos");
        if (nk != CFX_NODE_GATE || (!reopen && !closed))
            return drop(row, "no conflux kind: '%s / %s' %s", type, sub,
                        nk == CFX_NODE_GATE ? "without a closure or reopening in its notes"
                                            : "away from a gate");
        kind = reopen ? CFX_EV_REOPEN : CFX_EV_CLOSE;
        break;
    }
    default:
        break;
    }
    row->kind = kind;
    return 0;
}

static int need(const cfx_csv *t, const char *name, long *out, cfx_diags *d)
{
    if ((*out = cfx_csv_col(t, name)) >= 0)
        return 0;
    return cfx_diags_add(d, CFX_EINVAL, t->path, 1, 1,
                         "missing column '%s' (an ACLED export has event_id_cnty, event_date, "
                         "event_type, sub_event_type, latitude, longitude, ...)",
                         name);
}

void cfx_acled_free(cfx_acled_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        cfx_acled_row *w = &r->rows[i];
        free(w->event_id);
        free(w->type);
        free(w->location);
        free(w->target);
        free(w->group);
        free(w->why);
        free(w->source);
    }
    free(r->rows);
    free(r);
}

int cfx_acled_import(cfx_acled_result **out, const cfx_scenario *s, const char *path,
                     const cfx_acled_opts *o, cfx_diags *d)
{
    *out = NULL;
    cfx_csv *t = NULL;
    cfx_acled_actors *actors = NULL;
    cfx_acled_result *res = NULL;
    size_t before = d->n;
    int rc = cfx_csv_load(&t, path, d);
    if (rc)
        return rc;
    cols c = {.actor1 = cfx_csv_col(t, "actor1"),
              .actor2 = cfx_csv_col(t, "actor2"),
              .location = cfx_csv_col(t, "location"),
              .notes = cfx_csv_col(t, "notes"),
              .fatalities = cfx_csv_col(t, "fatalities")};
    need(t, "event_id_cnty", &c.id, d);
    need(t, "event_date", &c.date, d);
    need(t, "event_type", &c.type, d);
    need(t, "sub_event_type", &c.sub, d);
    need(t, "latitude", &c.lat, d);
    need(t, "longitude", &c.lon, d);
    if (d->n > before || (rc = cfx_acled_actors_load(&actors, o->actors, d))) {
        rc = rc ? rc : CFX_EINVAL;
        goto done;
    }
    res = calloc(1, sizeof *res);
    if (!res || !(res->rows = calloc(t->nrows ? t->nrows : 1, sizeof *res->rows))) {
        rc = cfx_diags_add(d, CFX_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    res->n = t->nrows;
    long start = cfx_days_from_civil(s->start_y, s->start_m, s->start_d);
    for (size_t r = 0; r < t->nrows && !rc; r++) {
        cfx_acled_row *row = &res->rows[r];
        row->kind = -1;
        row->line = t->line[r * t->ncols];
        row->event_id = cfx_strdup(cell(t, r, c.id));
        row->location = cfx_strdup(cell(t, r, c.location));
        row->type = format("%s / %s", cell(t, r, c.type), cell(t, r, c.sub));
        if (!row->event_id || !row->location || !row->type ||
            !(row->source = source_text(t, r, &c))) {
            rc = cfx_diags_add(d, CFX_ENOMEM, path, 0, 0, "out of memory");
            break;
        }
        const char *date = cell(t, r, c.date);
        long when;
        double lat = 0, lon = 0;
        int bad = 0;
        if (cfx_acled_parse_date(date, &when)) {
            size_t i = r * t->ncols + (size_t)c.date;
            cfx_diags_add(d, CFX_EINVAL, path, t->line[i], t->col[i],
                          "'event_date' must be a date as 2025-05-16 or 16 May 2025, got '%s'",
                          date);
            bad = drop(row, "malformed: event_date '%s'", date) || 1;
        }
        if (!bad)
            bad = coord(t, r, c.lat, 90, "latitude", row, &lat, d) ||
                  coord(t, r, c.lon, 180, "longitude", row, &lon, d);
        if (bad) {
            res->n_malformed++;
            continue;
        }
        row->day = when - start;
        cfx_date_iso(when, row->date);
        int fail = 0;
        if (when < o->from_day)
            fail = drop(row, "outside --from/--to: before --from");
        else if (when > o->to_day)
            fail = drop(row, "outside --from/--to: after --to");
        else if (row->day < 0)
            fail = drop(row, "before the scenario's start: %ld days before day 0", -row->day);
        else if ((fail = map_row(s, actors, o, t, r, &c, lat, lon, row)) == 0 && row->kind >= 0)
            res->n_mapped++;
        if (fail)
            rc = cfx_diags_add(d, CFX_ENOMEM, path, 0, 0, "out of memory");
    }
done:
    cfx_acled_actors_free(actors);
    cfx_csv_free(t);
    if (rc) {
        cfx_acled_free(res);
        return rc;
    }
    *out = res;
    return 0;
}

/* ---------------------------------------------------------------- writing */

static int by_day(const void *a, const void *b)
{
    const cfx_acled_row *x = *(const cfx_acled_row *const *)a,
                        *y = *(const cfx_acled_row *const *)b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

int cfx_acled_write_events(const cfx_acled_result *r, FILE *f)
{
    const cfx_acled_row **v = malloc((r->n_mapped ? r->n_mapped : 1) * sizeof *v);
    if (!v)
        return CFX_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].kind >= 0)
            v[n++] = &r->rows[i];
    qsort(v, n, sizeof *v, by_day);
    fputs("day,kind,target,days,group,value,seize_p,date,source\n", f);
    for (size_t i = 0; i < n; i++) {
        const cfx_acled_row *w = v[i];
        fprintf(f, "%ld,%s,%s,", w->day, cfx_event_kind_names[w->kind], w->target);
        if (w->days > 0)
            fprintf(f, "%g", w->days);
        fprintf(f, ",%s,", w->group ? w->group : "");
        if (w->has_value)
            fprintf(f, "%g", w->value);
        fputc(',', f);
        if (w->has_seize_p)
            fprintf(f, "%g", w->seize_p);
        fprintf(f, ",%s,", w->date);
        cfx_csv_write_cell(f, w->source);
        fputc('\n', f);
    }
    free(v);
    return ferror(f) ? CFX_EIO : 0;
}

int cfx_acled_write_report(const cfx_acled_result *r, FILE *f)
{
    fputs("line,event_id_cnty,event_date,type,location,status,kind,target,km,day,reason\n", f);
    for (size_t i = 0; i < r->n; i++) {
        const cfx_acled_row *w = &r->rows[i];
        int mapped = w->kind >= 0;
        fprintf(f, "%d,", w->line);
        cfx_csv_write_cell(f, w->event_id);
        fprintf(f, ",%s,", w->date);
        cfx_csv_write_cell(f, w->type);
        fputc(',', f);
        cfx_csv_write_cell(f, w->location);
        fprintf(f, ",%s,%s,", mapped ? "mapped" : "dropped",
                mapped ? cfx_event_kind_names[w->kind] : "");
        cfx_csv_write_cell(f, mapped ? w->target : "");
        if (mapped)
            fprintf(f, ",%.1f,%ld,", w->km, w->day);
        else
            fputs(",,,", f);
        cfx_csv_write_cell(f, w->why ? w->why : "");
        fputc('\n', f);
    }
    return ferror(f) ? CFX_EIO : 0;
}

/* Mapped: "kind target"; dropped: the reason's class (the text before its colon). */
static void row_key(const cfx_acled_row *w, char *buf, size_t n)
{
    if (w->kind >= 0) {
        snprintf(buf, n, "%-10s %s", cfx_event_kind_names[w->kind], w->target);
    } else {
        const char *colon = strchr(w->why, ':');
        snprintf(buf, n, "%.*s", (int)(colon ? (size_t)(colon - w->why) : strlen(w->why)), w->why);
    }
}

/* Prints each distinct key of the rows that pass `want` once, with its count, in the order
 * first seen. Quadratic, which is fine for the
 * thousands of rows of a year of a country's export. */
static void print_counts(const cfx_acled_result *r, int want_mapped, FILE *f)
{
    char a[160], b[160];
    for (size_t i = 0; i < r->n; i++) {
        const cfx_acled_row *w = &r->rows[i];
        if ((w->kind >= 0) != want_mapped)
            continue;
        int seen = 0;
        size_t count = 0;
        row_key(w, a, sizeof a);
        for (size_t j = 0; j < r->n && !seen; j++) {
            const cfx_acled_row *x = &r->rows[j];
            if ((x->kind >= 0) != want_mapped)
                continue;
            row_key(x, b, sizeof b);
            if (strcmp(a, b) == 0) {
                seen = j < i;
                count += j >= i;
            }
        }
        if (!seen)
            fprintf(f, "  %-48s %5zu\n", a, count);
    }
}

void cfx_acled_print_summary(const cfx_acled_result *r, FILE *f)
{
    fprintf(f, "%zu events read: %zu mapped, %zu dropped (%zu of them malformed)\n", r->n,
            r->n_mapped, r->n - r->n_mapped, r->n_malformed);
    if (r->n_mapped) {
        fprintf(f, "mapped (kind, target: events):\n");
        print_counts(r, 1, f);
    }
    if (r->n > r->n_mapped) {
        fprintf(f, "dropped (why: events; each row with its reason in --report):\n");
        print_counts(r, 0, f);
    }
}

/* ---------------------------------------------------------------- writing */

/* The two tables, as cfx_csv_write_file writes them. */
static int put_events(const void *r, FILE *f)
{
    return cfx_acled_write_events(r, f);
}

static int put_report(const void *r, FILE *f)
{
    return cfx_acled_write_report(r, f);
}

int cfx_acled_write(const cfx_acled_result *r, const char *events_path, const char *report_path,
                    int force, cfx_error *err)
{
    int rc = cfx_csv_write_file(events_path, force, put_events, r, err);
    if (!rc && report_path)
        rc = cfx_csv_write_file(report_path, force, put_report, r, err);
    return rc;
}

size_t cfx_acled_malformed(const cfx_acled_result *r)
{
    return r->n_malformed;
}
