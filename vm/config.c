/* config.c: what every host needs before it compiles or loads anything:
 * the library's version, status names and the configuration's defaults.
 * Part of the runtime, so that a host that only loads bundles has them. */
#include "config.h"
#include <string.h>
#include "include/cbr.h"
#include "vm/program.h"

const char *cbr_version(void) { return PACKAGE_VERSION; }
int cbr_version_num(void) { return CBR_VERSION_NUM; }

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
    cfg->size = sizeof *cfg;
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

void cbrx_config_copy(const cbr_config *in, cbr_config *out)
{
    cbr_config_init(out);
    if (!in)
        return;
    /* An older program's config is shorter: its fields, then our defaults.
     * A size of 0 is a config that never met cbr_config_init: taken whole. */
    size_t n = in->size && in->size < sizeof *out ? in->size : sizeof *out;
    memcpy(out, in, n);
    out->size = sizeof *out;
}

bool cbrx_sized_fill(void *out, const void *full, size_t full_size, size_t first_size)
{
    size_t want;
    memcpy(&want, out, sizeof want);
    if (want < first_size)
        return false;
    size_t n = want < full_size ? want : full_size;
    memcpy((char *)out + sizeof want, (const char *)full + sizeof want, n - sizeof want);
    return true;
}
