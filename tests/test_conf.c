/* Tests of the YAML configuration reader: the tree and its positions, dotted paths,
 * --set, the typed getters, unknown-key reporting, and one malformed file per error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "io/conf.h"

#define DATA(name) CFX_TEST_DATA "/conf/" name

static char *copy(const char *s)
{
    char *p = malloc(strlen(s) + 1);
    assert_non_null(p);
    return strcpy(p, s);
}

static cfx_conf_doc *load(const char *path)
{
    cfx_conf_doc *doc = NULL;
    cfx_error err = {0};
    int rc = cfx_conf_load(&doc, path, &err);
    if (rc) {
        char buf[1200];
        cfx_error_format(&err, buf, sizeof buf);
        fail_msg("loading %s: %s", path, buf);
    }
    return doc;
}

/* An error must carry the code, the place, and a message containing want. */
static void check_error(const cfx_error *err, int code, const char *want, int line, int col)
{
    char buf[1200];
    cfx_error_format(err, buf, sizeof buf);
    if (err->code != code || !strstr(err->msg, want) || err->line != line || err->col != col)
        fail_msg("expected code %d at %d:%d with '%s', got code %d: %s", code, line, col, want,
                 err->code, buf);
}

/* A malformed file: loading fails with the error expected, and nothing is returned. */
static void check_bad(const char *path, int code, const char *want, int line, int col)
{
    cfx_conf_doc *doc = (cfx_conf_doc *)1;
    cfx_error err = {0};
    int rc = cfx_conf_load(&doc, path, &err);
    assert_int_equal(rc, code);
    assert_null(doc);
    assert_string_equal(err.file, path);
    check_error(&err, code, want, line, col);
}

/* ---------------------------------------------------------------- the tree */

