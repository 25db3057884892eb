/* YAML configuration documents: libyaml's event stream turned into a tree of located
 * nodes, dotted-path look-up, the --set override and typed getters with located errors. */
#include "io/conf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/grow.h"
#include "core/util.h"

/* Deeper nesting is refused so that freeing and walking the tree may recurse without
 * risking the stack on a hostile file; scenarios nest four or five levels. */
#define MAX_DEPTH 100

/* Values echoed in messages are cut here (bytes), so one bad cell cannot fill a screen. */
#define SHOW_MAX 60

/* The document as allocated: the public part first, then what only this file sees. */
typedef struct doc_impl {
    cfx_conf_doc pub;
    char **owned; /* n_owned strings made by cfx_conf_set, freed with the document */
    size_t n_owned;
} doc_impl;

/* ---------------------------------------------------------------- positions */

/* libyaml marks count characters from 0; messages give 1-based lines and byte columns
 * as an editor shows them (LF, CRLF or a lone CR end a line). Marks arrive in file
 * order, so the walk forward is linear over the document. */
typedef struct locator {
    const unsigned char *s;
    size_t len; /* bytes */
    size_t idx; /* characters before off */
    size_t off; /* bytes */
    size_t bol; /* byte offset where the line holding off begins */
    int line;   /* 1-based line holding off */
} locator;

static void loc_reset(locator *L)
{
    L->idx = L->off = L->bol = 0;
    L->line = 1;
}

/* Steps over one character. Invalid UTF-8 never gets here (libyaml stops first), but a
 * stray byte still advances by one so the walk always ends. */
static void loc_step(locator *L)
{
    unsigned char c = L->s[L->off];
    size_t w = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (w > L->len - L->off)
        w = L->len - L->off;
    L->off += w;
    L->idx++;
    if (c == '\n' || (c == '\r' && (L->off == L->len || L->s[L->off] != '\n'))) {
        L->line++;
        L->bol = L->off;
    }
}

static void loc_mark(locator *L, const yaml_mark_t *m, int *line, int *col)
{
    if (m->index < L->idx)
        loc_reset(L);
    while (L->idx < m->index && L->off < L->len)
        loc_step(L);
    *line = L->line;
    *col = (int)(L->off - L->bol) + 1;
}

/* off may fall inside a character (a bad trailing byte): the column is still off's. */
static void loc_offset(locator *L, size_t off, int *line, int *col)
{
    if (off < L->off)
        loc_reset(L);
    while (L->off < off && L->off < L->len)
        loc_step(L);
    if (off > L->len)
        off = L->len;
    if (L->bol > off) /* stepped past off onto a new line: cannot happen for valid input */
        off = L->bol;
    *line = L->line;
    *col = (int)(off - L->bol) + 1;
}

/* ---------------------------------------------------------------- building */

typedef struct frame {
    cfx_conf *node;
    size_t cap; /* capacity of node->items */
} frame;

typedef struct builder {
    doc_impl *doc;
    locator loc;
    frame stack[MAX_DEPTH];
    size_t depth;
    char *key; /* pending key of the mapping on top, in a buffer of key_cap bytes */
    size_t key_len, key_cap;
    int have_key;
    int key_line, key_col;
    int docs; /* documents started */
    cfx_error *err;
} builder;

static void free_node(cfx_conf *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        free_node(n->items[i]);
    free(n->items);
    free(n);
}

/* One allocation holds the node, its key and its value. */
static cfx_conf *node_alloc(cfx_conf_kind kind, const char *key, size_t key_len, const char *value,
                            size_t value_len)
{
    size_t extra = (key ? key_len + 1 : 0) + (value ? value_len + 1 : 0);
    cfx_conf *n = calloc(1, sizeof *n + extra);
    if (!n)
        return NULL;
    char *p = (char *)(n + 1);
    n->kind = kind;
    if (key) {
        memcpy(p, key, key_len);
        p[key_len] = '\0';
        n->key = p;
        p += key_len + 1;
    }
    if (value) {
        memcpy(p, value, value_len);
        p[value_len] = '\0';
        n->value = p;
    }
    return n;
}

