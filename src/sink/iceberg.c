/*
 * iceberg.c: append-only Iceberg v2 tables in a local directory (iceberg.h; docs/internals/iceberg.md).
 *
 * State: an IcebergTable holds the newest metadata version it has read (t->meta, the parsed JSON kept
 * whole, so fields weir does not know survive its commits) plus views built from it (snapshots,
 * columns) in t->view, rebuilt on every load.
 *
 * A commit (ice_commit_once), on top of the loaded version N:
 *   1. read the current snapshot's manifest list (its manifests are carried over unchanged);
 *   2. write the new manifest (the appended files, status ADDED, explicit sequence numbers);
 *   3. write the new manifest list (old manifests + the new one);
 *   4. write metadata N+1 under a temporary name, fsync, link() to v<N+1>.metadata.json:
 *        EEXIST -> another writer committed N+1: delete 2-3's files, reload, start again at 1;
 *   5. fsync the directory (the commit point is durable), rewrite version-hint.text (tmp + rename).
 * Files of steps 2-3 are fsynced before step 4, so a metadata file never names a missing file.
 * Sequence numbers are written into the manifest entries rather than inherited: a retry rewrites the
 * manifest anyway (it is small), and readers then need no inheritance rules.
 *
 * INTERFACE ROUTINES: iceberg_table_open(_tabledef), iceberg_table_append, iceberg_table_refresh,
 * iceberg_table_current / _summary_get / _snapshots, iceberg_table_data_files, iceberg_type_name.
 */
#include "sink/iceberg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "sink/avro.h"
#include "sink/parquet.h"

#define ICE_MAX_METADATA ((size_t)256 << 20) /* metadata.json and Avro files we read */
#define ICE_READ_BUDGET ((size_t)1 << 30)

struct IcebergTable {
    char *dir;      /* the table directory as given (no trailing '/') */
    char *meta_dir; /* dir/metadata */
    json_t *meta;   /* newest metadata read (owned) */
    int64_t version;
    const char *location; /* borrowed from meta */
    const char *uuid;     /* borrowed from meta */
    Arena *view;          /* snapshots and columns below; reset on every load */
    IcebergSnapshot *snaps;
    size_t n_snaps;
    const IcebergSnapshot *current;
    IcebergColumn *cols;
    size_t n_cols;
    const char *schema_json; /* the current schema, compact JSON */
};

/* ====================================================================================== helpers === */

/* A formatted path or URI; caller frees. Paths are short, so running out of memory is the only failure. */
static char *str_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_fmt(const char *fmt, ...)
{
    Buf b;
    buf_init(&b, BUF_MAX_DEFAULT);
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (rc != WEIR_OK || !b.p)
        weir_panic("iceberg: cannot format \"%s\"", fmt);
    return (char *)buf_steal(&b, NULL);
}

static int io_err(Err *e, const char *what, const char *path)
{
    int code = (errno == ENOSPC || errno == EDQUOT) ? WEIR_ELIMIT : errno == ENOENT ? WEIR_ENOTFOUND : WEIR_EIO;
    return err_set(e, code, "iceberg: %s %s: %s", what, path, strerror(errno));
}

