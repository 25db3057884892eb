/* JSON documents through jansson; json.h says what each helper does. */
#include "core/json.h"

#include <math.h>
#include <stdlib.h>

#include "core/util.h"

json_t *cfx_json_real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *cfx_json_num(double v)
{
    if (v == floor(v) && fabs(v) < 0x1p53) /* exactly an integer (NaN and inf are not) */
        return json_integer((json_int_t)v);
    return cfx_json_real(v);
}

json_t *cfx_json_text(const char *s)
{
    char *u = cfx_utf8_valid(s);
    if (!u)
        return NULL;
    json_t *j = json_string_nocheck(u);
    free(u);
    return j;
}

int cfx_json_set(json_t *obj, const char *key, json_t *v)
{
    char *k = cfx_utf8_valid(key);
    int rc = k && v ? json_object_set_new_nocheck(obj, k, v) : (json_decref(v), -1);
    free(k);
    return rc ? -1 : 0;
}

int cfx_json_push(json_t *arr, json_t *v)
{
    return json_array_append_new(arr, v) ? -1 : 0;
}

json_t *cfx_json_checked(json_t *v, int bad)
{
    if (!bad)
        return v;
    json_decref(v);
    return NULL;
}

/* The whole text is made before any of it is written, so that running out of memory writes
 * nothing. Not with json_dumps: jansson (2.14) ignores a failed allocation while it writes
 * an object's key into its growing buffer, and goes on without the key. json_dumpb writes
 * into a buffer of ours that needs no allocation; only its check for loops allocates, and
 * that failure it reports (0). */
int cfx_json_print(json_t *doc, FILE *f)
{
    const size_t flags = JSON_INDENT(0) | JSON_PRESERVE_ORDER;
    size_t n = doc ? json_dumpb(doc, NULL, 0, flags) : 0;
    char *text = n ? malloc(n) : NULL;
    if (text && json_dumpb(doc, text, n, flags) != n) {
        free(text);
        text = NULL;
    }
    json_decref(doc);
    if (!text)
        return CFX_ENOMEM;
    int rc = fwrite(text, 1, n, f) != n || fputc('\n', f) == EOF || fflush(f) ? CFX_EIO : 0;
    free(text);
    return rc;
}