static int fail_at(builder *b, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(builder *b, const yaml_mark_t *m, const char *fmt, ...)
{
    char msg[sizeof b->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, col;
    loc_mark(&b->loc, m, &line, &col);
    return cfx_error_set(b->err, CFX_EINVAL, b->doc->pub.path, line, col, "%s", msg);
}

static int oom(builder *b)
{
    return cfx_error_set(b->err, CFX_ENOMEM, b->doc->pub.path, 0, 0, "out of memory");
}

/* Anchors, aliases and tags would make a node mean something other than its text. */
static int check_plain(builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
                       const yaml_char_t *tag)
{
    if (anchor)
        return fail_at(b, &ev->start_mark,
                       "anchors and aliases are not supported (found anchor '&%s')",
                       (const char *)anchor);
    if (tag)
        return fail_at(b, &ev->start_mark, "tags are not supported (found tag '%s')",
                       (const char *)tag);
    return 0;
}

/* A NUL can only come from an escape ("\0"); C strings would silently cut it off. */
static int check_nul(builder *b, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    if (memchr(v, '\0', ev->data.scalar.length))
        return fail_at(b, &ev->start_mark, "a string must not contain a NUL character");
    return 0;
}

static int take_key(builder *b, const yaml_event_t *ev)
{
    const char *k = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const cfx_conf *map = b->stack[b->depth - 1].node;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->items[i]->key, k) == 0)
            return fail_at(b, &ev->start_mark, "duplicate key '%.*s' (first at line %d)", SHOW_MAX,
                           k, map->items[i]->key_line);
    if (len + 1 > b->key_cap) {
        size_t cap = 2 * (len + 1);
        char *p = realloc(b->key, cap);
        if (!p)
            return oom(b);
        b->key = p;
        b->key_cap = cap;
    }
    memcpy(b->key, k, len + 1);
    b->key_len = len;
    b->have_key = 1;
    loc_mark(&b->loc, &ev->start_mark, &b->key_line, &b->key_col);
    return 0;
}

/* Makes a node for a value event and hangs it under the open container (or at the root). */
static int add_node(builder *b, const yaml_event_t *ev, cfx_conf_kind kind, cfx_conf **out)
{
    frame *top = b->depth ? &b->stack[b->depth - 1] : NULL;
    if (kind != CFX_CONF_SCALAR && b->depth == MAX_DEPTH)
        return fail_at(b, &ev->start_mark, "nesting deeper than %d levels is not supported",
                       MAX_DEPTH);
    if (!top && b->doc->pub.root)
        return fail_at(b, &ev->start_mark, "more than one value at the top level");
    if (top && CFX_GROW(top->node->items, top->cap, top->node->n + 1))
        return oom(b);
    int keyed = top && top->node->kind == CFX_CONF_MAP;
    const char *value = NULL;
    size_t value_len = 0;
    if (kind == CFX_CONF_SCALAR) {
        value = (const char *)ev->data.scalar.value;
        value_len = ev->data.scalar.length;
    }
    cfx_conf *n = node_alloc(kind, keyed ? b->key : NULL, b->key_len, value, value_len);
    if (!n)
        return oom(b);
    n->file = b->doc->pub.path;
    loc_mark(&b->loc, &ev->start_mark, &n->line, &n->col);
    if (keyed) {
        n->key_line = b->key_line;
        n->key_col = b->key_col;
        b->have_key = 0;
    }
    if (kind == CFX_CONF_SCALAR)
        n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    if (top)
        top->node->items[top->node->n++] = n;
    else
        b->doc->pub.root = n;
    if (kind != CFX_CONF_SCALAR)
        b->stack[b->depth++] = (frame){.node = n, .cap = 0};
    *out = n;
    return 0;
}