static void random_bytes(void *p, size_t n)
{
    if (getrandom(p, n, 0) == (ssize_t)n)
        return;
    /* Only when the entropy pool is not ready: names then come from the clock and the address space. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)p;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        ((uint8_t *)p)[i] = (uint8_t)x;
    }
}

/* A random (version 4) UUID in its 36-character text form. */
static void uuid_make(char out[37])
{
    uint8_t b[16];
    random_bytes(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

/* Snapshot ids: positive and below 2^53, so JavaScript and other double-based JSON readers keep them exact. */
static int64_t snapshot_id_make(void)
{
    uint64_t x;
    random_bytes(&x, sizeof(x));
    x &= ((uint64_t)1 << 53) - 1;
    return x ? (int64_t)x : 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int file_read_all(const char *path, Buf *out, Err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return io_err(e, "open", path);
    int rc = WEIR_OK;
    for (;;) {
        if (buf_reserve(out, 65536) != WEIR_OK) {
            rc = err_set(e, WEIR_ELIMIT, "iceberg: %s is larger than %zu bytes", path, out->max);
            break;
        }
        ssize_t r = read(fd, out->p + out->len, out->cap - out->len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = io_err(e, "read", path);
            break;
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
        out->p[out->len] = '\0';
    }
    close(fd);
    return rc;
}

/* Write a file that must not exist yet, whole and fsynced; on failure nothing is left behind. */
static int file_write_new(const char *path, const void *p, size_t n, Err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return io_err(e, "create", path);
    const uint8_t *q = p;
    size_t left = n;
    int rc = WEIR_OK;
    while (left) {
        ssize_t w = write(fd, q, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = io_err(e, "write", path);
            break;
        }
        q += w;
        left -= (size_t)w;
    }
    if (rc == WEIR_OK && fsync(fd) != 0)
        rc = io_err(e, "fsync", path);
    if (close(fd) != 0 && rc == WEIR_OK)
        rc = io_err(e, "close", path);
    if (rc != WEIR_OK)
        unlink(path);
    return rc;
}

static int dir_fsync(const char *dir, Err *e)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_err(e, "open", dir);
    int rc = fsync(fd) == 0 ? WEIR_OK : io_err(e, "fsync", dir);
    close(fd);
    return rc;
}

static int mkdir_p(const char *dir, Err *e)
{
    char *p = xstrdup(dir);
    int rc = WEIR_OK;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                rc = io_err(e, "mkdir", p);
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return rc;
}

static int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The local path of a URI under the table's location (location + "/x" -> dir + "/x"); a URI elsewhere
 * is taken as a local path when it is file:// or absolute. Caller frees. NULL when it maps nowhere. */
static char *ice_local_path(const IcebergTable *t, const char *uri)
{
    size_t ln = strlen(t->location);
    if (strncmp(uri, t->location, ln) == 0 && uri[ln] == '/')
        return str_fmt("%s%s", t->dir, uri + ln);
    if (strncmp(uri, "file://", 7) == 0)
        return xstrdup(uri + 7);
    if (uri[0] == '/')
        return xstrdup(uri);
    return NULL;
}

static int ice_read_local(const IcebergTable *t, const char *uri, Buf *out, Err *e)
{
    char *path = ice_local_path(t, uri);
    if (!path)
        return err_set(e, WEIR_ENOTFOUND, "iceberg: %s is not under the table's location %s", uri, t->location);
    int rc = file_read_all(path, out, e);
    free(path);
    return rc;
}

/* ==================================================================================== type map === */

/* From the form parquet.h stores the type in, so the schema and the data files always agree. */
int iceberg_type_name(SqlType t, char *out, size_t cap)
{
    static const char *const names[] = {
        [PARQUET_FORM_BOOL] = "boolean",   [PARQUET_FORM_INT32] = "int",
        [PARQUET_FORM_INT64] = "long",     [PARQUET_FORM_FLOAT] = "float",
        [PARQUET_FORM_DOUBLE] = "double",  [PARQUET_FORM_DECIMAL] = NULL,
        [PARQUET_FORM_DATE] = "date",      [PARQUET_FORM_TIME] = "time",
        [PARQUET_FORM_TIMESTAMP] = "timestamp", [PARQUET_FORM_TIMESTAMPTZ] = "timestamptz",
        [PARQUET_FORM_STRING] = "string",  [PARQUET_FORM_JSON] = "string",
        [PARQUET_FORM_BINARY] = "binary",
    };
    ParquetForm f;
    int p, sc;
    Err ignore = {0};
    if (cap)
        out[0] = '\0';
    if (t.id == SQL_VOID || t.id == SQL_RECORD || parquet_type_form(t, &f, &p, &sc, &ignore) != WEIR_OK)
        return WEIR_EINVAL;
    if (f == PARQUET_FORM_DECIMAL)
        snprintf(out, cap, "decimal(%d, %d)", p, sc); /* Iceberg's own spelling, with the space */
    else if ((size_t)f < sizeof(names) / sizeof(names[0]) && names[f])
        snprintf(out, cap, "%s", names[f]);
    else
        return WEIR_EINVAL;
    return WEIR_OK;
}

/* The SQL type of an Iceberg primitive type, for tables opened without a schema. */
static SqlType ice_sql_type(const char *s)
{
    static const struct {
        const char *name;
        SqlTypeId id;
    } map[] = {{"boolean", SQL_BOOL}, {"int", SQL_INT4},     {"long", SQL_INT8},           {"float", SQL_FLOAT4},
               {"double", SQL_FLOAT8}, {"date", SQL_DATE},   {"time", SQL_TIME},           {"timestamp", SQL_TIMESTAMP},
               {"timestamptz", SQL_TIMESTAMPTZ}, {"string", SQL_TEXT}, {"binary", SQL_BYTEA}, {"uuid", SQL_TEXT}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(s, map[i].name) == 0)
            return SQL_TYPE(map[i].id);
    int p, sc;
    if (sscanf(s, "decimal(%d ,%d)", &p, &sc) == 2) /* "decimal(10, 2)": %d skips the space */
        return (SqlType){SQL_NUMERIC, ((p << 16) | sc) + 4};
    if (strncmp(s, "fixed[", 6) == 0)
        return SQL_TYPE(SQL_BYTEA);
    return SQL_TYPE(SQL_UNKNOWN);
}

/* ================================================================================ loading views === */

static int64_t jint(json_t *o, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static json_t *ice_current_schema(json_t *meta)
{
    int64_t sid = jint(meta, "current-schema-id", 0);
    json_t *schemas = json_object_get(meta, "schemas");
    size_t i;
    json_t *s;
    json_array_foreach(schemas, i, s) if (jint(s, "schema-id", 0) == sid) return s;
    return json_object_get(meta, "schema"); /* format v1 */
}

/* Rebuild t->snaps, t->current and t->cols from t->meta. */
static int ice_build_views(IcebergTable *t, Err *e)
{
    arena_reset(t->view);
    t->snaps = NULL;
    t->n_snaps = 0;
    t->current = NULL;
    t->cols = NULL;
    t->n_cols = 0;
    json_t *m = t->meta;
    int64_t fv = jint(m, "format-version", 1);
    t->location = json_string_value(json_object_get(m, "location"));
    t->uuid = json_string_value(json_object_get(m, "table-uuid"));
    if (!json_is_object(m) || fv < 1 || fv > 2 || !t->location)
        return err_set(e, WEIR_ECORRUPT, "iceberg: %s/v%lld.metadata.json is not Iceberg v1/v2 table metadata",
                       t->meta_dir, (long long)t->version);
    if (!t->uuid)
        t->uuid = "";

    json_t *schema = ice_current_schema(m);
    json_t *fields = json_object_get(schema, "fields");
    if (!json_is_array(fields))
        return err_set(e, WEIR_ECORRUPT, "iceberg: v%lld.metadata.json has no current schema", (long long)t->version);
    size_t nf = json_array_size(fields);
    t->cols = ARENA_NEW(t->view, IcebergColumn, nf ? nf : 1);
    for (size_t i = 0; i < nf; i++) {
        json_t *f = json_array_get(fields, i);
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *type = json_string_value(json_object_get(f, "type"));
        t->cols[i].name = name ? name : "";
        t->cols[i].type = type ? ice_sql_type(type) : SQL_TYPE(SQL_UNKNOWN);
        t->cols[i].is_nullable = !json_is_true(json_object_get(f, "required"));
    }
    t->n_cols = nf;
    char *sj = json_dumps(schema, JSON_COMPACT | JSON_PRESERVE_ORDER);
    t->schema_json = sj ? arena_try_strndup(t->view, sj, strlen(sj)) : NULL;
    free(sj);
    if (!t->schema_json)
        t->schema_json = "{}";

    json_t *snaps = json_object_get(m, "snapshots");
    size_t ns = json_array_size(snaps);
    t->snaps = ARENA_NEW(t->view, IcebergSnapshot, ns ? ns : 1);
    int64_t cur = jint(m, "current-snapshot-id", -1);
    for (size_t i = 0; i < ns; i++) {
        json_t *s = json_array_get(snaps, i);
        IcebergSnapshot *o = &t->snaps[i];
        o->snapshot_id = jint(s, "snapshot-id", -1);
        o->parent_id = jint(s, "parent-snapshot-id", -1);
        o->sequence_number = jint(s, "sequence-number", 0);
        o->timestamp_ms = jint(s, "timestamp-ms", 0);
        o->schema_id = (int32_t)jint(s, "schema-id", 0);
        o->manifest_list = json_string_value(json_object_get(s, "manifest-list"));
        json_t *sum = json_object_get(s, "summary");
        o->operation = json_string_value(json_object_get(sum, "operation"));
        if (!o->operation)
            o->operation = "";
        size_t nsum = json_object_size(sum);
        IcebergProp *props = ARENA_NEW(t->view, IcebergProp, nsum ? nsum : 1);
        size_t k = 0;
        const char *key;
        json_t *val;
        json_object_foreach(sum, key, val)
        {
            if (strcmp(key, "operation") == 0 || !json_is_string(val))
                continue;
            props[k].key = key;
            props[k].value = json_string_value(val);
            k++;
        }
        o->summary = props;
        o->n_summary = k;
        if (o->snapshot_id == cur && cur >= 0)
            t->current = o;
    }
    t->n_snaps = ns;
    if (cur >= 0 && !t->current)
        return err_set(e, WEIR_ECORRUPT, "iceberg: current snapshot %lld is not among the snapshots", (long long)cur);
    return WEIR_OK;
}

static char *ice_meta_path(const IcebergTable *t, int64_t v)
{
    return str_fmt("%s/v%lld.metadata.json", t->meta_dir, (long long)v);
}

/* The newest version in the directory: version-hint.text, then probing forward (the hint is written
 * after the link, so it may lag one commit behind); without a usable hint, a directory scan. */
static int ice_find_version(const IcebergTable *t, int64_t *out, Err *e)
{
    int64_t v = 0;
    char *hint = str_fmt("%s/version-hint.text", t->meta_dir);
    Buf b;
    buf_init(&b, 64);
    Err ignore = {0};
    if (file_read_all(hint, &b, &ignore) == WEIR_OK && b.len) {
        char *end;
        long long x = strtoll((const char *)b.p, &end, 10);
        if (x > 0 && end != (char *)b.p) {
            char *p = ice_meta_path(t, x);
            if (path_exists(p))
                v = x;
            free(p);
        }
    }
    buf_fini(&b);
    free(hint);
    if (v == 0) {
        DIR *d = opendir(t->meta_dir);
        if (!d) {
            if (errno == ENOENT)
                return err_set(e, WEIR_ENOTFOUND, "iceberg: no table in %s", t->dir);
            return io_err(e, "opendir", t->meta_dir);
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            long long x;
            int used = 0;
            if (sscanf(de->d_name, "v%lld.metadata.json%n", &x, &used) == 1 && de->d_name[used] == '\0' && x > v)
                v = x;
        }
        closedir(d);
        if (v == 0)
            return err_set(e, WEIR_ENOTFOUND, "iceberg: no table in %s", t->dir);
    }
    for (;;) {
        char *p = ice_meta_path(t, v + 1);
        int ex = path_exists(p);
        free(p);
        if (!ex)
            break;
        v++;
    }
    *out = v;
    return WEIR_OK;
}

static int ice_load_version(IcebergTable *t, int64_t v, Err *e)
{
    char *path = ice_meta_path(t, v);
    Buf b;
    buf_init(&b, ICE_MAX_METADATA);
    int rc = file_read_all(path, &b, e);
    json_t *m = NULL;
    if (rc == WEIR_OK) {
        json_error_t je;
        m = json_loadb((const char *)b.p, b.len, JSON_REJECT_DUPLICATES, &je);
        if (!m)
            rc = err_set(e, WEIR_ECORRUPT, "iceberg: %s: %s (line %d)", path, je.text, je.line);
    }
    buf_fini(&b);
    free(path);
    if (rc != WEIR_OK)
        return rc;
    json_t *old = t->meta;
    int64_t old_v = t->version;
    t->meta = m;
    t->version = v;
    if ((rc = ice_build_views(t, e)) != WEIR_OK) {
        t->meta = old;
        t->version = old_v;
        json_decref(m);
        if (old) {
            Err ignore = {0};
            (void)ice_build_views(t, &ignore);
        }
        return rc;
    }
    json_decref(old);
    return WEIR_OK;
}

int iceberg_table_refresh(IcebergTable *t, Err *e)
{
    int64_t v;
    int rc = ice_find_version(t, &v, e);
    if (rc != WEIR_OK)
        return rc;
    return ice_load_version(t, v, e);
}

/* ============================================================================ metadata writing === */

/* Iceberg's schema JSON for the columns (field ids 1..n). */
static json_t *ice_schema_json(const IcebergColumn *cols, size_t n, Err *e)
{
    json_t *fields = json_array();
    for (size_t i = 0; i < n; i++) {
        char ty[48];
        if (!cols[i].name || !*cols[i].name) {
            json_decref(fields);
            err_set(e, WEIR_EINVAL, "iceberg: column %zu has no name", i + 1);
            return NULL;
        }
        if (iceberg_type_name(cols[i].type, ty, sizeof(ty)) != WEIR_OK) {
            char sqlname[64];
            sql_type_format(cols[i].type, sqlname, sizeof(sqlname));
            json_decref(fields);
            err_set(e, WEIR_EINVAL, "iceberg: column \"%s\" has type %s, which Iceberg has no type for", cols[i].name,
                    sqlname);
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(cols[j].name, cols[i].name) == 0) {
                json_decref(fields);
                err_set(e, WEIR_EINVAL, "iceberg: two columns are called \"%s\"", cols[i].name);
                return NULL;
            }
        json_array_append_new(fields, json_pack("{s:I, s:s, s:b, s:s}", "id", (json_int_t)(i + 1), "name",
                                                cols[i].name, "required", !cols[i].is_nullable, "type", ty));
    }
    return json_pack("{s:s, s:i, s:o}", "type", "struct", "schema-id", 0, "fields", fields);
}

/* Whether the table's current schema is exactly cols (names, Iceberg types, nullability, in order). */
static int ice_schema_check(IcebergTable *t, const IcebergColumn *cols, size_t n, Err *e)
{
    json_t *want = ice_schema_json(cols, n, e);
    if (!want)
        return e && e->code ? e->code : WEIR_EINVAL;
    json_t *wf = json_object_get(want, "fields");
    json_t *have = json_object_get(ice_current_schema(t->meta), "fields");
    int rc = WEIR_OK;
    if (json_array_size(have) != n)
        rc = err_set(e, WEIR_EINVAL, "iceberg: the table in %s has %zu columns, not %zu", t->dir,
                     json_array_size(have), n);
    for (size_t i = 0; rc == WEIR_OK && i < n; i++) {
        json_t *a = json_array_get(have, i), *b = json_array_get(wf, i);
        const char *an = json_string_value(json_object_get(a, "name"));
        const char *at = json_string_value(json_object_get(a, "type"));
        const char *bt = json_string_value(json_object_get(b, "type"));
        if (!an || strcmp(an, cols[i].name) != 0 || !at || strcmp(at, bt) != 0 ||
            json_is_true(json_object_get(a, "required")) != !cols[i].is_nullable)
            rc = err_set(e, WEIR_EINVAL,
                         "iceberg: column %zu of the table in %s is \"%s\" %s%s, not \"%s\" %s%s", i + 1, t->dir,
                         an ? an : "?", at ? at : "?", json_is_true(json_object_get(a, "required")) ? " required" : "",
                         cols[i].name, bt, cols[i].is_nullable ? "" : " required");
    }
    json_decref(want);
    return rc;
}

/* Publish meta as version v: temporary file, fsync, link() (fails with EEXIST when v exists: returns
 * WEIR_EEXIST without touching e), directory fsync, version hint. */
static int ice_publish(IcebergTable *t, json_t *meta, int64_t v, Err *e)
{
    char *text = json_dumps(meta, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return err_set(e, WEIR_ENOMEM, "iceberg: metadata does not serialise");
    char uuid[37];
    uuid_make(uuid);
    char *tmp = str_fmt("%s/.tmp-%s.metadata.json", t->meta_dir, uuid);
    char *dst = ice_meta_path(t, v);
    int rc = file_write_new(tmp, text, strlen(text), e);
    free(text);
    if (rc == WEIR_OK) {
        if (link(tmp, dst) != 0)
            rc = errno == EEXIST ? WEIR_EEXIST : io_err(e, "link", dst);
        unlink(tmp);
    }
    if (rc == WEIR_OK)
        rc = dir_fsync(t->meta_dir, e);
    free(tmp);
    free(dst);
    if (rc != WEIR_OK)
        return rc;
    /* The hint only helps readers find v quickly; the commit already happened, so a failure here is
     * logged, not returned (a caller retrying a commit that happened would append twice). */
    char *hint = str_fmt("%s/version-hint.text", t->meta_dir);
    char *htmp = str_fmt("%s/.tmp-%s.version-hint", t->meta_dir, uuid);
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld", (long long)v);
    Err he = {0};
    if (file_write_new(htmp, num, (size_t)n, &he) != WEIR_OK || rename(htmp, hint) != 0 ||
        dir_fsync(t->meta_dir, &he) != WEIR_OK) {
        unlink(htmp);
        log_warn("iceberg: version-hint.text of %s not updated to %lld: %s", t->dir, (long long)v,
                 he.code ? he.msg : strerror(errno));
    }
    free(hint);
    free(htmp);
    return WEIR_OK;
}

static int ice_create(IcebergTable *t, const IcebergColumn *cols, size_t n_cols, const char *location, Err *e)
{
    json_t *schema = ice_schema_json(cols, n_cols, e);
    if (!schema)
        return e && e->code ? e->code : WEIR_EINVAL;
    char uuid[37];
    uuid_make(uuid);
    char *loc;
    if (location) {
        loc = xstrdup(location);
        size_t ln = strlen(loc);
        while (ln > 1 && loc[ln - 1] == '/')
            loc[--ln] = '\0';
    } else {
        char *abs = realpath(t->dir, NULL);
        if (!abs) {
            json_decref(schema);
            return io_err(e, "realpath", t->dir);
        }
        loc = str_fmt("file://%s", abs);
        free(abs);
    }
    json_t *m = json_pack("{s:i, s:s, s:s, s:I, s:I, s:I, s:i, s:[o], s:i, s:[{s:i, s:[]}], s:i, s:i, "
                          "s:[{s:i, s:[]}], s:{s:s, s:s}, s:I, s:{}, s:[], s:[], s:[], s:[]}",
                          "format-version", 2, "table-uuid", uuid, "location", loc, "last-sequence-number",
                          (json_int_t)0, "last-updated-ms", (json_int_t)now_ms(), "last-column-id",
                          (json_int_t)n_cols, "current-schema-id", 0, "schemas", schema, "default-spec-id", 0,
                          "partition-specs", "spec-id", 0, "fields", "last-partition-id", 999,
                          "default-sort-order-id", 0, "sort-orders", "order-id", 0, "fields", "properties",
                          "write.format.default", "parquet", "created-by", "weir",
                          "current-snapshot-id", (json_int_t)-1, "refs", "snapshots", "statistics",
                          "snapshot-log", "metadata-log");
    free(loc);
    if (!m)
        return err_set(e, WEIR_ENOMEM, "iceberg: metadata does not build");
    int rc = ice_publish(t, m, 1, e);
    json_decref(m);
    return rc;
}

/* ================================================================================ avro schemas === */

/* manifest_entry (Iceberg spec v2, "Manifests") for an unpartitioned spec: the partition struct is an
 * empty record. Optional fields are unions with null first; int-keyed maps are arrays of key/value
 * records with logicalType "map", as Iceberg writes maps whose keys are not strings. */
static const char MANIFEST_ENTRY_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
    "{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
    "{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":1},"
    "{\"name\":\"sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":3},"
    "{\"name\":\"file_sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":4},"
    "{\"name\":\"data_file\",\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
    "{\"name\":\"content\",\"type\":\"int\",\"doc\":\"Contents of the file: 0=data, 1=position deletes, "
    "2=equality deletes\",\"field-id\":134},"
    "{\"name\":\"file_path\",\"type\":\"string\",\"doc\":\"Location URI with FS scheme\",\"field-id\":100},"
    "{\"name\":\"file_format\",\"type\":\"string\",\"doc\":\"File format name: avro, orc, or parquet\","
    "\"field-id\":101},"
    "{\"name\":\"partition\",\"type\":{\"type\":\"record\",\"name\":\"r102\",\"fields\":[]},"
    "\"doc\":\"Partition data tuple, schema based on the partition spec\",\"field-id\":102},"
    "{\"name\":\"record_count\",\"type\":\"long\",\"doc\":\"Number of records in the file\",\"field-id\":103},"
    "{\"name\":\"file_size_in_bytes\",\"type\":\"long\",\"doc\":\"Total file size in bytes\",\"field-id\":104},"
    "{\"name\":\"column_sizes\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"k117_v118\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":117},"
    "{\"name\":\"value\",\"type\":\"long\",\"field-id\":118}]},\"logicalType\":\"map\"}],\"default\":null,"
    "\"field-id\":108},"
    "{\"name\":\"value_counts\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"k119_v120\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":119},"
    "{\"name\":\"value\",\"type\":\"long\",\"field-id\":120}]},\"logicalType\":\"map\"}],\"default\":null,"
    "\"field-id\":109},"
    "{\"name\":\"null_value_counts\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"k121_v122\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":121},"
    "{\"name\":\"value\",\"type\":\"long\",\"field-id\":122}]},\"logicalType\":\"map\"}],\"default\":null,"
    "\"field-id\":110},"
    "{\"name\":\"nan_value_counts\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"k138_v139\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":138},"
    "{\"name\":\"value\",\"type\":\"long\",\"field-id\":139}]},\"logicalType\":\"map\"}],\"default\":null,"
    "\"field-id\":137},"
    "{\"name\":\"lower_bounds\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"k126_v127\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":126},"
    "{\"name\":\"value\",\"type\":\"bytes\",\"field-id\":127}]},\"logicalType\":\"map\"}],\"default\":null,"
    "\"field-id\":125},"
    "{\"name\":\"upper_bounds\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"k129_v130\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":129},"
    "{\"name\":\"value\",\"type\":\"bytes\",\"field-id\":130}]},\"logicalType\":\"map\"}],\"default\":null,"
    "\"field-id\":128},"
    "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":131},"
    "{\"name\":\"split_offsets\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"long\",\"element-id\":133}],"
    "\"default\":null,\"field-id\":132},"
    "{\"name\":\"equality_ids\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"int\",\"element-id\":136}],"
    "\"default\":null,\"field-id\":135},"
    "{\"name\":\"sort_order_id\",\"type\":[\"null\",\"int\"],\"default\":null,\"field-id\":140},"
    "{\"name\":\"referenced_data_file\",\"type\":[\"null\",\"string\"],\"default\":null,\"field-id\":143}"
    "]},\"field-id\":2}]}";

/* manifest_file (Iceberg spec v2, "Manifest Lists"). */
static const char MANIFEST_FILE_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
    "{\"name\":\"manifest_path\",\"type\":\"string\",\"doc\":\"Location URI with FS scheme\",\"field-id\":500},"
    "{\"name\":\"manifest_length\",\"type\":\"long\",\"doc\":\"Total file size in bytes\",\"field-id\":501},"
    "{\"name\":\"partition_spec_id\",\"type\":\"int\",\"doc\":\"Spec ID used to write\",\"field-id\":502},"
    "{\"name\":\"content\",\"type\":\"int\",\"doc\":\"Contents of the manifest: 0=data, 1=deletes\","
    "\"field-id\":517},"
    "{\"name\":\"sequence_number\",\"type\":\"long\",\"doc\":\"Sequence number when the manifest was added\","
    "\"field-id\":515},"
    "{\"name\":\"min_sequence_number\",\"type\":\"long\",\"doc\":\"Lowest sequence number in the manifest\","
    "\"field-id\":516},"
    "{\"name\":\"added_snapshot_id\",\"type\":\"long\",\"doc\":\"Snapshot ID that added the manifest\","
    "\"field-id\":503},"
    "{\"name\":\"added_files_count\",\"type\":\"int\",\"doc\":\"Added entry count\",\"field-id\":504},"
    "{\"name\":\"existing_files_count\",\"type\":\"int\",\"doc\":\"Existing entry count\",\"field-id\":505},"
    "{\"name\":\"deleted_files_count\",\"type\":\"int\",\"doc\":\"Deleted entry count\",\"field-id\":506},"
    "{\"name\":\"added_rows_count\",\"type\":\"long\",\"doc\":\"Added rows count\",\"field-id\":512},"
    "{\"name\":\"existing_rows_count\",\"type\":\"long\",\"doc\":\"Existing rows count\",\"field-id\":513},"
    "{\"name\":\"deleted_rows_count\",\"type\":\"long\",\"doc\":\"Deleted rows count\",\"field-id\":514},"
    "{\"name\":\"partitions\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"r508\",\"fields\":[{\"name\":\"contains_null\",\"type\":\"boolean\",\"field-id\":509},"
    "{\"name\":\"contains_nan\",\"type\":[\"null\",\"boolean\"],\"default\":null,\"field-id\":518},"
    "{\"name\":\"lower_bound\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":510},"
    "{\"name\":\"upper_bound\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":511}]},"
    "\"element-id\":508}],\"default\":null,\"field-id\":507},"
    "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":519}"
    "]}";

