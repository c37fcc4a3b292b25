/*
 * window.h: window functions -- OP_WINDOW's plan data (op->spec is a WindowSpec), built by the window
 * binder (bind_window.c) and run by op_window.c.
 *
 * Shape of the plan. OP_WINDOW outputs the child's columns, then one column per window call (in the
 * order the calls were bound). Everything the calls need from a row -- PARTITION BY and ORDER BY keys,
 * function arguments, FILTER conditions -- is an "extra" expression over the child's row: the operator
 * evaluates the extras once per input batch and keeps their values next to the row, so the calls refer
 * to them by number (WinSort.part, WinOrder.col, WinCall.args, WinCall.filter).
 *
 * Calls whose windows have the same PARTITION BY and ORDER BY share one WinSort: the operator sorts the
 * rows once per WinSort and computes all of its calls in one pass over the sorted partitions. Frames
 * (ROWS / RANGE / GROUPS, offsets, EXCLUDE) belong to the call, not to the sort, so `sum(x) OVER (ORDER
 * BY t)` and `avg(x) OVER (ORDER BY t ROWS 2 PRECEDING)` share a sort.
 *
 * Semantics are PostgreSQL 15's (nodeWindowAgg.c, windowfuncs.c); see docs/sql-functions.md "Window
 * functions" for the user's view.
 */
#ifndef WEIR_EXEC_WINDOW_H
#define WEIR_EXEC_WINDOW_H

#include <stdint.h>

#include "exec/op.h"

typedef enum WinFn {
    WIN_ROW_NUMBER,   /* bigint */
    WIN_RANK,         /* bigint, with gaps */
    WIN_DENSE_RANK,   /* bigint */
    WIN_PERCENT_RANK, /* double precision: (rank - 1) / (rows - 1), 0 for one row */
    WIN_CUME_DIST,    /* double precision: (rows up to the last peer) / rows */
    WIN_NTILE,        /* integer; args[0]: the number of buckets (int4) */
    WIN_LAG,          /* args: value, offset (int4, default 1), default (the result type, default NULL) */
    WIN_LEAD,
    WIN_FIRST_VALUE,  /* args[0]: value, within the frame */
    WIN_LAST_VALUE,
    WIN_NTH_VALUE,    /* args: value, n (int4, 1-based) */
    WIN_AGG,          /* an aggregate over the frame: agg (its arg and filter are given as extras) */
} WinFn;

/* Frame units. */
typedef enum WinFrameMode { WIN_FRAME_RANGE, WIN_FRAME_ROWS, WIN_FRAME_GROUPS } WinFrameMode;

/* One end of a frame. */
typedef enum WinBound {
    WIN_BOUND_UNBOUNDED_PRECEDING,
    WIN_BOUND_PRECEDING, /* offset PRECEDING */
    WIN_BOUND_CURRENT_ROW,
    WIN_BOUND_FOLLOWING, /* offset FOLLOWING */
    WIN_BOUND_UNBOUNDED_FOLLOWING,
} WinBound;

typedef enum WinExclude {
    WIN_EXCLUDE_NO_OTHERS,
    WIN_EXCLUDE_CURRENT_ROW,
    WIN_EXCLUDE_GROUP, /* the current row and its peers */
    WIN_EXCLUDE_TIES,  /* the current row's peers, not the row itself */
} WinExclude;

/* A frame. The default (no frame clause) is RANGE UNBOUNDED PRECEDING .. CURRENT ROW: with ORDER BY,
 * the rows up to the current row's last peer; without, the whole partition (every row is a peer).
 * Offsets are constant expressions (parameters allowed), evaluated once when the operator opens:
 * ROWS/GROUPS offsets are bigint; a RANGE offset has the type its ORDER BY key needs (the key's own
 * numeric type, float8 for float keys, interval for date/time keys) and is applied to the key with
 * PostgreSQL's in_range rules. NULL and negative offsets are errors (22004, 22013). */
typedef struct WinFrame {
    WinFrameMode mode;
    WinBound start, end;
    WinExclude exclude;
    Expr *start_off, *end_off; /* for WIN_BOUND_PRECEDING / WIN_BOUND_FOLLOWING, else NULL */
} WinFrame;

/* One ORDER BY key of a window: an extra column. */
typedef struct WinOrder {
    uint32_t col;
    uint8_t desc;
    uint8_t nulls_first;
} WinOrder;

/* A PARTITION BY + ORDER BY pair: rows are sorted by the partition keys (ascending, NULLs last), then
 * the order keys. Rows with equal partition keys (NULLs equal) form a partition; rows of a partition with
 * equal order keys are peers. */
typedef struct WinSort {
    uint32_t n_part;
    uint32_t *part; /* extra columns */
    uint32_t n_order;
    WinOrder *order;
} WinSort;

typedef struct WinCall {
    WinFn fn;
    SqlType type;      /* result type */
    const char *name;  /* the function's name as written, lower case (EXPLAIN, errors) */
    uint32_t sort;     /* index into WindowSpec.sorts */
    WinFrame frame;
    uint32_t n_args;
    uint32_t args[3];  /* extra columns; WIN_AGG: the aggregate's arguments (agg.args; none for count(*)) */
    int32_t filter;    /* WIN_AGG: extra column of FILTER (WHERE ...), -1 none */
    AggCall agg;       /* WIN_AGG: the aggregate as OP_AGG's (fn, type); agg.args/agg.filter are the extras'
                        * expressions; never DISTINCT, ORDER BY or an ordered-set aggregate */
} WinCall;

typedef struct WindowSpec {
    Expr **extra;      /* over the child's rows */
    uint32_t n_extra;
    WinSort *sorts;
    uint32_t n_sorts;
    WinCall *calls;
    uint32_t n_calls;
} WindowSpec;

#endif
