/* Synthetic scenarios for scale tests (conflux gen, cfx_gen): a grid or a random geometric
 * network, mines on one side, markets on the other, and M truckloads in flight from day 0.
 * Every number written is an assumption chosen for the workload, not data. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_rng.h>

#include "conflux.h"
#include "core/rng.h"

typedef struct graph {
    long n;
    double *x, *y;     /* position in the unit square */
    long *ea, *eb;     /* edges */
    long ne, cap;
} graph;

static int add_edge(graph *g, long a, long b)
{
    if (g->ne == g->cap) {
        long cap = g->cap ? 2 * g->cap : 1024;
        long *ea = realloc(g->ea, (size_t)cap * sizeof *ea);
        if (!ea)
            return -1;
        g->ea = ea;
        long *eb = realloc(g->eb, (size_t)cap * sizeof *eb);
        if (!eb)
            return -1;
        g->eb = eb;
        g->cap = cap;
    }
    g->ea[g->ne] = a;
    g->eb[g->ne++] = b;
    return 0;
}

/* Grid: rows of `cols` nodes in row-major order, each linked to its right and lower
 * neighbours; the last row may be short. */
static int make_grid(graph *g, long cols)
{
    for (long i = 0; i < g->n; i++) {
        long r = i / cols, c = i % cols;
        g->x[i] = (double)c / (double)(cols > 1 ? cols - 1 : 1);
        g->y[i] = (double)r / (double)(cols > 1 ? cols - 1 : 1);
        if (c + 1 < cols && i + 1 < g->n && add_edge(g, i, i + 1))
            return -1;
        if (i + cols < g->n && add_edge(g, i, i + cols))
            return -1;
    }
    return 0;
}

