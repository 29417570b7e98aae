/* tz.c: finding IANA zones in the zoneinfo directory (see tz.h). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/tz.h"

const char *cbrtz_dir(const char *dir)
{
    if (dir && *dir)
        return dir;
    const char *env = getenv("TZDIR");
    return env && *env ? env : "/usr/share/zoneinfo";
}

/* Zone names are path-like but must never escape the directory. */
static bool safe_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 128 || name[0] == '/' || name[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '+' || c == '/';
        if (!ok)
            return false;
        if (c == '/' && name[i + 1] == '/')
            return false;
    }
    return strstr(name, "..") == NULL && name[0] != '-';
}

bool cbrtz_exists(const char *dir, const char *name)
{
    if (!safe_name(name))
        return false;
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%s", cbrtz_dir(dir), name);
    if (k < 0 || (size_t)k >= sizeof path)
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char magic[4];
    bool ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
    fclose(f);
    return ok;
}
