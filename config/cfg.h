/*
 * cfg: the configuration layer. Turns INI text into a validated run_cfg_t
 * (models/run.h) so that no model ever sees configuration text.
 *
 * Two stages, so that the sweep layer can rewrite values (expand ${...})
 * between them:
 *   1. cfg_doc_load / cfg_doc_load_string / cfg_doc_set: text -> document,
 *      a list of raw (section, key, value, file, line) entries in file order.
 *      Only the INI syntax is checked here (inih), plus duplicate keys.
 *   2. cfg_apply: document -> run_cfg_t. The defaults, then every entry
 *      through the key table (one row per key: section, name, type, unit,
 *      default, range, help: the core's in cfg.c, each optional model's in
 *      its descriptor, models/model.h), then run_validate(). The same table
 *      prints the key reference (--help, README) and the resolved
 *      parameters recorded with each run (cfg_params).
 *
 * Every error is one line "FILE:LINE: [section] key: message"; a value set
 * on the command line reports "--set" as its location. Functions return 0,
 * or -1 with the message in err; nothing here exits.
 */
#ifndef RETRYSIM_CFG_H
#define RETRYSIM_CFG_H

#include <stddef.h>
#include <stdio.h>

#include "rec.h"
#include "run.h"

/* Location reported for entries added by cfg_doc_set. */
#define CFG_SET_FILE "--set"

typedef struct {
    char *section;        /* "" for a key before any [section] */
    char *key;
    char *value;          /* as written, whitespace and ; comments stripped by inih;
                             indented continuation lines are joined with one space */
    const char *file;     /* the document's path, or CFG_SET_FILE */
    int line;             /* 1-based line of the key; 0 for --set */
    int section_line;     /* line of the [section] header above it; 0 if none or --set */
} cfg_entry_t;

/* A parsed document. A zeroed cfg_doc_t is a valid empty document (no
 * file), to which cfg_doc_set can add entries. */
typedef struct {
    char *path;           /* file path, or the name given to cfg_doc_load_string */
    int from_file;        /* 1: loaded from a file (its base name is the default experiment) */
    char *text;           /* the whole text as read, for the run record; NULL if none */
    size_t text_len;
    cfg_entry_t *entries; /* in file order; --set entries replace in place or follow */
    int n, cap;
} cfg_doc_t;

/* A configuration is a few KB: a larger file, or one with a NUL byte, is
 * refused as soon as reading it shows so (a device such as /dev/zero would
 * otherwise be read until memory runs out). */
#define CFG_MAX_FILE_BYTES ((size_t)16 << 20)

/* Read and parse a file. On error the document is left empty (freeing it
 * is still allowed). Lines longer than inih's line buffer (200 bytes) are
 * an error: split long lists over indented continuation lines. */
int cfg_doc_load(cfg_doc_t *d, const char *path, char *err, size_t errlen);

/* The same for text in memory; name is used in messages. The default
 * experiment name of such a document is empty. */
int cfg_doc_load_string(cfg_doc_t *d, const char *name, const char *text, char *err, size_t errlen);

/* A command-line override "section.key=value" (spaces around the key and
 * value are ignored). Replaces the entry with that section and key, or adds
 * one. Whether the key exists is checked by cfg_apply. */
int cfg_doc_set(cfg_doc_t *d, const char *assignment, char *err, size_t errlen);

/* The last entry for section/key, or NULL. */
const cfg_entry_t *cfg_doc_find(const cfg_doc_t *d, const char *section, const char *key);

void cfg_doc_free(cfg_doc_t *d);

/* Move the entries of [section] from d into out (a new document with no
 * text, d's path; file and line kept), so a command can consume a section
 * of its own (retrysim search takes [search]). Returns how many moved, or
 * -1 when out of memory (d is then unchanged). */
int cfg_doc_take_section(cfg_doc_t *d, const char *section, cfg_doc_t *out);

/* Every key at its default: the run an empty experiment file describes.
 * -1 only on an internal error (a default that does not parse). */
int cfg_defaults(run_cfg_t *c, char *err, size_t errlen);

/* Fill *out from the document: defaults, then every entry, then the
 * cross-key checks. Unknown sections and keys are errors (with a "did you
 * mean" when a known name is close), never ignored. */
int cfg_apply(const cfg_doc_t *d, run_cfg_t *out, char *err, size_t errlen);

/* Every key of the table, in table order, as "section.key" and its resolved
 * value in the syntax cfg_apply accepts (so applying them as --set
 * overrides reproduces *c). Free with cfg_params_free. */
int cfg_params(const run_cfg_t *c, rec_param_t **out, int *n, char *err, size_t errlen);
void cfg_params_free(rec_param_t *p, int n);

/* The key reference: section, key, type, unit, default, range, help.
 * markdown = 1: one Markdown table per section (README); 0: plain text. */
void cfg_print_reference(FILE *f, int markdown);
/* The same as a JSON array of objects: section, key, type, unit, default,
 * range, description (all strings), for tools that generate forms or docs. */
void cfg_print_reference_json(FILE *f);

/* An INI file that sets every key to its default, each under a comment
 * with its help; keys without a default are commented out. */
void cfg_print_template(FILE *f);

/* Shared by the config layer (cfg.c, sweep.c, expr.c): format a message
 * into err (if any) and return -1; copy n bytes of s into a new string. */
int cfg_seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *cfg_strndup(const char *s, size_t n);

/* The name of names[0..n) closest to word (edit distance <= 2), for a
 * "did you mean" in an error; NULL when none is that close. */
const char *cfg_closest(const char *word, const char *const *names, size_t n);

#endif
