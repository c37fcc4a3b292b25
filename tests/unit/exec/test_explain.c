/*
 * test_explain.c: EXPLAIN [ANALYZE] (exec/explain.h, bind_explain.c, op_explain.c).
 *
 * Two halves. The printer is tested on plans built by hand (VALUES leaves, so the text is exactly the
 * printer's and no other operator's): PostgreSQL's layout and indentation, folding of projections and
 * filters into the node below, every node title, keys and join conditions named through projections,
 * subplans (InitPlan before the children, SubPlan after, outer references named from the enclosing
 * operator's input), the statistics of ANALYZE from operator counters set by the test, and the
 * expression deparser on each expression kind and constant type. The statement is tested end to end
 * through the engine over a stream table: options and their errors, the result column, that EXPLAIN
 * does not run the query and EXPLAIN ANALYZE runs it without returning its rows.
 */
#include "engine_fixture.h"
#include "exec/explain.h"
#include "exec/syscat.h"

/* ------------------------------------------------------------------------------------------------
 * Plans by hand
 * ---------------------------------------------------------------------------------------------- */

static Arena *ta;
static SqlError terr;
static SqlFormatOpts tfmt;
static ExecCtx tctx;

static int hand_setup(void **state)
{
    UNUSED(state);
    ta = arena_create(NULL, ARENA_UNLIMITED);
    sql_format_opts_default(&tfmt);
    memset(&terr, 0, sizeof(terr));
    memset(&tctx, 0, sizeof(tctx));
    tctx.arena = ta;
    tctx.fmt = &tfmt;
    tctx.err = &terr;
    return 0;
}

static int hand_teardown(void **state)
{
    UNUSED(state);
    arena_destroy(&ta);
    return 0;
}

static const SqlFnDef fn_eq = {.name = "=", .n_args = 2};
static const SqlFnDef fn_gt = {.name = ">", .n_args = 2};
static const SqlFnDef fn_plus = {.name = "+", .n_args = 2};
static const SqlFnDef fn_neg = {.name = "-", .n_args = 1};
static const SqlFnDef fn_lower = {.name = "lower", .n_args = 1};

static Expr *mk(ExprKind k, SqlTypeId t, uint32_t n_args)
{
    Expr *e = arena_try_calloc(ta, sizeof(*e));
    assert_non_null(e);
    e->kind = k;
    e->type = SQL_TYPE(t);
    e->location = -1;
    e->n_args = n_args;
    if (n_args)
        assert_non_null(e->args = ARENA_NEW(ta, Expr *, n_args));
    return e;
}

static Expr *col(uint32_t i, SqlTypeId t)
{
    Expr *e = mk(EXPR_COL, t, 0);
    e->u.col = i;
    return e;
}

static Expr *int4(int64_t v)
{
    Expr *e = mk(EXPR_CONST, SQL_INT4, 0);
    e->u.cval.type = SQL_TYPE(SQL_INT4);
    e->u.cval.u.i = v;
    return e;
}

static Expr *text(const char *s)
{
    Expr *e = mk(EXPR_CONST, SQL_TEXT, 0);
    e->u.cval.type = SQL_TYPE(SQL_TEXT);
    e->u.cval.u.s = (Slice){(const uint8_t *)s, strlen(s)};
    return e;
}

static Expr *call(const SqlFnDef *def, SqlTypeId t, Expr *a, Expr *b)
{
    Expr *e = mk(EXPR_FUNC, t, b ? 2 : 1);
    e->u.fn.def = def;
    e->args[0] = a;
    if (b)
        e->args[1] = b;
    return e;
}

/* VALUES with n_cols int4 columns and no rows (only its shape matters to the printer). */
static Op *values(uint32_t n_cols)
{
    Op *op = arena_try_calloc(ta, sizeof(*op));
    assert_non_null(op);
    op->kind = OP_VALUES;
    op->n_cols = n_cols;
    assert_non_null(op->types = ARENA_NEW(ta, SqlType, n_cols ? n_cols : 1));
    for (uint32_t i = 0; i < n_cols; i++)
        op->types[i] = SQL_TYPE(SQL_INT4);
    return op;
}

static Op *node(OpKind k, uint32_t n_cols, Op *child)
{
    Op *op = values(n_cols);
    op->kind = k;
    op->child = child;
    return op;
}

static Op *project(Op *child, uint32_t n, Expr **exprs)
{
    Op *op = node(OP_PROJECT, n, child);
    op->exprs = exprs;
    return op;
}

static Op *filter(Op *child, Expr *pred)
{
    Op *op = node(OP_FILTER, 0, child);
    op->pred = pred;
    return op;
}

