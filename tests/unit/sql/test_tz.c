/*
 * test_tz.c: unit tests of src/sql/tz.c: TZif reading (transitions and the POSIX footer past 2037),
 * PostgreSQL's zone-name rules (case-insensitive files, numeric hours, POSIX strings with PostgreSQL's
 * sign), local-time resolution in DST gaps and overlaps, abbreviations, and concurrent loading.
 *
 * Expected values are PostgreSQL 15.18's answers on this machine's tzdata (Debian 2025b), pasted in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "sql/tz.h"

typedef struct AtCase {
    const char *zone, *shown;
    long long unix_secs;
    int offset;
    const char *abbrev;
} AtCase;

/* Produced by: SET timezone = <zone>; SHOW timezone;
 *   SELECT extract(timezone from to_timestamp(<unix_secs>))::int, to_char(to_timestamp(<unix_secs>), 'TZ')
 * Instants: 1800, just before/at the epoch, both sides of the 2024 New York DST changes, both sides of
 * 2^31 (the end of 32-bit TZif data), and 2100 / 2255 (only the POSIX footer knows those). Morocco's
 * future transitions follow Ramadan and change with each tzdata release, so only its past is checked. */
static const AtCase at_cases[] = {
    {"America/New_York", "America/New_York", -5364662400LL, -17762, "LMT"},
    {"America/New_York", "America/New_York", -1LL, -18000, "EST"},
    {"America/New_York", "America/New_York", 0LL, -18000, "EST"},
    {"America/New_York", "America/New_York", 1710052199LL, -18000, "EST"},
    {"America/New_York", "America/New_York", 1710052200LL, -18000, "EST"},
    {"America/New_York", "America/New_York", 1730611799LL, -14400, "EDT"},
    {"America/New_York", "America/New_York", 1730611800LL, -14400, "EDT"},
    {"America/New_York", "America/New_York", 2147483647LL, -18000, "EST"},
    {"America/New_York", "America/New_York", 2147483648LL, -18000, "EST"},
    {"America/New_York", "America/New_York", 4102444800LL, -18000, "EST"},
    {"America/New_York", "America/New_York", 4118083200LL, -14400, "EDT"},
    {"America/New_York", "America/New_York", 9000000000LL, -14400, "EDT"},
    {"Europe/Berlin", "Europe/Berlin", -5364662400LL, 3208, "LMT"},
    {"Europe/Berlin", "Europe/Berlin", -1LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 0LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 1710052199LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 1710052200LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 1730611799LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 1730611800LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 2147483647LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 2147483648LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 4102444800LL, 3600, "CET"},
    {"Europe/Berlin", "Europe/Berlin", 4118083200LL, 7200, "CEST"},
    {"Europe/Berlin", "Europe/Berlin", 9000000000LL, 3600, "CET"},
    {"Australia/Sydney", "Australia/Sydney", -5364662400LL, 36292, "LMT"},
    {"Australia/Sydney", "Australia/Sydney", -1LL, 36000, "AEST"},
    {"Australia/Sydney", "Australia/Sydney", 0LL, 36000, "AEST"},
    {"Australia/Sydney", "Australia/Sydney", 1710052199LL, 39600, "AEDT"},
    {"Australia/Sydney", "Australia/Sydney", 1710052200LL, 39600, "AEDT"},
    {"Australia/Sydney", "Australia/Sydney", 1730611799LL, 39600, "AEDT"},
    {"Australia/Sydney", "Australia/Sydney", 1730611800LL, 39600, "AEDT"},
    {"Australia/Sydney", "Australia/Sydney", 2147483647LL, 39600, "AEDT"},
    {"Australia/Sydney", "Australia/Sydney", 2147483648LL, 39600, "AEDT"},
    {"Australia/Sydney", "Australia/Sydney", 4102444800LL, 39600, "AEDT"},
    {"Australia/Sydney", "Australia/Sydney", 4118083200LL, 36000, "AEST"},
    {"Australia/Sydney", "Australia/Sydney", 9000000000LL, 39600, "AEDT"},
    {"Asia/Kolkata", "Asia/Kolkata", -5364662400LL, 21208, "LMT"},
    {"Asia/Kolkata", "Asia/Kolkata", -1LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 0LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 1710052199LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 1710052200LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 1730611799LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 1730611800LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 2147483647LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 2147483648LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 4102444800LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 4118083200LL, 19800, "IST"},
    {"Asia/Kolkata", "Asia/Kolkata", 9000000000LL, 19800, "IST"},
    {"America/St_Johns", "America/St_Johns", -5364662400LL, -12652, "LMT"},
    {"America/St_Johns", "America/St_Johns", -1LL, -12600, "NST"},
    {"America/St_Johns", "America/St_Johns", 0LL, -12600, "NST"},
    {"America/St_Johns", "America/St_Johns", 1710052199LL, -9000, "NDT"},
    {"America/St_Johns", "America/St_Johns", 1710052200LL, -9000, "NDT"},
    {"America/St_Johns", "America/St_Johns", 1730611799LL, -12600, "NST"},
    {"America/St_Johns", "America/St_Johns", 1730611800LL, -12600, "NST"},
    {"America/St_Johns", "America/St_Johns", 2147483647LL, -12600, "NST"},
    {"America/St_Johns", "America/St_Johns", 2147483648LL, -12600, "NST"},
    {"America/St_Johns", "America/St_Johns", 4102444800LL, -12600, "NST"},
    {"America/St_Johns", "America/St_Johns", 4118083200LL, -9000, "NDT"},
    {"America/St_Johns", "America/St_Johns", 9000000000LL, -9000, "NDT"},
    {"Europe/Moscow", "Europe/Moscow", -5364662400LL, 9017, "LMT"},
    {"Europe/Moscow", "Europe/Moscow", -1LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 0LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 1710052199LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 1710052200LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 1730611799LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 1730611800LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 2147483647LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 2147483648LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 4102444800LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 4118083200LL, 10800, "MSK"},
    {"Europe/Moscow", "Europe/Moscow", 9000000000LL, 10800, "MSK"},
    {"Pacific/Chatham", "Pacific/Chatham", -5364662400LL, 44028, "LMT"},
    {"Pacific/Chatham", "Pacific/Chatham", -1LL, 45900, "+1245"},
    {"Pacific/Chatham", "Pacific/Chatham", 0LL, 45900, "+1245"},
    {"Pacific/Chatham", "Pacific/Chatham", 1710052199LL, 49500, "+1345"},
    {"Pacific/Chatham", "Pacific/Chatham", 1710052200LL, 49500, "+1345"},
    {"Pacific/Chatham", "Pacific/Chatham", 1730611799LL, 49500, "+1345"},
    {"Pacific/Chatham", "Pacific/Chatham", 1730611800LL, 49500, "+1345"},
    {"Pacific/Chatham", "Pacific/Chatham", 2147483647LL, 49500, "+1345"},
    {"Pacific/Chatham", "Pacific/Chatham", 2147483648LL, 49500, "+1345"},
    {"Pacific/Chatham", "Pacific/Chatham", 4102444800LL, 49500, "+1345"},
    {"Pacific/Chatham", "Pacific/Chatham", 4118083200LL, 45900, "+1245"},
    {"Pacific/Chatham", "Pacific/Chatham", 9000000000LL, 49500, "+1345"},
    {"Africa/Casablanca", "Africa/Casablanca", -5364662400LL, -1820, "LMT"},
    {"Africa/Casablanca", "Africa/Casablanca", -1LL, 0, "+00"},
    {"Africa/Casablanca", "Africa/Casablanca", 0LL, 0, "+00"},
    {"Africa/Casablanca", "Africa/Casablanca", 1710052199LL, 0, "+00"},
    {"Africa/Casablanca", "Africa/Casablanca", 1710052200LL, 0, "+00"},
    {"Africa/Casablanca", "Africa/Casablanca", 1730611799LL, 3600, "+01"},
    {"Africa/Casablanca", "Africa/Casablanca", 1730611800LL, 3600, "+01"},
    {"America/Sao_Paulo", "America/Sao_Paulo", -5364662400LL, -11188, "LMT"},
    {"America/Sao_Paulo", "America/Sao_Paulo", -1LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 0LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 1710052199LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 1710052200LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 1730611799LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 1730611800LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 2147483647LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 2147483648LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 4102444800LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 4118083200LL, -10800, "-03"},
    {"America/Sao_Paulo", "America/Sao_Paulo", 9000000000LL, -10800, "-03"},
    {"Europe/London", "Europe/London", -5364662400LL, -75, "LMT"},
    {"Europe/London", "Europe/London", -1LL, 3600, "BST"},
    {"Europe/London", "Europe/London", 0LL, 3600, "BST"},
    {"Europe/London", "Europe/London", 1710052199LL, 0, "GMT"},
    {"Europe/London", "Europe/London", 1710052200LL, 0, "GMT"},
    {"Europe/London", "Europe/London", 1730611799LL, 0, "GMT"},
    {"Europe/London", "Europe/London", 1730611800LL, 0, "GMT"},
    {"Europe/London", "Europe/London", 2147483647LL, 0, "GMT"},
    {"Europe/London", "Europe/London", 2147483648LL, 0, "GMT"},
    {"Europe/London", "Europe/London", 4102444800LL, 0, "GMT"},
    {"Europe/London", "Europe/London", 4118083200LL, 3600, "BST"},
    {"Europe/London", "Europe/London", 9000000000LL, 0, "GMT"},
    {"Asia/Tokyo", "Asia/Tokyo", -5364662400LL, 33539, "LMT"},
    {"Asia/Tokyo", "Asia/Tokyo", -1LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 0LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 1710052199LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 1710052200LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 1730611799LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 1730611800LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 2147483647LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 2147483648LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 4102444800LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 4118083200LL, 32400, "JST"},
    {"Asia/Tokyo", "Asia/Tokyo", 9000000000LL, 32400, "JST"},
    {"Pacific/Apia", "Pacific/Apia", -5364662400LL, 45184, "LMT"},
    {"Pacific/Apia", "Pacific/Apia", -1LL, -39600, "-11"},
    {"Pacific/Apia", "Pacific/Apia", 0LL, -39600, "-11"},
    {"Pacific/Apia", "Pacific/Apia", 1710052199LL, 46800, "+13"},
    {"Pacific/Apia", "Pacific/Apia", 1710052200LL, 46800, "+13"},
    {"Pacific/Apia", "Pacific/Apia", 1730611799LL, 46800, "+13"},
    {"Pacific/Apia", "Pacific/Apia", 1730611800LL, 46800, "+13"},
    {"Pacific/Apia", "Pacific/Apia", 2147483647LL, 46800, "+13"},
    {"Pacific/Apia", "Pacific/Apia", 2147483648LL, 46800, "+13"},
    {"Pacific/Apia", "Pacific/Apia", 4102444800LL, 46800, "+13"},
    {"Pacific/Apia", "Pacific/Apia", 4118083200LL, 46800, "+13"},
    {"Pacific/Apia", "Pacific/Apia", 9000000000LL, 46800, "+13"},
    {"EST5EDT", "EST5EDT", -5364662400LL, -18000, "EST"},
    {"EST5EDT", "EST5EDT", -1LL, -18000, "EST"},
    {"EST5EDT", "EST5EDT", 0LL, -18000, "EST"},
    {"EST5EDT", "EST5EDT", 1710052199LL, -18000, "EST"},
    {"EST5EDT", "EST5EDT", 1710052200LL, -18000, "EST"},
    {"EST5EDT", "EST5EDT", 1730611799LL, -14400, "EDT"},
    {"EST5EDT", "EST5EDT", 1730611800LL, -14400, "EDT"},
    {"EST5EDT", "EST5EDT", 2147483647LL, -18000, "EST"},
    {"EST5EDT", "EST5EDT", 2147483648LL, -18000, "EST"},
    {"EST5EDT", "EST5EDT", 4102444800LL, -18000, "EST"},
    {"EST5EDT", "EST5EDT", 4118083200LL, -14400, "EDT"},
    {"EST5EDT", "EST5EDT", 9000000000LL, -14400, "EDT"},
    {"UTC", "UTC", -5364662400LL, 0, "UTC"},
    {"UTC", "UTC", -1LL, 0, "UTC"},
    {"UTC", "UTC", 0LL, 0, "UTC"},
    {"UTC", "UTC", 1710052199LL, 0, "UTC"},
    {"UTC", "UTC", 1710052200LL, 0, "UTC"},
    {"UTC", "UTC", 1730611799LL, 0, "UTC"},
    {"UTC", "UTC", 1730611800LL, 0, "UTC"},
    {"UTC", "UTC", 2147483647LL, 0, "UTC"},
    {"UTC", "UTC", 2147483648LL, 0, "UTC"},
    {"UTC", "UTC", 4102444800LL, 0, "UTC"},
    {"UTC", "UTC", 4118083200LL, 0, "UTC"},
    {"UTC", "UTC", 9000000000LL, 0, "UTC"},
    {"GMT", "GMT", -5364662400LL, 0, "GMT"},
    {"GMT", "GMT", -1LL, 0, "GMT"},
    {"GMT", "GMT", 0LL, 0, "GMT"},
    {"GMT", "GMT", 1710052199LL, 0, "GMT"},
    {"GMT", "GMT", 1710052200LL, 0, "GMT"},
    {"GMT", "GMT", 1730611799LL, 0, "GMT"},
    {"GMT", "GMT", 1730611800LL, 0, "GMT"},
    {"GMT", "GMT", 2147483647LL, 0, "GMT"},
    {"GMT", "GMT", 2147483648LL, 0, "GMT"},
    {"GMT", "GMT", 4102444800LL, 0, "GMT"},
    {"GMT", "GMT", 4118083200LL, 0, "GMT"},
    {"GMT", "GMT", 9000000000LL, 0, "GMT"},
    {"UTC+3", "UTC+3", -5364662400LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", -1LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 0LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 1710052199LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 1710052200LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 1730611799LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 1730611800LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 2147483647LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 2147483648LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 4102444800LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 4118083200LL, -10800, "UTC"},
    {"UTC+3", "UTC+3", 9000000000LL, -10800, "UTC"},
    {"+05:30", "+05:30", -5364662400LL, -19800, ""},
    {"+05:30", "+05:30", -1LL, -19800, ""},
    {"+05:30", "+05:30", 0LL, -19800, ""},
    {"+05:30", "+05:30", 1710052199LL, -19800, ""},
    {"+05:30", "+05:30", 1710052200LL, -19800, ""},
    {"+05:30", "+05:30", 1730611799LL, -19800, ""},
    {"+05:30", "+05:30", 1730611800LL, -19800, ""},
    {"+05:30", "+05:30", 2147483647LL, -19800, ""},
    {"+05:30", "+05:30", 2147483648LL, -19800, ""},
    {"+05:30", "+05:30", 4102444800LL, -19800, ""},
    {"+05:30", "+05:30", 4118083200LL, -19800, ""},
    {"+05:30", "+05:30", 9000000000LL, -19800, ""},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", -5364662400LL, -10800, "XYZ"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", -1LL, -10800, "XYZ"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 0LL, -10800, "XYZ"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 1710052199LL, -7200, "ABC"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 1710052200LL, -7200, "ABC"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 1730611799LL, -10800, "XYZ"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 1730611800LL, -10800, "XYZ"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 2147483647LL, -10800, "XYZ"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 2147483648LL, -10800, "XYZ"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 4102444800LL, -10800, "XYZ"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 4118083200LL, -7200, "ABC"},
    {"XYZ3ABC,M3.2.0,M11.1.0", "XYZ3ABC,M3.2.0,M11.1.0", 9000000000LL, -7200, "ABC"},
    {"5.5", "<+05:30>-05:30", -5364662400LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", -1LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 0LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 1710052199LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 1710052200LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 1730611799LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 1730611800LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 2147483647LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 2147483648LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 4102444800LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 4118083200LL, 19800, "+05:30"},
    {"5.5", "<+05:30>-05:30", 9000000000LL, 19800, "+05:30"},
    {"-8", "<-08>+08", -5364662400LL, -28800, "-08"},
    {"-8", "<-08>+08", -1LL, -28800, "-08"},
    {"-8", "<-08>+08", 0LL, -28800, "-08"},
    {"-8", "<-08>+08", 1710052199LL, -28800, "-08"},
    {"-8", "<-08>+08", 1710052200LL, -28800, "-08"},
    {"-8", "<-08>+08", 1730611799LL, -28800, "-08"},
    {"-8", "<-08>+08", 1730611800LL, -28800, "-08"},
    {"-8", "<-08>+08", 2147483647LL, -28800, "-08"},
    {"-8", "<-08>+08", 2147483648LL, -28800, "-08"},
    {"-8", "<-08>+08", 4102444800LL, -28800, "-08"},
    {"-8", "<-08>+08", 4118083200LL, -28800, "-08"},
    {"-8", "<-08>+08", 9000000000LL, -28800, "-08"},
};

static void test_offsets_match_postgres(void **state)
{
    UNUSED(state);
    for (size_t i = 0; i < sizeof(at_cases) / sizeof(at_cases[0]); i++) {
        const AtCase *c = &at_cases[i];
        const SqlTz *z = sql_tz_get(c->zone);
        if (!z)
            fail_msg("zone %s not found", c->zone);
        assert_string_equal(sql_tz_name(z), c->shown);
        const char *abbrev = NULL;
        int32_t off = sql_tz_offset_at(z, c->unix_secs, &abbrev);
        if (off != c->offset || strcmp(abbrev, c->abbrev) != 0)
            fail_msg("%s at %lld: got %d %s, want %d %s", c->zone, c->unix_secs, off, abbrev, c->offset, c->abbrev);
    }
}

typedef struct LocalCase {
    const char *zone, *local;
    long long local_secs, epoch;
    int offset_after;
} LocalCase;

/* Produced by: SET timezone = <zone>;
 *   SELECT extract(timezone from '<local>'::timestamptz), extract(epoch from '<local>'::timestamptz)
 * In a spring-forward gap PostgreSQL reads the wall time with the offset before the change (02:30 in New
 * York becomes 03:30 EDT); in a fall-back overlap, with the offset after it (01:30 is EST). */
static const LocalCase local_cases[] = {
    {"America/New_York", "2024-03-10 01:59:59", 1710035999LL, 1710053999LL, -18000},
    {"America/New_York", "2024-03-10 02:00", 1710036000LL, 1710054000LL, -14400},
    {"America/New_York", "2024-03-10 02:30", 1710037800LL, 1710055800LL, -14400},
    {"America/New_York", "2024-03-10 03:00", 1710039600LL, 1710054000LL, -14400},
    {"America/New_York", "2024-11-03 00:59:59", 1730595599LL, 1730609999LL, -14400},
    {"America/New_York", "2024-11-03 01:00", 1730595600LL, 1730613600LL, -18000},
    {"America/New_York", "2024-11-03 01:30", 1730597400LL, 1730615400LL, -18000},
    {"America/New_York", "2024-11-03 02:00", 1730599200LL, 1730617200LL, -18000},
    {"America/New_York", "2100-03-14 02:30", 4108674600LL, 4108692600LL, -14400},
    {"America/New_York", "2100-11-07 01:30", 4129234200LL, 4129252200LL, -18000},
    {"America/New_York", "1883-11-18 12:00", -2717668800LL, -2717650800LL, -18000},
    {"Europe/Berlin", "2024-03-31 02:30", 1711852200LL, 1711848600LL, 7200},
    {"Europe/Berlin", "2024-10-27 02:30", 1729996200LL, 1729992600LL, 3600},
    {"Australia/Sydney", "2024-04-07 02:30", 1712457000LL, 1712421000LL, 36000},
    {"Australia/Sydney", "2024-10-06 02:30", 1728181800LL, 1728145800LL, 39600},
    {"Pacific/Chatham", "2024-04-07 03:30", 1712460600LL, 1712414700LL, 45900},
    {"Pacific/Chatham", "2024-09-29 03:00", 1727578800LL, 1727532900LL, 49500},
    {"Europe/Moscow", "2014-10-26 01:30", 1414287000LL, 1414276200LL, 10800},
    {"Europe/Moscow", "2011-03-27 02:30", 1301193000LL, 1301182200LL, 14400},
    {"Europe/London", "1970-01-01 00:00", 0LL, -3600LL, 3600},
    {"America/Sao_Paulo", "2018-11-04 00:30", 1541291400LL, 1541302200LL, -7200},
    {"Asia/Kolkata", "2024-06-01 12:00", 1717243200LL, 1717223400LL, 19800},
    {"UTC+3", "2024-06-01 12:00", 1717243200LL, 1717254000LL, -10800},
    {"XYZ3ABC,M3.2.0,M11.1.0", "2024-03-10 02:30", 1710037800LL, 1710048600LL, -7200},
    {"XYZ3ABC,M3.2.0,M11.1.0", "2024-11-03 01:30", 1730597400LL, 1730608200LL, -10800},
    {"EST5EDT", "2024-07-01 12:00", 1719835200LL, 1719849600LL, -14400},
};

static void test_local_time_resolution(void **state)
{
    UNUSED(state);
    for (size_t i = 0; i < sizeof(local_cases) / sizeof(local_cases[0]); i++) {
        const LocalCase *c = &local_cases[i];
        const SqlTz *z = sql_tz_get(c->zone);
        assert_non_null(z);
        int32_t off = sql_tz_offset_for_local(z, c->local_secs);
        if (c->local_secs - off != c->epoch)
            fail_msg("%s %s: instant %lld, want %lld", c->zone, c->local, c->local_secs - off, c->epoch);
        assert_int_equal(sql_tz_offset_at(z, c->epoch, NULL), c->offset_after);
    }
}

static void test_names(void **state)
{
    UNUSED(state);
    /* SET timezone = 'Foo/Bar' -> invalid value; '../etc/passwd' must not escape the zoneinfo tree */
    assert_null(sql_tz_get("Foo/Bar"));
    assert_null(sql_tz_get("../../etc/passwd"));
    assert_null(sql_tz_get("/etc/localtime"));
    assert_null(sql_tz_get(""));
    /* the same zone under different spellings is one cached object */
    assert_ptr_equal(sql_tz_get("America/New_York"), sql_tz_get("AMERICA/NEW_YORK"));
    assert_string_equal(sql_tz_name(sql_tz_get("america/new_york")), "America/New_York");
    /* UTC never fails */
    assert_non_null(sql_tz_utc());
    assert_string_equal(sql_tz_name(sql_tz_utc()), "UTC");
    assert_int_equal(sql_tz_offset_at(sql_tz_utc(), 1700000000, NULL), 0);
    /* fixed offsets */
    int32_t east;
    assert_int_equal(sql_tz_fixed_offset(sql_tz_get("5.5"), &east), 1);
    assert_int_equal(east, 19800);
    assert_int_equal(sql_tz_fixed_offset(sql_tz_get("UTC"), &east), 1);
    assert_int_equal(east, 0);
    assert_int_equal(sql_tz_fixed_offset(sql_tz_get("Europe/Berlin"), &east), 0);
}

static void test_at_time_zone_lookup(void **state)
{
    UNUSED(state);
    /* SELECT '2024-07-01 12:00+00'::timestamptz AT TIME ZONE 'EST' -> 07:00 (the abbreviation: -05 even in
     * summer); AT TIME ZONE 'America/New_York' -> 08:00; AT TIME ZONE '+05:30' -> 06:30 (POSIX: west) */
    const SqlTz *est = sql_tz_get_zone("EST");
    assert_non_null(est);
    assert_int_equal(sql_tz_offset_at(est, 1719835200, NULL), -18000);
    assert_int_equal(sql_tz_offset_at(sql_tz_get_zone("America/New_York"), 1719835200, NULL), -14400);
    assert_int_equal(sql_tz_offset_at(sql_tz_get_zone("+05:30"), 1719835200, NULL), -19800);
    assert_int_equal(sql_tz_offset_at(sql_tz_get_zone("cest"), 1719835200, NULL), 7200);
    assert_null(sql_tz_get_zone("Nowhere/Zone"));
    /* the abbreviation table (timezone_abbreviations = 'Default') */
    int32_t off;
    int dst;
    assert_int_equal(sql_tz_abbrev("pst", &off, &dst), 0);
    assert_int_equal(off, -28800);
    assert_int_equal(dst, 0);
    assert_int_equal(sql_tz_abbrev("cest", &off, &dst), 0);
    assert_int_equal(off, 7200);
    assert_int_equal(dst, 1);
    assert_int_equal(sql_tz_abbrev("z", &off, &dst), 0);
    assert_int_equal(off, 0);
    assert_int_equal(sql_tz_abbrev("xyz", &off, &dst), -1);
}

/* Many threads asking for many zones at once: every thread must get the same object per name, and no
 * lookup may fail or race (run under ASan/UBSan; TSan builds catch data races too). */
static const char *const thread_zones[] = {"Europe/Paris", "Asia/Tokyo", "America/Chicago", "Africa/Cairo",
                                           "Australia/Perth", "europe/paris", "3", "UTC+7", "Pacific/Auckland"};
#define N_THREADS 8

static void *thread_main(void *arg)
{
    const SqlTz **out = arg;
    for (int round = 0; round < 50; round++)
        for (size_t i = 0; i < sizeof(thread_zones) / sizeof(thread_zones[0]); i++) {
            const SqlTz *z = sql_tz_get(thread_zones[i]);
            if (!z)
                return NULL;
            out[i] = z;
            (void)sql_tz_offset_at(z, 1700000000 + round * 86400, NULL);
        }
    return arg;
}

static void test_concurrent_loading(void **state)
{
    UNUSED(state);
    enum { NZ = sizeof(thread_zones) / sizeof(thread_zones[0]) };
    const SqlTz *seen[N_THREADS][NZ];
    pthread_t th[N_THREADS];
    for (int t = 0; t < N_THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, thread_main, seen[t]), 0);
    for (int t = 0; t < N_THREADS; t++) {
        void *r;
        assert_int_equal(pthread_join(th[t], &r), 0);
        assert_non_null(r);
    }
    for (int t = 1; t < N_THREADS; t++)
        for (int i = 0; i < NZ; i++)
            assert_ptr_equal(seen[t][i], seen[0][i]);
    assert_ptr_equal(seen[0][0], seen[0][5]); /* Europe/Paris == europe/paris */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets_match_postgres),
        cmocka_unit_test(test_local_time_resolution),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_at_time_zone_lookup),
        cmocka_unit_test(test_concurrent_loading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
