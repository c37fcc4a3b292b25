/*
 * cq.h: the continuous-query runtime: CREATE / DROP MATERIALIZED VIEW, one thread per view running its
 * streaming-operator graph (sop.h) over its sources (source.h), checkpoints, and the view's output.
 *
 * A view's life: CREATE binds the SELECT (through the SQL engine, as any query), compiles the plan into a
 * graph, creates the output stream, records the view in DATA/views.db and starts its thread. The thread
 * ticks: read what arrived, push it through the graph, advance the watermark; every checkpoint_interval it
 * checkpoints (state tables, source positions, watermark, counters and the rows produced since the last
 * checkpoint, together) and then delivers those rows into the output stream. After a restart or crash the
 * view resumes from its last checkpoint and first finishes that checkpoint's delivery, appending only the
 * rows the output stream does not hold yet: each result row is in the stream exactly once
 * (docs/internals/continuous-queries.md has the protocol).
 *
 * Threads: the manager's calls are thread-safe (the SQL engine calls create/drop from client sessions);
 * each view runs on its own thread.
 */
#ifndef WEIR_STREAM_CQ_H
#define WEIR_STREAM_CQ_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "exec/engine.h"
#include "store/store.h"

typedef struct CqManager CqManager;

typedef struct CqConfig {
    Store *store;         /* borrowed */
    SqlEngine *eng;       /* borrowed; the manager registers itself as its view runtime */
    const char *data_dir; /* views.db and views/<name>/ live here; NULL: in memory (tests) */
    int tick_ms;          /* longest wait for new records between ticks (0: 20) */
    size_t ckpt_bytes;    /* pending output records that bring a checkpoint forward (0: 24 MiB) */
    /* WITH (delivery_stream = 'x'): the weir stream delivery stream x reads (its backing stream), into out
     * (cap bytes); returns 0, or -1 when there is no such delivery stream. The server registers it
     * (sink/firehose.h); NULL: the option is refused. */
    int (*delivery_stream)(void *arg, const char *name, char *out, size_t cap);
    void *delivery_arg;
} CqConfig;

/* Open the view catalog, resume every view in it, and register with the engine. */
int cq_manager_create(const CqConfig *cfg, CqManager **out, Err *e) WEIR_WARN_UNUSED;

/* Stop every view (threads joined; what was not checkpointed is redone after a restart) and unregister. */
void cq_manager_destroy(CqManager **m);

/* One view as SHOW MATERIALIZED VIEWS lists it (engine.h's SqlViewInfo). */
typedef SqlViewInfo CqViewInfo;

size_t cq_manager_list(CqManager *m, CqViewInfo **out);
void cq_info_free(CqViewInfo *v, size_t n);

#endif