static int on_event(builder *b, const yaml_event_t *ev)
{
    cfx_conf *n;
    int rc;
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->docs++)
            return fail_at(b, &ev->start_mark, "a second YAML document ('---') is not supported");
        return 0;
    case YAML_ALIAS_EVENT:
        return fail_at(b, &ev->start_mark,
                       "anchors and aliases are not supported (found alias '*%s')",
                       (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        if ((rc = check_plain(b, ev, ev->data.scalar.anchor, ev->data.scalar.tag)) ||
            (rc = check_nul(b, ev)))
            return rc;
        if (b->depth && b->stack[b->depth - 1].node->kind == CFX_CONF_MAP && !b->have_key) {
            /* YAML 1.1's merge key would lay a mapping into this one: like an alias, not
             * supported (unquoted; "<<" in quotes is a key like any other) */
            if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
                strcmp((const char *)ev->data.scalar.value, "<<") == 0)
                return fail_at(b, &ev->start_mark,
                               "merge keys ('<<') are not supported: write the keys out, or "
                               "use extends: for a whole file");
            return take_key(b, ev);
        }
        return add_node(b, ev, CFX_CONF_SCALAR, &n);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int map = ev->type == YAML_MAPPING_START_EVENT;
        if ((rc = check_plain(b, ev,
                              map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor,
                              map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag)))
            return rc;
        if (b->depth && b->stack[b->depth - 1].node->kind == CFX_CONF_MAP && !b->have_key)
            return fail_at(b, &ev->start_mark, "a key must be a single value, not a %s",
                           map ? "mapping" : "sequence");
        return add_node(b, ev, map ? CFX_CONF_MAP : CFX_CONF_SEQ, &n);
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth)
            b->depth--;
        return 0;
    default:
        return 0;
    }
}

/* libyaml's own words and place for what it could not read. */
static int yaml_failure(builder *b, const yaml_parser_t *p)
{
    const char *file = b->doc->pub.path;
    int line, col;
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return oom(b);
    case YAML_READER_ERROR:
        /* Bad UTF-8 or a control character: libyaml gives a byte offset. */
        loc_offset(&b->loc, p->problem_offset, &line, &col);
        if (p->problem_value == 0)
            return cfx_error_set(b->err, CFX_EINVAL, file, line, col,
                                 "NUL byte in the file (is it a text file?)");
        if (p->problem && strstr(p->problem, "control"))
            return cfx_error_set(b->err, CFX_EINVAL, file, line, col, "%s (U+%04X)", p->problem,
                                 (unsigned)p->problem_value);
        if (p->problem_value > 0)
            return cfx_error_set(b->err, CFX_EINVAL, file, line, col,
                                 "not valid UTF-8: %s (0x%02X)",
                                 p->problem ? p->problem : "bad byte", (unsigned)p->problem_value);
        return cfx_error_set(b->err, CFX_EINVAL, file, line, col, "not valid UTF-8: %s",
                             p->problem ? p->problem : "bad byte");
    default: {
        char ctx[160] = "";
        if (p->context) {
            int cl, cc;
            loc_mark(&b->loc, &p->context_mark, &cl, &cc);
            snprintf(ctx, sizeof ctx, " (%s at line %d, column %d)", p->context, cl, cc);
        }
        loc_mark(&b->loc, &p->problem_mark, &line, &col);
        /* libyaml does not say why a tab "cannot start any token"; users ask. */
        int tab = b->loc.off < b->loc.len && b->loc.s[b->loc.off] == '\t';
        return cfx_error_set(b->err, CFX_EINVAL, file, line, col, "YAML syntax error: %s%s%s",
                             p->problem ? p->problem : "cannot parse", ctx,
                             tab ? "; indent with spaces, YAML does not allow tabs" : "");
    }
    }
}

static const char *kind_name(cfx_conf_kind k)
{
    return k == CFX_CONF_MAP ? "a mapping" : k == CFX_CONF_SEQ ? "a sequence" : "a value";
}

static void show(const cfx_conf *n, char *buf, size_t len);

