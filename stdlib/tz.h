/* tz.h: IANA time zones from the system's TZif files (RFC 8536).
 * For now the compiler only needs to know that a zone exists; conversion of
 * instants to local civil time builds on the same lookup. */
#ifndef CBR_STDLIB_TZ_H
#define CBR_STDLIB_TZ_H

#include <stdbool.h>

/* The zoneinfo directory to use: dir if not NULL, else $TZDIR, else
 * /usr/share/zoneinfo. */
const char *cbrtz_dir(const char *dir);

/* Whether `name` is a safe zone name ("America/New_York", "UTC", "Etc/GMT+5")
 * whose file under the zoneinfo directory is a TZif file. */
bool cbrtz_exists(const char *dir, const char *name);

#endif
