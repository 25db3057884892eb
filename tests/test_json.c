/* core/json.c and cfx_utf8_valid: the numbers and strings every --json object is made of. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"
#include "core/util.h"

/* doc as cfx_json_print writes it, without the newline, into buf. */
static void printed(json_t *doc, char *buf, size_t n)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(cfx_json_print(doc, f), 0);
    rewind(f);
    size_t got = fread(buf, 1, n - 1, f);
    fclose(f);
    assert_true(got > 0 && buf[got - 1] == '\n');
    buf[got - 1] = '\0';
}

static void test_json__nan_and_infinity_are_null_integers_stay_integers(void **state)
{
    json_t *o = json_object();
    int e = 0;
    e |= cfx_json_set(o, "nan", cfx_json_num(NAN));
    e |= cfx_json_set(o, "inf", cfx_json_num(INFINITY));
    e |= cfx_json_set(o, "-inf", cfx_json_real(-INFINITY));
    e |= cfx_json_set(o, "three", cfx_json_num(3.0));
    e |= cfx_json_set(o, "real_three", cfx_json_real(3.0));
    e |= cfx_json_set(o, "tenth", cfx_json_num(0.1));
    e |= cfx_json_set(o, "big", cfx_json_num(1e300));
    assert_int_equal(e, 0);
    char buf[256];
    printed(cfx_json_checked(o, e), buf, sizeof buf);
    assert_string_equal(buf, "{\"nan\": null, \"inf\": null, \"-inf\": null, \"three\": 3, "
                             "\"real_three\": 3.0, \"tenth\": 0.10000000000000001, "
                             "\"big\": 1.0000000000000001e300}");
}

static void test_json__bytes_that_are_not_utf8_become_ufffd(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"plain", "plain"},
        {"r\xe9sultats", "r\xef\xbf\xbdsultats"},                           /* Latin-1 */
        {"\xe2\x82\xac \xf0\x9f\x99\x82", "\xe2\x82\xac \xf0\x9f\x99\x82"}, /* valid */
        {"\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd"},                           /* cut short */
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                           /* overlong */
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},           /* a surrogate */
        {"\xff", "\xef\xbf\xbd"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *u = cfx_utf8_valid(cases[i].in);
        assert_non_null(u);
        assert_string_equal(u, cases[i].want);
        free(u);
    }
    /* keys and values alike; control characters are escaped by jansson */
    json_t *o = json_object();
    int e = cfx_json_set(o, "k\xe9y", cfx_json_text("a\"b\n\x01\xe9"));
    char buf[128];
    printed(cfx_json_checked(o, e), buf, sizeof buf);
    assert_string_equal(buf, "{\"k\xef\xbf\xbdy\": \"a\\\"b\\n\\u0001\xef\xbf\xbd\"}");
}

static void test_json__a_failed_insertion_prints_nothing(void **state)
{
    json_t *o = json_object();
    int e = cfx_json_set(o, "fine", json_integer(1));
    e |= cfx_json_set(o, "lost", NULL); /* as when a constructor ran out of memory */
    e |= cfx_json_push(NULL, json_integer(2));
    assert_int_equal(e, -1);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(cfx_json_print(cfx_json_checked(o, e), f), CFX_ENOMEM);
    assert_int_equal(ftell(f), 0);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json__nan_and_infinity_are_null_integers_stay_integers),
        cmocka_unit_test(test_json__bytes_that_are_not_utf8_become_ufffd),
        cmocka_unit_test(test_json__a_failed_insertion_prints_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
