/*
 * pg_engine.c: the real SQL engine (exec/engine.h) as the protocol layer's PgEngineOps. Kept apart
 * from pg_conn.c so that the protocol state machine links, and is tested and fuzzed, without the
 * engine (tests/unit/pgwire and fuzz/pg_msg.c plug in a fake one).
 */
#include "pgwire/pg_conn.h"

const PgEngineOps pg_engine_sql = {
    .session_create = sql_session_create,
    .session_destroy = sql_session_destroy,
    .session_set = sql_session_set,
    .session_set_defaults = sql_session_set_defaults,
    .session_reported = sql_session_reported,
    .session_take_changes = sql_session_take_changes,
    .session_txn_status = sql_session_txn_status,
    .session_cancel = sql_session_cancel,
    .split = sql_split,
    .prepare = sql_prepare,
    .stmt_destroy = sql_stmt_destroy,
    .stmt_n_params = sql_stmt_n_params,
    .stmt_param_type = sql_stmt_param_type,
    .stmt_n_columns = sql_stmt_n_columns,
    .stmt_columns = sql_stmt_columns,
    .bind = sql_bind,
    .portal_destroy = sql_portal_destroy,
    .portal_fetch = sql_portal_fetch,
    .portal_command_tag = sql_portal_command_tag,
    .format_text = sql_format_text,
    .format_binary = sql_format_binary,
    .session_take_notice = sql_session_take_notice,
    .stmt_returns_rows = sql_stmt_returns_rows,
    .stmt_copy_out = sql_stmt_copy_out,
};