/* The plan's text (static buffer), or "ERROR <state>: <message>". */
static const char *render(const Op *plan, const ExplainSpec *es0)
{
    static char out[8192];
    ExplainSpec es = {.costs = 1};
    if (es0)
        es = *es0;
    Buf b;
    buf_init(&b, 0);
    memset(&terr, 0, sizeof(terr));
    if (explain_render(&es, plan, 2500000, &tctx, &b))
        snprintf(out, sizeof(out), "ERROR %s: %s", terr.sqlstate, terr.message);
    else
        snprintf(out, sizeof(out), "%.*s", (int)b.len, b.p ? (const char *)b.p : "");
    buf_fini(&b);
    return out;
}

static const char *deparse(const Expr *e)
{
    static char out[2048];
    static const char *const names[] = {"a", "b", "\"Mixed\""};
    Buf b;
    buf_init(&b, 0);
    memset(&terr, 0, sizeof(terr));
    if (explain_expr_text(e, names, 3, &tctx, &b))
        snprintf(out, sizeof(out), "ERROR %s: %s", terr.sqlstate, terr.message);
    else
        snprintf(out, sizeof(out), "%.*s", (int)b.len, b.p ? (const char *)b.p : "");
    buf_fini(&b);
    return out;
}

static void test_layout_and_folding(void **state)
{
    UNUSED(state);
    /* SELECT a + 1 FROM v WHERE a > 5 ORDER BY 1 DESC LIMIT 2, with a as the VALUES' first column */
    Op *v = values(2);
    Op *f = filter(v, call(&fn_gt, SQL_BOOL, col(0, SQL_INT4), int4(5)));
    Expr **pe = ARENA_NEW(ta, Expr *, 1);
    pe[0] = call(&fn_plus, SQL_INT4, col(0, SQL_INT4), int4(1));
    Op *p = project(f, 1, pe);
    Op *s = node(OP_SORT, 1, p);
    SortSpec ss = {
        .n_keys = 1, .cols = (uint32_t[]){0}, .desc = (uint8_t[]){1}, .nulls_first = (uint8_t[]){1}};
    s->spec = &ss;
    Op *l = node(OP_LIMIT, 1, s);
    l->limit = int4(2);
    assert_string_equal(render(l, NULL), "Limit\n"
                                         "  ->  Sort\n"
                                         "        Sort Key: ((column1 + 1)) DESC\n"
                                         "        ->  Values Scan on \"*VALUES*\"\n"
                                         "              Filter: (column1 > 5)\n");
    /* NULLS FIRST is printed only where it is not the direction's default; VERBOSE adds Output */
    ss.desc[0] = 0;
    ExplainSpec verbose = {.verbose = 1, .costs = 1};
    assert_string_equal(render(s, &verbose), "Sort\n"
                                             "  Output: (column1 + 1)\n"
                                             "  Sort Key: ((column1 + 1)) NULLS FIRST\n"
                                             "  ->  Values Scan on \"*VALUES*\"\n"
                                             "        Output: (column1 + 1)\n"
                                             "        Filter: (column1 > 5)\n");
    /* a filter over a Result is a one-time filter; a projection over nothing is a Result */
    Op *r = node(OP_RESULT, 0, NULL);
    Expr **one = ARENA_NEW(ta, Expr *, 1);
    one[0] = int4(1);
    assert_string_equal(render(project(filter(r, mk(EXPR_CONST, SQL_BOOL, 0)), 1, one), NULL),
                        "Result\n  One-Time Filter: false\n");
}

