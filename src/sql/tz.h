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
 * overlaps as PostgreSQL's DetermineTimeZoneOffset does: in a spring-forward gap the offset before the
 * transition applies (02:30 -> 03:30 EDT), in a fall-back overlap the offset after it (01:30 -> EST). */
int32_t sql_tz_offset_for_local(const SqlTz *tz, int64_t local_seconds);

/* --- additions (datetime parsing, AT TIME ZONE) ------------------------------------------------ */

/* A zone as AT TIME ZONE / timezone(zone, ts) / date_trunc(..., zone) read it: a time zone abbreviation
 * first ("EST" is a fixed -05), then a zone name or POSIX string as sql_tz_get_named. Never a number of
 * hours ("+05:30" is a POSIX string: 5h30 WEST). NULL if unknown. Cached like sql_tz_get. */
const SqlTz *sql_tz_get_zone(const char *name);

/* PostgreSQL's pg_tzset: a TZif file under /usr/share/zoneinfo (case-insensitive), "GMT", or a POSIX
 * TZ string. What timestamp input uses for a zone name it meets ("2024-01-01 12:00 Europe/Paris"). */
const SqlTz *sql_tz_get_named(const char *name);

/* Look up a lower-case time zone abbreviation of PostgreSQL's Default set ("est", "cest", "z", "utc").
 * Returns 0 and the offset east in seconds, or -1. */
int sql_tz_abbrev(const char *lower, int32_t *east, int *is_dst);

/* 1 and the offset when the zone never changes offset (fixed zones, "UTC", "+05:30"), else 0. */
int sql_tz_fixed_offset(const SqlTz *tz, int32_t *east);

#endif