/* Runs libyaml over the document's text and builds doc->root. */
static int build(doc_impl *doc, cfx_error *err)
{
    const unsigned char *s = (const unsigned char *)doc->pub.text;
    size_t len = doc->pub.text_len;
    /* A BOM is not part of the first line as the user sees it: columns start after it. */
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        s += 3;
        len -= 3;
    }
    builder b = {.doc = doc, .loc = {.s = s, .len = len}, .err = err};
    loc_reset(&b.loc);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return oom(&b);
    /* Set, so libyaml neither guesses UTF-16 nor hides a BOM from the column count. */
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&p, s, len);
    int rc = 0, done = 0;
    while (!rc && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = yaml_failure(&b, &p);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(&b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    free(b.key);
    if (rc)
        return rc;
    cfx_conf *root = doc->pub.root;
    if (root && root->kind == CFX_CONF_SCALAR && !root->quoted && !root->value[0]) {
        /* "---" alone, or only comments: an empty document, not a value. */
        free_node(root);
        doc->pub.root = NULL;
    } else if (root && root->kind != CFX_CONF_MAP) {
        char got[SHOW_MAX + 32];
        show(root, got, sizeof got);
        return cfx_error_set(err, CFX_EINVAL, doc->pub.path, root->line, root->col,
                             "the top level must be a mapping of 'key: value' lines, got %s", got);
    }
    return 0;
}

/* ---------------------------------------------------------------- documents */

int cfx_conf_parse(cfx_conf_doc **out, const char *name, const char *text, size_t len,
                   cfx_error *err)
{
    *out = NULL;
    if (!name)
        name = "";
    doc_impl *doc = calloc(1, sizeof *doc);
    if (doc) {
        doc->pub.path = cfx_strdup(name);
        doc->pub.text = malloc(len + 1);
    }
    if (!doc || !doc->pub.path || !doc->pub.text) {
        cfx_conf_free(doc ? &doc->pub : NULL);
        return cfx_error_set(err, CFX_ENOMEM, name, 0, 0, "out of memory");
    }
    if (len)
        memcpy(doc->pub.text, text, len);
    doc->pub.text[len] = '\0';
    doc->pub.text_len = len;
    int rc = build(doc, err);
    if (rc) {
        cfx_conf_free(&doc->pub);
        return rc;
    }
    *out = &doc->pub;
    return 0;
}

/* The whole file in one NUL-terminated buffer; *len excludes the NUL. */
int cfx_conf_load(cfx_conf_doc **out, const char *path, cfx_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = cfx_read_file(path, &text, &len, err);
    if (rc)
        return rc;
    rc = cfx_conf_parse(out, path, text, len, err);
    free(text);
    return rc;
}

void cfx_conf_free(cfx_conf_doc *pub)
{
    if (!pub)
        return;
    doc_impl *doc = (doc_impl *)pub;
    free_node(pub->root);
    for (size_t i = 0; i < doc->n_owned; i++)
        free(doc->owned[i]);
    free(doc->owned);
    free(pub->path);
    free(pub->text);
    free(doc);
}

/* ---------------------------------------------------------------- look-up */

cfx_conf *cfx_conf_get(const cfx_conf *map, const char *key)
{
    if (!map || map->kind != CFX_CONF_MAP || !key)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->items[i]->key, key) == 0)
            return map->items[i];
    return NULL;
}

/* Child of map named by the n bytes at key. */
static cfx_conf *get_n(const cfx_conf *map, const char *key, size_t n)
{
    if (!map || map->kind != CFX_CONF_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->items[i]->key;
        if (strncmp(k, key, n) == 0 && k[n] == '\0')
            return map->items[i];
    }
    return NULL;
}

cfx_conf *cfx_conf_path(const cfx_conf *root, const char *dotted)
{
    if (!root || !dotted)
        return NULL;
    cfx_conf *n = (cfx_conf *)root;
    for (const char *p = dotted;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (!(n = get_n(n, p, len)))
            return NULL;
        if (!dot)
            return n;
        p = dot + 1;
    }
}

