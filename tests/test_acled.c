/* Tests of the ACLED importer: dates in both of ACLED's forms, distances, the actors table,
 * and the synthetic sample export mapped onto kachin-2025 row by row, written as an events
 * table that the scenario loader reads back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "io/acled.h"
#include "check.h"
#include "fixture.h"

#define DATA(name) CFX_TEST_DATA "/acled/" name
#define KACHIN CFX_SOURCE_DIR "/scenarios/kachin-2025.yaml"

static void test_acled__dates_in_both_forms(void **state)
{
    (void)state;
    long a, b, c;
    assert_int_equal(cfx_acled_parse_date("2025-05-16", &a), 0);
    assert_int_equal(cfx_acled_parse_date("16 May 2025", &b), 0);
    assert_int_equal(a, b);
    assert_int_equal(cfx_acled_parse_date("1 november 2025", &c), 0);
    /* 2025-11-01 is day 20393 of the Unix epoch (1970-01-01 = 0) */
    assert_int_equal(c, 20393);
    assert_int_equal(cfx_acled_parse_date("01 Nov 2025", &c), 0);
    assert_int_equal(c, 20393);
    assert_int_equal(cfx_acled_parse_date("29 February 2024", &c), 0); /* a leap day */
    assert_int_equal(c - cfx_days_from_civil(2024, 2, 28), 1);
    const char *bad[] = {"31 Nov 2025",   "2025-02-29", "2025/05/16",  "16 Mai 2025", "",
                         "16 May 2025 x", "2025-5-16",  "May 16, 2025"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (cfx_acled_parse_date(bad[i], &c) == 0)
            fail_msg("'%s' was read as a date", bad[i]);
}

static void test_acled__haversine_distances(void **state)
{
    (void)state;
    /* One degree of a meridian is R * pi / 180 km; 1e-9 km is round-off. */
    assert_near(cfx_acled_haversine_km(25, 97, 26, 97),
                CFX_EARTH_RADIUS_KM * 3.14159265358979323846 / 180, 1e-9);
    /* Myitkyina to Chipwi, straight: 92.13 km (the facts give "92 km" from the same coords) */
    assert_near(cfx_acled_haversine_km(25.383, 97.400, 25.884, 98.132), 92.1335, 1e-3);
    assert_near(cfx_acled_haversine_km(25.383, 97.400, 25.383, 97.400), 0, 1e-12);
}

static void test_acled__actor_names(void **state)
{
    (void)state;
    cfx_acled_actors *a = NULL;
    cfx_diags d = {0};
    assert_int_equal(cfx_acled_actors_load(&a, NULL, &d), 0);
    assert_string_equal(cfx_acled_actor_group(a, "Military Forces of Myanmar (2021-)"), "SAC");
    assert_string_equal(cfx_acled_actor_group(a, "kia: kachin independence army"), "KIA");
    assert_string_equal(cfx_acled_actor_group(a, "Civilians (Myanmar)"), "");
    assert_string_equal(cfx_acled_actor_group(a, "PDF: People's Defense Force"), "KIA");
    assert_null(cfx_acled_actor_group(a, "Kachin Regional Militia"));
    assert_null(cfx_acled_actor_group(a, "Military Forces"));
    cfx_acled_actors_free(a);

    /* A file adds actors and overrides built-in ones. */
    assert_int_equal(cfx_acled_actors_load(&a, DATA("actors.csv"), &d), 0);
    assert_string_equal(cfx_acled_actor_group(a, "Kachin Regional Militia"), "SAC");
    assert_string_equal(cfx_acled_actor_group(a, "PDF: People's Defense Force"), "");
    assert_string_equal(cfx_acled_actor_group(a, "Military Forces of Myanmar (2021-)"), "SAC");
    cfx_acled_actors_free(a);

    /* A group name that the events table could not hold is located. */
    assert_int_equal(cfx_acled_actors_load(&a, DATA("bad-actors.csv"), &d), CFX_EINVAL);
    assert_null(a);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].line, 3);
    assert_int_equal(d.v[0].col, 14);
    assert_non_null(strstr(d.v[0].msg, "'Local Militia'"));
    cfx_diags_free(&d);
}

static const cfx_acled_row *row_at(const cfx_acled_result *r, int line)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].line == line)
            return &r->rows[i];
    fail_msg("no row at line %d", line);
    return NULL;
}

