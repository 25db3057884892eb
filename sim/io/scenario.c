/* Scenario loading: the YAML file, then the CSV tables it names, each value checked and
 * every problem reported with its file, line and column (all of them, not the first). */
#include "io/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "core/date.h"
#include "core/network.h"
#include "core/util.h"

const char *const cfx_node_kind_names[CFX_NODE_NKINDS] = {"mine", "town",   "junction",
                                                          "gate", "market", "base"};
const char *const cfx_status_names[CFX_STATUS_N] = {"open", "contested", "cut", "destroyed",
                                                    "closed"};
const char *const cfx_event_kind_names[CFX_EV_NKINDS] = {
    "cut",    "reopen",     "close",       "contest",  "capture", "destroy",
    "attack", "strike",     "toll",        "checkpoint", "halt",  "repulse",
    "counterattack", "capacity", "export_levy", "mine_tax", "news"};

const char *const cfx_levy_names[CFX_NLEVIES] = {"toll", "export_levy", "mine_tax"};

/* Loader state: the document and the diagnostics. */
typedef struct loader {
    cfx_scenario *s;
    cfx_conf_doc *doc;
    cfx_diags *d;
    uint8_t *kind_unknown; /* n_nodes: 1 where the kind column was misspelt, already
                              reported, so checks of that node's kind stay quiet */
    int nomem;             /* memory ran out: reported once, the rest of the load skipped */
    int threads;           /* for the network's tables side by side and the node-id look-ups */
    int quiet_bad;         /* with d NULL (a thread's quiet pass over rows): an error met */
    int mines_ok;          /* the mines table loaded without a problem: an event on a node
                              that is not among them does not name a mine */
} loader;

/* Records err in the diagnostics when set; returns its code. */
static int note(loader *L, int rc, const cfx_error *err)
{
    if (rc)
        cfx_diags_push(L->d, err);
    return rc;
}

/* Out of memory while loading from file: one message, and a flag that holds even when the
 * diagnostics list itself could not grow to take the message. */
static int nomem(loader *L, const char *file)
{
    if (!L->nomem)
        cfx_diags_add(L->d, CFX_ENOMEM, file ? file : L->s->path, 0, 0, "out of memory");
    L->nomem = 1;
    return CFX_ENOMEM;
}

/* Whether memory ran out since the load began, here or in a reader (csv, conf, a model's
 * section): what the load finds after that is not to be trusted, and not reported. */
static int out_of_memory(const loader *L, size_t before)
{
    for (size_t i = before; i < L->d->n && !L->nomem; i++)
        if (L->d->v[i].code == CFX_ENOMEM)
            return 1;
    return L->nomem;
}

static int lookup(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static void join_names(const char *const *names, int n, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
    }
}