/* Names the longest existing prefix of a path that fails, for the --set message. */
/* s in lower case into out (ASCII letters only; at most len - 1 bytes). */
static void fold(const char *s, char *out, size_t len)
{
    size_t i = 0;
    for (; s[i] && i + 1 < len; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    out[i] = '\0';
}

/* Appends child to a mapping. */
static int map_append(cfx_conf *map, cfx_conf *child)
{
    cfx_conf **items = realloc(map->items, (map->n + 1) * sizeof *items);
    if (!items)
        return CFX_ENOMEM;
    map->items = items;
    items[map->n++] = child;
    return 0;
}

int cfx_conf_set(cfx_conf_doc *pub, const char *dotted, const char *value, cfx_error *err)
{
    if (!pub || !dotted || !*dotted)
        return cfx_error_set(err, CFX_EUSAGE, NULL, 0, 0, "--set: no document or no path");
    if (!value)
        value = "";
    doc_impl *doc = (doc_impl *)pub;
    if (!pub->root || pub->root->kind != CFX_CONF_MAP)
        return cfx_error_set(err, CFX_EUSAGE, pub->path, 0, 0,
                             "--set %s: the document is not a mapping", dotted);
    /* One block for "--set PATH" and the value; it lives as long as the document. */
    size_t fl = strlen("--set ") + strlen(dotted) + 1, vl = strlen(value) + 1;
    char **owned = realloc(doc->owned, (doc->n_owned + 1) * sizeof *owned);
    if (!owned)
        return cfx_error_set(err, CFX_ENOMEM, pub->path, 0, 0, "out of memory");
    doc->owned = owned;
    char *block = malloc(fl + vl);
    if (!block)
        return cfx_error_set(err, CFX_ENOMEM, pub->path, 0, 0, "out of memory");
    owned[doc->n_owned++] = block;
    snprintf(block, fl, "--set %s", dotted);
    memcpy(block + fl, value, vl);
    /* Walk the path; keys the file leaves out are added (a model's defaults can be set
     * without writing the section first): the loader then reports any that no one reads as
     * unknown, at this --set. */
    cfx_conf *n = pub->root;
    const char *p = dotted;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len == 0)
            return cfx_error_set(err, CFX_EUSAGE, pub->path, 0, 0,
                                 "--set %s: empty key in the path", dotted);
        cfx_conf *c = get_n(n, p, len);
        if (!c) {
            /* A new key one letter away from one the file has, ignoring case, is a typo, not
             * an addition (Dy203 or dy2o3 for Dy2O3 would otherwise start a new product). */
            char added[SHOW_MAX + 1], lower[SHOW_MAX + 1], other[SHOW_MAX + 1];
            snprintf(added, sizeof added, "%.*s", (int)(len < SHOW_MAX ? len : SHOW_MAX), p);
            fold(added, lower, sizeof lower);
            for (size_t i = 0; n->kind == CFX_CONF_MAP && i < n->n; i++)
                if (fold(n->items[i]->key, other, sizeof other),
                    cfx_edit_distance_le2(lower, other) <= 1)
                    return cfx_error_set(err, CFX_EUSAGE, pub->path, 0, 0,
                                         "--set %s: no key '%s' there; did you mean '%s'?", dotted,
                                         added, n->items[i]->key);
            c = node_alloc(dot ? CFX_CONF_MAP : CFX_CONF_SCALAR, p, len, NULL, 0);
            if (!c || map_append(n, c)) {
                free(c);
                return cfx_error_set(err, CFX_ENOMEM, pub->path, 0, 0, "out of memory");
            }
            c->file = block;
            c->line = c->col = c->key_line = c->key_col = 1;
        }
        if (!dot) {
            if (c->kind != CFX_CONF_SCALAR)
                return cfx_error_set(err, CFX_EUSAGE, pub->path, 0, 0,
                                     "--set %s: cannot set it, it is %s", dotted,
                                     kind_name(c->kind));
            c->file = block;
            c->value = block + fl;
            c->quoted = 0; /* typed on the command line: 5 is a number */
            c->line = c->col = c->key_line = c->key_col = 1;
            return 0;
        }
        if (c->kind != CFX_CONF_MAP)
            return cfx_error_set(err, CFX_EUSAGE, pub->path, 0, 0,
                                 "--set %s: '%.*s' is %s, not a mapping", dotted,
                                 (int)(dot - dotted), dotted, kind_name(c->kind));
        n = c;
        p = dot + 1;
    }
}

