/* A YAML document as a tree of located nodes (libyaml underneath), with dotted-path
 * look-up and the --set KEY=VALUE override. Loaders read typed values through the
 * cfx_conf_get_* helpers, which give located errors, and mark what they read so that
 * unknown keys can be reported. */
#ifndef CFX_CONF_H
#define CFX_CONF_H

#include <stddef.h>

#include "core/error.h"

typedef enum { CFX_CONF_SCALAR, CFX_CONF_MAP, CFX_CONF_SEQ } cfx_conf_kind;

typedef struct cfx_conf cfx_conf;
struct cfx_conf {
    cfx_conf_kind kind;
    const char *file; /* file name for messages (owned by the document) */
    int line, col;    /* 1-based position of the value */
    char *key;        /* key in the parent mapping, NULL in a sequence or at the root */
    int key_line, key_col;
    char *value;      /* SCALAR: the text, NUL-terminated; NULL otherwise */
    int quoted;       /* SCALAR: written with quotes (a string, never a number) */
    cfx_conf **items; /* MAP/SEQ: n children in file order */
    size_t n;
    int used; /* set by the typed getters; see cfx_conf_unused */
};

typedef struct cfx_conf_doc {
    char *path;      /* as given to cfx_conf_load */
    char *text;      /* the whole file, NUL-terminated (kept for provenance) */
    size_t text_len; /* bytes */
    cfx_conf *root;  /* a MAP for a scenario; NULL for an empty document */
} cfx_conf_doc;

/* Reads and parses a file. Missing or unreadable file: CFX_ENOENT; YAML syntax error,
 * duplicate key in a mapping, anchors/aliases or tags (not supported): CFX_EINVAL with
 * the position. */
int cfx_conf_load(cfx_conf_doc **out, const char *path, cfx_error *err);
/* The same from memory; name is used in messages. text need not be NUL-terminated. */
int cfx_conf_parse(cfx_conf_doc **out, const char *name, const char *text, size_t len,
                   cfx_error *err);
void cfx_conf_free(cfx_conf_doc *doc); /* NULL is a no-op */

/* Child of a MAP by key, or NULL (also when node is NULL or not a MAP). Does not mark used. */
cfx_conf *cfx_conf_get(const cfx_conf *map, const char *key);
/* Node by dotted path from root ("market.products.Dy2O3.price_usd_per_kg"), or NULL. */
cfx_conf *cfx_conf_path(const cfx_conf *root, const char *dotted);

/* --set: put value at a dotted path. An existing scalar is replaced; keys the file leaves
 * out are added (through mappings only), so that a default can be set without writing its
 * section: a loader then reports any key no one reads as unknown. A path that names a
 * mapping or a sequence, or goes through a value or a sequence, is CFX_EUSAGE with a
 * message naming the path. The node then reports its position as file "--set PATH",
 * line 1, column 1, so type errors found later point at the override. */
int cfx_conf_set(cfx_conf_doc *doc, const char *dotted, const char *value, cfx_error *err);

/* Lays the mapping of `over` on top of that of `base` (a scenario that extends another):
 * a key in both whose values are both mappings is merged key by key; otherwise over's
 * value replaces base's (a sequence is replaced whole). A plain null, ~ or empty value in
 * over removes the key from base. Nodes keep the file name and position they were read
 * at, so messages point into the file that wrote the value. over is emptied but must still
 * be freed; base then owns everything. A document that is not a mapping: CFX_EINVAL. */
int cfx_conf_overlay(cfx_conf_doc *base, cfx_conf_doc *over, cfx_error *err);

/* Typed getters: read key from map, mark it used, and on a missing key (when required) or
 * a bad value return CFX_EINVAL with the position of the value (or of the map for a
 * missing key) and a message like "'days' must be a positive integer, got -3".
 * When the key is missing and not required, *out is left unchanged and 0 is returned.
 * Numbers: strtod/strtoll on the whole text, no trailing junk, finite, not quoted. */
int cfx_conf_get_double(const cfx_conf *map, const char *key, int required, double *out,
                        cfx_error *err);
int cfx_conf_get_long(const cfx_conf *map, const char *key, int required, long *out,
                      cfx_error *err);
/* Strings: any scalar; *out points into the tree (valid until the document is freed). */
int cfx_conf_get_str(const cfx_conf *map, const char *key, int required, const char **out,
                     cfx_error *err);
/* A MAP child (required or not); *out NULL when missing and not required. Marks used. */
int cfx_conf_get_map(const cfx_conf *map, const char *key, int required, cfx_conf **out,
                     cfx_error *err);

/* A number from map[key] that must lie in [lo, hi] (lo excluded when lo_open); a bad or
 * out-of-range value is added to d at its position as "'key' must be WHAT, got V" (above hi
 * "WHAT, at most HI" where cfx_conf_what_has_max(WHAT) is 0). Absent and not required: *out
 * keeps its default. Returns 0 or the code added. */
int cfx_conf_get_range(const cfx_conf *map, const char *key, int required, double *out, double lo,
                       double hi, int lo_open, const char *what, cfx_diags *d);
/* 1 when the words of a range give its upper bound themselves ("in [0, 1]", "at most 12"),
 * so that a message about a value above it need not add the bound. */
int cfx_conf_what_has_max(const char *what);

/* Value checks with a located message on the node's position. */
int cfx_conf_scalar_double(const cfx_conf *node, double *out, cfx_error *err);
int cfx_conf_scalar_long(const cfx_conf *node, long *out, cfx_error *err);

/* Reports every key under node (recursively) that no getter marked used:
 * "unknown key 'foo' in 'market.products.Dy2O3'" at the key's position. Returns the
 * number reported. */
size_t cfx_conf_unused(const cfx_conf *node, cfx_diags *d);

#endif