static void test_nodes(void **state)
{
    UNUSED(state);
    /* SELECT l.k, count(*), sum(r.x) FROM l JOIN r ON l.k = r.k AND l.x > r.x GROUP BY l.k HAVING count(*) >
     * 1 */
    Op *left = values(2), *right = values(2);
    Op *j = node(OP_JOIN, 4, left);
    j->right = right;
    JoinSpec js = {.type = JOIN_LEFT, .n_keys = 1};
    Expr *lk = col(0, SQL_INT4), *rk = col(0, SQL_INT4);
    js.lkeys = &lk;
    js.rkeys = &rk;
    js.residual = call(&fn_gt, SQL_BOOL, col(1, SQL_INT4), col(3, SQL_INT4));
    j->spec = &js;
    Op *agg = node(OP_AGG, 3, j);
    Expr *key = col(0, SQL_INT4);
    AggCall calls[2] = {{.fn = AGG_COUNT_STAR, .type = SQL_TYPE(SQL_INT8)},
                        {.fn = AGG_SUM_INT, .arg = col(3, SQL_INT4), .type = SQL_TYPE(SQL_INT8),
                         .filter = mk(EXPR_IS_NOT_NULL, SQL_BOOL, 1)}};
    calls[1].filter->args[0] = col(2, SQL_INT4);
    AggSpec as = {.keys = &key, .n_keys = 1, .aggs = calls, .n_aggs = 2};
    agg->spec = &as;
    Op *having = filter(agg, call(&fn_gt, SQL_BOOL, col(1, SQL_INT8), int4(1)));
    Op *s = node(OP_SORT, 3, having);
    SortSpec ss = {
        .n_keys = 2, .cols = (uint32_t[]){2, 0}, .desc = (uint8_t[]){1, 0}, .nulls_first = (uint8_t[]){0, 0}};
    s->spec = &ss;
    ExplainSpec verbose = {.verbose = 1, .costs = 1};
    assert_string_equal(
        render(s, &verbose),
        "Sort\n"
        "  Output: column1, count(*), sum(column2) FILTER (WHERE (column1 IS NOT NULL))\n"
        "  Sort Key: (sum(column2) FILTER (WHERE (column1 IS NOT NULL))) DESC NULLS LAST, column1\n"
        "  ->  HashAggregate\n"
        "        Output: column1, count(*), sum(column2) FILTER (WHERE (column1 IS NOT NULL))\n"
        "        Group Key: column1\n"
        "        Filter: (count(*) > 1)\n"
        "        ->  Hash Left Join\n"
        "              Output: column1, column2, column1, column2\n"
        "              Hash Cond: (column1 = column1)\n"
        "              Join Filter: (column2 > column2)\n"
        "              ->  Values Scan on \"*VALUES*\"\n"
        "                    Output: column1, column2\n"
        "              ->  Values Scan on \"*VALUES*\"\n"
        "                    Output: column1, column2\n");
    /* names the binder gives win; a cross join is a nested loop; semi joins output the left side */
    const char *ln[] = {"k", "x"}, *rn[] = {"K2", "y"};
    left->col_names = ln;
    right->col_names = rn;
    js.n_keys = 0;
    js.type = JOIN_SEMI;
    j->n_cols = 2;
    assert_string_equal(render(j, &verbose), "Nested Loop Semi Join\n"
                                             "  Output: k, x\n"
                                             "  Join Filter: (x > y)\n"
                                             "  ->  Values Scan on \"*VALUES*\"\n"
                                             "        Output: k, x\n"
                                             "  ->  Values Scan on \"*VALUES*\"\n"
                                             "        Output: K2, y\n");
    js.type = JOIN_FULL;
    js.n_keys = 1;
    js.residual = NULL;
    assert_string_equal(render(j, NULL), "Hash Full Join\n"
                                         "  Hash Cond: (k = K2)\n"
                                         "  ->  Values Scan on \"*VALUES*\"\n"
                                         "  ->  Values Scan on \"*VALUES*\"\n");
    /* set operations, append, aggregate without keys, window */
    Op *ap = node(OP_APPEND, 2, left);
    ap->right = right;
    Op *so = node(OP_SETOP, 2, ap);
    so->right = values(2);
    SetOpSpec sos = {.type = SETOP_EXCEPT, .all = 1};
    so->spec = &sos;
    Op *w = node(OP_WINDOW, 3, so);
    Op *plain = node(OP_AGG, 1, w);
    AggCall cnt = {.fn = AGG_COUNT_STAR, .type = SQL_TYPE(SQL_INT8)};
    AggSpec pas = {.aggs = &cnt, .n_aggs = 1};
    plain->spec = &pas;
    /* aggregate calls as PostgreSQL deparses them: DISTINCT, ORDER BY inside, WITHIN GROUP */
    Expr *sa_args[2] = {col(0, SQL_TEXT), text(",")};
    Expr *ord = col(1, SQL_INT4);
    uint8_t desc1 = 1, nf1 = 1; /* DESC with its default NULLS FIRST */
    Expr *frac = mk(EXPR_CONST, SQL_FLOAT8, 0);
    frac->u.cval.type = SQL_TYPE(SQL_FLOAT8);
    frac->u.cval.u.f = 0.5;
    AggCall lib[3] = {
        {.fn = AGG_COUNT, .arg = col(0, SQL_INT4), .distinct = 1, .type = SQL_TYPE(SQL_INT8)},
        {.fn = AGG_STRING_AGG, .arg = sa_args[0], .args = sa_args, .n_args = 2, .order = &ord, .order_desc = &desc1,
         .order_nulls_first = &nf1, .n_order = 1, .type = SQL_TYPE(SQL_TEXT)},
        {.fn = AGG_PERCENTILE_CONT, .direct = frac, .arg = ord, .args = &ord, .n_args = 1, .order = &ord,
         .n_order = 1, .type = SQL_TYPE(SQL_FLOAT8)},
    };
    AggSpec las = {.aggs = lib, .n_aggs = 3};
    Op *la = node(OP_AGG, 3, values(2));
    la->spec = &las;
    assert_string_equal(render(la, &verbose),
                        "Aggregate\n"
                        "  Output: count(DISTINCT column1), string_agg(column1, ','::text ORDER BY column2 DESC), "
                        "percentile_cont('0.5'::double precision) WITHIN GROUP (ORDER BY column2)\n"
                        "  ->  Values Scan on \"*VALUES*\"\n"
                        "        Output: column1, column2\n");
    assert_string_equal(render(plain, NULL), "Aggregate\n"
                                             "  ->  WindowAgg\n"
                                             "        ->  HashSetOp Except All\n"
                                             "              ->  Append\n"
                                             "                    ->  Values Scan on \"*VALUES*\"\n"
                                             "                    ->  Values Scan on \"*VALUES*\"\n"
                                             "              ->  Values Scan on \"*VALUES*\"\n");
}