static void test_conf__nested_maps_and_sequences(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    const cfx_conf *root = doc->root;
    assert_int_equal(root->kind, CFX_CONF_MAP);
    assert_int_equal(root->n, 5);
    const char *keys[] = {"name", "days", "network", "market", "parameters"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(root->items[i]->key, keys[i]);
    const cfx_conf *network = cfx_conf_get(root, "network");
    assert_int_equal(network->kind, CFX_CONF_MAP);
    assert_int_equal(network->n, 2);
    assert_string_equal(cfx_conf_get(network, "nodes")->value, "nodes.csv");
    const cfx_conf *params = cfx_conf_get(root, "parameters");
    assert_int_equal(params->kind, CFX_CONF_SEQ);
    assert_int_equal(params->n, 2);
    assert_null(params->items[0]->key);
    const cfx_conf *values = cfx_conf_get(params->items[0], "values");
    assert_int_equal(values->kind, CFX_CONF_SEQ);
    assert_int_equal(values->n, 3);
    assert_string_equal(values->items[2]->value, "0.4");
    assert_null(cfx_conf_get(params, "path")); /* a sequence has no keys */
    cfx_conf_free(doc);
}

static void test_conf__positions_of_values_and_keys(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    const cfx_conf *root = doc->root;
    assert_int_equal(root->line, 2); /* a block mapping starts at its first key */
    assert_int_equal(root->col, 1);
    const cfx_conf *days = cfx_conf_get(root, "days");
    assert_int_equal(days->key_line, 3);
    assert_int_equal(days->key_col, 1);
    assert_int_equal(days->line, 3);
    assert_int_equal(days->col, 7);
    assert_string_equal(days->file, DATA("nested.yaml"));
    const cfx_conf *price = cfx_conf_path(root, "market.products.Dy2O3.price_usd_per_kg");
    assert_int_equal(price->line, 10);
    assert_int_equal(price->col, 25);
    assert_int_equal(price->key_col, 7);
    const cfx_conf *edges = cfx_conf_path(root, "network.edges");
    assert_int_equal(edges->col, 10); /* the opening quote */
    assert_true(edges->quoted);
    assert_false(cfx_conf_get(root, "days")->quoted);
    const cfx_conf *range = cfx_conf_get(cfx_conf_get(root, "parameters")->items[1], "range");
    assert_int_equal(range->line, 18);
    assert_int_equal(range->col, 12);
    assert_int_equal(range->items[1]->col, 18);
    cfx_conf_free(doc);
}

/* libyaml counts characters; messages count bytes, and a BOM is not part of the line. */
static void test_conf__columns_are_bytes_after_bom_and_crlf(void **state)
{
    (void)state;
    const char text[] = "\xEF\xBB\xBF" "a: 1\r\nkey: [\xC3\xA9, x]\r\nb:\r\n  c: \xC3\xBC\r\n";
    cfx_conf_doc *doc = NULL;
    cfx_error err = {0};
    assert_int_equal(cfx_conf_parse(&doc, "mem.yaml", text, sizeof text - 1, &err), 0);
    const cfx_conf *a = cfx_conf_get(doc->root, "a");
    assert_int_equal(a->key_line, 1);
    assert_int_equal(a->key_col, 1);
    const cfx_conf *key = cfx_conf_get(doc->root, "key");
    assert_int_equal(key->items[1]->line, 2);
    assert_int_equal(key->items[1]->col, 11); /* 'é' is two bytes */
    const cfx_conf *c = cfx_conf_path(doc->root, "b.c");
    assert_int_equal(c->line, 4);
    assert_int_equal(c->col, 6);
    assert_string_equal(c->value, "\xC3\xBC");
    assert_int_equal(doc->text_len, sizeof text - 1);
    assert_memory_equal(doc->text, text, sizeof text);
    cfx_conf_free(doc);
}

static void test_conf__parse_reads_only_len_bytes(void **state)
{
    (void)state;
    const char text[] = "days: 30XXXX";
    cfx_conf_doc *doc = NULL;
    cfx_error err = {0};
    assert_int_equal(cfx_conf_parse(&doc, "mem", text, 8, &err), 0);
    assert_string_equal(cfx_conf_get(doc->root, "days")->value, "30");
    assert_string_equal(doc->text, "days: 30");
    cfx_conf_free(doc);
}

static void test_conf__empty_document_has_no_root(void **state)
{
    (void)state;
    const char *files[] = {DATA("empty.yaml"), DATA("comments-only.yaml")};
    for (size_t i = 0; i < 2; i++) {
        cfx_conf_doc *doc = load(files[i]);
        assert_null(doc->root);
        assert_null(cfx_conf_path(doc->root, "days"));
        cfx_conf_free(doc);
    }
    cfx_conf_doc *doc = NULL;
    cfx_error err = {0};
    assert_int_equal(cfx_conf_parse(&doc, "mem", NULL, 0, &err), 0);
    assert_null(doc->root);
    cfx_conf_free(doc);
}

static void test_conf__missing_file_is_enoent(void **state)
{
    (void)state;
    cfx_conf_doc *doc = NULL;
    cfx_error err = {0};
    assert_int_equal(cfx_conf_load(&doc, DATA("no-such-file.yaml"), &err), CFX_ENOENT);
    assert_null(doc);
    check_error(&err, CFX_ENOENT, "cannot open: No such file or directory", 0, 0);
    assert_string_equal(err.file, DATA("no-such-file.yaml"));
}

static void test_conf__free_null_is_noop(void **state)
{
    (void)state;
    cfx_conf_free(NULL);
}

/* ---------------------------------------------------------------- look-up and --set */

static void test_conf__dotted_path_lookup(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    const cfx_conf *root = doc->root;
    assert_string_equal(cfx_conf_path(root, "market.products.Dy2O3.price_usd_per_kg")->value,
                        "350");
    assert_string_equal(cfx_conf_path(root, "market.products.Tb4O7.price_usd_per_kg")->value,
                        "1200");
    assert_int_equal(cfx_conf_path(root, "market.products")->kind, CFX_CONF_MAP);
    assert_string_equal(cfx_conf_path(root, "days")->value, "30");
    assert_null(cfx_conf_path(root, "market.products.Nd2O3"));
    assert_null(cfx_conf_path(root, "days.value"));         /* through a scalar */
    assert_null(cfx_conf_path(root, "parameters.path"));    /* through a sequence */
    assert_null(cfx_conf_path(root, "market..products"));
    assert_null(cfx_conf_path(root, ""));
    assert_null(cfx_conf_path(root, "market.products."));
    assert_null(cfx_conf_path(NULL, "days"));
    /* Look-up is not reading: nothing is marked used. */
    assert_false(cfx_conf_get(root, "days")->used);
    cfx_conf_free(doc);
}

static void test_conf__set_replaces_scalar(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    cfx_error err = {0};
    /* The strings passed in die before the document does. */
    char *path = copy("market.products.Dy2O3.price_usd_per_kg");
    char *value = copy("410.5");
    assert_int_equal(cfx_conf_set(doc, path, value, &err), 0);
    free(path);
    free(value);
    cfx_conf *n = cfx_conf_path(doc->root, "market.products.Dy2O3.price_usd_per_kg");
    assert_string_equal(n->value, "410.5");
    assert_string_equal(n->file, "--set market.products.Dy2O3.price_usd_per_kg");
    assert_int_equal(n->line, 1);
    assert_int_equal(n->col, 1);
    double price = 0;
    assert_int_equal(cfx_conf_get_double(cfx_conf_path(doc->root, "market.products.Dy2O3"),
                                         "price_usd_per_kg", 1, &price, &err), 0);
    assert_true(price == 410.5); /* exactly representable */
    /* A quoted string in the file becomes a number when typed on the command line. */
    assert_int_equal(cfx_conf_set(doc, "network.edges", "7", &err), 0);
    long edges = 0;
    assert_int_equal(cfx_conf_get_long(cfx_conf_get(doc->root, "network"), "edges", 1, &edges,
                                       &err), 0);
    assert_int_equal(edges, 7);
    /* A later type error points at the override, not at the file. */
    assert_int_equal(cfx_conf_set(doc, "days", "lots", &err), 0);
    long days = 0;
    assert_int_equal(cfx_conf_get_long(doc->root, "days", 1, &days, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'days' must be an integer, got 'lots'", 1, 1);
    assert_string_equal(err.file, "--set days");
    cfx_conf_free(doc);
}

static void test_conf__set_adds_missing_keys(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    cfx_error err = {0};
    assert_int_equal(cfx_conf_set(doc, "market.products.Nd2O3.price_usd_per_kg", "1", &err), 0);
    cfx_conf *n = cfx_conf_path(doc->root, "market.products.Nd2O3.price_usd_per_kg");
    assert_non_null(n);
    assert_string_equal(n->value, "1");
    assert_string_equal(n->file, "--set market.products.Nd2O3.price_usd_per_kg");
    assert_int_equal(cfx_conf_path(doc->root, "market.products.Nd2O3")->kind, CFX_CONF_MAP);
    /* a new key one letter from an existing one is a typo: refused, with the suggestion */
    assert_int_equal(cfx_conf_set(doc, "dayz", "1", &err), CFX_EUSAGE);
    assert_non_null(strstr(err.msg, "did you mean 'days'?"));
    /* also when only the case differs (dy2o3 for Dy2O3 would start a new product) */
    assert_int_equal(cfx_conf_set(doc, "market.products.dy2o3.demand_elasticity", "0.3", &err),
                     CFX_EUSAGE);
    assert_non_null(strstr(err.msg, "no key 'dy2o3' there; did you mean 'Dy2O3'?"));
    /* added keys no one reads are reported as unknown, at the --set */
    cfx_diags d = {0};
    assert_int_equal(cfx_conf_set(doc, "length_of_run", "1", &err), 0);
    assert_true(cfx_conf_unused(doc->root, &d) >= 1);
    int found = 0;
    for (size_t i = 0; i < d.n; i++)
        found |= strcmp(d.v[i].file, "--set length_of_run") == 0 &&
                 strstr(d.v[i].msg, "'length_of_run'") != NULL;
    assert_true(found);
    cfx_diags_free(&d);
    cfx_conf_free(doc);
}

static void test_conf__set_through_value_or_sequence_fails(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    cfx_error err = {0};
    assert_int_equal(cfx_conf_set(doc, "days.max", "1", &err), CFX_EUSAGE);
    assert_non_null(strstr(err.msg, "'days' is a value, not a mapping"));
    assert_int_equal(cfx_conf_set(doc, "parameters.path", "1", &err), CFX_EUSAGE);
    assert_non_null(strstr(err.msg, "'parameters' is a sequence"));
    assert_string_equal(cfx_conf_get(doc->root, "days")->value, "30");
    cfx_conf_free(doc);
}

static void test_conf__set_on_mapping_fails(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    cfx_error err = {0};
    assert_int_equal(cfx_conf_set(doc, "market.products", "1", &err), CFX_EUSAGE);
    assert_non_null(strstr(err.msg, "--set market.products: cannot set it, it is a mapping"));
    assert_int_equal(cfx_conf_set(doc, "parameters", "1", &err), CFX_EUSAGE);
    assert_non_null(strstr(err.msg, "it is a sequence"));
    assert_int_equal(cfx_conf_path(doc->root, "market.products")->kind, CFX_CONF_MAP);
    cfx_conf_free(doc);
}

/* ---------------------------------------------------------------- typed getters */

static void test_conf__typed_getters_read_values(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("types.yaml"));
    const cfx_conf *root = doc->root;
    cfx_error err = {0};
    long days = 0, seed = 0;
    double step = 0, days_d = 0;
    const char *word = NULL, *quoted = NULL;
    cfx_conf *network = NULL;
    assert_int_equal(cfx_conf_get_long(root, "days", 1, &days, &err), 0);
    assert_int_equal(days, 30);
    assert_int_equal(cfx_conf_get_long(root, "seed", 1, &seed, &err), 0);
    assert_int_equal(seed, -3);
    assert_int_equal(cfx_conf_get_double(root, "step_hours", 1, &step, &err), 0);
    assert_true(step == 6.5); /* exactly representable */
    assert_int_equal(cfx_conf_get_double(root, "days", 1, &days_d, &err), 0);
    assert_true(days_d == 30.0);
    assert_int_equal(cfx_conf_get_str(root, "word", 1, &word, &err), 0);
    assert_string_equal(word, "abc");
    assert_int_equal(cfx_conf_get_str(root, "quoted_num", 1, &quoted, &err), 0);
    assert_string_equal(quoted, "30");
    assert_int_equal(cfx_conf_get_map(root, "network", 1, &network, &err), 0);
    assert_int_equal(network->kind, CFX_CONF_MAP);
    assert_true(cfx_conf_get(root, "days")->used);
    assert_true(network->used);
    assert_false(cfx_conf_get(network, "nodes")->used); /* children only when read */
    assert_false(cfx_conf_get(root, "frac")->used);
    cfx_conf_free(doc);
}

static void test_conf__number_rejects_text(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("types.yaml"));
    cfx_error err = {0};
    double v = 42;
    assert_int_equal(cfx_conf_get_double(doc->root, "word", 1, &v, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'word' must be a number, got 'abc'", 6, 7);
    assert_string_equal(err.file, DATA("types.yaml"));
    assert_true(v == 42); /* untouched on error */
    assert_int_equal(cfx_conf_get_double(doc->root, "hex", 1, &v, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'hex' must be a number, got '0x10'", 14, 6);
    assert_int_equal(cfx_conf_get_double(doc->root, "empty", 1, &v, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'empty' must be a number, got an empty value", 13, 7);
    assert_int_equal(cfx_conf_get_double(doc->root, "network", 1, &v, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'network' must be a number, got a mapping", 16, 3);
    assert_int_equal(cfx_conf_get_double(doc->root, "list", 1, &v, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'list' must be a number, got a sequence", 17, 7);
    cfx_conf_free(doc);
}

static void test_conf__integer_rejects_fraction_and_overflow(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("types.yaml"));
    cfx_error err = {0};
    long v = 42;
    assert_int_equal(cfx_conf_get_long(doc->root, "frac", 1, &v, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'frac' must be an integer, got '3.5'", 5, 7);
    assert_int_equal(cfx_conf_get_long(doc->root, "huge_int", 1, &v, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'huge_int' must be an integer in the range", 12, 11);
    assert_int_equal(cfx_conf_get_long(doc->root, "word", 1, &v, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'word' must be an integer, got 'abc'", 6, 7);
    assert_int_equal(v, 42);
    cfx_conf_free(doc);
}

static void test_conf__number_rejects_quoted_string(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("types.yaml"));
    cfx_error err = {0};
    double d = 0;
    long l = 0;
    assert_int_equal(cfx_conf_get_double(doc->root, "quoted_num", 1, &d, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'quoted_num' must be a number, got a quoted string", 7, 13);
    assert_int_equal(cfx_conf_get_long(doc->root, "quoted_num", 1, &l, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'quoted_num' must be an integer, got a quoted string", 7, 13);
    assert_int_equal(cfx_conf_get_double(doc->root, "single_quoted", 1, &d, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "must be a number, got a quoted string", 8, 16);
    cfx_conf_free(doc);
}

static void test_conf__number_rejects_nan_and_inf(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("types.yaml"));
    cfx_error err = {0};
    double d = 0;
    assert_int_equal(cfx_conf_get_double(doc->root, "not_a_number", 1, &d, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'not_a_number' must be a finite number, got 'nan'", 9, 15);
    assert_int_equal(cfx_conf_get_double(doc->root, "infinite", 1, &d, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'infinite' must be a finite number, got '1e999'", 10, 11);
    assert_int_equal(cfx_conf_get_double(doc->root, "yaml_inf", 1, &d, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'yaml_inf' must be a number, got '.inf'", 11, 11);
    cfx_conf_free(doc);
}

static void test_conf__missing_key_required_or_not(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("types.yaml"));
    cfx_error err = {0};
    long l = 7;
    double d = 7;
    const char *s = "unchanged";
    cfx_conf *m = (cfx_conf *)1;
    assert_int_equal(cfx_conf_get_long(doc->root, "ticks", 0, &l, &err), 0);
    assert_int_equal(cfx_conf_get_double(doc->root, "ticks", 0, &d, &err), 0);
    assert_int_equal(cfx_conf_get_str(doc->root, "ticks", 0, &s, &err), 0);
    assert_int_equal(cfx_conf_get_map(doc->root, "ticks", 0, &m, &err), 0);
    assert_int_equal(l, 7);
    assert_true(d == 7);
    assert_string_equal(s, "unchanged");
    assert_null(m);
    /* Required: the error points at the mapping that lacks the key. */
    assert_int_equal(cfx_conf_get_long(doc->root, "ticks", 1, &l, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "missing key 'ticks'", 2, 1);
    cfx_conf *network = cfx_conf_get(doc->root, "network");
    assert_int_equal(cfx_conf_get_str(network, "edges", 1, &s, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "missing key 'edges'", 16, 3);
    cfx_conf_free(doc);
}

static void test_conf__get_map_and_str_check_kind(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("types.yaml"));
    cfx_error err = {0};
    cfx_conf *m = (cfx_conf *)1;
    const char *s = NULL;
    assert_int_equal(cfx_conf_get_map(doc->root, "days", 1, &m, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'days' must be a mapping, got '30'", 2, 7);
    assert_null(m);
    assert_int_equal(cfx_conf_get_map(doc->root, "list", 0, &m, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'list' must be a mapping, got a sequence", 17, 7);
    assert_int_equal(cfx_conf_get_str(doc->root, "network", 1, &s, &err), CFX_EINVAL);
    check_error(&err, CFX_EINVAL, "'network' must be a string, got a mapping", 16, 3);
    assert_int_equal(cfx_conf_get_str(doc->root, "empty", 1, &s, &err), 0);
    assert_string_equal(s, "");
    cfx_conf_free(doc);
}

/* ---------------------------------------------------------------- unknown keys */

static void test_conf__unused_reports_unread_keys(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    const cfx_conf *root = doc->root;
    cfx_error err = {0};
    const char *s;
    long days;
    double price;
    cfx_conf *network, *market, *products, *dy;
    assert_int_equal(cfx_conf_get_str(root, "name", 1, &s, &err), 0);
    assert_int_equal(cfx_conf_get_long(root, "days", 1, &days, &err), 0);
    assert_int_equal(cfx_conf_get_map(root, "network", 1, &network, &err), 0);
    assert_int_equal(cfx_conf_get_str(network, "nodes", 1, &s, &err), 0);
    assert_int_equal(cfx_conf_get_map(root, "market", 1, &market, &err), 0);
    assert_int_equal(cfx_conf_get_map(market, "products", 1, &products, &err), 0);
    assert_int_equal(cfx_conf_get_map(products, "Dy2O3", 1, &dy, &err), 0);
    assert_int_equal(cfx_conf_get_double(dy, "price_usd_per_kg", 1, &price, &err), 0);
    cfx_conf *params = cfx_conf_get(root, "parameters");
    params->used = 1; /* as a loader walking a list does */
    assert_int_equal(cfx_conf_get_str(params->items[0], "path", 1, &s, &err), 0);
    assert_int_equal(cfx_conf_get_str(params->items[1], "path", 1, &s, &err), 0);

    cfx_diags d = {0};
    assert_int_equal(cfx_conf_unused(root, &d), 5);
    assert_int_equal(d.n, 5);
    check_error(&d.v[0], CFX_EINVAL, "unknown key 'edges' in 'network'", 6, 3);
    check_error(&d.v[1], CFX_EINVAL, "unknown key 'demand_t_per_day' in 'market.products.Dy2O3'",
                11, 7);
    check_error(&d.v[2], CFX_EINVAL, "unknown key 'Tb4O7' in 'market.products'", 12, 5);
    check_error(&d.v[3], CFX_EINVAL, "unknown key 'values' in 'parameters[0]'", 16, 5);
    check_error(&d.v[4], CFX_EINVAL, "unknown key 'range' in 'parameters[1]'", 18, 5);
    assert_string_equal(d.v[0].file, DATA("nested.yaml"));
    cfx_diags_free(&d);
    cfx_conf_free(doc);
}

static void test_conf__unused_names_top_level_keys(void **state)
{
    (void)state;
    cfx_conf_doc *doc = load(DATA("nested.yaml"));
    cfx_diags d = {0};
    /* Nothing read: each top-level key is reported once, not its children. */
    assert_int_equal(cfx_conf_unused(doc->root, &d), 5);
    check_error(&d.v[0], CFX_EINVAL, "unknown key 'name'", 2, 1);
    assert_null(strstr(d.v[0].msg, " in "));
    check_error(&d.v[4], CFX_EINVAL, "unknown key 'parameters'", 14, 1);
    cfx_diags_free(&d);
    assert_int_equal(cfx_conf_unused(NULL, &d), 0);
    cfx_conf_free(doc);
}

/* ---------------------------------------------------------------- malformed files */

static void test_conf__bad_indentation(void **state)
{
    (void)state;
    check_bad(DATA("bad-indent.yaml"), CFX_EINVAL,
              "YAML syntax error: mapping values are not allowed in this context", 3, 7);
}

static void test_conf__bad_syntax_message_format(void **state)
{
    (void)state;
    cfx_conf_doc *doc = NULL;
    cfx_error err = {0};
    char buf[1200];
    assert_int_equal(cfx_conf_load(&doc, DATA("bad-indent.yaml"), &err), CFX_EINVAL);
    cfx_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, DATA("bad-indent.yaml") ":3:7: YAML syntax error: mapping values "
                             "are not allowed in this context");
}

static void test_conf__bad_unclosed_quote(void **state)
{
    (void)state;
    check_bad(DATA("bad-unclosed-quote.yaml"), CFX_EINVAL,
              "found unexpected end of stream (while scanning a quoted scalar at line 1, "
              "column 7)", 3, 1);
}

static void test_conf__bad_unclosed_bracket(void **state)
{
    (void)state;
    check_bad(DATA("bad-unclosed-bracket.yaml"), CFX_EINVAL,
              "did not find expected ',' or ']' (while parsing a flow sequence at line 2, "
              "column 9)", 3, 5);
}

static void test_conf__bad_tab_indentation(void **state)
{
    (void)state;
    check_bad(DATA("bad-tab.yaml"), CFX_EINVAL,
              "found character that cannot start any token", 2, 1);
    check_bad(DATA("bad-tab.yaml"), CFX_EINVAL, "YAML does not allow tabs", 2, 1);
}

static void test_conf__bad_duplicate_key(void **state)
{
    (void)state;
    check_bad(DATA("bad-duplicate-key.yaml"), CFX_EINVAL,
              "duplicate key 'days' (first at line 2)", 4, 1);
}

static void test_conf__bad_duplicate_nested_key(void **state)
{
    (void)state;
    check_bad(DATA("bad-duplicate-nested.yaml"), CFX_EINVAL,
              "duplicate key 'Dy2O3' (first at line 4)", 5, 5);
}

static void test_conf__bad_anchor(void **state)
{
    (void)state;
    check_bad(DATA("bad-anchor.yaml"), CFX_EINVAL,
              "anchors and aliases are not supported (found anchor '&base')", 1, 11);
}

static void test_conf__bad_alias(void **state)
{
    (void)state;
    check_bad(DATA("bad-alias.yaml"), CFX_EINVAL,
              "anchors and aliases are not supported (found alias '*base')", 3, 9);
}

static void test_conf__bad_tag(void **state)
{
    (void)state;
    check_bad(DATA("bad-tag.yaml"), CFX_EINVAL, "tags are not supported", 2, 7);
}

static void test_conf__bad_root_sequence(void **state)
{
    (void)state;
    check_bad(DATA("bad-root-sequence.yaml"), CFX_EINVAL,
              "the top level must be a mapping of 'key: value' lines, got a sequence", 1, 1);
}

static void test_conf__bad_root_scalar(void **state)
{
    (void)state;
    check_bad(DATA("bad-root-scalar.yaml"), CFX_EINVAL,
              "the top level must be a mapping of 'key: value' lines, got 'just some words'",
              1, 1);
}

static void test_conf__bad_binary_garbage(void **state)
{
    (void)state;
    check_bad(DATA("bad-binary.yaml"), CFX_EINVAL,
              "control characters are not allowed (U+007F)", 1, 1);
}

static void test_conf__bad_nul_byte(void **state)
{
    (void)state;
    check_bad(DATA("bad-nul.yaml"), CFX_EINVAL, "NUL byte in the file", 2, 8);
}

static void test_conf__bad_invalid_utf8(void **state)
{
    (void)state;
    check_bad(DATA("bad-utf8.yaml"), CFX_EINVAL,
              "not valid UTF-8: invalid leading UTF-8 octet (0xFC)", 2, 8);
}

static void test_conf__bad_complex_key(void **state)
{
    (void)state;
    check_bad(DATA("bad-complex-key.yaml"), CFX_EINVAL,
              "a key must be a single value, not a sequence", 2, 3);
}

static void test_conf__bad_two_documents(void **state)
{
    (void)state;
    check_bad(DATA("bad-two-documents.yaml"), CFX_EINVAL,
              "a second YAML document ('---') is not supported", 2, 1);
}

static void test_conf__bad_nul_escape(void **state)
{
    (void)state;
    check_bad(DATA("bad-nul-escape.yaml"), CFX_EINVAL,
              "a string must not contain a NUL character", 2, 7);
}

static void test_conf__bad_deep_nesting(void **state)
{
    (void)state;
    char text[400] = "a: ";
    memset(text + 3, '[', 300);
    cfx_conf_doc *doc = (cfx_conf_doc *)1;
    cfx_error err = {0};
    assert_int_equal(cfx_conf_parse(&doc, "deep", text, strlen(text), &err), CFX_EINVAL);
    assert_null(doc);
    /* The root mapping is level 1 and the 99th bracket level 100: the 100th bracket, in
     * column 3 + 100, is the one refused. */
    check_error(&err, CFX_EINVAL, "nesting deeper than 100 levels is not supported", 1, 103);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conf__nested_maps_and_sequences),
        cmocka_unit_test(test_conf__positions_of_values_and_keys),
        cmocka_unit_test(test_conf__columns_are_bytes_after_bom_and_crlf),
        cmocka_unit_test(test_conf__parse_reads_only_len_bytes),
        cmocka_unit_test(test_conf__empty_document_has_no_root),
        cmocka_unit_test(test_conf__missing_file_is_enoent),
        cmocka_unit_test(test_conf__free_null_is_noop),
        cmocka_unit_test(test_conf__dotted_path_lookup),
        cmocka_unit_test(test_conf__set_replaces_scalar),
        cmocka_unit_test(test_conf__set_adds_missing_keys),
        cmocka_unit_test(test_conf__set_through_value_or_sequence_fails),
        cmocka_unit_test(test_conf__set_on_mapping_fails),
        cmocka_unit_test(test_conf__typed_getters_read_values),
        cmocka_unit_test(test_conf__number_rejects_text),
        cmocka_unit_test(test_conf__integer_rejects_fraction_and_overflow),
        cmocka_unit_test(test_conf__number_rejects_quoted_string),
        cmocka_unit_test(test_conf__number_rejects_nan_and_inf),
        cmocka_unit_test(test_conf__missing_key_required_or_not),
        cmocka_unit_test(test_conf__get_map_and_str_check_kind),
        cmocka_unit_test(test_conf__unused_reports_unread_keys),
        cmocka_unit_test(test_conf__unused_names_top_level_keys),
        cmocka_unit_test(test_conf__bad_indentation),
        cmocka_unit_test(test_conf__bad_syntax_message_format),
        cmocka_unit_test(test_conf__bad_unclosed_quote),
        cmocka_unit_test(test_conf__bad_unclosed_bracket),
        cmocka_unit_test(test_conf__bad_tab_indentation),
        cmocka_unit_test(test_conf__bad_duplicate_key),
        cmocka_unit_test(test_conf__bad_duplicate_nested_key),
        cmocka_unit_test(test_conf__bad_anchor),
        cmocka_unit_test(test_conf__bad_alias),
        cmocka_unit_test(test_conf__bad_tag),
        cmocka_unit_test(test_conf__bad_root_sequence),
        cmocka_unit_test(test_conf__bad_root_scalar),
        cmocka_unit_test(test_conf__bad_binary_garbage),
        cmocka_unit_test(test_conf__bad_nul_byte),
        cmocka_unit_test(test_conf__bad_invalid_utf8),
        cmocka_unit_test(test_conf__bad_complex_key),
        cmocka_unit_test(test_conf__bad_two_documents),
        cmocka_unit_test(test_conf__bad_nul_escape),
        cmocka_unit_test(test_conf__bad_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