/* ============================================================================== manifest lists === */

/* One manifest_file entry, as read from a list or made for a new manifest. */
typedef struct ManifestRef {
    const char *path; /* URI */
    int64_t length;
    int32_t spec_id, content;
    int64_t seq, min_seq, added_snapshot_id;
    int64_t added_files, existing_files, deleted_files;
    int64_t added_rows, existing_rows, deleted_rows;
} ManifestRef;

static int ice_read_avro(const IcebergTable *t, const char *uri, Arena *a, Buf *b, AvroFile *f, Err *e)
{
    int rc = ice_read_local(t, uri, b, e);
    if (rc == WEIR_OK)
        rc = avro_file_read(b->p, b->len, a, f, e);
    return rc;
}

/* The manifests of the current snapshot's list into *out (arena a). Buffers stay in bufs: their bytes
 * back the strings. */
static int ice_manifest_refs(const IcebergTable *t, Arena *a, Buf *b, ManifestRef **out, size_t *n, Err *e)
{
    *out = NULL;
    *n = 0;
    if (!t->current)
        return WEIR_OK;
    if (!t->current->manifest_list)
        return err_set(e, WEIR_EINVAL, "iceberg: snapshot %lld has no manifest list (format v1 \"manifests\")",
                       (long long)t->current->snapshot_id);
    AvroFile f;
    int rc = ice_read_avro(t, t->current->manifest_list, a, b, &f, e);
    if (rc != WEIR_OK)
        return rc;
    ManifestRef *refs = ARENA_NEW(a, ManifestRef, f.n_records ? f.n_records : 1);
    if (!refs)
        return err_set(e, WEIR_ENOMEM, "iceberg: manifest list over the memory budget");
    for (size_t i = 0; i < f.n_records; i++) {
        const AvroValue *r = f.records[i];
        Slice p = avro_value_field_str(r, "manifest_path");
        if (!p.p)
            return err_set(e, WEIR_ECORRUPT, "iceberg: %s: entry %zu has no manifest_path", t->current->manifest_list,
                           i);
        refs[i].path = arena_try_strndup(a, (const char *)p.p, p.n);
        if (!refs[i].path)
            return err_set(e, WEIR_ENOMEM, "iceberg: manifest list over the memory budget");
        refs[i].length = avro_value_field_long(r, "manifest_length", 0);
        refs[i].spec_id = (int32_t)avro_value_field_long(r, "partition_spec_id", 0);
        refs[i].content = (int32_t)avro_value_field_long(r, "content", 0);
        refs[i].seq = avro_value_field_long(r, "sequence_number", 0);
        refs[i].min_seq = avro_value_field_long(r, "min_sequence_number", refs[i].seq);
        refs[i].added_snapshot_id = avro_value_field_long(r, "added_snapshot_id", 0);
        /* Format v1 lists spell the counts added_data_files_count etc. */
        refs[i].added_files = avro_value_field_long(r, "added_files_count",
                                                    avro_value_field_long(r, "added_data_files_count", 0));
        refs[i].existing_files = avro_value_field_long(r, "existing_files_count",
                                                       avro_value_field_long(r, "existing_data_files_count", 0));
        refs[i].deleted_files = avro_value_field_long(r, "deleted_files_count",
                                                      avro_value_field_long(r, "deleted_data_files_count", 0));
        refs[i].added_rows = avro_value_field_long(r, "added_rows_count", 0);
        refs[i].existing_rows = avro_value_field_long(r, "existing_rows_count", 0);
        refs[i].deleted_rows = avro_value_field_long(r, "deleted_rows_count", 0);
    }
    *out = refs;
    *n = f.n_records;
    return WEIR_OK;
}

