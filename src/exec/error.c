/*
 * error.c: SqlError (exec/engine.h), the engine's error report: a SQLSTATE, a message in PostgreSQL's
 * words, and the position in the query text. First error wins, as with Err.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exec/engine.h"

int sql_error_set(SqlError *e, const char *sqlstate, int position, const char *fmt, ...)
{
    if (!e || e->sqlstate[0])
        return WEIR_ERROR;
    snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", sqlstate && strlen(sqlstate) == 5 ? sqlstate : "XX000");
    snprintf(e->severity, sizeof(e->severity), "ERROR");
    e->position = position;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return WEIR_ERROR;
}
