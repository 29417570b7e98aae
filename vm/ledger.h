/* ledger.h: the award ledger's records (ledger.c), shared by settling
 * (reward.c), the in-memory state (state.c) and the vesting calls. */
#ifndef CBR_VM_LEDGER_H
#define CBR_VM_LEDGER_H

#include <stdbool.h>
#include "include/cbr.h"

#endif
