/*
 * types.h: weir's SQL types, their PostgreSQL identities (OIDs, lengths, names) and the in-memory form
 * of a value. Every layer that handles SQL values (exec/, sql/, pgwire/, stream/, sink/) uses these.
 *
 * Physical forms, chosen so one kernel serves a family of types and the binary wire format is a copy:
 *   BOOL                          uint8_t 0/1
 *   INT2, INT4, INT8, OID, REG*   int64_t (range checked on the way in and by arithmetic)
 *   FLOAT4, FLOAT8                double (FLOAT4 results are rounded to float where PostgreSQL would)
 *   NUMERIC                       SqlNumeric: a 128-bit scaled integer (up to 38 digits), or NaN/+-Inf
 *   TEXT, VARCHAR, BPCHAR, NAME,  Slice: bytes owned by someone else (the record, the batch arena, the
 *   CHAR ("char"), JSON, JSONB,   plan). JSON/JSONB hold JSON text; JSONB is normalised (keys sorted and
 *   BYTEA                         deduplicated, PostgreSQL's jsonb output spacing). BYTEA holds raw bytes.
 *   DATE                          int64_t days since 2000-01-01 (PostgreSQL's epoch)
 *   TIME                          int64_t microseconds since midnight
 *   TIMESTAMP, TIMESTAMPTZ        int64_t microseconds since 2000-01-01 00:00:00 (TIMESTAMPTZ: UTC)
 *   INTERVAL                      SqlInterval {months, days, microseconds}, as PostgreSQL keeps it
 *   arrays (SQL_ARRAY_OF(t))      Slice holding the array's PostgreSQL text form ('{a,b}'), for the few
 *                                 catalog queries clients send; not a general array type yet.
 *   INT2VECTOR, OIDVECTOR         Slice holding the text form ("1 2 3": space-separated, no braces), the
 *                                 catalog vector types JDBC splits on spaces.
 * Infinite timestamps and dates use INT64_MAX / INT64_MIN as PostgreSQL does.
 *
 * A SqlType is the id plus a typmod (varchar(n): n + 4; numeric(p,s): ((p << 16) | s) + 4;
 * timestamp(p): p; -1 when none), exactly as PostgreSQL reports typmods in RowDescription.
 */
#ifndef WEIR_SQL_TYPES_H
#define WEIR_SQL_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

typedef enum SqlTypeId {
    SQL_UNKNOWN = 0, /* a NULL or string literal not yet given a type ("unknown", OID 705) */
    SQL_BOOL,
    SQL_INT2,
    SQL_INT4,
    SQL_INT8,
    SQL_FLOAT4,
    SQL_FLOAT8,
    SQL_NUMERIC,
    SQL_TEXT,
    SQL_VARCHAR,
    SQL_BPCHAR, /* char(n) */
    SQL_NAME,   /* catalog identifiers */
    SQL_CHAR,   /* the one-byte "char" of pg_catalog (relkind) */
    SQL_BYTEA,
    SQL_DATE,
    SQL_TIME,
    SQL_TIMESTAMP,
    SQL_TIMESTAMPTZ,
    SQL_INTERVAL,
    SQL_JSON,
    SQL_JSONB,
    SQL_OID,
    SQL_REGCLASS,
    SQL_REGTYPE,
    SQL_REGPROC,
    SQL_VOID,   /* result of functions returning nothing */
    SQL_RECORD, /* anonymous row */
    SQL_REGNAMESPACE, /* schema oid that reads and prints as its name (psql's \d casts to it) */
    SQL_REGROLE,      /* role oid that reads and prints as its name */
    SQL_INT2VECTOR,   /* int2vector (pg_index.indkey): smallints, zero-based; text form "1 2 3" */
    SQL_OIDVECTOR,    /* oidvector (pg_proc.proargtypes): oids, zero-based; text form "25 23" */
    SQL_N_TYPES
} SqlTypeId;

/* Array types: the element id with this bit set (text[], int4[], oid[], name[], ...). */
#define SQL_ARRAY_BIT 0x100
#define SQL_ARRAY_OF(t) ((SqlTypeId)((t) | SQL_ARRAY_BIT))
#define SQL_IS_ARRAY(t) (((t)&SQL_ARRAY_BIT) != 0)
#define SQL_ELEM_OF(t) ((SqlTypeId)((t) & ~SQL_ARRAY_BIT))