static int put_manifest_ref(Buf *b, const ManifestRef *m)
{
    /* manifest_length .. deleted_rows_count, in MANIFEST_FILE_SCHEMA's order (ints and longs encode alike) */
    const int64_t nums[] = {m->length,         m->spec_id,     m->content,        m->seq,
                            m->min_seq,        m->added_snapshot_id, m->added_files, m->existing_files,
                            m->deleted_files,  m->added_rows,  m->existing_rows,  m->deleted_rows};
    int rc = avro_put_string(b, m->path);
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
        rc = rc ? rc : avro_put_long(b, nums[i]);
    /* partitions: the spec has no fields, so the summary list is empty (what Iceberg writes for an
     * unpartitioned spec); key_metadata null. */
    rc = rc ? rc : avro_put_long(b, 1);
    rc = rc ? rc : avro_put_long(b, 0);
    rc = rc ? rc : avro_put_long(b, 0);
    return rc;
}

/* ==================================================================================== manifests === */

typedef enum { STAT_SIZE, STAT_VALUES, STAT_NULLS } StatKind;

/* One of the int -> long maps of a data file, as a union branch 1 + array; null when nothing is known. */
static int put_count_map(Buf *b, const IcebergDataFile *f, StatKind k)
{
    uint32_t n = 0;
    for (uint32_t i = 0; f->cols && i < f->n_cols; i++) {
        int64_t v = k == STAT_SIZE ? f->cols[i].column_size : k == STAT_VALUES ? f->cols[i].value_count
                                                                               : f->cols[i].null_count;
        n += v >= 0;
    }
    if (n == 0)
        return avro_put_long(b, 0);
    int rc = avro_put_long(b, 1);
    rc = rc ? rc : avro_put_long(b, n);
    for (uint32_t i = 0; rc == WEIR_OK && f->cols && i < f->n_cols; i++) {
        int64_t v = k == STAT_SIZE ? f->cols[i].column_size : k == STAT_VALUES ? f->cols[i].value_count
                                                                               : f->cols[i].null_count;
        if (v < 0)
            continue;
        rc = avro_put_long(b, (int64_t)i + 1);
        rc = rc ? rc : avro_put_long(b, v);
    }
    return rc ? rc : avro_put_long(b, 0);
}

