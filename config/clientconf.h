/*
 * clientconf: a client's own configuration file as retrysim keys. A gRPC
 * service config ([retry] grpc_service_config = FILE.json, with
 * [retry] grpc_method choosing the methodConfig) or an Envoy route
 * retry_policy ([retry] envoy_retry_policy = FILE, JSON or YAML) expands
 * into ordinary entries (config/expand.h), each naming the file and the
 * field it came from. Every field is either mapped or an error naming the
 * file and the field's path: nothing is ignored. docs/clients.md
 * ("Client configuration files") gives the mapping.
 */
#ifndef RETRYSIM_CLIENTCONF_H
#define RETRYSIM_CLIENTCONF_H

#include "expand.h"

/* The expanders (cfg_expander_fn) of the two keys. */
int clientconf_grpc_expand(const cfg_doc_t *doc, const cfg_entry_t *e, cfg_xlist_t *out, char *err, size_t errlen);
int clientconf_envoy_expand(const cfg_doc_t *doc, const cfg_entry_t *e, cfg_xlist_t *out, char *err, size_t errlen);

/* The path a file key's value names, relative paths taken from the
 * directory of the file the key was written in (docfile; NULL or a --set
 * entry: the current directory). -1 if it does not fit in n bytes. */
int clientconf_resolve(const char *docfile, const char *value, char *out, size_t n);

/* Parse text (JSON, or YAML when yaml is 1) into a JSON tree for the
 * mapping, without reading a file: for the fuzzer and the tests. Returns
 * 0, or -1 with err filled. The tree is freed with clientconf_free. */
typedef struct json_t clientconf_tree_t;
int clientconf_parse(const char *name, const char *text, size_t len, int yaml, clientconf_tree_t **out, char *err,
                     size_t errlen);
void clientconf_free(clientconf_tree_t *t);

/* The mappings on a parsed tree (name: the file's name for messages). */
int clientconf_grpc_map(const char *name, clientconf_tree_t *root, const char *method, cfg_xlist_t *out, char *err,
                        size_t errlen);
int clientconf_envoy_map(const char *name, clientconf_tree_t *root, cfg_xlist_t *out, char *err, size_t errlen);

#endif