/* Relations: a scan's title shows its alias, and with two relations columns are qualified. */
static void test_relations(void **state)
{
    UNUSED(state);
    static const char *const class_cols[] = {"oid", "relname", "relnamespace"};
    static const char *const ns_cols[] = {"oid", "nspname"};
    static const SqlType types3[] = {{SQL_OID, -1}, {SQL_NAME, -1}, {SQL_OID, -1}};
    static const SysTableDef pg_class = {"pg_catalog", "pg_class", 1259, 3, class_cols, types3};
    static const SysTableDef pg_ns = {"pg_catalog", "pg_namespace", 2615, 2, ns_cols, types3};
    SysTabSpec cs = {.def = &pg_class}, ns = {.def = &pg_ns};
    Op *c = values(3), *n = values(2);
    c->kind = n->kind = OP_SYSTAB;
    c->spec = &cs;
    n->spec = &ns;
    c->rel_alias = "c";
    Op *j = node(OP_JOIN, 5, c);
    j->right = n;
    Expr *lk = col(2, SQL_OID), *rk = col(0, SQL_OID);
    JoinSpec js = {.type = JOIN_INNER, .n_keys = 1, .lkeys = &lk, .rkeys = &rk};
    j->spec = &js;
    Expr **pe = ARENA_NEW(ta, Expr *, 2);
    pe[0] = col(1, SQL_NAME);
    pe[1] = col(4, SQL_NAME);
    ExplainSpec verbose = {.verbose = 1, .costs = 1};
    assert_string_equal(render(project(j, 2, pe), &verbose), "Hash Join\n"
                                                              "  Output: c.relname, pg_namespace.nspname\n"
                                                              "  Hash Cond: (c.relnamespace = pg_namespace.oid)\n"
                                                              "  ->  Catalog Scan on pg_catalog.pg_class c\n"
                                                              "        Output: c.oid, c.relname, c.relnamespace\n"
                                                              "  ->  Catalog Scan on pg_catalog.pg_namespace\n"
                                                              "        Output: pg_namespace.oid, pg_namespace.nspname\n");
    /* one relation: no qualification, and no schema without VERBOSE */
    Expr **one = ARENA_NEW(ta, Expr *, 1);
    one[0] = col(1, SQL_NAME);
    assert_string_equal(render(filter(project(c, 1, one), mk(EXPR_CONST, SQL_BOOL, 0)), NULL),
                        "Catalog Scan on pg_class c\n  Filter: false\n");
    /* a set-returning function in FROM, named by the binder ("generate_series(1, 10) g") */
    Op *fs = values(1);
    fs->kind = OP_FUNCSCAN;
    FuncScanSpec fss = {.kind = FUNCSCAN_SERIES_INT};
    fs->spec = &fss;
    const char *gn[] = {"g"};
    fs->rel_alias = "g";
    fs->col_names = gn;
    assert_string_equal(render(filter(fs, call(&fn_gt, SQL_BOOL, col(0, SQL_INT4), int4(3))), NULL),
                        "Function Scan on generate_series g\n  Filter: (g > 3)\n");
}

static Expr *sublink(SublinkKind k, int correlated, Op *plan)
{
    Expr *e = mk(EXPR_SUBLINK, k == SUBLINK_EXPR ? SQL_INT4 : SQL_BOOL, k == SUBLINK_ANY ? 1 : 0);
    e->u.sub.kind = (uint8_t)k;
    e->u.sub.correlated = (uint8_t)correlated;
    e->u.sub.plan = plan;
    e->u.sub.cmp = &fn_eq;
    return e;
}

