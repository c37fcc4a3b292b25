/*
 * tz.h: time zones for TimeZone settings and timestamptz conversions, read from the system's TZif files
 * (/usr/share/zoneinfo, Debian's tzdata) -- no process-wide TZ/localtime state, so sessions in different
 * zones run side by side on any thread. Also fixed offsets ("+05:30", "UTC", "-08") and POSIX-style
 * strings in a TZif footer for times past the last transition.
 */
#ifndef WEIR_SQL_TZ_H
#define WEIR_SQL_TZ_H

#include <stdint.h>

typedef struct SqlTz SqlTz;

/* The zone named name ("UTC", "Europe/Berlin", "America/New_York", "+02", "UTC+3" as PostgreSQL reads
 * them: POSIX sign convention for "UTC+3"-style names). Zones are loaded once and cached for the life
 * of the process: the result is borrowed and never freed. NULL if unknown. Thread-safe. */
const SqlTz *sql_tz_get(const char *name);

/* UTC. Never NULL. */
const SqlTz *sql_tz_utc(void);

/* The zone's name as given to sql_tz_get (for SHOW TimeZone). */
const char *sql_tz_name(const SqlTz *tz);

/* UTC offset in seconds (east positive) in effect at unix time t, and its abbreviation ("CEST"). */
int32_t sql_tz_offset_at(const SqlTz *tz, int64_t unix_seconds, const char **abbrev);

/* Offset for a local wall-clock time (seconds since 1970-01-01 as if local were UTC), resolving gaps and
 * overlaps as PostgreSQL does (in a gap, the time is taken as the offset before the transition; in an
 * overlap, the later standard-time interpretation... PostgreSQL's rule: use the offset in effect just
 * before the transition). */
int32_t sql_tz_offset_for_local(const SqlTz *tz, int64_t local_seconds);

#endif
