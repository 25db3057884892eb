/* Conflict events from an ACLED export (CSV): each event is placed on the nearest node or
 * road of a scenario, its event type and sub-type become a conflux event kind, and its actors
 * become groups through an actors table. What was mapped where, and what was dropped and
 * why, is kept row by row for the report. Used by `conflux import-acled`. */
#ifndef CFX_ACLED_H
#define CFX_ACLED_H

#include <stdio.h>

#include "core/error.h"
#include "io/scenario.h"

/* Mean Earth radius, km (IUGG). */
#define CFX_EARTH_RADIUS_KM 6371.0088


/* One row of the export and what became of it. Strings are owned by the result. */
typedef struct cfx_acled_row {
    int line;       /* of the export, 1-based */
    char *event_id; /* event_id_cnty */
    char date[16];  /* YYYY-MM-DD, "" when unreadable */
    long day;       /* days since the scenario's start */
    char *type;     /* event_type / sub_event_type */
    char *location;
    int kind;       /* cfx_event_kind of the event written, or -1 when dropped */
    char *target;   /* node id or "from-to"; NULL when dropped before it was placed */
    double km;      /* distance from the event to its target, km */
    double days;    /* duration, 0 = until reversed (the cell is left empty) */
    char *group;    /* capture: the new controller */
    double value;   /* strike: loss chance; destroy of a mine: share; checkpoint: tax */
    double seize_p; /* checkpoint */
    int has_value, has_seize_p;
    char *why;    /* dropped: the reason (its first words are the reason's class) */
    char *source; /* the `source` cell: ACLED id, type, actors, location, notes */
} cfx_acled_row;

struct cfx_acled_result {
    size_t n;            /* rows of the export */
    cfx_acled_row *rows; /* n, in file order */
    size_t n_mapped;
    size_t n_malformed; /* rows that could not be read (also in n - n_mapped) */
};


/* The mapped rows as an events table (day, kind, target, days, group, value, seize_p, date,
 * source), sorted by day, file order kept within a day. Returns 0 or CFX_EIO. */
int cfx_acled_write_events(const cfx_acled_result *r, FILE *f);
/* Every row and what became of it, as CSV: line, event_id_cnty, event_date, type, location,
 * status (mapped/dropped), kind, target, km, day, reason. Returns 0 or CFX_EIO. */
int cfx_acled_write_report(const cfx_acled_result *r, FILE *f);

/* Helpers, exposed for the tests. */
/* Great-circle distance, km, between two points given in degrees. */
double cfx_acled_haversine_km(double lat1, double lon1, double lat2, double lon2);

/* The group an ACLED actor stands for, by the built-in table (and a loaded file's rows,
 * which come first); "" for an actor that is no armed group of the model; NULL when the
 * actor is not in the table. Names match without case, and with or without a trailing
 * "(2021-)"-style qualifier. */
typedef struct cfx_acled_actors cfx_acled_actors;
int cfx_acled_actors_load(cfx_acled_actors **out, const char *path, cfx_diags *d);
const char *cfx_acled_actor_group(const cfx_acled_actors *a, const char *actor);
void cfx_acled_actors_free(cfx_acled_actors *a); /* NULL is a no-op */

#endif