/* 0 for a valid date; otherwise -1, with why (a format, month or day problem) written. */
static int parse_iso_date(const char *s, int *y, int *m, int *d, char *why, size_t n)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    static const char *const months[12] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
    char tail;
    snprintf(why, n, "not in the form YYYY-MM-DD");
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) != 3 || s[4] != '-' ||
        s[7] != '-' || *y < 1)
        return -1;
    if (*m < 1 || *m > 12) {
        snprintf(why, n, "there is no month %d", *m);
        return -1;
    }
    int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    int max = mdays[*m - 1] + (*m == 2 && leap);
    if (*d < 1 || *d > max) {
        snprintf(why, n, "%s %d has %d days", months[*m - 1], *y, max);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- YAML part */

static int get_num(loader *L, const cfx_conf *map, const char *key, int required, double *out,
                   double lo, double hi, int open_lo, const char *what)
{
    return cfx_conf_get_range(map, key, required, out, lo, hi, open_lo, what, L->d);
}

static int get_map(loader *L, const cfx_conf *map, const char *key, int required, cfx_conf **out)
{
    cfx_error err;
    return note(L, cfx_conf_get_map(map, key, required, out, &err), &err);
}

static int get_str(loader *L, const cfx_conf *map, const char *key, int required, const char **out)
{
    cfx_error err;
    return note(L, cfx_conf_get_str(map, key, required, out, &err), &err);
}

static void load_header(loader *L, const cfx_conf *root)
{
    cfx_scenario *s = L->s;
    const char *name = NULL, *desc = "", *start = NULL;
    if (!get_str(L, root, "name", 1, &name) && name) {
        const cfx_conf *n = cfx_conf_get(root, "name");
        int bad = !*name;
        for (const char *p = name; *p; p++)
            bad |= isspace((unsigned char)*p) || *p == '/';
        if (bad)
            cfx_diags_add(L->d, CFX_EINVAL, n->file, n->line, n->col,
                          "'name' must be a non-empty word without spaces or '/', got '%s'", name);
        if (!(s->name = cfx_strdup(name)))
            nomem(L, NULL);
    }
    get_str(L, root, "description", 0, &desc);
    if (!(s->description = cfx_strdup(desc)))
        nomem(L, NULL);
    char why[64];
    get_str(L, root, "start", 1, &start); /* set only when it is a string */
    int start_ok =
        start && !parse_iso_date(start, &s->start_y, &s->start_m, &s->start_d, why, sizeof why);
    if (start && !start_ok) {
        const cfx_conf *n = cfx_conf_get(root, "start");
        cfx_diags_add(L->d, CFX_EINVAL, n->file, n->line, n->col,
                      "'start' must be a date YYYY-MM-DD, got '%s' (%s)", start, why);
    }
    cfx_error err;
    long days = 0, seed = 0;
    if (!note(L, cfx_conf_get_long(root, "days", 1, &days, &err), &err)) {
        if (days <= 0 || days > CFX_DAYS_MAX) {
            const cfx_conf *n = cfx_conf_get(root, "days");
            cfx_diags_add(L->d, CFX_EINVAL, n->file, n->line, n->col,
                          "'days' must be a positive integer (at most %ld), got %ld", CFX_DAYS_MAX,
                          days);
        }
        s->days = days;
        /* dates are written as YYYY-MM-DD (CF's units, conflux events): the run must end
         * by 9999-12-31 */
        if (start_ok && days > 0 &&
            cfx_days_from_civil(s->start_y, s->start_m, s->start_d) + days - 1 >
                cfx_days_from_civil(9999, 12, 31)) {
            const cfx_conf *n = cfx_conf_get(root, "days");
            cfx_diags_add(L->d, CFX_EINVAL, n->file, n->line, n->col,
                          "%ld days from %s run past 9999-12-31, the last date conflux writes",
                          days, start);
        }
    }
    if (!note(L, cfx_conf_get_long(root, "seed", 1, &seed, &err), &err)) {
        if (seed < 0) {
            const cfx_conf *n = cfx_conf_get(root, "seed");
            cfx_diags_add(L->d, CFX_EINVAL, n->file, n->line, n->col,
                          "'seed' must be a non-negative integer, got %ld", seed);
        }
        s->seed = (uint64_t)seed;
    }
    double step = 0;
    if (!get_num(L, root, "step_hours", 1, &step, 1.0 / 60, 24, 0, "in [1/60, 24] hours")) {
        double k = 24.0 / step;
        if (fabs(k - nearbyint(k)) > 1e-9) {
            const cfx_conf *n = cfx_conf_get(root, "step_hours");
            cfx_diags_add(L->d, CFX_EINVAL, n->file, n->line, n->col,
                          "'step_hours' must divide 24 (a whole number of steps a day), got %g",
                          step);
        }
        s->step_hours = step;
    }
}

static void load_roads(loader *L, const cfx_conf *root)
{
    cfx_conf *roads = NULL;
    if (get_map(L, root, "roads", 1, &roads) || !roads)
        return;
    L->s->roads = calloc(roads->n ? roads->n : 1, sizeof *L->s->roads);
    if (!L->s->roads) {
        nomem(L, NULL);
        return;
    }
    for (size_t i = 0; i < roads->n; i++) {
        cfx_conf *c = roads->items[i];
        cfx_road_class *r = &L->s->roads[L->s->n_roads++];
        if (!(r->name = cfx_strdup(c->key))) {
            L->s->n_roads--; /* no road class without a name */
            nomem(L, NULL);
            return;
        }
        c->used = 1;
        if (c->kind != CFX_CONF_MAP) {
            cfx_diags_add(L->d, CFX_EINVAL, c->file, c->line, c->col,
                          "road class '%s' must be a mapping with 'speed_kmh'", c->key);
            continue;
        }
        get_num(L, c, "speed_kmh", 1, &r->speed_kmh, 0.1, 300, 0, "a speed in [0.1, 300] km/h");
    }
    if (roads->n == 0)
        cfx_diags_add(L->d, CFX_EINVAL, roads->file, roads->line, roads->col,
                      "'roads' must name at least one road class");
}

static long find_group(const cfx_scenario *s, const char *name)
{
    for (size_t i = 0; i < s->n_groups; i++)
        if (strcmp(s->groups[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* Adds a group by name (from the groups section or a controller column); returns its index,
 * or -1 when out of memory (reported). */
static long add_group(loader *L, const char *name)
{
    cfx_scenario *s = L->s;
    long g = find_group(s, name);
    if (g >= 0)
        return g;
    cfx_group *v = realloc(s->groups, (s->n_groups + 1) * sizeof *v);
    char *copy = v ? cfx_strdup(name) : NULL;
    if (v)
        s->groups = v;
    if (!copy)
        return nomem(L, NULL), -1;
    v[s->n_groups] = (cfx_group){.name = copy,
                                 .hostile_seize_products = UINT32_MAX,
                                 .seized_value_share = 0.5,
                                 .export_levy_products = UINT32_MAX};
    return (long)s->n_groups++;
}

/* Index of a product by name, or -1. */
static long find_product(const cfx_scenario *s, const char *name)
{
    for (size_t p = 0; p < s->n_products; p++)
        if (strcmp(s->products[p].name, name) == 0)
            return (long)p;
    return -1;
}

/* " (did you mean 'Dy2O3'?)" when name is within two edits of a product, else "". */
static const char *product_hint(const cfx_scenario *s, const char *name, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t p = 0; p < s->n_products && !buf[0]; p++)
        if (cfx_edit_distance_le2(name, s->products[p].name) <= 2)
            snprintf(buf, len, " (did you mean '%s'?)", s->products[p].name);
    return buf;
}

/* The products of a set (bit p for product p), joined by sep, for messages: "Dy2O3, Tb4O7"
 * or "Dy2O3 and Tb4O7". */
static const char *product_list(const cfx_scenario *s, uint32_t set, const char *sep, char *buf,
                                size_t len)
{
    buf[0] = '\0';
    for (size_t p = 0, used = 0; p < s->n_products && used < len; p++, used = strlen(buf))
        if (set >> p & 1)
            snprintf(buf + used, len - used, "%s%s", used ? sep : "", s->products[p].name);
    return buf;
}

/* "Dy2O3, Tb4O7": every product, for messages. */
static void product_names(const cfx_scenario *s, char *buf, size_t len)
{
    product_list(s, UINT32_MAX, ", ", buf, len);
}

/* groups.<g>.<key>: a list of products (absent: every cargo, all bits of *mask). Products
 * load before groups, so the names can be checked here. */
static void load_product_set(loader *L, const cfx_conf *group, const char *key, uint32_t *mask)
{
    cfx_conf *list = cfx_conf_get(group, key);
    if (!list)
        return;
    list->used = 1;
    if (!L->s->n_products)
        return; /* the market section is missing or broken, and reported */
    char names[256];
    product_names(L->s, names, sizeof names);
    if (list->kind != CFX_CONF_SEQ) {
        cfx_diags_add(L->d, CFX_EINVAL, list->file, list->line, list->col,
                      "'%s' must be a list of products, e.g. [%s]", key, names);
        return;
    }
    *mask = 0;
    for (size_t i = 0; i < list->n; i++) {
        const cfx_conf *c = list->items[i];
        const char *name = c->kind == CFX_CONF_SCALAR ? c->value : "(not a name)";
        long p = c->kind == CFX_CONF_SCALAR ? find_product(L->s, c->value) : -1;
        char hint[128];
        if (p < 0)
            cfx_diags_add(L->d, CFX_EINVAL, c->file, c->line, c->col,
                          "unknown product '%s' in '%s'%s (products: %s)", name, key,
                          product_hint(L->s, name, hint, sizeof hint), names);
        else
            *mask |= 1u << p;
    }
}

static void load_groups(loader *L, const cfx_conf *root)
{
    cfx_conf *groups = NULL;
    if (get_map(L, root, "groups", 0, &groups) || !groups)
        return;
    for (size_t i = 0; i < groups->n; i++) {
        cfx_conf *c = groups->items[i];
        c->used = 1;
        long g = add_group(L, c->key);
        if (g < 0)
            return;
        if (c->kind != CFX_CONF_MAP) {
            cfx_diags_add(L->d, CFX_EINVAL, c->file, c->line, c->col,
                          "group '%s' must be a mapping", c->key);
            continue;
        }
        for (int l = 0; l < CFX_NLEVIES; l++) {
            char key[64];
            snprintf(key, sizeof key, "%s_usd_per_t", cfx_levy_names[l]);
            get_num(L, c, key, 0, &L->s->groups[g].levy_usd_per_t[l], 0, 1e9, 0,
                    "a non-negative amount in USD/t");
            snprintf(key, sizeof key, "%s_share", cfx_levy_names[l]);
            get_num(L, c, key, 0, &L->s->groups[g].levy_share[l], 0, 1, 0,
                    "a share of the cargo's value in [0, 1]");
        }
        get_num(L, c, "hostile_seize_p", 0, &L->s->groups[g].hostile_seize_p, 0, 1, 0,
                "a probability in [0, 1]");
        get_num(L, c, "seized_value_share", 0, &L->s->groups[g].seized_value_share, 0, 1, 0,
                "a share of the seized cargo's value in [0, 1]");
        load_product_set(L, c, "hostile_seize_products", &L->s->groups[g].hostile_seize_products);
        load_product_set(L, c, "export_levy_products", &L->s->groups[g].export_levy_products);
    }
}

/* The products: their names (for the grade columns), baseline prices and demand. The
 * market model reads the rest of market.* in its configure. */
static void load_products(loader *L, const cfx_conf *root)
{
    cfx_scenario *s = L->s;
    cfx_conf *market = NULL, *products = NULL;
    if (get_map(L, root, "market", 1, &market) || !market)
        return;
    if (get_map(L, market, "products", 1, &products) || !products)
        return;
    if (products->n == 0 || products->n > CFX_MAX_PRODUCTS) {
        cfx_diags_add(L->d, CFX_EINVAL, products->file, products->line, products->col,
                      "'products' must list 1 to %d products, got %zu", CFX_MAX_PRODUCTS,
                      products->n);
        return;
    }
    for (size_t i = 0; i < products->n; i++) {
        cfx_conf *c = products->items[i];
        c->used = 1;
        cfx_product *p = &s->products[s->n_products++];
        if (!(*p = (cfx_product){.name = cfx_strdup(c->key)}).name) {
            s->n_products--; /* no product without a name: the groups look them up */
            nomem(L, NULL);
            return;
        }
        int bad = !*c->key || strlen(c->key) > 64; /* they go in grade_ columns and 'buys' */
        for (const char *q = c->key; *q; q++)
            bad |= isspace((unsigned char)*q) || *q == ',' || *q == ';' || *q == '"';
        if (bad)
            cfx_diags_add(L->d, CFX_EINVAL, c->file, c->key_line, c->key_col,
                          "product name '%s' must be a word of 1 to 64 characters without "
                          "spaces, ',', ';' or '\"' (it names the mines' grade_ column and goes "
                          "in 'buys')",
                          c->key);
        if (c->kind != CFX_CONF_MAP) {
            cfx_diags_add(L->d, CFX_EINVAL, c->file, c->line, c->col,
                          "product '%s' must be a mapping", c->key);
            continue;
        }
        get_num(L, c, "price_usd_per_kg", 1, &p->price_usd_per_kg, 0, 1e7, 1,
                "a positive price in USD/kg");
        get_num(L, c, "demand_t_per_day", 1, &p->demand_t_per_day, 0, 1e9, 1,
                "a positive rate in t/day");
    }
}

static void load_params(loader *L, const cfx_conf *root)
{
    cfx_scenario *s = L->s;
    cfx_conf *transport = NULL, *output = NULL;
    s->contested_speed_factor = 0.5;
    s->gate_clearance_hours = 0;
    s->chunk_days = 32;
    if (!get_map(L, root, "transport", 1, &transport) && transport) {
        get_num(L, transport, "truck_t", 1, &s->truck_t, 0.001, 2000, 0,
                "a load in [0.001, 2000] t");
        get_num(L, transport, "contested_speed_factor", 0, &s->contested_speed_factor, 0.01, 1, 0,
                "in [0.01, 1]");
        get_num(L, transport, "contested_loss_p", 0, &s->contested_loss_p, 0, 1, 0,
                "a probability in [0, 1]");
        double initial = 0;
        if (!get_num(L, transport, "initial_shipments", 0, &initial, 0, 2e9, 0,
                     "a whole number of truckloads in [0, 2e9]")) {
            if (initial != floor(initial)) {
                const cfx_conf *n = cfx_conf_get(transport, "initial_shipments");
                cfx_diags_add(L->d, CFX_EINVAL, n->file, n->line, n->col,
                              "'initial_shipments' must be a whole number, got %g", initial);
            }
            s->initial_shipments = (long)initial;
        }
        get_num(L, transport, "gate_clearance_hours", 0, &s->gate_clearance_hours, 0, 8760, 0,
                "in [0, 8760] hours");
    }
    if (!get_map(L, root, "output", 0, &output) && output) {
        double chunk = (double)s->chunk_days;
        if (!get_num(L, output, "chunk_days", 0, &chunk, 1, 3650, 0, "in [1, 3650] days"))
            s->chunk_days = (long)chunk;
    }
}

/* ---------------------------------------------------------------- tables */

typedef struct table {
    cfx_csv *t;
    const char *key;
} table;

static int read_source(loader *L, const char *key, const char *path, const char *text, size_t len)
{
    cfx_scenario *s = L->s;
    cfx_source *src = &s->sources[s->n_sources];
    src->key = cfx_strdup(key);
    src->path = cfx_strdup(path);
    src->text = malloc(len + 1);
    if (!src->key || !src->path || !src->text) {
        /* not counted in n_sources, so cfx_scenario_free would not see them */
        free(src->key);
        free(src->path);
        free(src->text);
        *src = (cfx_source){0};
        return CFX_ENOMEM;
    }
    memcpy(src->text, text, len);
    src->text[len] = '\0';
    src->len = len;
    s->n_sources++;
    return 0;
}

/* The path of a table read (for messages about the table as a whole). */
static const char *table_path(const loader *L, const char *key)
{
    for (size_t i = 0; i < L->s->n_sources; i++)
        if (strcmp(L->s->sources[i].key, key) == 0)
            return L->s->sources[i].path;
    return L->s->path;
}

/* A path written in a YAML file, relative to that file's directory (the scenario's for a
 * value given with --set); absolute paths as they are. NULL when out of memory. */
static char *resolve(const cfx_conf *node, const char *rel, const char *scenario)
{
    const char *file = strncmp(node->file, "--set ", 6) == 0 ? scenario : node->file;
    const char *slash = strrchr(file, '/');
    if (rel[0] == '/' || !slash)
        return cfx_strdup(rel);
    size_t dlen = (size_t)(slash - file) + 1; /* with the slash: "/" for a file in / */
    char *path = malloc(dlen + strlen(rel) + 1);
    if (path)
        sprintf(path, "%.*s%s", (int)dlen, file, rel);
    return path;
}

/* Reads the scenario file at path (named by the `extends` node from, NULL for the file
 * given) and, when it says `extends: BASE`, the files beneath it, each laid on top of the
 * one it extends (cfx_conf_overlay). depth counts the files above this one. */
static int load_doc(loader *L, const char *path, const cfx_conf *from, int depth,
                    cfx_conf_doc **out)
{
    cfx_error err;
    cfx_conf_doc *doc = NULL;
    int rc = cfx_conf_load(&doc, path, &err);
    if (rc && from && rc == CFX_ENOENT)
        return cfx_diags_add(L->d, rc, from->file, from->line, from->col, "'extends: %s': %s",
                             from->value, err.msg);
    if (rc)
        return note(L, rc, &err);
    char key[32];
    snprintf(key, sizeof key,
             depth == 0   ? "scenario"
             : depth == 1 ? "scenario_base"
                          : "scenario_base%d",
             depth);
    if (read_source(L, key, path, doc->text, doc->text_len)) {
        cfx_conf_free(doc);
        return nomem(L, path);
    }
    cfx_conf *ext =
        doc->root && doc->root->kind == CFX_CONF_MAP ? cfx_conf_get(doc->root, "extends") : NULL;
    if (!ext) {
        *out = doc;
        return 0;
    }
    ext->used = 1;
    cfx_conf_doc *base = NULL;
    char *base_path = NULL;
    if (ext->kind != CFX_CONF_SCALAR || !*ext->value)
        rc = cfx_diags_add(L->d, CFX_EINVAL, ext->file, ext->line, ext->col,
                           "'extends' must be the path of a scenario file");
    else if (depth + 1 >= CFX_MAX_EXTENDS)
        rc = cfx_diags_add(L->d, CFX_EINVAL, ext->file, ext->line, ext->col,
                           "'extends' goes more than %d files deep (does a file extend "
                           "itself?)",
                           CFX_MAX_EXTENDS - 1);
    else if (!(base_path = resolve(ext, ext->value, path)))
        rc = nomem(L, path);
    else if (!(rc = load_doc(L, base_path, ext, depth + 1, &base)) &&
             (rc = cfx_conf_overlay(base, doc, &err)))
        note(L, rc, &err);
    free(base_path);
    cfx_conf_free(doc);
    if (rc) {
        cfx_conf_free(base);
        return rc;
    }
    *out = base;
    return 0;
}

/* Reads and parses the table named by a dotted key of the YAML (e.g. "network.nodes"),
 * without keeping its text (keep_source): what may run beside the loading of another table,
 * given a loader of its own diagnostics. */
static cfx_csv *parse_table(loader *L, const cfx_conf *root, const char *dotted, int required,
                            char **path_out)
{
    *path_out = NULL;
    const char *rel = NULL;
    cfx_conf *node = cfx_conf_path(root, dotted);
    if (!node) {
        /* said at the map that lacks it: where an extending file removed the key, at that
         * key (cfx_conf_overlay), else where the map is written */
        char parent[64];
        const char *dot = strrchr(dotted, '.');
        snprintf(parent, sizeof parent, "%.*s", dot ? (int)(dot - dotted) : 0, dotted);
        const cfx_conf *at = dot ? cfx_conf_path(root, parent) : NULL;
        if (!at)
            at = root;
        if (required)
            cfx_diags_add(L->d, CFX_EINVAL, at && at->file ? at->file : L->s->path,
                          at ? at->line : 1, at ? at->col : 1,
                          "missing key '%s' (the %s table)", dotted, dotted);
        return NULL;
    }
    node->used = 1;
    if (node->kind != CFX_CONF_SCALAR || !*(rel = node->value)) {
        cfx_diags_add(L->d, CFX_EINVAL, node->file, node->line, node->col,
                      "'%s' must be the path of a CSV file", dotted);
        return NULL;
    }
    char *path = resolve(node, rel, L->s->path);
    if (!path) {
        nomem(L, NULL);
        return NULL;
    }
    cfx_csv *t = NULL;
    size_t before = L->d->n;
    int rc = cfx_csv_load(&t, path, L->d);
    if (rc == CFX_ENOENT) {
        /* Point at the YAML line that names the file, then say what the system said. */
        const char *why = L->d->n > before ? L->d->v[L->d->n - 1].msg : "cannot open";
        cfx_error e;
        cfx_error_set(&e, CFX_ENOENT, node->file, node->line, node->col, "table '%s': %s: %s",
                      dotted, path, why);
        if (L->d->n > before)
            L->d->v[L->d->n - 1] = e;
        else
            cfx_diags_push(L->d, &e);
    }
    if (rc) {
        cfx_csv_free(t);
        free(path);
        return NULL;
    }
    *path_out = path;
    return t;
}

/* Keeps the text of table t (parsed from path, which is freed) among the scenario's sources,
 * in the order the tables are loaded; NULL when memory ran out. */
static cfx_csv *keep_source(loader *L, const char *dotted, char *path, cfx_csv *t)
{
    if (t && read_source(L, dotted, path, t->text, t->text_len)) {
        nomem(L, path);
        cfx_csv_free(t);
        t = NULL;
    }
    free(path);
    return t;
}

/* Loads the table named by a dotted key of the YAML (e.g. "network.nodes"). */
static cfx_csv *load_table(loader *L, const cfx_conf *root, const char *dotted, int required)
{
    char *path;
    cfx_csv *t = parse_table(L, root, dotted, required, &path);
    return keep_source(L, dotted, path, t);
}

/* Whether header h is a typo of column name k: 1 edit, or 2 in a name of 6 letters or more
 * (so that 'date' is not taken for 'days'); case is ignored. */
static int typo_of(const char *h, const char *k)
{
    if (strcmp(h, k) == 0)
        return 0;
    char a[72], b[72];
    size_t n = 0, m = 0;
    for (const char *p = h; *p && n + 1 < sizeof a; p++)
        a[n++] = (char)tolower((unsigned char)*p);
    for (const char *p = k; *p && m + 1 < sizeof b; p++)
        b[m++] = (char)tolower((unsigned char)*p);
    a[n] = b[m] = '\0';
    return cfx_edit_distance_le2(a, b) <= (strlen(k) >= 6 ? 2 : 1);
}

/* Column index of a required column, or -1 with an error: at a header that looks like a
 * misspelling of it, else at the header row. */
static long need_col(loader *L, const cfx_csv *t, const char *name)
{
    long c = cfx_csv_col(t, name);
    if (c >= 0)
        return c;
    for (size_t k = 0; k < t->ncols; k++)
        if (typo_of(t->header[k], name)) {
            cfx_diags_add(L->d, CFX_EINVAL, t->path, 1, t->header_col[k],
                          "missing column '%s' (is '%s' here a misspelling of it?)", name,
                          t->header[k]);
            return -1;
        }
    cfx_diags_add(L->d, CFX_EINVAL, t->path, 1, 1, "missing column '%s'", name);
    return -1;
}

static void cell_err(loader *L, const cfx_csv *t, size_t r, long c, const char *fmt, const char *a,
                     const char *b)
{
    if (!L->d) { /* a quiet pass: the row is checked again, reporting, in row order */
        L->quiet_bad = 1;
        return;
    }
    size_t k = r * t->ncols + (size_t)c;
    cfx_diags_add(L->d, CFX_EINVAL, t->path, t->line[k], t->col[k], fmt, a, b);
}

/* Columns the loader does not read are ignored (date, source, notes, ...), but one a typo
 * away from an optional column the table could have and does not is an error: a 'Buys'
 * column would otherwise be dropped without a word. (A typo of a required column is
 * reported by need_col, as the missing column.) */
static void check_columns(loader *L, const cfx_csv *t, const char *const *optional)
{
    for (size_t c = 0; c < t->ncols; c++) {
        for (const char *const *k = optional; *k; k++) {
            if (cfx_csv_col(t, *k) >= 0)
                continue;
            if (typo_of(t->header[c], *k)) {
                cfx_diags_add(L->d, CFX_EINVAL, t->path, 1, t->header_col[c],
                              "unknown column '%s' (is it a misspelling of '%s'?)", t->header[c],
                              *k);
                break;
            }
        }
    }
}

/* Parses cell (r, c) as a number in [lo, hi]; empty allowed when empty_ok (returns 1). */
static int cell_num(loader *L, const cfx_csv *t, size_t r, long c, double lo, double hi,
                    int empty_ok, const char *what, double *out)
{
    const char *v = cfx_csv_cell(t, r, (size_t)c);
    if (!*v) {
        if (empty_ok)
            return 1;
        cell_err(L, t, r, c, "'%s' must not be empty (%s)", t->header[c], what);
        return -1;
    }
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (strpbrk(v, "xX")) { /* strtod reads hexadecimal; a table holds decimal numbers */
        cell_err(L, t, r, c, "'%s' must be a decimal number, got '%s'", t->header[c], v);
        return -1;
    }
    if (*end || errno == ERANGE || !isfinite(x)) {
        cell_err(L, t, r, c, "'%s' must be a finite number, got '%s'", t->header[c], v);
        return -1;
    }
    if (x < lo || x > hi) {
        char msg[200];
        if (x > hi && !cfx_conf_what_has_max(what))
            snprintf(msg, sizeof msg, "'%%s' must be %s, at most %g, got '%%s'", what, hi);
        else
            snprintf(msg, sizeof msg, "'%%s' must be %s, got '%%s'", what);
        cell_err(L, t, r, c, msg, t->header[c], v);
        return -1;
    }
    *out = x;
    return 0;
}

/* FNV-1a, 64 bits. */
static uint64_t hash_id(const char *p)
{
    uint64_t h = 14695981039346656037ull;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* An open-addressing table of node indices by id, for look-ups in constant time (a
 * 10^5-node network's edge table makes 6 * 10^5 of them). Built row by row, it also finds
 * a duplicate id: reported at the later row, the first one staying in the table. */
static void index_nodes(loader *L, const cfx_csv *t, long cid)
{
    cfx_scenario *s = L->s;
    size_t size = 16;
    while (size < 2 * s->n_nodes)
        size *= 2;
    if (!(s->node_hash = malloc(size * sizeof *s->node_hash))) {
        nomem(L, t->path);
        return;
    }
    for (size_t i = 0; i < size; i++)
        s->node_hash[i] = -1;
    s->node_hash_mask = size - 1;
    for (size_t v = 0; v < s->n_nodes; v++) {
        size_t i = (size_t)hash_id(s->node_id[v]) & s->node_hash_mask;
        while (s->node_hash[i] >= 0 && strcmp(s->node_id[s->node_hash[i]], s->node_id[v]) != 0)
            i = (i + 1) & s->node_hash_mask;
        if (s->node_hash[i] < 0) {
            s->node_hash[i] = (int32_t)v;
            continue;
        }
        size_t k = v * t->ncols + (size_t)cid;
        cfx_diags_add(L->d, CFX_EINVAL, t->path, t->line[k], t->col[k],
                      "duplicate node id '%s' (first at line %d)", s->node_id[v],
                      t->line[(size_t)s->node_hash[i] * t->ncols + (size_t)cid]);
    }
}

/* The node of id, whose hash_id is h; -1 when none. */
static long node_of(const cfx_scenario *s, const char *id, uint64_t h)
{
    if (!s->node_hash)
        return -1;
    for (size_t i = (size_t)h & s->node_hash_mask; s->node_hash[i] >= 0;
         i = (i + 1) & s->node_hash_mask)
        if (strcmp(s->node_id[s->node_hash[i]], id) == 0)
            return s->node_hash[i];
    return -1;
}

long cfx_scenario_node(const cfx_scenario *s, const char *id)
{
    return node_of(s, id, hash_id(id));
}

/* Rows of the edges table whose node ids are looked up together (look_up_ends). An
 * assumption, not tuned: enough look-ups in flight to overlap their misses, and their hashes
 * and ids on the stack (8 KiB) stay in the first-level cache. */
#define LOOKUP_BLOCK 256

/* The nodes at both ends of rows [r0, r1) (at most LOOKUP_BLOCK) into edge_from and edge_to,
 * -1 for an unknown id. One look-up is a chain of three cache misses on a large network (the
 * table's slot, the node's id, its text); the block's are made in three passes so that their
 * misses overlap instead of following one another: the ids hashed and their slots fetched
 * ahead; the slots read and the texts of the nodes in them fetched ahead; the look-ups. The
 * result is cfx_scenario_node's. */
static void look_up_ends(cfx_scenario *s, const cfx_csv *t, size_t r0, size_t r1, long cf,
                         long ct)
{
    uint64_t h[2 * LOOKUP_BLOCK];
    const char *id[2 * LOOKUP_BLOCK];
    size_t n = 2 * (r1 - r0);
    for (size_t k = 0; k < n; k++) {
        id[k] = cfx_csv_cell(t, r0 + k / 2, (size_t)(k & 1 ? ct : cf));
        h[k] = hash_id(id[k]);
        if (s->node_hash)
            __builtin_prefetch(&s->node_hash[(size_t)h[k] & s->node_hash_mask]);
    }
    for (size_t k = 0; k < n && s->node_hash; k++) {
        int32_t v = s->node_hash[(size_t)h[k] & s->node_hash_mask];
        if (v >= 0)
            __builtin_prefetch(s->node_id[v]);
    }
    for (size_t k = 0; k < n; k++) {
        int32_t *end = k & 1 ? s->edge_to : s->edge_from;
        end[r0 + k / 2] = (int32_t)node_of(s, id[k], h[k]);
    }
}

#define ALLOC_N(p, n) ((p) = calloc((n) ? (n) : 1, sizeof *(p)))

/* A capacity from the columns capacity_t_per_day and capacity_trucks_per_day (either may
 * be absent: c < 0) in row r: the smaller of the two, trucks counted as full truckloads;
 * INFINITY when both are empty. Zero or negative values are errors. */
static double cell_capacity(loader *L, const cfx_csv *t, size_t r, long ccap, long ctrucks)
{
    double cap = INFINITY, trucks = INFINITY;
    if (ccap >= 0 &&
        cell_num(L, t, r, ccap, 0, 1e12, 1, "a positive capacity in t/day", &cap) == 0 && cap == 0)
        cell_err(L, t, r, ccap, "'%s' must be a positive capacity in t/day, got '%s'",
                 "capacity_t_per_day", cfx_csv_cell(t, r, (size_t)ccap));
    if (ctrucks >= 0 &&
        cell_num(L, t, r, ctrucks, 0, 1e9, 1, "a positive number of trucks a day", &trucks) == 0 &&
        trucks == 0)
        cell_err(L, t, r, ctrucks, "'%s' must be a positive number of trucks a day, got '%s'",
                 "capacity_trucks_per_day", cfx_csv_cell(t, r, (size_t)ctrucks));
    if (trucks > 0 && isfinite(trucks) && trucks * L->s->truck_t < cap)
        cap = trucks * L->s->truck_t;
    return cap;
}

/* A set of products from cell (r, c) (a 'buys' or 'products' column): names separated by
 * blanks, ';' or ','. Empty, or after an error (so that nothing more is reported):
 * UINT32_MAX, every product. */
static uint32_t cell_products(loader *L, const cfx_csv *t, size_t r, long c)
{
    const char *v = cfx_csv_cell(t, r, (size_t)c), *col = t->header[c];
    if (!*v || !L->s->n_products) /* no products: the market section is reported */
        return UINT32_MAX;
    char names[256], word[160], hint[128], msg[512];
    product_names(L->s, names, sizeof names);
    uint32_t mask = 0;
    int bad = 0;
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, " \t;,");
        if (n) {
            snprintf(word, sizeof word, "%.*s", (int)n, p);
            long k = find_product(L->s, word);
            if (k < 0) {
                snprintf(msg, sizeof msg, "unknown product '%s' in '%s'%s (products: %s)", word,
                         col, product_hint(L->s, word, hint, sizeof hint), names);
                cell_err(L, t, r, c, "%s%s", msg, "");
            } else
                mask |= 1u << k;
            bad |= k < 0;
        }
        p += n + (p[n] != '\0');
    }
    if (!mask && !bad) {
        cell_err(L, t, r, c, "'%s' lists no product, got '%s' (leave it empty for every product)",
                 col, v);
        bad = 1;
    }
    return bad ? UINT32_MAX : mask;
}

/* The products a market buys, from its 'buys' cell; empty: every product. Only a market
 * buys. */
static uint32_t cell_buys(loader *L, const cfx_csv *t, size_t r, long c)
{
    const char *v = cfx_csv_cell(t, r, (size_t)c);
    if (*v && L->s->n_products && L->s->node_kind[r] != CFX_NODE_MARKET && !L->kind_unknown[r]) {
        cell_err(L, t, r, c, "only a market buys: this node is a %s (leave 'buys' empty)%s",
                 cfx_node_kind_names[L->s->node_kind[r]], "");
        return UINT32_MAX;
    }
    return cell_products(L, t, r, c);
}

static void load_nodes(loader *L, const cfx_csv *t)
{
    cfx_scenario *s = L->s;
    long cid = need_col(L, t, "id"), cname = need_col(L, t, "name"), ckind = need_col(L, t, "kind"),
         clat = need_col(L, t, "lat"), clon = need_col(L, t, "lon"),
         cctl = need_col(L, t, "controller");
    long ccap = cfx_csv_col(t, "capacity_t_per_day"),
         ctrucks = cfx_csv_col(t, "capacity_trucks_per_day"), cbuys = cfx_csv_col(t, "buys"),
         cprod = cfx_csv_col(t, "capacity_products");
    static const char *const optional[] = {"buys", "capacity_t_per_day", "capacity_trucks_per_day",
                                           "capacity_products", NULL};
    check_columns(L, t, optional);
    if (cid < 0 || cname < 0 || ckind < 0 || clat < 0 || clon < 0 || cctl < 0)
        return;
    size_t n = t->nrows;
    if (n == 0) {
        cfx_diags_add(L->d, CFX_EINVAL, t->path, 1, 1, "the nodes table has no rows");
        return;
    }
    if (!ALLOC_N(s->node_id, n) || !ALLOC_N(s->node_name, n) || !ALLOC_N(s->node_kind, n) ||
        !ALLOC_N(s->lat, n) || !ALLOC_N(s->lon, n) || !ALLOC_N(s->controller, n) ||
        !ALLOC_N(s->node_capacity_t_per_day, n) || !ALLOC_N(s->node_buys, n) ||
        !ALLOC_N(s->node_capacity_products, n) || !(L->kind_unknown = calloc(n, 1))) {
        nomem(L, t->path);
        return;
    }
    s->n_nodes = n;
    char kinds[128];
    join_names(cfx_node_kind_names, CFX_NODE_NKINDS, kinds, sizeof kinds);
    for (size_t r = 0; r < n; r++) {
        const char *id = cfx_csv_cell(t, r, (size_t)cid);
        int bad = !*id;
        for (const char *p = id; *p; p++)
            bad |= isspace((unsigned char)*p) || *p == ',';
        if (bad)
            cell_err(L, t, r, cid, "node id must be a non-empty word without spaces, got '%s'%s",
                     id, "");
        s->node_id[r] = cfx_strdup(id);
        s->node_name[r] =
            cfx_strdup(*cfx_csv_cell(t, r, (size_t)cname) ? cfx_csv_cell(t, r, (size_t)cname) : id);
        if (!s->node_id[r] || !s->node_name[r]) {
            nomem(L, t->path); /* before index_nodes, which reads every id */
            return;
        }
        const char *kind = cfx_csv_cell(t, r, (size_t)ckind);
        int k = lookup(cfx_node_kind_names, CFX_NODE_NKINDS, kind);
        if (k < 0)
            cell_err(L, t, r, ckind, "unknown node kind '%s' (one of: %s)", kind, kinds);
        L->kind_unknown[r] = k < 0;
        s->node_kind[r] = (uint8_t)(k < 0 ? CFX_NODE_TOWN : k);
        cell_num(L, t, r, clat, -90, 90, 0, "a latitude in [-90, 90] degrees", &s->lat[r]);
        cell_num(L, t, r, clon, -180, 180, 0, "a longitude in [-180, 180] degrees", &s->lon[r]);
        const char *ctl = cfx_csv_cell(t, r, (size_t)cctl);
        if (!*ctl)
            cell_err(L, t, r, cctl, "'controller' must name a group%s%s", "", "");
        s->controller[r] = (int32_t)add_group(L, *ctl ? ctl : "none");
        s->node_capacity_t_per_day[r] = cell_capacity(L, t, r, ccap, ctrucks);
        /* a capacity for some cargo only (the others pass freely): a gate that takes jade
         * but only a trickle of ore */
        s->node_capacity_products[r] = UINT32_MAX;
        if (cprod >= 0 && *cfx_csv_cell(t, r, (size_t)cprod)) {
            if (!isfinite(s->node_capacity_t_per_day[r]))
                cell_err(L, t, r, cprod, "'%s' names the cargo a capacity applies to, and node "
                         "'%s' has no capacity",
                         "capacity_products", id);
            else
                s->node_capacity_products[r] = cell_products(L, t, r, cprod);
        }
        s->node_buys[r] = cbuys >= 0 ? cell_buys(L, t, r, cbuys) : UINT32_MAX;
    }
    index_nodes(L, t, cid);
}

/* Whether node v is not of the kind: 0 for a node whose own kind was unknown (reported
 * once, in the nodes table, rather than again at every use). */
static int kind_differs(const loader *L, long v, cfx_node_kind kind)
{
    return v >= 0 && L->s->node_kind[v] != kind && !(L->kind_unknown && L->kind_unknown[v]);
}

/* An edges table of at least this many rows is read on the run's threads
 * (load_edges). An assumption, not tuned: W2's 299,585 rows gain, and a table of a few
 * thousand is done in less time than it takes to wake a second thread. */
#define LOOKUP_PARALLEL_ROWS 16384

/* v, the node of the id in cell (r, c), or -1 with an error when there is none. */
static long known_node(loader *L, const cfx_csv *t, size_t r, long c, long v)
{
    if (v < 0)
        cell_err(L, t, r, c, "unknown node '%s'%s", cfx_csv_cell(t, r, (size_t)c), "");
    return v;
}

/* A node id in cell (r, c), or -1 with an error. */
static long cell_node(loader *L, const cfx_csv *t, size_t r, long c)
{
    return known_node(L, t, r, c, cfx_scenario_node(L->s, cfx_csv_cell(t, r, (size_t)c)));
}

/* A road's two ends, either way round, as one key: the lower node id in the high half. */
static uint64_t edge_ends(const cfx_scenario *s, size_t e)
{
    uint32_t a = (uint32_t)s->edge_from[e], b = (uint32_t)s->edge_to[e];
    return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

/* Two rows joining the same two nodes (either way round) are refused: an event names a road
 * by its ends ('from-to'), so it would reach only one of them. Each pair's first row is kept
 * in a hash table (open addressing, at most half full), so that the check costs a probe or
 * two a row; a merge sort of the rows by their ends took 20 ms of W2's 300,000 roads. A
 * later row of a pair is reported, in row order, with the pair's first. */
static void check_parallel(loader *L, const cfx_csv *t, long cf)
{
    cfx_scenario *s = L->s;
    size_t n = s->n_edges, cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    int32_t *first = malloc(cap * sizeof *first);
    if (!first) {
        nomem(L, t->path);
        return;
    }
    memset(first, 0xff, cap * sizeof *first); /* -1: empty */
    for (size_t r = 0; r < n; r++) {
        if (s->edge_from[r] < 0 || s->edge_to[r] < 0)
            continue; /* an unknown node, reported */
        uint64_t key = edge_ends(s, r);
        size_t h = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
        while (first[h] >= 0 && edge_ends(s, (size_t)first[h]) != key)
            h = (h + 1) & (cap - 1);
        if (first[h] < 0) {
            first[h] = (int32_t)r;
            continue;
        }
        size_t k = r * t->ncols + (size_t)cf;
        cfx_diags_add(L->d, CFX_EINVAL, t->path, t->line[k], t->col[k],
                      "a second road between '%s' and '%s' (the first is at line %d): events "
                      "name a road by its ends, so merge the two rows into one",
                      s->node_id[s->edge_from[r]], s->node_id[s->edge_to[r]],
                      t->line[(size_t)first[h] * t->ncols + (size_t)cf]);
    }
    free(first);
}

/* Row r of the edges table after its ends were looked up: the ends known and distinct,
 * the length, road class, capacity and one-way flag. col: the columns from, to, km, road,
 * capacity_t_per_day, capacity_trucks_per_day and oneway (the last three < 0: absent). */
static void edge_row(loader *L, const cfx_csv *t, size_t r, const long *col)
{
    cfx_scenario *s = L->s;
    long cf = col[0], ct = col[1], ckm = col[2], croad = col[3], ccap = col[4], ctrucks = col[5],
         cone = col[6];
    long a = known_node(L, t, r, cf, s->edge_from[r]),
         b = known_node(L, t, r, ct, s->edge_to[r]);
    if (a >= 0 && a == b)
        cell_err(L, t, r, ct, "road from '%s' to itself%s", s->node_id[a], "");
    if (cell_num(L, t, r, ckm, 0, 1e5, 0, "a length in (0, 100000] km", &s->edge_km[r]) == 0 &&
        s->edge_km[r] == 0)
        cell_err(L, t, r, ckm, "'%s' must be a positive length in km, got '%s'", "km",
                 cfx_csv_cell(t, r, (size_t)ckm));
    const char *road = cfx_csv_cell(t, r, (size_t)croad);
    long k = -1;
    for (size_t i = 0; i < s->n_roads; i++)
        if (strcmp(s->roads[i].name, road) == 0)
            k = (long)i;
    if (k < 0)
        cell_err(L, t, r, croad, "unknown road class '%s' (not under 'roads' in %s)", road,
                 s->path);
    s->edge_road[r] = (int32_t)k;
    s->edge_capacity_t_per_day[r] = cell_capacity(L, t, r, ccap, ctrucks);
    const char *one = cone >= 0 ? cfx_csv_cell(t, r, (size_t)cone) : "";
    if (*one && strcmp(one, "0") != 0 && strcmp(one, "1") != 0)
        cell_err(L, t, r, cone,
                 "'oneway' must be 1 (only from 'from' to 'to'), 0 or empty (both "
                 "ways), got '%s'%s",
                 one, "");
    s->edge_oneway[r] = strcmp(one, "1") == 0;
}

static void load_edges(loader *L, const cfx_csv *t)
{
    cfx_scenario *s = L->s;
    long cf = need_col(L, t, "from"), ct = need_col(L, t, "to"), ckm = need_col(L, t, "km"),
         croad = need_col(L, t, "road");
    long ccap = cfx_csv_col(t, "capacity_t_per_day"), cone = cfx_csv_col(t, "oneway"),
         ctrucks = cfx_csv_col(t, "capacity_trucks_per_day");
    static const char *const optional[] = {"capacity_t_per_day", "capacity_trucks_per_day",
                                           "oneway", NULL};
    check_columns(L, t, optional);
    if (cf < 0 || ct < 0 || ckm < 0 || croad < 0)
        return;
    size_t n = t->nrows;
    if (!ALLOC_N(s->edge_from, n) || !ALLOC_N(s->edge_to, n) || !ALLOC_N(s->edge_km, n) ||
        !ALLOC_N(s->edge_road, n) || !ALLOC_N(s->edge_capacity_t_per_day, n) ||
        !ALLOC_N(s->edge_oneway, n)) {
        nomem(L, t->path);
        return;
    }
    s->n_edges = n;
    uint8_t *bad = calloc(n ? n : 1, 1);
    if (!bad) {
        nomem(L, t->path);
        return;
    }
    /* Each row read on the run's threads, quietly (they only read the node table and write
     * their own row): W2's 300,000 rows, 600,000 node-id look-ups of a few cache misses each
     * and their numbers, were a third of its loading. A row with an error is read again
     * below, reporting, in row order. */
    const long cols[7] = {cf, ct, ckm, croad, ccap, ctrucks, cone};
#pragma omp parallel num_threads(L->threads) if (n >= LOOKUP_PARALLEL_ROWS)
    {
        loader quiet = *L;
        quiet.d = NULL;
#pragma omp for schedule(static)
        for (size_t b = 0; b < n; b += LOOKUP_BLOCK) {
            size_t end = n - b < LOOKUP_BLOCK ? n : b + LOOKUP_BLOCK;
            look_up_ends(s, t, b, end, cf, ct);
            for (size_t r = b; r < end; r++) {
                quiet.quiet_bad = 0;
                edge_row(&quiet, t, r, cols);
                bad[r] = (uint8_t)quiet.quiet_bad;
            }
        }
    }
    for (size_t r = 0; r < n; r++)
        if (bad[r])
            edge_row(L, t, r, cols);
    free(bad);
    check_parallel(L, t, cf);
}

/* The cargo kinds of the mines (scenario.h), and a market for each: a mine whose cargo no
 * market buys could only pile up. */
static void cargo_kinds(loader *L, const cfx_csv *t, long cn)
{
    cfx_scenario *s = L->s;
    if (!ALLOC_N(s->mine_cargo, s->n_mines) || !ALLOC_N(s->cargo_products, s->n_mines)) {
        nomem(L, t->path);
        return;
    }
    for (size_t m = 0; m < s->n_mines; m++) {
        uint32_t set = 0;
        for (size_t p = 0; p < s->n_products; p++)
            set |= (s->mine_grade[m * s->n_products + p] > 0 ? 1u : 0u) << p;
        size_t c = 0;
        while (c < s->n_cargo && s->cargo_products[c] != set)
            c++;
        s->mine_cargo[m] = (int32_t)c;
        if (c < s->n_cargo)
            continue;
        s->cargo_products[s->n_cargo++] = set;
        int sold = 0, markets = 0; /* no market at all is reported once, by check_network */
        for (size_t v = 0; v < s->n_nodes && !sold; v++) {
            markets |= s->node_kind[v] == CFX_NODE_MARKET || L->kind_unknown[v];
            sold = L->kind_unknown[v] || (s->node_kind[v] == CFX_NODE_MARKET && cfx_buys(s, v, c));
        }
        if (!sold && markets) {
            char what[256];
            cell_err(L, t, m, cn,
                     "no market buys this mine's cargo (%s): give a market node "
                     "these products in the nodes table's 'buys' column",
                     product_list(s, set, " and ", what, sizeof what), "");
        }
    }
}

/* A grade_<P> column for a product the scenario does not have is a typo or a leftover (a
 * product removed with '<P>: ~'): its grades would be dropped without a word. */
static void check_grade_columns(loader *L, const cfx_csv *t)
{
    char names[256], hint[128];
    product_names(L->s, names, sizeof names);
    for (size_t c = 0; c < t->ncols; c++) {
        const char *h = t->header[c];
        if (strncmp(h, "grade_", 6) != 0 || find_product(L->s, h + 6) >= 0)
            continue;
        int typo = 0; /* of a grade column that is missing: need_col says so, with a hint */
        for (size_t p = 0; p < L->s->n_products && !typo; p++) {
            char want[160];
            snprintf(want, sizeof want, "grade_%s", L->s->products[p].name);
            typo = cfx_csv_col(t, want) < 0 && typo_of(h, want);
        }
        if (typo)
            continue;
        cfx_diags_add(L->d, CFX_EINVAL, t->path, 1, t->header_col[c],
                      "column '%s' is the grade of a product the scenario does not have%s "
                      "(products under market.products: %s)",
                      h, product_hint(L->s, h + 6, hint, sizeof hint), names);
    }
}

static void load_mines(loader *L, const cfx_csv *t)
{
    cfx_scenario *s = L->s;
    if (!s->n_products)
        return; /* the market section is missing or broken, and reported */
    check_grade_columns(L, t);
    long cn = need_col(L, t, "node"), co = need_col(L, t, "output_t_per_day");
    long cg[CFX_MAX_PRODUCTS];
    int ok = cn >= 0 && co >= 0;
    for (size_t p = 0; p < s->n_products; p++) {
        char col[160];
        snprintf(col, sizeof col, "grade_%s", s->products[p].name);
        cg[p] = need_col(L, t, col);
        ok &= cg[p] >= 0;
    }
    if (!ok)
        return;
    size_t n = t->nrows;
    if (!ALLOC_N(s->mine_node, n) || !ALLOC_N(s->mine_output_t_per_day, n) ||
        !(s->mine_grade = calloc(n * s->n_products + 1, sizeof *s->mine_grade))) {
        nomem(L, t->path);
        return;
    }
    s->n_mines = n;
    for (size_t r = 0; r < n; r++) {
        long v = cell_node(L, t, r, cn);
        if (kind_differs(L, v, CFX_NODE_MINE))
            cell_err(L, t, r, cn, "node '%s' is a %s, not a mine", s->node_id[v],
                     cfx_node_kind_names[s->node_kind[v]]);
        for (size_t i = 0; i < r && v >= 0; i++)
            if (s->mine_node[i] == v)
                cell_err(L, t, r, cn, "mine node '%s' listed twice%s", s->node_id[v], "");
        s->mine_node[r] = (int32_t)v;
        cell_num(L, t, r, co, 0, 1e9, 0, "a non-negative rate in t/day",
                 &s->mine_output_t_per_day[r]);
        double sum = 0;
        int bad = 0;
        for (size_t p = 0; p < s->n_products; p++) {
            double *g = &s->mine_grade[r * s->n_products + p];
            bad |= cell_num(L, t, r, cg[p], 0, 1, 0, "a mass fraction in [0, 1]", g) != 0;
            sum += *g;
        }
        if (sum > 1)
            cell_err(L, t, r, cg[0], "grades add up to more than 1 (%s)%s", "mass fractions", "");
        else if (sum == 0 && !bad) /* a cargo of nothing would be routed and "delivered" */
            cell_err(L, t, r, cg[0],
                     "the mine's cargo carries no product: every grade_ cell "
                     "of the row is 0 (give one a grade above 0)%s%s",
                     "", "");
    }
    cargo_kinds(L, t, cn);
}

/* Finds the edge named "a-b" (either direction); ids may themselves contain '-'. -1 when
 * there is none, -2 when out of memory. */
static long find_edge(const cfx_scenario *s, const char *target)
{
    size_t len = strlen(target);
    char *buf = malloc(len + 1);
    long found = -1;
    if (!buf)
        return -2;
    for (size_t i = 1; i + 1 < len && found < 0; i++) {
        if (target[i] != '-')
            continue;
        memcpy(buf, target, len + 1);
        buf[i] = '\0';
        long a = cfx_scenario_node(s, buf), b = cfx_scenario_node(s, buf + i + 1);
        for (size_t e = 0; a >= 0 && b >= 0 && e < s->n_edges && found < 0; e++)
            if ((s->edge_from[e] == a && s->edge_to[e] == b) ||
                (s->edge_from[e] == b && s->edge_to[e] == a))
                found = (long)e;
    }
    free(buf);
    return found;
}

/* Why target names neither a node nor a road: the first way to read it as 'from-to' with
 * both ends nodes (then no road joins them), else with one end a node (the other is
 * unknown), else neither. */
static void explain_target(const cfx_scenario *s, const char *target, char *why, size_t n)
{
    size_t len = strlen(target);
    int best = 0; /* how many ends of the best reading are nodes */
    snprintf(why, n, "no node of that id, and not 'from-to' with two node ids for a road");
    for (size_t i = 1; i + 1 < len && best < 2; i++) {
        if (target[i] != '-')
            continue;
        char a[100], b[100];
        snprintf(a, sizeof a, "%.*s", (int)i, target);
        snprintf(b, sizeof b, "%s", target + i + 1);
        int ka = cfx_scenario_node(s, a) >= 0, kb = cfx_scenario_node(s, b) >= 0;
        if (ka && kb)
            snprintf(why, n, "no road between nodes '%s' and '%s'", a, b);
        else if ((ka || kb) && !best)
            snprintf(why, n, "'%s' is not a node ('%s' is; a road is named 'from-to')", ka ? b : a,
                     ka ? a : b);
        if (ka + kb > best)
            best = ka + kb;
    }
}

/* An optional number of an events row: 1 when the column is absent or the cell empty (out
 * unchanged), 0 when read, -1 after an error. */
static int event_num(loader *L, const cfx_csv *t, size_t r, long c, double lo, double hi,
                     const char *what, double *out)
{
    return c < 0 ? 1 : cell_num(L, t, r, c, lo, hi, 1, what, out);
}

/* A column that this kind of event does not read must be empty, so that a value put in the
 * wrong row or column is not silently ignored. */
static void event_unused(loader *L, const cfx_csv *t, size_t r, long c, const char *kind)
{
    if (c >= 0 && *cfx_csv_cell(t, r, (size_t)c))
        cell_err(L, t, r, c, "'%s' is not used by '%s' events; leave it empty", t->header[c], kind);
}

static long mine_row(const cfx_scenario *s, long node)
{
    for (size_t m = 0; node >= 0 && m < s->n_mines; m++)
        if (s->mine_node[m] == node)
            return (long)m;
    return -1;
}

/* Kinds whose target is a group, not a node or a road: the group whose levy changes. */
static int targets_group(int k)
{
    return k == CFX_EV_TOLL || k == CFX_EV_EXPORT_LEVY || k == CFX_EV_MINE_TAX;
}

/* The target of a row that names a node or a road, checked against what the kind can hit. */
static void event_target(loader *L, const cfx_csv *t, size_t r, long ctgt, int k, cfx_event_spec *e)
{
    cfx_scenario *s = L->s;
    const char *tgt = cfx_csv_cell(t, r, (size_t)ctgt);
    const char *kind = k >= 0 ? cfx_event_kind_names[k] : "";
    e->node = (int32_t)cfx_scenario_node(s, tgt);
    if (e->node < 0 && (e->edge = (int32_t)find_edge(s, tgt)) == -2) {
        e->edge = -1;
        nomem(L, t->path);
        return;
    }
    if (e->node < 0 && e->edge < 0) {
        char why[400];
        explain_target(s, tgt, why, sizeof why);
        cell_err(L, t, r, ctgt, "unknown target '%s': %s", tgt, why);
        return;
    }
    if (k < 0)
        return;
    if (e->edge >= 0) {
        if (k != CFX_EV_CUT && k != CFX_EV_REOPEN && k != CFX_EV_STRIKE && k != CFX_EV_CAPACITY &&
            k != CFX_EV_NEWS)
            cell_err(L, t, r, ctgt,
                     "a road can only be cut, reopened, struck or given a capacity, not '%s' "
                     "('%s')",
                     kind, tgt);
        return;
    }
    const char *nk = cfx_node_kind_names[s->node_kind[e->node]];
    if (k == CFX_EV_CLOSE && kind_differs(L, e->node, CFX_NODE_GATE))
        cell_err(L, t, r, ctgt, "only a gate can be closed; '%s' is a %s", tgt, nk);
    if (k == CFX_EV_HALT || k == CFX_EV_DESTROY)
        e->mine = (int32_t)mine_row(s, e->node);
    if (k == CFX_EV_HALT && kind_differs(L, e->node, CFX_NODE_MINE))
        cell_err(L, t, r, ctgt, "only a mine can be halted; '%s' is a %s", tgt, nk);
    else if (k == CFX_EV_HALT && e->mine < 0 && !L->kind_unknown[e->node])
        cell_err(L, t, r, ctgt, "mine node '%s' has no row in the mines table%s", tgt, "");
}

/* The `unit` cell of a row: one of names[0..n) (empty: the first); -1 when it is not. */
static int event_unit(loader *L, const cfx_csv *t, size_t r, long cunit, const char *kind,
                      const char *const *names, int n)
{
    const char *u = cunit >= 0 ? cfx_csv_cell(t, r, (size_t)cunit) : "";
    if (!*u)
        return 0;
    int i = lookup(names, n, u);
    if (i < 0) {
        char list[128];
        join_names(names, n, list, sizeof list);
        char msg[256];
        snprintf(msg, sizeof msg, "'unit' of a %s is one of %s, got '%%s'%%s", kind, list);
        cell_err(L, t, r, cunit, msg, u, "");
    }
    return i;
}

/* A capacity event's new capacity in t/day: value in t/day, trucks/day (times
 * transport.truck_t, read before the tables) or a share of the target's base capacity. */
static void capacity_value(loader *L, const cfx_csv *t, size_t r, long cval, long cunit, long at,
                           cfx_event_spec *e)
{
    static const char *const units[] = {"t_per_day", "trucks_per_day", "share"};
    const cfx_scenario *s = L->s;
    int u = event_unit(L, t, r, cunit, "capacity", units, 3);
    int rc = event_num(L, t, r, cval, 0, 1e12, "a capacity >= 0", &e->value);
    if (rc == 1) {
        cell_err(L, t, r, at,
                 "a capacity event needs the new capacity in 'value' (t/day, or set 'unit' to "
                 "trucks_per_day or share)%s%s",
                 "", "");
        return;
    }
    if (rc || u < 0 || (e->node < 0 && e->edge < 0))
        return;
    if (u == 1)
        e->value *= s->truck_t;
    if (u == 2) {
        double base = e->node >= 0 ? s->node_capacity_t_per_day[e->node]
                                   : s->edge_capacity_t_per_day[e->edge];
        if (!isfinite(base))
            cell_err(L, t, r, cval,
                     "a capacity as a share needs a base capacity, and '%s' has none in its "
                     "table%s",
                     e->node >= 0 ? s->node_id[e->node] : "this road", "");
        else if (e->value > 100)
            cell_err(L, t, r, cval, "a share of the base capacity must be in [0, 100], got %s%s",
                     cfx_csv_cell(t, r, (size_t)cval), "");
        e->value *= base;
    }
}

/* A levy's new rate (USD/t) or share of the cargo's value, as `unit` says. */
static void levy_value(loader *L, const cfx_csv *t, size_t r, long cval, long cunit, long at,
                       int k, cfx_event_spec *e)
{
    static const char *const units[] = {"usd_per_t", "share"};
    const char *kind = cfx_event_kind_names[k];
    int u = event_unit(L, t, r, cunit, kind, units, 2);
    int rc = event_num(L, t, r, cval, 0, u == 1 ? 1 : 1e9,
                       u == 1 ? "a share of the cargo's value in [0, 1]" : "a levy >= 0 in USD/t",
                       &e->value);
    if (rc == 1)
        cell_err(L, t, r, at,
                 "'%s' events need the group's new levy in 'value' (USD/t, or a share of the "
                 "cargo's value with unit share)%s",
                 kind, "");
    if (u == 1) {
        e->share = e->value;
        e->value = 0;
    }
}

/* The value and seize_p columns, which mean something different for each kind. */
static void event_values(loader *L, const cfx_csv *t, size_t r, const long *col, int k,
                         cfx_event_spec *e)
{
    long cval = col[0], cseize = col[1], ckind = col[2], cunit = col[3];
    const char *kind = cfx_event_kind_names[k];
    long at = cval >= 0 ? cval : ckind; /* where a missing value is reported */
    int rc;
    switch (k) {
    case CFX_EV_DESTROY:
        if (L->mines_ok && e->mine < 0 && e->node >= 0 && cval >= 0 &&
            *cfx_csv_cell(t, r, (size_t)cval))
            cell_err(L, t, r, cval,
                     "'value' of a destroy is the share of a mine's equipment; '%s' is a %s",
                     L->s->node_id[e->node], cfx_node_kind_names[L->s->node_kind[e->node]]);
        if (e->mine < 0)
            break;
        e->value = 1;
        event_num(L, t, r, cval, 0, 1, "a share of the mine's equipment in [0, 1]", &e->value);
        break;
    case CFX_EV_STRIKE:
        if (event_num(L, t, r, cval, 0, 1, "a loss chance in [0, 1]", &e->value) == 1)
            cell_err(L, t, r, at,
                     "a strike needs the chance that a truck there is lost in "
                     "'value' (0 to 1)%s%s",
                     "", "");
        break;
    case CFX_EV_HALT: /* a partial halt: the share of the mine's output that stops */
        e->value = 1;
        event_num(L, t, r, cval, 0, 1, "the share of the mine's output halted, in [0, 1]",
                  &e->value);
        break;
    case CFX_EV_TOLL:
    case CFX_EV_EXPORT_LEVY:
    case CFX_EV_MINE_TAX:
        levy_value(L, t, r, cval, cunit, at, k, e);
        break;
    case CFX_EV_CAPACITY:
        capacity_value(L, t, r, cval, cunit, at, e);
        break;
    case CFX_EV_NEWS:
        if (event_num(L, t, r, cval, 0, 1,
                      "the share of the network's supply expected lost, in [0, 1]",
                      &e->value) == 1)
            cell_err(L, t, r, at,
                     "a news event needs the share of the network's supply that buyers expect "
                     "to lose in 'value' (0 to 1)%s%s",
                     "", "");
        break;
    case CFX_EV_CHECKPOINT:
        rc = event_num(L, t, r, cval, 0, 1e9, "a tax >= 0 in USD/t", &e->value);
        if (event_num(L, t, r, cseize, 0, 1, "a seizure chance in [0, 1]", &e->seize_p) == 1 &&
            rc == 1)
            cell_err(L, t, r, at,
                     "a checkpoint needs a tax in 'value' (USD/t) or a seizure "
                     "chance in 'seize_p'%s%s",
                     "", "");
        break;
    default:
        event_unused(L, t, r, cval, kind);
        break;
    }
    if (k != CFX_EV_CHECKPOINT)
        event_unused(L, t, r, cseize, kind);
    if (k != CFX_EV_CAPACITY && !targets_group(k))
        event_unused(L, t, r, cunit, kind);
}

/* The group and by cells: a capture's new controller, a close's cargo owner, and the group
 * that acts. Names of groups not in the scenario are added as groups (a capture by a new
 * group, China closing a gate), except a close's cargo owner, which must exist. */
static void event_groups(loader *L, const cfx_csv *t, size_t r, const long *col, int k,
                         cfx_event_spec *e)
{
    long cgrp = col[4], cby = col[5], ckind = col[2];
    const char *grp = cgrp >= 0 ? cfx_csv_cell(t, r, (size_t)cgrp) : "";
    const char *by = cby >= 0 ? cfx_csv_cell(t, r, (size_t)cby) : "";
    const char *kind = cfx_event_kind_names[k];
    if (k == CFX_EV_CAPTURE) {
        if (!*grp)
            cell_err(L, t, r, cgrp >= 0 ? cgrp : ckind,
                     "a capture needs the new controller in the 'group' column%s%s", "", "");
        else
            e->group = e->by = (int32_t)add_group(L, grp);
    } else if (*grp && k != CFX_EV_CLOSE) { /* a close's group is resolved below */
        cell_err(L, t, r, cgrp, "'group' is only for capture and close events, got '%s' on '%s'",
                 grp, kind);
    }
    if (*by)
        e->by = (int32_t)add_group(L, by);
}

/* A toll's (or other levy's) target and a close's group name a group of the scenario:
 * from the groups section, a controller, or a capture anywhere in the table, so they are
 * resolved once every row is read. */
static void resolve_event_groups(loader *L, const cfx_csv *t, long ckind, long ctgt, long cgrp)
{
    cfx_scenario *s = L->s;
    char groups[256];
    groups[0] = '\0';
    for (size_t g = 0; g < s->n_groups; g++) {
        size_t used = strlen(groups);
        snprintf(groups + used, sizeof groups - used, "%s%s", g ? ", " : "", s->groups[g].name);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        int k = lookup(cfx_event_kind_names, CFX_EV_NKINDS, cfx_csv_cell(t, r, (size_t)ckind));
        const char *grp = cgrp >= 0 ? cfx_csv_cell(t, r, (size_t)cgrp) : "";
        if (k == CFX_EV_CLOSE && *grp) { /* closed to the cargo of this group only */
            s->events[r].group = (int32_t)find_group(s, grp);
            if (s->events[r].group < 0)
                cell_err(L, t, r, cgrp, "unknown group '%s' for a closure (groups: %s)", grp,
                         groups);
        }
        if (!targets_group(k))
            continue;
        const char *tgt = cfx_csv_cell(t, r, (size_t)ctgt);
        s->events[r].group = (int32_t)find_group(s, tgt);
        char what[320];
        snprintf(what, sizeof what, "a %s (groups: %s)", cfx_event_kind_names[k], groups);
        if (s->events[r].group < 0)
            cell_err(L, t, r, ctgt, "unknown group '%s' for %s", tgt, what);
        else if (s->events[r].by < 0)
            s->events[r].by = s->events[r].group; /* a group changes its own levy */
    }
}

/* One row of the events table into e (k is its kind, -1 when unknown). */
static void load_event(loader *L, const cfx_csv *t, size_t r, const long *col, int k,
                       cfx_event_spec *e)
{
    const cfx_scenario *s = L->s;
    long cday = col[6], ctgt = col[7], cdays = col[8], cprod = col[9], cnotice = col[10];
    const char *kind = k >= 0 ? cfx_event_kind_names[k] : "";
    *e = (cfx_event_spec){
        .node = -1, .edge = -1, .mine = -1, .group = -1, .by = -1, .products = UINT32_MAX};
    int news = k == CFX_EV_NEWS;
    /* Events after the last day are allowed (a shortened run, --days, never reaches them);
     * check counts them. */
    cell_num(L, t, r, cday, 0, 1e6, 0, "a day >= 0 (days after 'start')", &e->day);
    e->kind = (cfx_event_kind)(k < 0 ? 0 : k);
    /* a levy names a group: resolved once all are known; news may name what it is about */
    if (!targets_group(k) && !(news && !*cfx_csv_cell(t, r, (size_t)ctgt)))
        event_target(L, t, r, ctgt, k, e);
    int rc = cell_num(L, t, r, cdays, 0, 1e6, 1, "a duration >= 0 in days", &e->days);
    if (rc == 1)
        e->days = 0;
    if (news && rc >= 0 && e->days == 0)
        cell_err(L, t, r, cdays, "a news event needs how long the loss lasts in 'days' (> 0)%s%s",
                 "", "");
    if (news)
        event_num(L, t, r, cnotice, 0, 1e6, "a number of days >= 0", &e->notice_days);
    else if (k >= 0)
        event_unused(L, t, r, cnotice, kind);
    if (k == CFX_EV_STRIKE && rc >= 0 && e->days == 0)
        cell_err(L, t, r, cdays, "a strike needs its duration in 'days' (> 0)%s%s", "", "");
    if (k == CFX_EV_DESTROY && e->mine >= 0 && e->days > 0)
        cell_err(L, t, r, cdays,
                 "leave 'days' empty for the destruction of mine '%s': the "
                 "production model rebuilds its equipment%s",
                 s->node_id[e->node], "");
    if (k < 0)
        return;
    event_groups(L, t, r, col, k, e);
    event_values(L, t, r, col, k, e);
    if (cprod >= 0 && *cfx_csv_cell(t, r, (size_t)cprod)) {
        if (k == CFX_EV_CLOSE || news) /* closed to / news of these products only */
            e->products = cell_products(L, t, r, cprod);
        else
            cell_err(L, t, r, cprod,
                     "'products' is only for close and news events, got '%s' on '%s'",
                     cfx_csv_cell(t, r, (size_t)cprod), kind);
    }
}

static void load_events(loader *L, const cfx_csv *t)
{
    cfx_scenario *s = L->s;
    long cday = need_col(L, t, "day"), ckind = need_col(L, t, "kind"),
         ctgt = need_col(L, t, "target"), cdays = need_col(L, t, "days");
    static const char *const optional[] = {"group", "value", "seize_p",     "products",
                                           "unit",  "by",    "notice_days", NULL};
    check_columns(L, t, optional);
    /* value, seize_p, kind, unit, group, by, day, target, days, products, notice_days */
    const long col[11] = {cfx_csv_col(t, "value"),    cfx_csv_col(t, "seize_p"),
                          ckind,                      cfx_csv_col(t, "unit"),
                          cfx_csv_col(t, "group"),    cfx_csv_col(t, "by"),
                          cday,                       ctgt,
                          cdays,                      cfx_csv_col(t, "products"),
                          cfx_csv_col(t, "notice_days")};
    if (cday < 0 || ckind < 0 || ctgt < 0 || cdays < 0)
        return;
    size_t n = t->nrows;
    if (!ALLOC_N(s->events, n)) {
        nomem(L, t->path);
        return;
    }
    s->n_events = n;
    const char *scripted[CFX_EV_NKINDS];
    int n_scripted = 0;
    for (int k = 0; k < CFX_EV_NKINDS; k++)
        if (cfx_event_scripted(k))
            scripted[n_scripted++] = cfx_event_kind_names[k];
    char kinds[400];
    join_names(scripted, n_scripted, kinds, sizeof kinds);
    for (size_t r = 0; r < n; r++) {
        const char *kind = cfx_csv_cell(t, r, (size_t)ckind);
        int k = lookup(cfx_event_kind_names, CFX_EV_NKINDS, kind);
        if (!cfx_event_scripted(k)) {
            cell_err(L, t, r, ckind, "unknown event kind '%s' (one of: %s)", kind, kinds);
            k = -1;
        }
        load_event(L, t, r, col, k, &s->events[r]);
    }
    resolve_event_groups(L, t, ckind, ctgt, col[4]);
    /* Stable by day: events on the same day apply in table order. */
    for (size_t i = 1; i < n; i++) {
        cfx_event_spec x = s->events[i];
        size_t j = i;
        for (; j > 0 && s->events[j - 1].day > x.day; j--)
            s->events[j] = s->events[j - 1];
        s->events[j] = x;
    }
}

/* With every road open, each mine must reach a market that buys its cargo, or its cargo can
 * only pile up (a road left out of edges.csv, a oneway the wrong way round). A breadth-first
 * search over the network's incoming arcs from the markets that buy each cargo kind; run on
 * tables without errors, so that one bad row does not cut a mine off a second time. */
static void check_reach(loader *L, const cfx_csv *t)
{
    cfx_scenario *s = L->s;
    size_t n = s->n_nodes;
    long cn = cfx_csv_col(t, "node");
    cfx_network *net = NULL;
    cfx_error err;
    int32_t *queue = malloc((n + 1) * sizeof *queue);
    uint8_t *seen = malloc(n + 1);
    if (cn < 0)
        goto out;
    if (!queue || !seen) {
        nomem(L, t->path);
        goto out;
    }
    if (cfx_scenario_network(s, &net, &err)) { /* fails only for want of memory */
        nomem(L, t->path);
        goto out;
    }
    for (size_t c = 0; c < s->n_cargo; c++) {
        size_t head = 0, tail = 0;
        memset(seen, 0, n);
        for (size_t v = 0; v < n; v++)
            if (s->node_kind[v] == CFX_NODE_MARKET && cfx_buys(s, v, c)) {
                seen[v] = 1;
                queue[tail++] = (int32_t)v;
            }
        while (head < tail) {
            int32_t v = queue[head++];
            for (int32_t j = net->in_start[v]; j < net->in_start[v + 1]; j++) {
                int32_t u = net->arc_from[net->in_arc[j]];
                if (!seen[u]) {
                    seen[u] = 1;
                    queue[tail++] = u;
                }
            }
        }
        char what[256];
        for (size_t m = 0; m < s->n_mines; m++)
            if ((size_t)s->mine_cargo[m] == c && !seen[s->mine_node[m]])
                cell_err(L, t, m, cn,
                         "no road leads from this mine to a market that buys its cargo (%s), "
                         "even with every road open",
                         product_list(s, s->cargo_products[c], " and ", what, sizeof what), "");
    }
out:
    s->net = net; /* kept for the worlds (W2's takes 25 ms to build); NULL if not built */
    free(queue);
    free(seen);
}

/* Cross-table checks: a scenario that cannot move anything is an input error. */
static void check_network(loader *L)
{
    cfx_scenario *s = L->s;
    size_t markets = 0;
    for (size_t i = 0; i < s->n_nodes; i++)
        markets += s->node_kind[i] == CFX_NODE_MARKET || L->kind_unknown[i];
    if (s->n_nodes && !markets)
        cfx_diags_add(L->d, CFX_EINVAL, table_path(L, "network.nodes"), 1, 1,
                      "no node of kind 'market': shipments have nowhere to go");
}

/* Each model reads its own section (cfx_section_reader). */
static void configure_models(loader *L, const cfx_conf *root,
                             const cfx_section_reader *const *readers)
{
    cfx_scenario *s = L->s;
    size_t n = 0;
    while (readers && readers[n])
        n++;
    if (!(s->model_params = calloc(n + 1, sizeof *s->model_params)) ||
        !(s->readers = calloc(n + 1, sizeof *s->readers))) {
        nomem(L, NULL);
        return;
    }
    s->n_models = n;
    for (size_t i = 0; i < n; i++) {
        const cfx_section_reader *r = readers[i];
        s->readers[i] = r;
        if (!(s->model_params[i] = calloc(1, r->size ? r->size : 1))) {
            nomem(L, NULL);
            return;
        }
        cfx_conf *section = r->section ? cfx_conf_get(root, r->section) : NULL;
        if (section)
            section->used = 1;
        if (r->configure)
            r->configure(s->model_params[i], section, s, L->d);
    }
}

/* The network's two tables. The edges table is read and parsed on a second thread while the
 * nodes table is loaded (W2's take 0.05 s each); its messages go to a list of their own, added
 * after the nodes' as one thread would have made them, and its text is kept after theirs.
 * Returns whether the nodes loaded. */
static int load_network_tables(loader *L, const cfx_conf *root, size_t before, cfx_csv **nodes,
                               cfx_csv **edges)
{
    cfx_diags d_edges = {0};
    loader L_edges = *L;
    L_edges.d = &d_edges;
    char *edges_path = NULL;
#pragma omp parallel sections num_threads(2) if (L->threads > 1)
    {
#pragma omp section
        if ((*nodes = load_table(L, root, "network.nodes", 1)))
            load_nodes(L, *nodes);
#pragma omp section
        *edges = parse_table(&L_edges, root, "network.edges", 1, &edges_path);
    }
    /* whether the nodes loaded, as it stood before the edges table was read */
    int have_nodes = *nodes && L->s->n_nodes == (*nodes)->nrows && (*nodes)->nrows > 0 &&
                     !out_of_memory(L, before);
    for (size_t i = 0; i < d_edges.n; i++)
        cfx_diags_push(L->d, &d_edges.v[i]);
    cfx_diags_free(&d_edges);
    L->nomem |= L_edges.nomem;
    *edges = keep_source(L, "network.edges", edges_path, *edges);
    return have_nodes;
}

/* ---------------------------------------------------------------- entry points */

int cfx_scenario_read(cfx_scenario **out, const char *path, const cfx_override *ov, size_t n_ov,
                      const cfx_section_reader *const *readers, int threads, cfx_diags *d)
{
    *out = NULL;
    loader L = {.d = d, .threads = threads > 0 ? threads : 1};
    size_t before = d->n;
    cfx_error err;
    int rc = 0;
    cfx_csv *nodes = NULL, *edges = NULL, *mines = NULL, *events = NULL;
    cfx_scenario *s = calloc(1, sizeof *s);
    if (!s || !(s->path = cfx_strdup(path))) {
        rc = cfx_diags_add(d, CFX_ENOMEM, path, 0, 0, "out of memory");
        goto done;
    }
    L.s = s;
    if ((rc = load_doc(&L, path, NULL, 0, &L.doc)))
        goto done;
    for (size_t i = 0; i < n_ov; i++)
        if (cfx_conf_set(L.doc, ov[i].path, ov[i].value, &err))
            cfx_diags_push(d, &err);
    if (d->n > before)
        goto done; /* a bad --set is a usage error; report it alone */
    const cfx_conf *root = L.doc->root;
    if (!root || root->kind != CFX_CONF_MAP) {
        rc = cfx_diags_add(d, CFX_EINVAL, path, root ? root->line : 1, root ? root->col : 1,
                           "a scenario must be a YAML mapping of keys (name, start, days, ...)");
        goto done;
    }
    load_header(&L, root);
    load_roads(&L, root);
    load_products(&L, root);
    if (!out_of_memory(&L, before)) /* then a product may be missing */
        load_groups(&L, root); /* after the products: a group names the ones it seizes */
    load_params(&L, root);
    /* Out of memory, the rest would only report what is missing for that reason. */
    if (out_of_memory(&L, before))
        goto done;
    cfx_conf *network = NULL;
    get_map(&L, root, "network", 1, &network);
    /* A table that refers to nodes is checked only when the nodes loaded, so that one
     * broken nodes table does not bury its own error under a cascade. */
    int have_nodes = 0, have_edges = 0;
    if (network) {
        have_nodes = load_network_tables(&L, root, before, &nodes, &edges);
        if (edges && have_nodes)
            load_edges(&L, edges);
        have_edges = edges && s->n_edges == edges->nrows && !out_of_memory(&L, before);
    }
    size_t mines_from = d->n;
    if ((mines = load_table(&L, root, "mines", 1)) && have_nodes) {
        load_mines(&L, mines);
        L.mines_ok = d->n == mines_from && !out_of_memory(&L, before);
    }
    if ((events = load_table(&L, root, "events", 0)) && have_nodes && have_edges &&
        !out_of_memory(&L, before)) /* an event may name a mine */
        load_events(&L, events);
    if (out_of_memory(&L, before))
        goto done;
    if (have_nodes && have_edges)
        check_network(&L);
    /* The two largest tables are done with: freed before the network is built, whose arrays
     * then take their memory (kept past them, they would add W2's 12 MB to the peak). */
    cfx_csv_free(nodes);
    cfx_csv_free(edges);
    nodes = edges = NULL;
    if (have_nodes && have_edges && mines && s->mine_cargo && d->n == before)
        check_reach(&L, mines);
    /* The models read their sections only from a scenario whose tables loaded cleanly;
     * otherwise their keys would all look unknown, so unknown keys wait for the next check. */
    if (d->n > before)
        goto done;
    configure_models(&L, root, readers);
    if (out_of_memory(&L, before))
        goto done; /* keys of the sections not yet read would all look unused */
    size_t unused_from = d->n;
    cfx_conf_unused(root, d);
    /* A key added by --set that nothing reads is a mistyped path: a usage error. */
    for (size_t i = unused_from; i < d->n; i++)
        if (strncmp(d->v[i].file, "--set ", 6) == 0)
            d->v[i].code = CFX_EUSAGE;
done:
    cfx_csv_free(nodes);
    cfx_csv_free(edges);
    cfx_csv_free(mines);
    cfx_csv_free(events);
    cfx_conf_free(L.doc);
    free(L.kind_unknown);
    if (d->n > before) {
        rc = 0;
        for (size_t i = before; i < d->n && rc != CFX_ENOENT; i++)
            if (d->v[i].code == CFX_ENOENT || d->v[i].code == CFX_EUSAGE || !rc)
                rc = d->v[i].code;
    }
    if (out_of_memory(&L, before))
        rc = CFX_ENOMEM; /* even when the message could not be recorded */
    if (rc) {
        cfx_scenario_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int cfx_scenario_network(const cfx_scenario *s, cfx_network **out, cfx_error *err)
{
    double *kmh = malloc((s->n_edges ? s->n_edges : 1) * sizeof *kmh);
    if (!kmh)
        return cfx_error_set(err, CFX_ENOMEM, NULL, 0, 0, "out of memory (network)");
    for (size_t e = 0; e < s->n_edges; e++)
        kmh[e] = s->roads[s->edge_road[e]].speed_kmh;
    cfx_network_spec spec = {.n_nodes = s->n_nodes, .n_edges = s->n_edges,
                             .edge_from = s->edge_from, .edge_to = s->edge_to,
                             .edge_km = s->edge_km, .edge_speed_kmh = kmh,
                             .edge_oneway = s->edge_oneway};
    int rc = cfx_network_alloc(out, &spec, err);
    free(kmh);
    return rc;
}

const char *cfx_scenario_name(const cfx_scenario *s)
{
    return s->name;
}

void cfx_scenario_start_iso(const cfx_scenario *s, char *buf)
{
    snprintf(buf, 16, "%04d-%02d-%02d", s->start_y % 10000, s->start_m % 100, s->start_d % 100);
}

void cfx_scenario_free(cfx_scenario *s)
{
    if (!s)
        return;
    cfx_network_free(s->net);
    for (size_t i = 0; i < s->n_nodes; i++) {
        free(s->node_id[i]);
        free(s->node_name[i]);
    }
    free(s->node_id);
    free(s->node_name);
    free(s->node_kind);
    free(s->lat);
    free(s->lon);
    free(s->controller);
    free(s->node_hash);
    free(s->edge_from);
    free(s->edge_to);
    free(s->edge_km);
    free(s->edge_road);
    free(s->edge_capacity_t_per_day);
    free(s->node_capacity_t_per_day);
    free(s->node_capacity_products);
    free(s->node_buys);
    free(s->edge_oneway);
    for (size_t i = 0; i < s->n_roads; i++)
        free(s->roads[i].name);
    free(s->roads);
    for (size_t i = 0; i < s->n_groups; i++)
        free(s->groups[i].name);
    free(s->groups);
    free(s->mine_node);
    free(s->mine_output_t_per_day);
    free(s->mine_grade);
    free(s->mine_cargo);
    free(s->cargo_products);
    for (size_t i = 0; i < s->n_products; i++)
        free(s->products[i].name);
    free(s->events);
    for (size_t i = 0; i < s->n_models; i++) {
        if (s->model_params[i] && s->readers[i]->free)
            s->readers[i]->free(s->model_params[i]);
        free(s->model_params[i]);
    }
    free(s->model_params);
    free(s->readers);
    for (size_t i = 0; i < s->n_sources; i++) {
        free(s->sources[i].key);
        free(s->sources[i].path);
        free(s->sources[i].text);
    }
    free(s->path);
    free(s->name);
    free(s->description);
    free(s);
}
