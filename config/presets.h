/*
 * presets: the default retry behaviour of real client libraries, as named
 * bundles of ordinary keys ([retry] preset = NAME; config/expand.h applies
 * them before the experiment's own keys, so any key written there wins).
 * docs/clients.md gives, for every preset, the library's rules with the
 * source file and release they were read from, and what differs.
 */
#ifndef RETRYSIM_PRESETS_H
#define RETRYSIM_PRESETS_H

#include <stdio.h>

#include "expand.h"

/* The expander of [retry] preset (a cfg_expander_fn). */
int presets_expand(const cfg_doc_t *doc, const cfg_entry_t *e, cfg_xlist_t *out, char *err, size_t errlen);

/* Every preset's name, in table order; n = their number. */
const char *presets_name(int i);
int presets_count(void);

/* List the presets (name, what they imitate), or, with name, one preset's
 * expanded keys as an INI fragment. markdown: a table. Returns -1 for an
 * unknown name (a message on stderr). */
int presets_print(FILE *f, const char *name, int markdown);

#endif