/* ---------------------------------------------------------------- overlay */

/* A plain (unquoted) null, ~ or nothing: "remove this key" in an overlay. */
static int is_null(const cfx_conf *n)
{
    return n->kind == CFX_CONF_SCALAR && !n->quoted &&
           (!*n->value || !strcmp(n->value, "~") || !strcmp(n->value, "null") ||
            !strcmp(n->value, "Null") || !strcmp(n->value, "NULL"));
}

/* Moves the children of over into base, as cfx_conf_overlay describes; over is left with
 * no children. Recursion is bounded by MAX_DEPTH, as the parse was. */
static int merge_map(cfx_conf *base, cfx_conf *over)
{
    for (size_t i = 0; i < over->n; i++) {
        cfx_conf *o = over->items[i];
        size_t j = 0;
        while (j < base->n && strcmp(base->items[j]->key, o->key) != 0)
            j++;
        cfx_conf *b = j < base->n ? base->items[j] : NULL;
        if (b && b->kind == CFX_CONF_MAP && o->kind == CFX_CONF_MAP) {
            int rc = merge_map(b, o);
            if (rc)
                return rc;
            free_node(o);
        } else if (is_null(o)) {
            if (b) {
                /* the map now lacks a key: a message that it is missing points here, at
                 * the key that removed it (over's strings outlive it: cfx_conf_overlay) */
                base->file = o->file;
                base->line = o->key_line;
                base->col = o->key_col;
                free_node(b);
                memmove(base->items + j, base->items + j + 1,
                        (base->n - j - 1) * sizeof *base->items);
                base->n--;
            }
            free_node(o);
        } else if (b) {
            free_node(b);
            base->items[j] = o;
        } else if (map_append(base, o)) {
            /* over keeps the children not yet moved, so that freeing it frees them */
            memmove(over->items, over->items + i, (over->n - i) * sizeof *over->items);
            over->n -= i;
            return CFX_ENOMEM;
        }
        over->items[i] = NULL;
    }
    over->n = 0;
    return 0;
}

int cfx_conf_overlay(cfx_conf_doc *base_pub, cfx_conf_doc *over_pub, cfx_error *err)
{
    doc_impl *base = (doc_impl *)base_pub, *over = (doc_impl *)over_pub;
    if (!base_pub->root || base_pub->root->kind != CFX_CONF_MAP || !over_pub->root ||
        over_pub->root->kind != CFX_CONF_MAP)
        return cfx_error_set(err, CFX_EINVAL, over_pub->path, 1, 1,
                             "both files of an 'extends' must be YAML mappings");
    /* over's nodes name their file by over's path and may point into its --set blocks:
     * base takes all of those strings over, so the nodes stay valid once over is freed. */
    char **owned = realloc(base->owned, (base->n_owned + over->n_owned + 1) * sizeof *owned);
    if (!owned)
        return cfx_error_set(err, CFX_ENOMEM, over_pub->path, 0, 0, "out of memory");
    base->owned = owned;
    if (merge_map(base_pub->root, over_pub->root))
        return cfx_error_set(err, CFX_ENOMEM, over_pub->path, 0, 0, "out of memory");
    owned[base->n_owned++] = over_pub->path;
    over_pub->path = NULL;
    for (size_t i = 0; i < over->n_owned; i++)
        owned[base->n_owned++] = over->owned[i];
    over->n_owned = 0;
    return 0;
}

