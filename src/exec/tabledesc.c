/*
 * tabledesc.c: a directory of Presto/Trino table descriptions made into catalog tables (see tabledesc.h).
 *
 * Three phases, so that a bad directory changes nothing: read every file (tabledef_load_trino does the
 * parsing and all the checks a CREATE TABLE gets), check the names against each other and against the
 * catalog, and only then add, replace and drop. The directory is compared in its realpath() form, which is
 * also how the files' paths are stored (TableDef.description_file), so "loaded from this directory"
 * survives a start from another working directory or through a symlink.
 */
#include "exec/tabledesc.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exec/catalog.h"
#include "exec/exec_int.h"

typedef struct Loaded {
    TableDef *def; /* owned until handed to the catalog */
    char *path;
    char *name; /* the table's name (def may be gone) */
} Loaded;

static void td_report(TableDescReportFn fn, void *arg, size_t *problems, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void td_report(TableDescReportFn fn, void *arg, size_t *problems, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    (*problems)++;
    if (fn)
        fn(arg, line);
}

/* Is path a file directly inside dir (both absolute, dir without a trailing slash)? */
static int td_in_dir(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return path && strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1] && !strchr(path + n + 1, '/');
}

static int td_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json names of dir, sorted (caller frees each and the array). */
static int td_list(const char *dir, char ***out, size_t *n_out, Err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, WEIR_EIO, "cannot open table description directory \"%s\": %s", dir,
                       strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l <= 5 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), td_cmp_name);
    *out = names;
    *n_out = n;
    return WEIR_OK;
}

/* Do two definitions say the same (their catalog forms are equal)? */
static int td_same(const TableDef *a, const TableDef *b)
{
    char *ja = tabledef_to_json(a), *jb = tabledef_to_json(b);
    int same = ja && jb && strcmp(ja, jb) == 0;
    free(ja);
    free(jb);
    return same;
}

int tabledesc_sync(SqlEngine *eng, const char *dir, TableDescReportFn report, void *report_arg,
                   TableDescCounts *counts, Err *e)
{
    memset(counts, 0, sizeof(*counts));
    SqlCatalog *cat = eng->catalog;
    char *real = realpath(dir, NULL);
    if (!real)
        return err_set(e, WEIR_EIO, "cannot open table description directory \"%s\": %s", dir,
                       strerror(errno));
    struct stat sb;
    if (stat(real, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        err_set(e, WEIR_EIO, "table descriptions: \"%s\" is not a directory", dir);
        free(real);
        return WEIR_EIO;
    }
    char **names = NULL;
    size_t n_names = 0;
    if (td_list(real, &names, &n_names, e)) {
        free(real);
        return e->code;
    }
    Loaded *ld = xcalloc(n_names ? n_names : 1, sizeof(*ld));
    size_t n = 0, problems = 0;

    /* 1. read every file */
    for (size_t i = 0; i < n_names; i++) {
        size_t pl = strlen(real) + strlen(names[i]) + 2;
        char *path = xmalloc(pl);
        snprintf(path, pl, "%s/%s", real, names[i]);
        counts->files++;
        SqlError se;
        memset(&se, 0, sizeof(se));
        TableDef *td = NULL;
        if (tabledef_load_trino(path, &td, &se)) {
            /* the parser's messages usually name the file already */
            if (strstr(se.message, names[i]))
                td_report(report, report_arg, &problems, "%s", se.message);
            else
                td_report(report, report_arg, &problems, "%s: %s", path, se.message);
            free(path);
            continue;
        }
        /* 2a. against each other */
        size_t dup = n;
        for (size_t k = 0; k < n && dup == n; k++)
            if (strcmp(ld[k].def->name, td->name) == 0)
                dup = k;
        if (dup < n) {
            td_report(report, report_arg, &problems, "%s: table \"%s\" is already defined by %s", path,
                      td->name, ld[dup].path);
            tabledef_destroy(&td);
            free(path);
            continue;
        }
        ld[n].def = td;
        ld[n].path = path;
        ld[n].name = xstrdup(td->name);
        n++;
    }
    /* 2b. against the catalog: a table of the same name must have come from this directory */
    for (size_t k = 0; k < n; k++) {
        CatalogTable *t = sql_catalog_get(cat, ld[k].def->name);
        if (!t)
            continue;
        const char *from = t->def->description_file;
        if (!td_in_dir(from, real)) {
            char how[600];
            if (from)
                snprintf(how, sizeof(how), "loaded from %s", from);
            else
                snprintf(how, sizeof(how), "made with CREATE TABLE");
            td_report(
                report, report_arg, &problems,
                "%s: table \"%s\" already exists in the catalog (%s); drop it (DROP TABLE %s) or rename the "
                "table in the file",
                ld[k].path, ld[k].def->name, how, ld[k].def->name);
        }
        sql_catalog_unref(cat, t);
    }
    int rc = WEIR_OK;
    if (problems) {
        rc = err_set(e, WEIR_EPARSE, "%zu problem%s with the table descriptions in %s (nothing was loaded)",
                     problems, problems == 1 ? "" : "s", real);
        goto out;
    }

    /* 3. apply */
    for (size_t k = 0; k < n && rc == WEIR_OK; k++) {
        SqlError se;
        memset(&se, 0, sizeof(se));
        CatalogTable *t = sql_catalog_get(cat, ld[k].def->name);
        if (t) {
            int same = td_same(t->def, ld[k].def);
            sql_catalog_unref(cat, t);
            if (same) {
                counts->unchanged++;
                continue;
            }
            if (sql_catalog_drop(cat, ld[k].def->name, 1, &se)) {
                rc = err_set(e, WEIR_EIO, "%s: %s", ld[k].path, se.message);
                break;
            }
            counts->replaced++;
        } else {
            counts->added++;
        }
        int created = 0;
        TableDef *def = ld[k].def;
        ld[k].def = NULL; /* the catalog owns it now, or freed it on failure */
        if (sql_catalog_add(cat, def, 0, &created, &se))
            rc = err_set(e, WEIR_EIO, "%s: %s", ld[k].path, se.message);
    }
    if (rc == WEIR_OK) {
        /* tables an earlier start loaded from this directory whose file is gone (or names another table now)
         */
        CatalogTable **all = NULL;
        size_t n_all = sql_catalog_list(cat, &all);
        for (size_t i = 0; i < n_all && rc == WEIR_OK; i++) {
            const TableDef *td = all[i]->def;
            if (!td_in_dir(td->description_file, real))
                continue;
            int keep = 0;
            for (size_t k = 0; k < n && !keep; k++)
                keep = strcmp(td->name, ld[k].name) == 0;
            if (keep)
                continue;
            SqlError se;
            memset(&se, 0, sizeof(se));
            if (sql_catalog_drop(cat, td->name, 1, &se))
                rc = err_set(e, WEIR_EIO, "dropping table \"%s\" (its file %s is gone): %s", td->name,
                             td->description_file, se.message);
            else
                counts->dropped++;
        }
        for (size_t i = 0; i < n_all; i++)
            sql_catalog_unref(cat, all[i]);
        free(all);
    }
out:
    for (size_t k = 0; k < n; k++) {
        tabledef_destroy(&ld[k].def);
        free(ld[k].path);
        free(ld[k].name);
    }
    free(ld);
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    free(real);
    return rc;
}