static void test_subplans(void **state)
{
    UNUSED(state);
    /* SELECT (SELECT max) FROM o WHERE EXISTS (SELECT FROM i WHERE i.x = o.a) AND o.b = ANY (SELECT ...) */
    Op *outer = values(2);
    const char *on[] = {"a", "b"}, *in[] = {"x"};
    outer->col_names = on;
    Op *inner = values(1);
    inner->col_names = in;
    Expr *oref = mk(EXPR_OUTER, SQL_INT4, 0);
    oref->u.outer.level = 1;
    oref->u.outer.col = 0;
    Op *corr = filter(inner, call(&fn_eq, SQL_BOOL, col(0, SQL_INT4), oref));
    Expr *ex = sublink(SUBLINK_EXISTS, 1, corr);
    Op *anyplan = values(1);
    anyplan->col_names = in;
    Expr *any = sublink(SUBLINK_ANY, 0, anyplan);
    any->args[0] = col(1, SQL_INT4);
    Expr *both = mk(EXPR_AND, SQL_BOOL, 2);
    both->args[0] = ex;
    both->args[1] = any;
    Op *f = filter(outer, both);
    Op *scalar = values(1);
    scalar->col_names = in;
    Expr **pe = ARENA_NEW(ta, Expr *, 1);
    pe[0] = sublink(SUBLINK_EXPR, 0, scalar);
    Op *p = project(f, 1, pe);
    assert_string_equal(render(p, NULL), "Values Scan on \"*VALUES*\"\n"
                                         "  Filter: (EXISTS(SubPlan 1) AND (b = ANY (InitPlan 2)))\n"
                                         "  InitPlan 2\n"
                                         "    ->  Values Scan on \"*VALUES*\"\n"
                                         "  InitPlan 3\n"
                                         "    ->  Values Scan on \"*VALUES*\"\n"
                                         "  SubPlan 1\n"
                                         "    ->  Values Scan on \"*VALUES*\"\n"
                                         "          Filter: (x = a)\n");
}

static void test_analyze(void **state)
{
    UNUSED(state);
    Op *v = values(1);
    Op *f = filter(v, call(&fn_gt, SQL_BOOL, col(0, SQL_INT4), int4(0)));
    Op *l = node(OP_LIMIT, 1, f);
    Op *never = values(1);
    Op *ap = node(OP_APPEND, 1, l);
    ap->right = never;
    v->st_rows = 30, v->st_loops = 2, v->st_nsec = 3000000;
    f->st_rows = 10, f->st_loops = 2, f->st_nsec = 4000000;
    l->st_rows = 4, l->st_loops = 2, l->st_nsec = 5000000;
    ap->st_rows = 4, ap->st_loops = 1, ap->st_nsec = 5123456;
    ExplainSpec es = {.analyze = 1, .timing = 1, .summary = 1, .costs = 1, .plan_nsec = 42000};
    /* per loop, as PostgreSQL: rows 10/2, removed (30-10)/2, time 4 ms/2 */
    assert_string_equal(render(ap, &es),
                        "Append (actual time=5.123 rows=4 loops=1)\n"
                        "  ->  Limit (actual time=2.500 rows=2 loops=2)\n"
                        "        ->  Values Scan on \"*VALUES*\" (actual time=2.000 rows=5 loops=2)\n"
                        "              Filter: (column1 > 0)\n"
                        "              Rows Removed by Filter: 10\n"
                        "  ->  Values Scan on \"*VALUES*\" (never executed)\n"
                        "Planning Time: 0.042 ms\n"
                        "Execution Time: 2.500 ms\n");
    es.timing = 0;
    es.summary = 0;
    assert_string_equal(render(l, &es), "Limit (actual rows=2 loops=2)\n"
                                        "  ->  Values Scan on \"*VALUES*\" (actual rows=5 loops=2)\n"
                                        "        Filter: (column1 > 0)\n"
                                        "        Rows Removed by Filter: 10\n");
}