/* ---------------------------------------------------------------- typed values */

/* "'days'" for a keyed node, "the value" in a sequence. */
static void label(const cfx_conf *n, char *buf, size_t len)
{
    if (n->key)
        snprintf(buf, len, "'%.*s'", SHOW_MAX, n->key);
    else
        snprintf(buf, len, "the value");
}

/* The node's value as quoted in messages: "'abc'", cut at SHOW_MAX bytes on a character
 * boundary, or what the node is when it is not plain text. */
static void show(const cfx_conf *n, char *buf, size_t len)
{
    if (n->kind != CFX_CONF_SCALAR) {
        snprintf(buf, len, "%s", kind_name(n->kind));
        return;
    }
    size_t vl = strlen(n->value);
    if (vl == 0) {
        snprintf(buf, len, "an empty value");
        return;
    }
    if (vl <= SHOW_MAX) {
        snprintf(buf, len, "'%s'", n->value);
        return;
    }
    size_t cut = SHOW_MAX;
    while (cut > 0 && ((unsigned char)n->value[cut] & 0xC0) == 0x80)
        cut--;
    snprintf(buf, len, "'%.*s...'", (int)cut, n->value);
}

static int bad_value(const cfx_conf *n, const char *what, cfx_error *err)
{
    char name[SHOW_MAX + 8], got[SHOW_MAX + 32];
    label(n, name, sizeof name);
    show(n, got, sizeof got);
    if (n->kind == CFX_CONF_SCALAR && n->quoted)
        return cfx_error_set(err, CFX_EINVAL, n->file, n->line, n->col,
                             "%s must be %s, got a quoted string %s", name, what, got);
    return cfx_error_set(err, CFX_EINVAL, n->file, n->line, n->col, "%s must be %s, got %s", name,
                         what, got);
}

/* What strtod and strtol would take but a reader would not call a decimal number:
 * nothing, leading blanks (from --set), hexadecimal. */
static int not_decimal(const cfx_conf *n)
{
    return n->kind != CFX_CONF_SCALAR || n->quoted || !n->value[0] ||
           isspace((unsigned char)n->value[0]) || strpbrk(n->value, "xX");
}

int cfx_conf_scalar_double(const cfx_conf *n, double *out, cfx_error *err)
{
    if (not_decimal(n))
        return bad_value(n, "a number", err);
    char *end;
    double v = strtod(n->value, &end);
    if (*end)
        return bad_value(n, "a number", err);
    if (!isfinite(v))
        return bad_value(n, "a finite number", err);
    *out = v;
    return 0;
}

int cfx_conf_scalar_long(const cfx_conf *n, long *out, cfx_error *err)
{
    if (not_decimal(n))
        return bad_value(n, "an integer", err);
    char *end;
    errno = 0;
    long v = strtol(n->value, &end, 10);
    if (*end)
        return bad_value(n, "an integer", err);
    if (errno == ERANGE)
        return bad_value(n, "an integer in the range of a 64-bit long", err);
    *out = v;
    return 0;
}

/* The node for key, marked used; NULL with rc 0 when missing and optional. */
/* A key of map that no one has read and that is within two edits of key: the likely
 * misspelling behind a missing key. */
static const cfx_conf *near_miss(const cfx_conf *map, const char *key)
{
    for (size_t i = 0; map->kind == CFX_CONF_MAP && i < map->n; i++) {
        const cfx_conf *c = map->items[i];
        if (!c->used && c->key && cfx_edit_distance_le2(c->key, key) <= 2)
            return c;
    }
    return NULL;
}

