/*
 * copy.h: COPY ... TO 'file' (the engine checks the statement, exec/bind_copy.c; this writes the file):
 * Parquet (sink/parquet.c), CSV and text as PostgreSQL's COPY writes them, JSON lines as row_to_json
 * writes a row. docs/parquet.md describes the statement.
 */
#ifndef WEIR_SINK_COPY_H
#define WEIR_SINK_COPY_H

#include <stdint.h>

#include "exec/engine.h"

/* The engine's SqlCopyToFn (arg unused): runs c->query in s and writes c->path atomically (a temporary
 * file beside it, fsynced, renamed into place, the directory fsynced), so the path holds either its old
 * contents or the whole new file; with c->path NULL (TO STDOUT) hands the lines to c->out_fn instead. */
int sink_copy_to(void *arg, SqlSession *s, const SqlCopyTo *c, uint64_t *rows,
                 SqlError *err) WEIR_WARN_UNUSED;

/* sql_engine_set_copy_to(eng, sink_copy_to, NULL): weir server calls it once the engine is open. */
void sink_copy_register(SqlEngine *eng);

#endif