static void check_mapped(const cfx_acled_result *r, int line, int kind, const char *target,
                         long day, double days)
{
    const cfx_acled_row *w = row_at(r, line);
    if (w->kind != kind || strcmp(w->target, target) != 0 || w->day != day || w->days != days)
        fail_msg("line %d: expected %s %s on day %ld for %g days, got %s %s on day %ld for %g "
                 "days (%s)",
                 line, cfx_event_kind_names[kind], target, day, days,
                 w->kind >= 0 ? cfx_event_kind_names[w->kind] : "dropped",
                 w->target ? w->target : "-", w->day, w->days, w->why ? w->why : "");
}

static void check_dropped(const cfx_acled_result *r, int line, const char *why)
{
    const cfx_acled_row *w = row_at(r, line);
    if (w->kind >= 0 || !w->why || strncmp(w->why, why, strlen(why)) != 0)
        fail_msg("line %d: expected dropped for '%s', got %s", line, why,
                 w->kind >= 0 ? cfx_event_kind_names[w->kind] : w->why);
}

static cfx_acled_result *import(const cfx_scenario *s, const cfx_acled_opts *o, cfx_diags *d)
{
    cfx_acled_result *r = NULL;
    assert_int_equal(cfx_acled_import(&r, s, DATA("sample-export.csv"), o, d), 0);
    assert_non_null(r);
    return r;
}

/* Every row of the sample goes where scenarios/README.md says it should. */
static void test_acled__sample_maps_as_documented(void **state)
{
    (void)state;
    cfx_scenario *s = cfx_test_load(KACHIN, NULL, 0);
    cfx_acled_opts o = cfx_acled_opts_default();
    cfx_diags d = {0};
    cfx_acled_result *r = import(s, &o, &d);
    assert_int_equal(r->n, 22);
    assert_int_equal(r->n_mapped, 13);
    assert_int_equal(r->n_malformed, 2);
    /* the two malformed rows, each at its cell */
    assert_int_equal(d.n, 2);
    assert_int_equal(d.v[0].line, 13);
    assert_int_equal(d.v[0].col, 10);
    assert_non_null(strstr(d.v[0].msg, "'31 Nov 2025'"));
    assert_int_equal(d.v[1].line, 20);
    assert_non_null(strstr(d.v[1].msg, "'latitude'"));
    cfx_diags_free(&d);

    check_mapped(r, 3, CFX_EV_ATTACK, "Lamyang", 2, 7);        /* 2025-11-03 */
    check_mapped(r, 2, CFX_EV_ATTACK, "Chipwi", 32, 7);        /* "3 December 2025" */
    check_mapped(r, 4, CFX_EV_STRIKE, "Chipwi", 4, 1);         /* in town: the node */
    check_mapped(r, 5, CFX_EV_STRIKE, "Lamyang-Chipwi", 5, 1); /* between towns: the road */
    check_mapped(r, 6, CFX_EV_STRIKE, "BhamoRdJct-Bhamo", 7, 1);
    check_mapped(r, 7, CFX_EV_CAPTURE, "Kanpiketi", 9, 0);
    assert_string_equal(row_at(r, 7)->group, "SAC");
    check_mapped(r, 8, CFX_EV_CAPTURE, "Bhamo", 11, 0); /* "12 Nov 2025" */
    assert_string_equal(row_at(r, 8)->group, "KIA");
    check_mapped(r, 14, CFX_EV_CHECKPOINT, "Waingmaw", 21, 0);
    assert_near(row_at(r, 14)->seize_p, 0.05, 0);
    check_mapped(r, 15, CFX_EV_DESTROY, "Pangwa", 24, 0);
    assert_near(row_at(r, 15)->value, 0.1, 0);
    check_mapped(r, 17, CFX_EV_CLOSE, "LaizaGate", 27, 0);
    check_mapped(r, 18, CFX_EV_REOPEN, "LaizaGate", 49, 0);
    check_mapped(r, 23, CFX_EV_ATTACK, "Laiza", 70, 0 + 7);
    assert_near(row_at(r, 5)->value, 0.3, 0);

    check_dropped(r, 9, "unknown actor");
    check_dropped(r, 10, "no conflux kind");
    check_dropped(r, 11, "out of range: no node within 25 km (nearest Putao, 79.1 km)");
    check_dropped(r, 13, "malformed");
    check_dropped(r, 16, "no network effect");
    check_dropped(r, 19, "before the scenario's start");
    check_dropped(r, 20, "malformed");
    check_dropped(r, 21, "no conflux kind");
    check_dropped(r, 22, "no conflux kind");
    cfx_acled_free(r);
    cfx_scenario_free(s);
}