static int put_bound_map(Buf *b, const IcebergDataFile *f, int upper)
{
    uint32_t n = 0;
    for (uint32_t i = 0; f->cols && i < f->n_cols; i++)
        n += (upper ? f->cols[i].upper.p : f->cols[i].lower.p) != NULL;
    if (n == 0)
        return avro_put_long(b, 0);
    int rc = avro_put_long(b, 1);
    rc = rc ? rc : avro_put_long(b, n);
    for (uint32_t i = 0; rc == WEIR_OK && f->cols && i < f->n_cols; i++) {
        Slice s = upper ? f->cols[i].upper : f->cols[i].lower;
        if (!s.p)
            continue;
        rc = avro_put_long(b, (int64_t)i + 1);
        rc = rc ? rc : avro_put_bytes(b, s.p, s.n);
    }
    return rc ? rc : avro_put_long(b, 0);
}

static int put_manifest_entry(Buf *b, const IcebergTable *t, const IcebergDataFile *f, int64_t snap_id, int64_t seq)
{
    int rc = avro_put_long(b, 1); /* status ADDED */
    rc = rc ? rc : avro_put_long(b, 1);
    rc = rc ? rc : avro_put_long(b, snap_id);
    rc = rc ? rc : avro_put_long(b, 1);
    rc = rc ? rc : avro_put_long(b, seq);
    rc = rc ? rc : avro_put_long(b, 1);
    rc = rc ? rc : avro_put_long(b, seq);
    /* data_file */
    rc = rc ? rc : avro_put_long(b, 0); /* content DATA */
    if (rc == WEIR_OK) {
        char *uri = str_fmt("%s/%s", t->location, f->path);
        rc = avro_put_string(b, uri);
        free(uri);
    }
    rc = rc ? rc : avro_put_string(b, "PARQUET");
    /* partition: an empty record encodes as nothing */
    rc = rc ? rc : avro_put_long(b, f->record_count);
    rc = rc ? rc : avro_put_long(b, (int64_t)f->size);
    rc = rc ? rc : put_count_map(b, f, STAT_SIZE);
    rc = rc ? rc : put_count_map(b, f, STAT_VALUES);
    rc = rc ? rc : put_count_map(b, f, STAT_NULLS);
    rc = rc ? rc : avro_put_long(b, 0); /* nan_value_counts */
    rc = rc ? rc : put_bound_map(b, f, 0);
    rc = rc ? rc : put_bound_map(b, f, 1);
    for (int i = 0; rc == WEIR_OK && i < 5; i++) /* key_metadata .. referenced_data_file: null */
        rc = avro_put_long(b, 0);
    return rc;
}

