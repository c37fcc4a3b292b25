/*
 * explain.h: EXPLAIN [ANALYZE]: the options of one EXPLAIN statement (bind_explain.c) and the text its
 * OP_EXPLAIN produces (op_explain.c).
 *
 * The plan is printed in PostgreSQL's text format, so people and tools that read PostgreSQL plans read
 * weir's: one line per plan node, children under their parent after "->  ", properties ("Filter:",
 * "Group Key:", "Sort Key:", "Hash Cond:") indented under their node, subqueries as "InitPlan N"
 * (uncorrelated: run once per execution) and "SubPlan N" (correlated: run per row). weir's plans are
 * finer grained than PostgreSQL's: a projection and a filter are operators of their own (OP_PROJECT,
 * OP_FILTER), where PostgreSQL does both inside the node below. EXPLAIN folds them into that node the
 * same way (the filter shows as its "Filter:" line, the projection as its "Output:" line under
 * VERBOSE), so a plan reads as PostgreSQL's would.
 *
 * What differs from PostgreSQL, on purpose:
 *   - no cost estimates: weir has no cost model, so COSTS is accepted and prints nothing rather than
 *     invented numbers;
 *   - EXPLAIN ANALYZE's "actual time" is one number per node (milliseconds per loop spent pulling the
 *     node's rows, children included), not PostgreSQL's "startup..total" pair: the operators measure
 *     only the total (op.c);
 *   - only FORMAT TEXT (XML, JSON and YAML fail with 0A000); BUFFERS, SETTINGS and WAL are accepted and
 *     ignored (weir has no buffer cache, no planner settings and no WAL to report).
 */
#ifndef WEIR_EXEC_EXPLAIN_H
#define WEIR_EXEC_EXPLAIN_H

#include <stdint.h>

#include "base/buf.h"
#include "exec/op.h"

/* OP_EXPLAIN's plan data. The explained plan hangs here and not on Op.child, so that op_open does not
 * open it: plain EXPLAIN must not start the query (a scan's open takes its snapshot), and EXPLAIN
 * ANALYZE opens it itself, inside its Execution Time. */
typedef struct ExplainSpec {
    Op *plan;            /* the query's plan (in the same plan arena) */
    uint8_t analyze;     /* run the query, then print actual rows, loops and times */
    uint8_t verbose;     /* "Output:" per node, schema-qualified catalog tables */
    uint8_t costs;       /* accepted, no effect (see above) */
    uint8_t timing;      /* ANALYZE: time the operators (default on; off prints rows and loops only) */
    uint8_t summary;     /* "Planning Time" / "Execution Time" (default: with ANALYZE) */
    uint64_t plan_nsec;  /* time bind_explain spent binding the query (Planning Time) */
} ExplainSpec;

/* Append the plan's text (lines ending in '\n') to out: plan is the query's root, es the options; with
 * es->analyze the plan must have run already (its operators' st_* statistics are printed) and
 * exec_nsec is the Execution Time. Constants are printed in the session's formats (ctx->fmt); names
 * and the run state of the printer go into ctx->arena. Returns WEIR_OK, or WEIR_ERROR with ctx->err
 * (53200 when out reaches its maximum or the arena its budget). */
int explain_render(const ExplainSpec *es, const Op *plan, uint64_t exec_nsec, ExecCtx *ctx,
                   Buf *out) WEIR_WARN_UNUSED;

/* Append a bound expression as EXPLAIN shows it ("(status = 500)", "date_trunc('minute'::text, ts)"),
 * naming column i of the input col_names[i] (n_cols of them; a column past them prints as "col<i+1>"). For
 * tests and for callers that show expressions (pg_get_expr). Subqueries print as "(SubPlan N)" or
 * "(InitPlan N)" (correlated or not), N counted from 1 in this call. Returns WEIR_OK, or WEIR_ERROR with
 * ctx->err. */
int explain_expr_text(const Expr *e, const char *const *col_names, uint32_t n_cols, ExecCtx *ctx,
                      Buf *out) WEIR_WARN_UNUSED;

#endif
