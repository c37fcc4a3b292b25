/*
 * tabledesc.h: `weir server --table-descriptions DIR`: the Presto/Trino Kinesis table description files
 * of a directory (sql/tabledef.h, tabledef_load_trino) made into SQL tables at startup, so a user of the
 * retired connector points weir at the directory the connector read (etc/kinesis) and queries at once.
 *
 * The directory is the source of truth for the tables it defines: each start with the flag makes the
 * catalog match it. A file's table is added, or replaced when its definition changed (it keeps its oid
 * when nothing changed); a table that an earlier start loaded from this directory is dropped when its file
 * is gone. The tables are kept in the catalog like CREATE TABLE t () WITH (description_file = '...')
 * (they stay after a start without the flag; DROP TABLE drops one until the next start with the flag).
 *
 * All or nothing: every *.json file (in name order) is read and checked before the catalog changes. Bad
 * files (unreadable, malformed, an unsupported type), two files defining one table, and a file defining a
 * table that exists in the catalog from elsewhere (CREATE TABLE, or another directory) are each reported
 * through the report callback, and then the whole load fails, so the server refuses to start rather than
 * run without tables a user expects.
 */
#ifndef WEIR_EXEC_TABLEDESC_H
#define WEIR_EXEC_TABLEDESC_H

#include <stddef.h>

#include "base/err.h"
#include "exec/engine.h"

typedef struct TableDescCounts {
    size_t files;     /* description files read */
    size_t added;     /* tables new to the catalog */
    size_t replaced;  /* tables whose definition changed */
    size_t unchanged; /* tables already as the file says */
    size_t dropped;   /* tables of this directory whose file is gone */
} TableDescCounts;

/* Called once per problem with a line naming the file ("DIR/x.json: ..."). */
typedef void (*TableDescReportFn)(void *arg, const char *line);

/* Make eng's catalog match the description files in dir (see above). Returns WEIR_OK with *counts, or
 * WEIR_ERROR with a summary in e (each problem went to report first; report may be NULL). */
int tabledesc_sync(SqlEngine *eng, const char *dir, TableDescReportFn report, void *report_arg,
                   TableDescCounts *counts, Err *e) WEIR_WARN_UNUSED;

#endif
