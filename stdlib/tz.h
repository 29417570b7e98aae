/* tz.h: IANA time zones from the system's TZif files (RFC 8536).
 * The compiler only needs to know that a zone exists; the runtime converts
 * UTC instants to local civil time with a loaded zone (cbrtz). */
#ifndef CBR_STDLIB_TZ_H
#define CBR_STDLIB_TZ_H

#include <stdbool.h>
#include <stdint.h>
#include "include/cbr.h"

/* The zoneinfo directory to use: dir if not NULL, else $TZDIR, else
 * /usr/share/zoneinfo. */
const char *cbrtz_dir(const char *dir);

/* Whether `name` is a safe zone name ("America/New_York", "UTC", "Etc/GMT+5")
 * whose file under the zoneinfo directory is a TZif file. */
bool cbrtz_exists(const char *dir, const char *name);

/* One parsed zone: immutable once loaded, so it may be shared across threads.
 * Versions 1, 2 and 3 of TZif are read (the 64-bit block when present); the
 * footer's POSIX TZ string gives the offsets after the last transition.  Leap
 * second records are skipped: instants are plain Unix seconds. */
typedef struct cbrtz cbrtz;

/* Loads zone `name` from the zoneinfo directory (dir as for cbrtz_dir).  "UTC"
 * is built in when its file is missing.  On failure returns NULL and sets
 * *err (if err is not NULL) to "unknown time zone", "corrupt zone file" or
 * "out of memory".  alloc NULL means the C library's realloc/free. */
cbrtz *cbrtz_load(const char *dir, const char *name, cbr_alloc_fn alloc, void *ud,
                  const char **err);
void cbrtz_free(cbrtz *z);

/* The UTC offset in seconds in force at instant secs (Unix seconds). */
int32_t cbrtz_offset(const cbrtz *z, int64_t secs);

/* The local civil time of secs: *days since 1970-01-01 (the local date) and
 * *sec_of_day, seconds into the local day (0..86399).  Instants outside the
 * years 0001..9999 are first clamped into that range. */
void cbrtz_local(const cbrtz *z, int64_t secs, int32_t *days, int32_t *sec_of_day);

#endif
