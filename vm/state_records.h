/* state_records.h: the ledger records of the in-memory state
 * (state_records.c); state.c owns the table and calls these. */
#ifndef CBR_VM_STATE_RECORDS_H
#define CBR_VM_STATE_RECORDS_H

#include "include/cbr.h"

typedef struct cbrx_records cbrx_records;

void cbrx_records_free(cbrx_records *rs, cbr_alloc_fn alloc, void *ud);
size_t cbrx_records_memory(const cbrx_records *rs);
size_t cbrx_records_count(const cbrx_records *rs);
cbr_status cbrx_records_get(const cbrx_records *rs, const char *key, size_t len, const void **data, size_t *n);
/* Creates the table (*rsp) on the first put. */
cbr_status cbrx_records_put(cbrx_records **rsp, cbr_alloc_fn alloc, void *ud, const char *key, size_t len,
                            const void *data, size_t n, int64_t due, int64_t at);
cbr_status cbrx_records_vest(cbrx_records *rs, cbr_alloc_fn alloc, void *ud, int64_t at, cbr_vest_fn fn,
                             void *fn_ud, cbr_error *err);

#endif