/* The options move the same rows: a wider radius, a date window, an actors file. */
static void test_acled__options_change_what_is_kept(void **state)
{
    (void)state;
    cfx_scenario *s = cfx_test_load(KACHIN, NULL, 0);
    cfx_acled_opts o = cfx_acled_opts_default();
    cfx_diags d = {0};
    o.radius_km = 100;
    o.fight_days = 3;
    o.actors = DATA("actors.csv");
    cfx_acled_result *r = import(s, &o, &d);
    check_mapped(r, 11, CFX_EV_ATTACK, "Putao", 17, 3);
    check_mapped(r, 9, CFX_EV_CAPTURE, "Waingmaw", 14, 0);
    assert_string_equal(row_at(r, 9)->group, "SAC");
    assert_int_equal(r->n_mapped, 15);
    cfx_acled_free(r);

    o = cfx_acled_opts_default();
    assert_int_equal(cfx_acled_parse_date("2025-11-05", &o.from_day), 0);
    assert_int_equal(cfx_acled_parse_date("30 November 2025", &o.to_day), 0);
    r = import(s, &o, &d);
    check_dropped(r, 3, "outside --from/--to: before --from");
    check_dropped(r, 23, "outside --from/--to: after --to");
    check_mapped(r, 4, CFX_EV_STRIKE, "Chipwi", 4, 1); /* the first day is kept */
    assert_int_equal(r->n_mapped, 9);
    cfx_acled_free(r);
    cfx_diags_free(&d);
    cfx_scenario_free(s);
}

/* The table written is one the scenario loader reads: the same events, sorted by day. */
static void test_acled__written_events_load_back(void **state)
{
    (void)state;
    cfx_scenario *s = cfx_test_load(KACHIN, NULL, 0);
    cfx_acled_opts o = cfx_acled_opts_default();
    cfx_diags d = {0};
    cfx_acled_result *r = import(s, &o, &d);
    char path[] = "/tmp/test_acled-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(cfx_acled_write_events(r, f), 0);
    fclose(f);
    cfx_override ov = {.path = "events", .value = path};
    cfx_scenario *t = cfx_test_load(KACHIN, &ov, 1);
    unlink(path);
    assert_int_equal(t->n_events, 13);
    double last = 0;
    for (size_t i = 0; i < t->n_events; i++) {
        assert_true(t->events[i].day >= last);
        last = t->events[i].day;
    }
    assert_int_equal(t->events[0].kind, CFX_EV_ATTACK);
    assert_string_equal(t->node_id[t->events[0].node], "Lamyang");
    assert_near(t->events[0].days, 7, 0);
    /* the road strike on day 5 is on the Lamyang-Chipwi road */
    assert_int_equal(t->events[2].kind, CFX_EV_STRIKE);
    assert_true(t->events[2].edge >= 0);
    assert_near(t->events[2].value, 0.3, 0);
    assert_int_equal(t->events[12].kind, CFX_EV_ATTACK);
    assert_near(t->events[12].day, 70, 0);
    cfx_acled_free(r);
    cfx_diags_free(&d);
    cfx_scenario_free(t);
    cfx_scenario_free(s);
}

static void test_acled__missing_column_is_located(void **state)
{
    (void)state;
    cfx_scenario *s = cfx_test_load(KACHIN, NULL, 0);
    cfx_acled_opts o = cfx_acled_opts_default();
    cfx_diags d = {0};
    cfx_acled_result *r = (cfx_acled_result *)1;
    assert_int_equal(cfx_acled_import(&r, s, DATA("bad-no-latitude.csv"), &o, &d), CFX_EINVAL);
    assert_null(r);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.v[0].line, 1);
    assert_non_null(strstr(d.v[0].msg, "missing column 'latitude'"));
    cfx_diags_free(&d);
    assert_int_equal(cfx_acled_import(&r, s, DATA("no-such-export.csv"), &o, &d), CFX_ENOENT);
    cfx_diags_free(&d);
    cfx_scenario_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acled__dates_in_both_forms),
        cmocka_unit_test(test_acled__haversine_distances),
        cmocka_unit_test(test_acled__actor_names),
        cmocka_unit_test(test_acled__sample_maps_as_documented),
        cmocka_unit_test(test_acled__options_change_what_is_kept),
        cmocka_unit_test(test_acled__written_events_load_back),
        cmocka_unit_test(test_acled__missing_column_is_located),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
