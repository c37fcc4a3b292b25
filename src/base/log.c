/*
 * log.c: see log.h.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_level = LOG_INFO;

void log_init_from_env(void)
{
    const char *v = getenv("WEIR_LOG");
    if (!v)
        return;
    if (!strcmp(v, "error"))
        log_level = LOG_ERROR;
    else if (!strcmp(v, "warn"))
        log_level = LOG_WARN;
    else if (!strcmp(v, "info"))
        log_level = LOG_INFO;
    else if (!strcmp(v, "debug"))
        log_level = LOG_DEBUG;
}

int log_enabled(int level)
{
    return level <= log_level;
}

void log_msg(int level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    if (level > log_level)
        return;
    char line[1024];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
                     names[level]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line);
}