/* After encoding one record with put_rc: close it, or report the encoder's failure. */
static int ice_record_end(AvroWriter *w, int put_rc, Err *e)
{
    if (put_rc != WEIR_OK)
        return err_set(e, put_rc, "iceberg: Avro file too large");
    return avro_writer_end_record(w, e);
}

/* Finish w and store it in the metadata directory: a manifest list "snap-<id>-1-<uuid>.avro" when
 * snap_id >= 0, else a manifest "<uuid>-m0.avro" (the names Iceberg Java gives them). Its URI (caller
 * frees) and length come back. */
static int ice_write_avro(IcebergTable *t, AvroWriter *w, int64_t snap_id, char **uri, int64_t *len, Err *e)
{
    int rc = avro_writer_finish(w, e);
    if (rc != WEIR_OK)
        return rc;
    char uuid[37];
    uuid_make(uuid);
    char *name = snap_id >= 0 ? str_fmt("snap-%lld-1-%s.avro", (long long)snap_id, uuid) : str_fmt("%s-m0.avro", uuid);
    char *path = str_fmt("%s/%s", t->meta_dir, name);
    rc = file_write_new(path, w->file.p, w->file.len, e);
    if (rc == WEIR_OK) {
        *uri = str_fmt("%s/metadata/%s", t->location, name);
        *len = (int64_t)w->file.len;
    }
    free(path);
    free(name);
    return rc;
}

static int ice_write_manifest(IcebergTable *t, const IcebergDataFile *files, size_t n_files, int64_t snap_id,
                              int64_t seq, char **uri, int64_t *len, Err *e)
{
    char sid[24];
    snprintf(sid, sizeof(sid), "%lld", (long long)jint(ice_current_schema(t->meta), "schema-id", 0));
    AvroMeta meta[] = {{"schema", t->schema_json},
                       {"schema-id", sid},
                       {"partition-spec", "[]"},
                       {"partition-spec-id", "0"},
                       {"format-version", "2"},
                       {"content", "data"}};
    AvroWriter w;
    int rc = avro_writer_init(&w, MANIFEST_ENTRY_SCHEMA, AVRO_CODEC_DEFLATE, meta, sizeof(meta) / sizeof(meta[0]),
                              0, e);
    for (size_t i = 0; rc == WEIR_OK && i < n_files; i++)
        rc = ice_record_end(&w, put_manifest_entry(avro_writer_record(&w), t, &files[i], snap_id, seq), e);
    if (rc == WEIR_OK)
        rc = ice_write_avro(t, &w, -1, uri, len, e);
    avro_writer_fini(&w);
    return rc;
}

static int ice_write_manifest_list(IcebergTable *t, const ManifestRef *refs, size_t n, int64_t snap_id,
                                   int64_t parent_id, int64_t seq, char **uri, Err *e)
{
    char s_id[24], s_parent[24], s_seq[24];
    snprintf(s_id, sizeof(s_id), "%lld", (long long)snap_id);
    snprintf(s_parent, sizeof(s_parent), "%lld", (long long)parent_id);
    snprintf(s_seq, sizeof(s_seq), "%lld", (long long)seq);
    AvroMeta meta[] = {{"snapshot-id", s_id}, {"sequence-number", s_seq}, {"format-version", "2"},
                       {"parent-snapshot-id", s_parent}};
    AvroWriter w;
    int rc = avro_writer_init(&w, MANIFEST_FILE_SCHEMA, AVRO_CODEC_DEFLATE, meta, parent_id >= 0 ? 4 : 3, 0, e);
    for (size_t i = 0; rc == WEIR_OK && i < n; i++)
        rc = ice_record_end(&w, put_manifest_ref(avro_writer_record(&w), &refs[i]), e);
    int64_t len;
    if (rc == WEIR_OK)
        rc = ice_write_avro(t, &w, snap_id, uri, &len, e);
    avro_writer_fini(&w);
    return rc;
}

/* ======================================================================================= append === */

static const char *const ICE_SUMMARY_KEYS[] = {
    "operation",          "added-data-files",       "added-records",      "added-files-size",
    "changed-partition-count", "total-records",     "total-files-size",   "total-data-files",
    "total-delete-files", "total-position-deletes", "total-equality-deletes"};

static int64_t summary_total(const IcebergSnapshot *s, const char *key)
{
    for (size_t i = 0; s && i < s->n_summary; i++)
        if (strcmp(s->summary[i].key, key) == 0)
            return strtoll(s->summary[i].value, NULL, 10);
    return 0;
}

static void summary_set_num(json_t *sum, const char *key, int64_t v)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)v);
    json_object_set_new(sum, key, json_string(num));
}

static void unlink_uri(const IcebergTable *t, const char *uri)
{
    char *p = uri ? ice_local_path(t, uri) : NULL;
    if (p)
        unlink(p);
    free(p);
}

