/* JSON documents through jansson: the few helpers that every --json printer uses so that
 * strings, numbers and failures are treated alike. */
#ifndef CFX_JSON_H
#define CFX_JSON_H

#include <stdio.h>

#include <jansson.h>

/* A real (every digit needed to read back the same double: 3.0, 0.1), or null when v is NaN
 * or infinite, which JSON does not have. NULL when out of memory. */
json_t *cfx_json_real(double v);
/* The same, but an integer when v is one (below 2^53 in magnitude): 3, not 3.0, as the
 * metrics have always been printed, so that a day reads back as an int in Python. */
json_t *cfx_json_num(double v);
/* A string: s with each byte that is not well-formed UTF-8 as U+FFFD (cfx_utf8_valid); NULL
 * when out of memory. */
json_t *cfx_json_text(const char *s);
/* obj[key] = v, taking v (freed on failure; v or obj NULL counts as a failure), the key made
 * valid UTF-8 as cfx_json_text does. 0, or -1 when out of memory: a builder ORs the results
 * of its insertions and hands them to cfx_json_checked once. */
int cfx_json_set(json_t *obj, const char *key, json_t *v);
/* Appends v to the array arr, taking v, as cfx_json_set does. */
int cfx_json_push(json_t *arr, json_t *v);
/* v, or NULL (v freed) when bad, i.e. an insertion into it failed. */
json_t *cfx_json_checked(json_t *v, int bad);
/* Writes doc on one line, keys in the order they were set, and a newline to f, and frees
 * doc. 0; CFX_ENOMEM when doc is NULL (nothing is written) or memory runs out while writing;
 * CFX_EIO when f cannot be written. */
int cfx_json_print(json_t *doc, FILE *f);

#endif
