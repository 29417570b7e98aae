/* config.c: what every host needs before it compiles or loads anything:
 * the library's version, status names and the configuration's defaults.
 * Part of the runtime, so that a host that only loads bundles has them. */
#include "config.h"
#include <string.h>
#include "include/cbr.h"

const char *cbr_version(void) { return PACKAGE_VERSION; }

const char *cbr_status_text(cbr_status st)
{
    switch (st) {
    case CBR_OK: return "ok";
    case CBR_ERR_NOMEM: return "out of memory";
    case CBR_ERR_IO: return "input/output error";
    case CBR_ERR_COMPILE: return "the rules have errors";
    case CBR_ERR_LIMIT: return "a limit was exceeded";
    case CBR_ERR_ARG: return "invalid argument";
    case CBR_ERR_STATE: return "call not valid in this state";
    case CBR_ERR_BUNDLE: return "bad bundle";
    case CBR_ERR_RECORD: return "bad record";
    }
    return "unknown status";
}

void cbr_config_init(cbr_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->limits.max_source_bytes = CBR_DEFAULT_MAX_SOURCE_BYTES;
    cfg->limits.max_line_bytes = CBR_DEFAULT_MAX_LINE_BYTES;
    cfg->limits.max_nesting = CBR_DEFAULT_MAX_NESTING;
    cfg->limits.max_expr_depth = CBR_DEFAULT_MAX_EXPR_DEPTH;
    cfg->limits.max_offers = CBR_DEFAULT_MAX_OFFERS;
    cfg->limits.max_clauses = CBR_DEFAULT_MAX_CLAUSES;
    cfg->limits.max_list_items = CBR_DEFAULT_MAX_LIST_ITEMS;
    cfg->limits.max_string_bytes = CBR_DEFAULT_MAX_STRING_BYTES;
    cfg->limits.max_errors = CBR_DEFAULT_MAX_ERRORS;
}