/* One attempt on top of the loaded version. WEIR_EEXIST (e untouched): another writer took v+1. */
static int ice_commit_once(IcebergTable *t, const IcebergDataFile *files, size_t n_files, const IcebergProp *props,
                           size_t n_props, int64_t *snap_out, Err *e)
{
    json_t *base = t->meta;
    int64_t seq = jint(base, "last-sequence-number", 0) + 1;
    int64_t parent = t->current ? t->current->snapshot_id : -1;
    /* A collision with an existing id is a 1 in 2^53 chance per snapshot, but cheap to rule out. */
    int64_t snap_id = snapshot_id_make();
    for (size_t i = 0; i < t->n_snaps; i++)
        if (t->snaps[i].snapshot_id == snap_id) {
            snap_id = snapshot_id_make();
            i = (size_t)-1;
        }

    Arena *a = arena_create(NULL, ICE_READ_BUDGET);
    Buf lb;
    buf_init(&lb, ICE_MAX_METADATA);
    ManifestRef *old = NULL;
    size_t n_old = 0;
    char *manifest_uri = NULL, *list_uri = NULL;
    json_t *m = NULL;
    int rc = ice_manifest_refs(t, a, &lb, &old, &n_old, e);

    /* The new manifest and the manifest list: the old manifests first, then the new one. */
    ManifestRef *refs = NULL;
    int64_t added_rows = 0, added_size = 0;
    for (size_t i = 0; i < n_files; i++) {
        added_rows += files[i].record_count;
        added_size += (int64_t)files[i].size;
    }
    if (rc == WEIR_OK) {
        refs = ARENA_NEW(a, ManifestRef, n_old + 1);
        if (!refs)
            rc = err_set(e, WEIR_ENOMEM, "iceberg: manifest list over the memory budget");
    }
    size_t n_refs = n_old;
    if (rc == WEIR_OK) {
        if (n_old)
            memcpy(refs, old, n_old * sizeof(*refs));
        if (n_files) {
            int64_t mlen = 0;
            rc = ice_write_manifest(t, files, n_files, snap_id, seq, &manifest_uri, &mlen, e);
            if (rc == WEIR_OK)
                refs[n_refs++] = (ManifestRef){manifest_uri, mlen, 0, 0, seq, seq, snap_id,
                                               (int64_t)n_files, 0, 0, added_rows, 0, 0};
        }
    }
    if (rc == WEIR_OK)
        rc = ice_write_manifest_list(t, refs, n_refs, snap_id, parent, seq, &list_uri, e);

    /* The new metadata: a copy of the base with the snapshot added. */
    if (rc == WEIR_OK) {
        int64_t ts = now_ms();
        int64_t base_ts = jint(base, "last-updated-ms", 0);
        if (ts < base_ts)
            ts = base_ts; /* snapshots must not go back in time even when clocks do */
        json_t *sum = json_object();
        json_object_set_new(sum, "operation", json_string("append"));
        summary_set_num(sum, "added-data-files", (int64_t)n_files);
        summary_set_num(sum, "added-records", added_rows);
        summary_set_num(sum, "added-files-size", added_size);
        summary_set_num(sum, "changed-partition-count", n_files ? 1 : 0);
        summary_set_num(sum, "total-records", summary_total(t->current, "total-records") + added_rows);
        summary_set_num(sum, "total-files-size", summary_total(t->current, "total-files-size") + added_size);
        summary_set_num(sum, "total-data-files", summary_total(t->current, "total-data-files") + (int64_t)n_files);
        summary_set_num(sum, "total-delete-files", summary_total(t->current, "total-delete-files"));
        summary_set_num(sum, "total-position-deletes", summary_total(t->current, "total-position-deletes"));
        summary_set_num(sum, "total-equality-deletes", summary_total(t->current, "total-equality-deletes"));
        for (size_t i = 0; i < n_props; i++)
            json_object_set_new(sum, props[i].key, json_string(props[i].value));

        json_t *snap = json_pack("{s:I, s:I, s:I, s:o, s:s, s:I}", "snapshot-id", (json_int_t)snap_id,
                                 "sequence-number", (json_int_t)seq, "timestamp-ms", (json_int_t)ts, "summary", sum,
                                 "manifest-list", list_uri, "schema-id",
                                 (json_int_t)jint(base, "current-schema-id", 0));
        if (parent >= 0)
            json_object_set_new(snap, "parent-snapshot-id", json_integer(parent));
        m = json_deep_copy(base);
        json_object_set_new(m, "last-sequence-number", json_integer(seq));
        json_object_set_new(m, "last-updated-ms", json_integer(ts));
        json_object_set_new(m, "current-snapshot-id", json_integer(snap_id));
        json_t *arr = json_object_get(m, "snapshots");
        if (!json_is_array(arr))
            json_object_set_new(m, "snapshots", arr = json_array());
        json_array_append_new(arr, snap);
        json_object_set_new(m, "refs", json_pack("{s:{s:I, s:s}}", "main", "snapshot-id", (json_int_t)snap_id,
                                                 "type", "branch"));
        if (!json_is_array(arr = json_object_get(m, "snapshot-log")))
            json_object_set_new(m, "snapshot-log", arr = json_array());
        json_array_append_new(arr, json_pack("{s:I, s:I}", "timestamp-ms", (json_int_t)ts, "snapshot-id",
                                             (json_int_t)snap_id));
        if (!json_is_array(arr = json_object_get(m, "metadata-log")))
            json_object_set_new(m, "metadata-log", arr = json_array());
        char *prev = str_fmt("%s/metadata/v%lld.metadata.json", t->location, (long long)t->version);
        json_array_append_new(arr, json_pack("{s:I, s:s}", "timestamp-ms", (json_int_t)base_ts, "metadata-file",
                                             prev));
        free(prev);
        rc = ice_publish(t, m, t->version + 1, e);
    }
    if (rc == WEIR_OK) {
        /* Adopt what was just published without reading it back. */
        json_t *old_meta = t->meta;
        t->meta = m;
        t->version++;
        m = NULL;
        rc = ice_build_views(t, e);
        json_decref(old_meta);
        if (snap_out)
            *snap_out = snap_id;
    } else {
        unlink_uri(t, manifest_uri);
        unlink_uri(t, list_uri);
    }
    json_decref(m);
    free(manifest_uri);
    free(list_uri);
    buf_fini(&lb);
    arena_destroy(&a);
    return rc;
}

int iceberg_table_append(IcebergTable *t, const IcebergDataFile *files, size_t n_files, const IcebergProp *props,
                         size_t n_props, int64_t *snapshot_id, Err *e)
{
    if (jint(t->meta, "format-version", 1) != 2)
        return err_set(e, WEIR_EINVAL, "iceberg: the table in %s is not format version 2", t->dir);
    for (size_t i = 0; i < n_files; i++) {
        const IcebergDataFile *f = &files[i];
        if (!f->path || !*f->path || f->path[0] == '/' || strstr(f->path, "://") || f->record_count < 0 ||
            f->n_cols > t->n_cols || f->size > (uint64_t)INT64_MAX)
            return err_set(e, WEIR_EINVAL, "iceberg: data file %zu (%s) is not a relative path with valid counts",
                           i, f->path ? f->path : "(null)");
    }
    for (size_t i = 0; i < n_props; i++) {
        if (!props[i].key || !props[i].value)
            return err_set(e, WEIR_EINVAL, "iceberg: summary property %zu has no key or value", i);
        for (size_t k = 0; k < sizeof(ICE_SUMMARY_KEYS) / sizeof(ICE_SUMMARY_KEYS[0]); k++)
            if (strcmp(props[i].key, ICE_SUMMARY_KEYS[k]) == 0)
                return err_set(e, WEIR_EINVAL, "iceberg: summary property \"%s\" is Iceberg's own", props[i].key);
    }
    for (int attempt = 0; attempt <= ICEBERG_COMMIT_RETRIES; attempt++) {
        int rc = ice_commit_once(t, files, n_files, props, n_props, snapshot_id, e);
        if (rc != WEIR_EEXIST)
            return rc;
        log_debug("iceberg: %s: v%lld was committed by another writer; retrying", t->dir,
                  (long long)t->version + 1);
        if ((rc = iceberg_table_refresh(t, e)) != WEIR_OK)
            return rc;
    }
    return err_set(e, WEIR_EBUSY, "iceberg: %s: lost the commit race %d times", t->dir, ICEBERG_COMMIT_RETRIES + 1);
}

