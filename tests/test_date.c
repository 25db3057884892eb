/* core/date.c: the one civil-date conversion every module uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/date.h"
#include "fixture.h"

/* The calendar date `days` after y-m-d, through day counts. */
static void date_add(int y, int m, int d, long days, int *out_y, int *out_m, int *out_d)
{
    long yy;
    cfx_civil_from_days(cfx_days_from_civil(y, m, d) + days, &yy, out_m, out_d);
    *out_y = (int)yy;
}

static void test_date__add_across_month_year_and_leap_boundaries(void **state)
{
    int y, m, d;
    /* The boundaries a scenario is most likely to cross. */
    static const struct {
        int y, m, d;
        long add;
        int wy, wm, wd;
    } known[] = {
        {2025, 1, 31, 1, 2025, 2, 1},        {2024, 2, 28, 1, 2024, 2, 29},
        {2024, 2, 29, 1, 2024, 3, 1},        {2023, 2, 28, 1, 2023, 3, 1},
        {2000, 2, 28, 1, 2000, 2, 29},       {2100, 2, 28, 1, 2100, 3, 1},
        {2025, 12, 31, 1, 2026, 1, 1},       {2025, 11, 1, 365, 2026, 11, 1},
        {2024, 1, 1, 366, 2025, 1, 1},       {2025, 3, 1, -1, 2025, 2, 28},
        {1970, 1, 1, 0, 1970, 1, 1},         {1, 1, 1, 0, 1, 1, 1},
        {2025, 11, 1, 1000000, 4763, 9, 29},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        date_add(known[i].y, known[i].m, known[i].d, known[i].add, &y, &m, &d);
        if (y != known[i].wy || m != known[i].wm || d != known[i].wd)
            fail_msg("%04d-%02d-%02d + %ld days: got %04d-%02d-%02d, expected %04d-%02d-%02d",
                     known[i].y, known[i].m, known[i].d, known[i].add, y, m, d, known[i].wy,
                     known[i].wm, known[i].wd);
    }
    /* Every day of two 400-year cycles (1600 and 2000 are leap, 1700-1900 and 2100 not),
     * against a walk one day at a time. */
    int wy = 1599, wm = 12, wd = 1;
    for (long k = 0; k < 2 * 146097L; k++) {
        date_add(1599, 12, 1, k, &y, &m, &d);
        if (y != wy || m != wm || d != wd)
            fail_msg("1599-12-01 + %ld days: got %04d-%02d-%02d, expected %04d-%02d-%02d", k, y, m,
                     d, wy, wm, wd);
        cfx_test_next_day(&wy, &wm, &wd);
    }
}

static void test_date__iso_round_trip_and_refusals(void **state)
{
    char buf[16];
    long z;
    assert_int_equal(cfx_date_parse_iso("2025-11-01", &z), 0);
    assert_int_equal(z, 20393); /* days from 1970-01-01, as `date -d 2025-11-01 +%s` / 86400 */
    cfx_date_iso(z, buf);
    assert_string_equal(buf, "2025-11-01");
    assert_int_equal(cfx_date_parse_iso("2024-02-29", &z), 0);
    static const char *const bad[] = {"2023-02-29", "2025-13-01", "2025-1-01", "2025-11-01x",
                                      "", "11/01/2025", "2025-00-10"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (cfx_date_parse_iso(bad[i], &z) == 0)
            fail_msg("'%s' was read as a date", bad[i]);
    assert_string_equal(cfx_month_names[0], "January");
    assert_string_equal(cfx_month_names[11], "December");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date__add_across_month_year_and_leap_boundaries),
        cmocka_unit_test(test_date__iso_round_trip_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