typedef struct SqlType {
    SqlTypeId id;
    int32_t typmod; /* -1 when none */
} SqlType;

#define SQL_TYPE(id_) ((SqlType){(id_), -1})

/* Physical classes: which member of a vector or value holds the data. */
typedef enum SqlPhys {
    SQL_PHYS_BOOL,     /* uint8_t */
    SQL_PHYS_INT,      /* int64_t */
    SQL_PHYS_FLOAT,    /* double */
    SQL_PHYS_NUMERIC,  /* SqlNumeric */
    SQL_PHYS_STR,      /* Slice */
    SQL_PHYS_INTERVAL, /* SqlInterval */
    SQL_PHYS_NONE,     /* UNKNOWN (always NULL or a literal's text, kept as STR), VOID, RECORD */
} SqlPhys;

/* NUMERIC: value = v / 10^scale, |v| < 10^38, 0 <= scale <= 38. kind says NaN / infinities. */
enum { SQL_NUM_FINITE = 0, SQL_NUM_NAN = 1, SQL_NUM_PINF = 2, SQL_NUM_NINF = 3 };
typedef struct SqlNumeric {
    __int128 v;
    int16_t scale;
    int16_t kind;
} SqlNumeric;
#define SQL_NUMERIC_MAX_DIGITS 38

typedef struct SqlInterval {
    int64_t usec;
    int32_t days;
    int32_t months;
} SqlInterval;

/* One value, for constants, parameters and row-at-a-time paths. Strings are borrowed. */
typedef struct SqlValue {
    SqlType type;
    uint8_t is_null;
    union {
        uint8_t b;
        int64_t i; /* ints, date, time, timestamps, oids */
        double f;
        SqlNumeric num;
        Slice s; /* text-like, bytea, json, arrays */
        SqlInterval iv;
    } u;
} SqlValue;

/* PostgreSQL epoch (2000-01-01) in Unix seconds, and handy units. */
#define SQL_PG_EPOCH_UNIX 946684800LL
#define SQL_USEC_PER_SEC 1000000LL
#define SQL_USEC_PER_DAY 86400000000LL
#define SQL_DT_NOBEGIN INT64_MIN /* -infinity */
#define SQL_DT_NOEND INT64_MAX   /* infinity */

/* Static facts of a type. All pointers are static strings. */
typedef struct SqlTypeInfo {
    SqlTypeId id;
    const char *name;     /* PostgreSQL's canonical name: "integer", "text", "timestamp with time zone" */
    const char *typname;  /* pg_type.typname: "int4", "text", "timestamptz" */
    uint32_t oid;         /* pg_type.oid */
    uint32_t array_oid;   /* pg_type.typarray (0 if none) */
    int16_t typlen;       /* pg_type.typlen (-1 varlena, -2 cstring) */
    char category;        /* pg_type.typcategory: 'B','N','S','D','T','U','A','P','X' */
    SqlPhys phys;
} SqlTypeInfo;

/* Facts of an element (non-array) type id. Never NULL for ids below SQL_N_TYPES. */
const SqlTypeInfo *sql_type_info(SqlTypeId id);

/* The type whose pg_type.oid (or array oid) is oid; returns 0 and sets *out, or -1 if weir has none. */
int sql_type_from_oid(uint32_t oid, SqlTypeId *out);

/* pg_type.oid of a type (for arrays, the element's typarray). */
uint32_t sql_type_oid(SqlTypeId id);

/* The physical class of a type (arrays are STR). */
SqlPhys sql_type_phys(SqlTypeId id);

/* Resolve a type name as written in SQL or by PostgreSQL ("int", "integer", "int4", "bigint",
 * "double precision", "float8", "varchar", "character varying", "timestamptz", "timestamp with time
 * zone", "jsonb", "text[]" ...). Case-insensitive. Returns 0 and sets *out, or -1 if unknown. */
int sql_type_from_name(const char *name, SqlTypeId *out);

/* The name to show for a type with its typmod, as format_type() prints it ("character varying(20)",
 * "numeric(10,2)", "timestamp(3) with time zone", "text[]"). Writes at most n bytes (NUL included). */
void sql_type_format(SqlType t, char *out, size_t n);

#endif