/* ========================================================================================= open === */

int iceberg_table_open(const char *dir, const IcebergColumn *cols, size_t n_cols, const char *location,
                       IcebergTable **out, Err *e)
{
    *out = NULL;
    if (!dir || !*dir)
        return err_set(e, WEIR_EINVAL, "iceberg: no table directory");
    if (cols && n_cols == 0)
        return err_set(e, WEIR_EINVAL, "iceberg: a table needs at least one column");
    IcebergTable *t = xcalloc(1, sizeof(*t));
    t->dir = xstrdup(dir);
    size_t dl = strlen(t->dir);
    while (dl > 1 && t->dir[dl - 1] == '/')
        t->dir[--dl] = '\0';
    t->meta_dir = str_fmt("%s/metadata", t->dir);
    t->view = arena_create(NULL, ARENA_UNLIMITED);
    Err le = {0};
    int rc = iceberg_table_refresh(t, &le);
    if (rc == WEIR_ENOTFOUND && cols) {
        rc = mkdir_p(t->meta_dir, e);
        if (rc == WEIR_OK) {
            char *data = str_fmt("%s/data", t->dir);
            rc = mkdir_p(data, e);
            free(data);
        }
        if (rc == WEIR_OK) {
            rc = ice_create(t, cols, n_cols, location, e);
            if (rc == WEIR_EEXIST)
                rc = WEIR_OK; /* created concurrently by someone else: check their schema below */
        }
        if (rc == WEIR_OK)
            rc = iceberg_table_refresh(t, e);
    } else if (rc != WEIR_OK) {
        err_set(e, rc, "%s", le.msg);
    }
    if (rc == WEIR_OK && cols)
        rc = ice_schema_check(t, cols, n_cols, e);
    if (rc != WEIR_OK) {
        iceberg_table_close(&t);
        return rc;
    }
    *out = t;
    return WEIR_OK;
}

int iceberg_table_open_tabledef(const char *dir, const TableDef *td, const char *location, IcebergTable **out,
                                Err *e)
{
    size_t n = 0;
    IcebergColumn *cols = xcalloc(td->n_cols ? td->n_cols : 1, sizeof(*cols));
    for (uint32_t i = 0; i < td->n_cols; i++) {
        if (td->cols[i].is_hidden)
            continue;
        cols[n].name = td->cols[i].name;
        cols[n].type = td->cols[i].type;
        cols[n].is_nullable = 1;
        n++;
    }
    int rc = iceberg_table_open(dir, cols, n, location, out, e);
    free(cols);
    return rc;
}

void iceberg_table_close(IcebergTable **tp)
{
    if (!tp || !*tp)
        return;
    IcebergTable *t = *tp;
    json_decref(t->meta);
    arena_destroy(&t->view);
    free(t->dir);
    free(t->meta_dir);
    free(t);
    *tp = NULL;
}

/* ====================================================================================== queries === */

const IcebergSnapshot *iceberg_table_current(const IcebergTable *t) { return t->current; }

const char *iceberg_table_summary_get(const IcebergTable *t, const char *key)
{
    const IcebergSnapshot *s = t->current;
    if (!s)
        return NULL;
    if (strcmp(key, "operation") == 0)
        return s->operation;
    for (size_t i = 0; i < s->n_summary; i++)
        if (strcmp(s->summary[i].key, key) == 0)
            return s->summary[i].value;
    return NULL;
}

const IcebergSnapshot *iceberg_table_snapshots(const IcebergTable *t, size_t *n)
{
    *n = t->n_snaps;
    return t->snaps;
}

const char *iceberg_table_location(const IcebergTable *t) { return t->location; }
const char *iceberg_table_uuid(const IcebergTable *t) { return t->uuid; }
int64_t iceberg_table_version(const IcebergTable *t) { return t->version; }

const char *iceberg_table_schema_json(const IcebergTable *t) { return t->schema_json; }

const IcebergColumn *iceberg_table_columns(const IcebergTable *t, size_t *n)
{
    *n = t->n_cols;
    return t->cols;
}

int iceberg_table_data_files(IcebergTable *t, Buf *paths, size_t *n_paths, Err *e)
{
    *n_paths = 0;
    Arena *a = arena_create(NULL, ICE_READ_BUDGET);
    Buf lb;
    buf_init(&lb, ICE_MAX_METADATA);
    ManifestRef *refs;
    size_t n_refs;
    int rc = ice_manifest_refs(t, a, &lb, &refs, &n_refs, e);
    size_t ln = strlen(t->location);
    for (size_t i = 0; rc == WEIR_OK && i < n_refs; i++) {
        if (refs[i].content != 0)
            continue; /* delete manifests list delete files, not data */
        Buf mb;
        buf_init(&mb, ICE_MAX_METADATA);
        AvroFile f;
        rc = ice_read_avro(t, refs[i].path, a, &mb, &f, e);
        for (size_t r = 0; rc == WEIR_OK && r < f.n_records; r++) {
            if (avro_value_field_long(f.records[r], "status", 1) == 2)
                continue; /* DELETED entries are history */
            const AvroValue *df = avro_value_field(f.records[r], "data_file");
            Slice p = avro_value_field_str(df, "file_path");
            if (!p.p)
                rc = err_set(e, WEIR_ECORRUPT, "iceberg: %s: entry %zu has no file_path", refs[i].path, r);
            else {
                if (p.n > ln && memcmp(p.p, t->location, ln) == 0 && p.p[ln] == '/') {
                    p.p += ln + 1;
                    p.n -= ln + 1;
                }
                if (buf_append(paths, p.p, p.n) != WEIR_OK || buf_append_byte(paths, 0) != WEIR_OK)
                    rc = err_set(e, WEIR_ELIMIT, "iceberg: data file list too large");
                else
                    (*n_paths)++;
            }
        }
        buf_fini(&mb);
    }
    buf_fini(&lb);
    arena_destroy(&a);
    return rc;
}

void iceberg_stats_from_parquet(const ParquetResult *res, IcebergColumnStats *out)
{
    for (uint32_t i = 0; i < res->n_cols; i++) {
        const ParquetColumnResult *r = &res->cols[i];
        out[i] = (IcebergColumnStats){(int64_t)r->value_count, (int64_t)r->null_count, (int64_t)r->compressed_size,
                                      r->has_lower ? r->lower : (Slice){NULL, 0},
                                      r->has_upper ? r->upper : (Slice){NULL, 0}};
    }
}

void iceberg_table_new_data_path(IcebergTable *t, char *out, size_t cap)
{
    char uuid[37];
    uuid_make(uuid);
    snprintf(out, cap, "data/%05lld-%013lld-%s.parquet", (long long)(t->version % 100000), (long long)now_ms(), uuid);
}