static void test_deparse(void **state)
{
    UNUSED(state);
    assert_string_equal(deparse(int4(42)), "42");
    assert_string_equal(deparse(int4(-5)), "'-5'::integer");
    assert_string_equal(deparse(text("it's a \\ test")), "E'it''s a \\\\ test'::text");
    Expr *big = mk(EXPR_CONST, SQL_INT8, 0);
    big->u.cval.type = SQL_TYPE(SQL_INT8);
    big->u.cval.u.i = 5;
    assert_string_equal(deparse(big), "'5'::bigint");
    Expr *null = mk(EXPR_CONST, SQL_TIMESTAMPTZ, 0);
    null->u.cval.type = SQL_TYPE(SQL_TIMESTAMPTZ);
    null->u.cval.is_null = 1;
    assert_string_equal(deparse(null), "NULL::timestamp with time zone");
    Expr *ts = mk(EXPR_CONST, SQL_TIMESTAMPTZ, 0);
    ts->u.cval.type = SQL_TYPE(SQL_TIMESTAMPTZ);
    ts->u.cval.u.i = 0;
    assert_string_equal(deparse(ts), "'2000-01-01 00:00:00+00'::timestamp with time zone");
    Expr *t = mk(EXPR_CONST, SQL_BOOL, 0);
    t->u.cval.type = SQL_TYPE(SQL_BOOL);
    t->u.cval.u.b = 1;
    assert_string_equal(deparse(t), "true");
    Expr *num = mk(EXPR_CONST, SQL_NUMERIC, 0);
    num->u.cval.type = SQL_TYPE(SQL_NUMERIC);
    num->u.cval.u.num = (SqlNumeric){.v = 15, .scale = 1};
    assert_string_equal(deparse(num), "1.5");
    num->u.cval.u.num = (SqlNumeric){.v = 15, .scale = 0};
    assert_string_equal(deparse(num), "'15'::numeric");

    assert_string_equal(deparse(call(&fn_neg, SQL_INT4, col(0, SQL_INT4), NULL)), "(- a)");
    assert_string_equal(deparse(call(&fn_lower, SQL_TEXT, col(2, SQL_TEXT), NULL)), "lower(\"Mixed\")");
    assert_string_equal(deparse(col(7, SQL_INT4)), "col8");
    Expr *c = mk(EXPR_CAST, SQL_INT8, 1);
    c->args[0] = col(1, SQL_INT4);
    assert_string_equal(deparse(c), "(b)::bigint");
    Expr *in = mk(EXPR_IN, SQL_BOOL, 3);
    in->args[0] = col(0, SQL_INT4), in->args[1] = int4(1), in->args[2] = int4(2);
    in->u.cmp.negated = 1;
    assert_string_equal(deparse(in), "(a NOT IN (1, 2))");
    Expr *cs = mk(EXPR_CASE, SQL_TEXT, 3);
    cs->args[0] = mk(EXPR_IS_NULL, SQL_BOOL, 1);
    cs->args[0]->args[0] = col(0, SQL_INT4);
    cs->args[1] = text("none");
    cs->args[2] = text("some");
    cs->u.has_else = 1;
    assert_string_equal(deparse(cs), "CASE WHEN (a IS NULL) THEN 'none'::text ELSE 'some'::text END");
    Expr *co = mk(EXPR_COALESCE, SQL_INT4, 2);
    co->args[0] = col(0, SQL_INT4), co->args[1] = mk(EXPR_PARAM, SQL_INT4, 0);
    co->args[1]->u.param = 1;
    assert_string_equal(deparse(co), "COALESCE(a, $2)");
    Expr *no = mk(EXPR_NOT, SQL_BOOL, 1);
    no->args[0] = mk(EXPR_IS_TRUE, SQL_BOOL, 1);
    no->args[0]->args[0] = col(1, SQL_BOOL);
    no->args[0]->u.test.want = 0;
    no->args[0]->u.test.negated = 1;
    assert_string_equal(deparse(no), "(NOT (b IS NOT FALSE))");
    Expr *d = mk(EXPR_DISTINCT, SQL_BOOL, 2);
    d->args[0] = col(0, SQL_INT4), d->args[1] = col(1, SQL_INT4);
    Expr *or = mk(EXPR_OR, SQL_BOOL, 2);
    or->args[0] = d;
    or->args[1] = mk(EXPR_NULLIF, SQL_INT4, 2);
    or->args[1]->args[0] = col(0, SQL_INT4), or->args[1]->args[1] = int4(0);
    assert_string_equal(deparse(or), "((a IS DISTINCT FROM b) OR NULLIF(a, 0))");
    /* nesting is bounded (PostgreSQL's "stack depth limit exceeded"), not a stack overflow */
    Expr *deep = col(0, SQL_INT4);
    for (int i = 0; i < 999; i++)
        deep = call(&fn_neg, SQL_INT4, deep, NULL);
    assert_true(strncmp(deparse(deep), "(- (- (- ", 9) == 0);
    deep = call(&fn_neg, SQL_INT4, deep, NULL);
    assert_string_equal(deparse(deep), "ERROR 54001: stack depth limit exceeded");
}

/* ------------------------------------------------------------------------------------------------
 * The statement, through the engine
 * ---------------------------------------------------------------------------------------------- */