static long find(long *parent, long i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

/* Random geometric graph: points uniform in the unit square, linked when closer than a
 * radius that makes the mean degree about 6; cells of that size find neighbours in linear
 * time. Components are then joined to their neighbour in x order so the network is
 * connected. */
static int make_random(graph *g, gsl_rng *r)
{
    long n = g->n;
    for (long i = 0; i < n; i++) {
        g->x[i] = gsl_rng_uniform(r);
        g->y[i] = gsl_rng_uniform(r);
    }
    const double pi = 3.14159265358979323846;
    double radius = sqrt(6.0 / (pi * (double)n));
    long cells = (long)(1.0 / radius);
    if (cells < 1)
        cells = 1;
    long *head = malloc((size_t)(cells * cells) * sizeof *head);
    long *next = malloc((size_t)n * sizeof *next);
    long *parent = malloc((size_t)n * sizeof *parent);
    int rc = -1;
    if (!head || !next || !parent)
        goto done;
    for (long c = 0; c < cells * cells; c++)
        head[c] = -1;
    for (long i = 0; i < n; i++) {
        long cx = (long)(g->x[i] * (double)cells), cy = (long)(g->y[i] * (double)cells);
        cx = cx >= cells ? cells - 1 : cx;
        cy = cy >= cells ? cells - 1 : cy;
        next[i] = head[cy * cells + cx];
        head[cy * cells + cx] = i;
        parent[i] = i;
    }
    for (long i = 0; i < n; i++) {
        long cx = (long)(g->x[i] * (double)cells), cy = (long)(g->y[i] * (double)cells);
        for (long dy = -1; dy <= 1; dy++)
            for (long dx = -1; dx <= 1; dx++) {
                long ux = cx + dx, uy = cy + dy;
                if (ux < 0 || uy < 0 || ux >= cells || uy >= cells)
                    continue;
                for (long j = head[uy * cells + ux]; j >= 0; j = next[j]) {
                    if (j <= i)
                        continue;
                    double ddx = g->x[i] - g->x[j], ddy = g->y[i] - g->y[j];
                    if (ddx * ddx + ddy * ddy < radius * radius) {
                        if (add_edge(g, i, j))
                            goto done;
                        parent[find(parent, i)] = find(parent, j);
                    }
                }
            }
    }
    /* Join the components: link each node whose root differs from node 0's to node 0's
     * component through the nearest earlier node in index order of the same pass. */
    for (long i = 1; i < n; i++) {
        long a = find(parent, i - 1), b = find(parent, i);
        if (a != b) {
            if (add_edge(g, i - 1, i))
                goto done;
            parent[b] = a;
        }
    }
    rc = 0;
done:
    free(head);
    free(next);
    free(parent);
    return rc;
}

/* Indices of the k nodes with the smallest (west) or largest (east) x, ties by index. */
static long *pick_side(const graph *g, long k, int east)
{
    long *v = malloc((size_t)(k > 0 ? k : 1) * sizeof *v);
    char *taken = calloc((size_t)g->n, 1);
    if (!v || !taken) {
        free(v);
        free(taken);
        return NULL;
    }
    for (long j = 0; j < k; j++) {
        long best = -1;
        for (long i = 0; i < g->n; i++) {
            if (taken[i])
                continue;
            if (best < 0 || (east ? g->x[i] > g->x[best] : g->x[i] < g->x[best]))
                best = i;
        }
        v[j] = best;
        taken[best] = 1;
    }
    free(taken);
    return v;
}

/* Spreads k picks evenly over the rows of the first (or last) grid column. */
static long *pick_column(long n, long cols, long k, int last)
{
    long rows = (n + cols - 1) / cols;
    long *v = malloc((size_t)(k > 0 ? k : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (long j = 0; j < k; j++) {
        long r = k > 1 ? j * (rows - 1) / (k - 1) : rows / 2;
        long i = r * cols + (last ? cols - 1 : 0);
        while (i >= n) /* a short last row */
            i -= cols;
        v[j] = i;
    }
    return v;
}

static int write_files(const cfx_gen_opts *o, const graph *g, const long *mines, const long *sinks,
                       gsl_rng *r)
{
    char path[1200];
    char *kind = calloc((size_t)g->n, 1); /* 0 town, 1 mine, 2 market */
    if (!kind)
        return -1;
    for (long j = 0; j < o->mines; j++)
        kind[mines[j]] = 1;
    for (long j = 0; j < o->sinks; j++)
        kind[sinks[j]] = 2;
    static const char *const names[3] = {"town", "mine", "market"};
    int rc = -1;
    FILE *f = NULL;
    snprintf(path, sizeof path, "%s/nodes.csv", o->dir);
    if (!(f = fopen(path, "w")))
        goto done;
    fprintf(f, "id,name,kind,lat,lon,controller\n");
    for (long i = 0; i < g->n; i++)
        fprintf(f, "n%ld,n%ld,%s,%.6f,%.6f,g\n", i, i, names[(int)kind[i]], g->y[i] * 10.0,
                g->x[i] * 10.0);
    if (fclose(f))
        goto done;
    snprintf(path, sizeof path, "%s/edges.csv", o->dir);
    if (!(f = fopen(path, "w")))
        goto done;
    fprintf(f, "from,to,km,road,capacity_t_per_day\n");
    char cap[32] = "";
    if (o->capacity_t_per_day > 0)
        snprintf(cap, sizeof cap, "%g", o->capacity_t_per_day);
    for (long e = 0; e < g->ne; e++)
        fprintf(f, "n%ld,n%ld,%.3f,road,%s\n", g->ea[e], g->eb[e],
                o->km_min + (o->km_max - o->km_min) * gsl_rng_uniform(r), cap);
    if (fclose(f))
        goto done;
    snprintf(path, sizeof path, "%s/mines.csv", o->dir);
    if (!(f = fopen(path, "w")))
        goto done;
    fprintf(f, "node,output_t_per_day,grade_Dy2O3,grade_Tb4O7\n");
    for (long j = 0; j < o->mines; j++)
        fprintf(f, "n%ld,0,0.037,0.0057\n", mines[j]);
    if (fclose(f))
        goto done;
    snprintf(path, sizeof path, "%s/events.csv", o->dir);
    if (!(f = fopen(path, "w")))
        goto done;
    fprintf(f, "day,kind,target,days\n");
    if (fclose(f))
        goto done;
    snprintf(path, sizeof path, "%s/scenario.yaml", o->dir);
    if (!(f = fopen(path, "w")))
        goto done;
    fprintf(f,
            "# Synthetic scenario written by conflux gen for scale tests: every number is an\n"
            "# assumption chosen for the workload, not data.\n"
            "name: gen-%s-%ld\n"
            "description: \"%s network of %ld nodes, %ld mines, %ld markets, %ld truckloads "
            "in flight from day 0 (conflux gen, seed %ld)\"\n"
            "start: 2025-01-01\n"
            "days: %ld\n"
            "step_hours: 6\n"
            "seed: %ld\n"
            "network: {nodes: nodes.csv, edges: edges.csv}\n"
            "mines: mines.csv\n"
            "events: events.csv\n"
            "roads:\n"
            "  road: {speed_kmh: %g}\n"
            "transport:\n"
            "  truck_t: 10\n"
            "  initial_shipments: %ld    # truckloads at the mines at day 0, round robin\n"
            "market:\n"
            "  products:\n"
            "    Dy2O3: {price_usd_per_kg: 230, demand_t_per_day: 10}\n"
            "    Tb4O7: {price_usd_per_kg: 950, demand_t_per_day: 2}\n"
            "output:\n"
            "  chunk_days: 32\n",
            o->random ? "random" : "grid", g->n, o->random ? "random geometric" : "grid", g->n,
            o->mines, o->sinks, o->shipments, o->seed, o->days, o->seed, o->speed_kmh,
            o->shipments);
    if (fclose(f))
        goto done;
    rc = 0;
done:
    free(kind);
    return rc;
}

int cfx_gen(const cfx_gen_opts *o, long *roads, cfx_error *err)
{
    if (o->nodes < 2 || o->mines < 1 || o->sinks < 1 || o->shipments < 0 || o->days < 1 ||
        !(o->km_min > 0) || !(o->km_max >= o->km_min) || !(o->speed_kmh > 0) ||
        !(o->capacity_t_per_day >= 0) || !o->dir)
        return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0,
                             "gen needs nodes >= 2, mines and sinks >= 1, shipments >= 0, days "
                             ">= 1, 0 < km_min <= km_max, a positive speed, a capacity >= 0 and a "
                             "directory");
    if (o->mines + o->sinks > o->nodes)
        return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0,
                             "%ld mines and %ld sinks do not fit in %ld nodes", o->mines,
                             o->sinks, o->nodes);
    char path[1200];
    snprintf(path, sizeof path, "%s/scenario.yaml", o->dir);
    struct stat st;
    if (stat(path, &st) == 0 && !o->force)
        return cfx_error_set(err, CFX_ECREATE, path, 0, 0, "exists; not overwritten without --force");
    if (mkdir(o->dir, 0777) && errno != EEXIST)
        return cfx_error_set(err, CFX_ECREATE, o->dir, 0, 0, "cannot create the directory: %s",
                             strerror(errno));
    graph g = {.n = o->nodes};
    gsl_rng *r = gsl_rng_alloc(cfx_rng_philox);
    g.x = malloc((size_t)o->nodes * sizeof *g.x);
    g.y = malloc((size_t)o->nodes * sizeof *g.y);
    long cols = (long)ceil((double)o->nodes / floor(sqrt((double)o->nodes)));
    int rc = CFX_ENOMEM;
    long *mines = NULL, *sinks = NULL;
    if (!r || !g.x || !g.y)
        goto done;
    cfx_rng_key(r, (uint64_t)o->seed, CFX_STREAM_TEST, 0, 0);
    if (o->random ? make_random(&g, r) : make_grid(&g, cols))
        goto done;
    mines = o->random ? pick_side(&g, o->mines, 0) : pick_column(o->nodes, cols, o->mines, 0);
    sinks = o->random ? pick_side(&g, o->sinks, 1) : pick_column(o->nodes, cols, o->sinks, 1);
    if (!mines || !sinks)
        goto done;
    if (write_files(o, &g, mines, sinks, r)) {
        rc = cfx_error_set(err, CFX_EIO, o->dir, 0, 0, "cannot write the scenario: %s",
                           strerror(errno));
        goto done;
    }
    if (roads)
        *roads = g.ne;
    rc = 0;
done:
    if (rc == CFX_ENOMEM)
        cfx_error_set(err, rc, NULL, 0, 0, "out of memory generating the network");
    gsl_rng_free(r);
    free(g.x);
    free(g.y);
    free(g.ea);
    free(g.eb);
    free(mines);
    free(sinks);
    return rc;
}
