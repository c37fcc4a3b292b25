/*
 * exec_int.h: the engine's private structures shared by the .c files of src/exec (not for other layers: they use
 * exec/engine.h). SqlSession's settings part is session.c's; the query part is engine.c's.
 */
#ifndef WEIR_EXEC_EXEC_INT_H
#define WEIR_EXEC_EXEC_INT_H

#include <stdatomic.h>

#include "exec/engine.h"
#include "sql/typeio.h"

#define SQL_SETTING_MAX 64

struct SqlCatalog;

/* A cursor of DECLARE ... CURSOR FOR query: the query prepared and bound as a portal of its own, which
 * FETCH pulls from. Closed by CLOSE, at the end of the transaction (unless WITH HOLD) or with the
 * session. */
typedef struct SqlCursor {
    char name[64];
    SqlStmt *st;
    SqlPortal *portal;
    int hold;
    struct SqlCursor *next;
} SqlCursor;

struct SqlEngine {
    SqlEngineConfig cfg;
    char server_version[64];
    struct SqlCatalog *catalog;
    const SqlViewHooks *view_hooks; /* the continuous-query runtime, or NULL */
    void *view_arg;
    SqlCopyToFn copy_to;            /* COPY ... TO 'file' (sink/copy.c), or NULL */
    void *copy_arg;
};

typedef struct SqlSetting {
    char name[64];   /* canonical spelling ("DateStyle", "TimeZone", "application_name") */
    char value[256];
    uint8_t is_reported; /* sent in ParameterStatus */
    uint8_t is_changed;  /* since the last sql_session_take_changes */
    char reset_value[256];    /* what RESET returns to: the default, or the startup packet's value */
    char reported_value[256]; /* last value sent in ParameterStatus (only changes are reported) */
} SqlSetting;

struct SqlSession {
    SqlEngine *eng;
    char user[64];
    char database[64];
    SqlSetting settings[SQL_SETTING_MAX];
    size_t n_settings;
    SqlFormatOpts fmt;  /* kept in step with DateStyle, IntervalStyle, TimeZone, extra_float_digits */
    char txn_status;    /* 'I', 'T', 'E' */
    atomic_int cancel;  /* set by sql_session_cancel, cleared when a statement starts */
    char checkpoint[128]; /* weir.checkpoint, "" when unset */
    SqlError notice;      /* pending NoticeResponse (sql_session_take_notice) */
    SqlCursor *cursors;   /* DECLAREd cursors (engine.c) */
    int has_notice;
    uint8_t bytea_escape; /* bytea_output = escape (sql_format_text) */
    const char *rep_names[SQL_SETTING_MAX];  /* sql_session_reported's arrays */
    const char *rep_values[SQL_SETTING_MAX];
};

/* Close the session's cursors: all of them, or (all = 0) those without WITH HOLD (end of transaction). */
void sql_cursors_close(SqlSession *s, int all);

#endif