/* Rows as text, decimal fractions (timings) masked as "#"; or "ERROR <sqlstate> <position>: <message>". */
static char *run(SqlSession *s, const char *q)
{
    return ef_query(s, q, NULL, 0, EF_MASK_FRACTIONS);
}

static char tdir[64];
static Store *store;
static SqlEngine *seng;
static SqlSession *ssess;

static const char *clicks_payload(int i, char *buf, size_t n)
{
    snprintf(buf, n, "{\"user_id\": %d, \"url\": \"/p/%d\", \"status\": %d}", i % 4, i % 3,
             i % 2 ? 404 : 200);
    return buf;
}

static int stream_setup(void **state)
{
    UNUSED(state);
    store = ef_store_open(tdir, sizeof(tdir), "explain");
    ef_stream_create(store, "clicks", 2);
    ef_append(store, "clicks", 0, 10, NULL, clicks_payload);
    SqlEngineConfig cfg = {.store = store, .data_dir = NULL};
    ssess = ef_session_open(&cfg, &seng);
    assert_string_equal(run(ssess, "CREATE TABLE clicks (user_id int, url text, status int) "
                                   "WITH (stream = 'clicks', format = 'json')"),
                        "");
    return 0;
}

static int stream_teardown(void **state)
{
    UNUSED(state);
    ef_session_close(&ssess, &seng);
    ef_store_close(&store, tdir);
    return 0;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The line of r that contains what, or NULL. */
static const char *line_with(const char *r, const char *what)
{
    const char *p = strstr(r, what);
    if (!p)
        return NULL;
    while (p > r && p[-1] != '\n')
        p--;
    return p;
}

static void test_statement(void **state)
{
    UNUSED(state);
    /* the result is one text column "QUERY PLAN", as PostgreSQL's (clients look for it) */
    const char *q =
        "EXPLAIN SELECT url, count(*) FROM clicks WHERE status = 404 GROUP BY url ORDER BY 2 DESC";
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    assert_int_equal(sql_prepare(ssess, q, 0, strlen(q), NULL, 0, &st, &err), 0);
    assert_int_equal(sql_stmt_n_columns(st), 1);
    assert_string_equal(sql_stmt_columns(st)[0].name, "QUERY PLAN");
    assert_int_equal(sql_stmt_columns(st)[0].type.id, SQL_TEXT);
    sql_stmt_destroy(&st);

    const char *r = run(ssess, q);
    assert_true(
        starts_with(r, "Sort\n  Sort Key: (count(*)) DESC\n  ->  HashAggregate\n        Group Key: url\n"));
    const char *scan = line_with(r, "Scan on clicks");
    assert_non_null(scan);
    assert_true(starts_with(scan, "        ->  "));

    /* EXPLAIN does not run the query; EXPLAIN ANALYZE does, and returns the plan, not the rows */
    assert_string_equal(run(ssess, "EXPLAIN SELECT 1 / 0"), "Result\n");
    assert_string_equal(run(ssess, "EXPLAIN ANALYZE SELECT 1 / 0"), "ERROR 22012 0: division by zero");
    /* (HAVING stays a filter of weir's own: a WHERE may be evaluated inside the scan, op_scan.c) */
    r = run(ssess, "EXPLAIN ANALYZE SELECT url FROM clicks GROUP BY url HAVING count(*) > 3");
    assert_true(starts_with(r, "HashAggregate (actual time=# rows=1 loops=1)\n"
                               "  Group Key: url\n"
                               "  Filter: (count(*) > 3)\n"
                               "  Rows Removed by Filter: 2\n"
                               "  ->  "));
    scan = line_with(r, "Scan on clicks");
    assert_non_null(scan);
    assert_non_null(strstr(scan, " (actual time=# rows=10 loops=1)\n"));
    assert_non_null(strstr(r, "\nPlanning Time: # ms\nExecution Time: # ms\n"));
    r = run(ssess, "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, BUFFERS, SETTINGS OFF, FORMAT TEXT) SELECT "
                   "count(*) FROM clicks");
    assert_true(starts_with(r, "Aggregate (actual rows=1 loops=1)\n  ->  "));
    assert_non_null(strstr(r, "(actual rows=10 loops=1)\n"));
    assert_null(strstr(r, "Time"));
    assert_string_equal(run(ssess, "EXPLAIN (SUMMARY) SELECT 2"), "Result\nPlanning Time: # ms\n");
    assert_string_equal(run(ssess, "EXPLAIN (ANALYZE 0, VERBOSE 1) SELECT 2 AS two"),
                        "Result\n  Output: 2\n");
}

/* FROM's names reach the plan: "Stream Scan on clicks c", conditions on c./d., column aliases, function
 * scans; and the command tag is plain "EXPLAIN", without a row count, as PostgreSQL's. */
static void test_statement_names(void **state)
{
    UNUSED(state);
    const char *r = run(ssess, "EXPLAIN SELECT c.url FROM clicks c JOIN clicks d ON d.user_id = c.user_id");
    assert_non_null(strstr(r, "Hash Cond: (c.user_id = d.user_id)\n"));
    assert_non_null(line_with(r, "Scan on clicks c ("));
    assert_non_null(line_with(r, "Scan on clicks d ("));
    r = run(ssess, "EXPLAIN SELECT x.u FROM clicks x(u) WHERE x.u > 1 ORDER BY x.u");
    assert_true(starts_with(r, "Sort\n  Sort Key: u\n"));
    r = run(ssess, "EXPLAIN SELECT g FROM generate_series(1, 3) g, clicks WHERE g = clicks.user_id");
    assert_non_null(strstr(r, "(g.g = clicks.user_id)"));
    assert_non_null(line_with(r, "Function Scan on generate_series g\n"));
    r = run(ssess, "EXPLAIN SELECT t.relname FROM pg_class t");
    assert_string_equal(r, "Catalog Scan on pg_class t\n");

    const char *q = "EXPLAIN SELECT count(*) FROM clicks";
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    SqlPortal *p = NULL;
    EfOut o = {.s = ssess};
    buf_init(&o.text, 0);
    int done = 0;
    assert_int_equal(sql_prepare(ssess, q, 0, strlen(q), NULL, 0, &st, &err), 0);
    assert_int_equal(sql_bind(st, NULL, 0, &p, &err), 0);
    assert_int_equal(sql_portal_fetch(p, 0, ef_collect, &o, &done, &err), 0);
    assert_true(done);
    assert_string_equal(sql_portal_command_tag(p), "EXPLAIN");
    buf_fini(&o.text);
    sql_portal_destroy(&p);
    sql_stmt_destroy(&st);
}

static void test_statement_errors(void **state)
{
    UNUSED(state);
    /* PostgreSQL 15's messages, SQLSTATEs and positions (the option's) */
    assert_string_equal(run(ssess, "EXPLAIN (FORMAT JSON) SELECT 1"),
                        "ERROR 0A000 10: EXPLAIN (FORMAT json) is not supported: weir prints plans as text");
    assert_string_equal(run(ssess, "EXPLAIN (FORMAT csv) SELECT 1"),
                        "ERROR 22023 10: unrecognized value for EXPLAIN option \"format\": \"csv\"");
    assert_string_equal(run(ssess, "EXPLAIN (ANALYZE, nope) SELECT 1"),
                        "ERROR 42601 19: unrecognized EXPLAIN option \"nope\"");
    assert_string_equal(run(ssess, "EXPLAIN (TIMING) SELECT 1"),
                        "ERROR 22023 0: EXPLAIN option TIMING requires ANALYZE");
    assert_string_equal(run(ssess, "EXPLAIN (WAL) SELECT 1"),
                        "ERROR 22023 0: EXPLAIN option WAL requires ANALYZE");
    assert_string_equal(run(ssess, "EXPLAIN (ANALYZE maybe) SELECT 1"),
                        "ERROR 42601 0: analyze requires a Boolean value");
    assert_string_equal(run(ssess, "EXPLAIN (COSTS 2) SELECT 1"),
                        "ERROR 42601 0: costs requires a Boolean value");
    /* errors of the explained statement keep their positions */
    assert_string_equal(run(ssess, "EXPLAIN SELECT nope FROM clicks"),
                        "ERROR 42703 16: column \"nope\" does not exist");
    /* statements without a plan */
    assert_true(starts_with(run(ssess, "EXPLAIN CREATE TABLE t AS SELECT 1"), "ERROR 0A000"));
    assert_true(starts_with(run(ssess, "EXPLAIN INSERT INTO clicks VALUES (1)"), "ERROR 0A000"));
}

int main(void)
{
    const struct CMUnitTest hand[] = {
        cmocka_unit_test(test_layout_and_folding),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_relations),
        cmocka_unit_test(test_subplans),
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_deparse),
    };
    const struct CMUnitTest stmt[] = {
        cmocka_unit_test(test_statement),
        cmocka_unit_test(test_statement_names),
        cmocka_unit_test(test_statement_errors),
    };
    int rc = cmocka_run_group_tests(hand, hand_setup, hand_teardown);
    return rc | cmocka_run_group_tests(stmt, stream_setup, stream_teardown);
}