static int lookup(const cfx_conf *map, const char *key, int required, cfx_conf **out,
                  cfx_error *err)
{
    cfx_conf *n = cfx_conf_get(map, key);
    *out = n;
    if (n) {
        n->used = 1;
        return 0;
    }
    if (!required)
        return 0;
    if (!map)
        return cfx_error_set(err, CFX_EINVAL, NULL, 0, 0, "missing key '%s'", key);
    const cfx_conf *near = near_miss(map, key);
    if (near)
        return cfx_error_set(err, CFX_EINVAL, near->file, near->key_line, near->key_col,
                             "missing key '%s' (is '%.*s' here a misspelling of it?)", key,
                             SHOW_MAX, near->key);
    return cfx_error_set(err, CFX_EINVAL, map->file, map->line, map->col, "missing key '%s'", key);
}

int cfx_conf_get_double(const cfx_conf *map, const char *key, int required, double *out,
                        cfx_error *err)
{
    cfx_conf *n;
    int rc = lookup(map, key, required, &n, err);
    return rc || !n ? rc : cfx_conf_scalar_double(n, out, err);
}

int cfx_conf_get_long(const cfx_conf *map, const char *key, int required, long *out, cfx_error *err)
{
    cfx_conf *n;
    int rc = lookup(map, key, required, &n, err);
    return rc || !n ? rc : cfx_conf_scalar_long(n, out, err);
}

int cfx_conf_get_str(const cfx_conf *map, const char *key, int required, const char **out,
                     cfx_error *err)
{
    cfx_conf *n;
    int rc = lookup(map, key, required, &n, err);
    if (rc || !n)
        return rc;
    if (n->kind != CFX_CONF_SCALAR)
        return bad_value(n, "a string", err);
    *out = n->value;
    return 0;
}

int cfx_conf_get_map(const cfx_conf *map, const char *key, int required, cfx_conf **out,
                     cfx_error *err)
{
    cfx_conf *n;
    *out = NULL;
    int rc = lookup(map, key, required, &n, err);
    if (rc || !n)
        return rc;
    if (n->kind != CFX_CONF_MAP)
        return bad_value(n, "a mapping", err);
    *out = n;
    return 0;
}

/* ---------------------------------------------------------------- unknown keys */

static size_t unused_in(const cfx_conf *n, const char *path, cfx_diags *d)
{
    char sub[512];
    size_t count = 0;
    for (size_t i = 0; n && i < n->n; i++) {
        const cfx_conf *c = n->items[i];
        if (n->kind == CFX_CONF_SEQ) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            count += unused_in(c, sub, d);
        } else if (!c->used) {
            if (d && *path)
                cfx_diags_add(d, CFX_EINVAL, c->file, c->key_line, c->key_col,
                              "unknown key '%s' in '%s'", c->key, path);
            else if (d)
                cfx_diags_add(d, CFX_EINVAL, c->file, c->key_line, c->key_col, "unknown key '%s'",
                              c->key);
            count++;
        } else {
            snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", c->key);
            count += unused_in(c, sub, d);
        }
    }
    return count;
}

size_t cfx_conf_unused(const cfx_conf *node, cfx_diags *d)
{
    if (!node)
        return 0;
    /* A subtree is named by its own key: the full path for a top-level section. */
    return unused_in(node, node->key ? node->key : "", d);
}

int cfx_conf_what_has_max(const char *what)
{
    return strchr(what, ']') || strstr(what, "at most");
}

int cfx_conf_get_range(const cfx_conf *map, const char *key, int required, double *out, double lo,
                       double hi, int lo_open, const char *what, cfx_diags *d)
{
    cfx_error err;
    double v = *out;
    if (cfx_conf_get_double(map, key, required, &v, &err))
        return cfx_diags_push(d, &err);
    const cfx_conf *n = cfx_conf_get(map, key);
    if (!n)
        return 0;
    if (v > hi && !cfx_conf_what_has_max(what))
        return cfx_diags_add(d, CFX_EINVAL, n->file, n->line, n->col,
                             "'%s' must be %s, at most %g, got %g", key, what, hi, v);
    if (v < lo || v > hi || (lo_open && v == lo))
        return cfx_diags_add(d, CFX_EINVAL, n->file, n->line, n->col, "'%s' must be %s, got %g",
                             key, what, v);
    *out = v;
    return 0;
}
