/*
 * cmd_sql.c: `weir sql`, a SQL shell against a running weir server (or any PostgreSQL server): it is a
 * real PostgreSQL client, built on libpq, so it goes through the same protocol path as psql and JDBC.
 *
 *   weir sql                              interactive: line editing and history (libedit), statements
 *                                         end at ';', results as psql's aligned tables
 *   weir sql -c 'select 1' [-c ...]       run each command and exit (status 1 if one failed)
 *   weir sql -f file.sql | < file.sql     run a script statement by statement
 *   --host/-h, --port/-p, --user/-U, --dbname/-d, or a connection URI (postgresql://host:port/db)
 *
 * Defaults: 127.0.0.1, port 4568 (weir's PostgreSQL port), unless PGHOST/PGPORT say otherwise.
 * Output follows psql's "aligned" format (print.c): centred headers, numbers right-aligned, a "+" at
 * the end of a line that a multi-line value continues, "(N rows)" and a blank line after each table;
 * commands print their tag; errors print libpq's message (which includes the LINE/caret context).
 * Ctrl-C while a query runs sends a CancelRequest (PQcancel is async-signal-safe).
 *
 * Backslash commands (interactive and scripts): \q quit, \timing toggle timing, \conninfo, \? help.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include <editline/readline.h>
#include <libpq-fe.h>

#include "base/buf.h"
#include "cli/cli.h"

typedef struct Shell {
    PGconn *conn;
    int timing;
    int interactive;
    int quit;
} Shell;

/* The connection's cancel handle for the SIGINT handler; set only while a query runs. */
static PGcancel *volatile sql_cancel_handle;

static void sql_sigint(int sig)
{
    (void)sig;
    PGcancel *c = sql_cancel_handle;
    if (c) {
        char err[256];
        (void)PQcancel(c, err, sizeof(err)); /* documented as safe in a signal handler */
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* aligned output (psql's print_aligned_text, default settings)                                    */
/* ---------------------------------------------------------------------------------------------- */

/* Display width of UTF-8 text: one column per code point (no East Asian wide forms). */
static size_t text_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

static int oid_is_numeric(Oid t)
{
    switch (t) {
    case 20:
    case 21:
    case 23:
    case 26:
    case 700:
    case 701:
    case 1700:
    case 790: /* int8 int2 int4 oid float4 float8 numeric money */
        return 1;
    default:
        return 0;
    }
}

/* Line k (0-based) of a possibly multi-line value: pointer and length, or NULL past the end. */
static const char *value_line(const char *v, int k, size_t *len)
{
    const char *p = v;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '\n');
        if (!p)
            return NULL;
        p++;
    }
    const char *nl = strchr(p, '\n');
    *len = nl ? (size_t)(nl - p) : strlen(p);
    return p;
}

static int value_lines(const char *v)
{
    int n = 1;
    for (; *v; v++)
        if (*v == '\n')
            n++;
    return n;
}

static void put_spaces(size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc(' ', stdout);
}

static void print_table(PGresult *res)
{
    int nf = PQnfields(res), nr = PQntuples(res);
    size_t *width = calloc((size_t)nf + 1, sizeof(size_t));
    int *right = calloc((size_t)nf + 1, sizeof(int));
    for (int c = 0; c < nf; c++) {
        const char *name = PQfname(res, c);
        width[c] = text_width(name, strlen(name));
        right[c] = oid_is_numeric(PQftype(res, c));
        for (int r = 0; r < nr; r++) {
            const char *v = PQgetvalue(res, r, c);
            for (int k = 0;; k++) {
                size_t len;
                const char *line = value_line(v, k, &len);
                if (!line)
                    break;
                size_t w = text_width(line, len);
                if (w > width[c])
                    width[c] = w;
            }
        }
    }
    /* header: names centred */
    for (int c = 0; c < nf; c++) {
        const char *name = PQfname(res, c);
        size_t w = text_width(name, strlen(name));
        size_t left = (width[c] - w) / 2;
        fputs(c ? "| " : " ", stdout);
        put_spaces(left);
        fputs(name, stdout);
        put_spaces(width[c] - w - left);
        fputc(' ', stdout);
    }
    fputc('\n', stdout);
    for (int c = 0; c < nf; c++) {
        if (c)
            fputc('+', stdout);
        for (size_t i = 0; i < width[c] + 2; i++)
            fputc('-', stdout);
    }
    fputc('\n', stdout);
    for (int r = 0; r < nr; r++) {
        int height = 1;
        for (int c = 0; c < nf; c++) {
            int h = value_lines(PQgetvalue(res, r, c));
            if (h > height)
                height = h;
        }
        for (int k = 0; k < height; k++) {
            for (int c = 0; c < nf; c++) {
                const char *v = PQgetvalue(res, r, c);
                size_t len = 0;
                const char *line = value_line(v, k, &len);
                int more = line && value_lines(v) > k + 1;
                size_t w = line ? text_width(line, len) : 0;
                int last = c == nf - 1;
                fputs(c ? "|" : "", stdout);
                fputc(' ', stdout);
                if (!line && last)
                    break; /* nothing left of the last cell on this line: psql pads no further */
                if (right[c])
                    put_spaces(width[c] - w);
                if (line)
                    fwrite(line, 1, len, stdout);
                /* the last column is not padded on the right unless a "+" marker needs the place */
                if (!right[c] && (!last || more))
                    put_spaces(width[c] - w);
                if (more)
                    fputc('+', stdout);
                else if (!last)
                    fputc(' ', stdout);
            }
            fputc('\n', stdout);
        }
    }
    printf("(%d row%s)\n\n", nr, nr == 1 ? "" : "s");
    free(width);
    free(right);
}

static void sql_notice(void *arg, const char *message)
{
    (void)arg;
    fputs(message, stderr);
}

/* ---------------------------------------------------------------------------------------------- */
/* running statements                                                                              */
/* ---------------------------------------------------------------------------------------------- */

static double now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
}

/* Send one query string (it may hold several statements) and print every result. Returns 0, or -1
 * if a statement failed or the connection broke. */
static int sql_run(Shell *sh, const char *query)
{
    double t0 = now_ms();
    sql_cancel_handle = PQgetCancel(sh->conn);
    int rc = 0;
    if (!PQsendQuery(sh->conn, query)) {
        fputs(PQerrorMessage(sh->conn), stderr);
        rc = -1;
    } else {
        PGresult *res;
        while ((res = PQgetResult(sh->conn)) != NULL) {
            switch (PQresultStatus(res)) {
            case PGRES_TUPLES_OK:
                print_table(res);
                break;
            case PGRES_COMMAND_OK:
                if (PQcmdStatus(res)[0])
                    printf("%s\n", PQcmdStatus(res));
                break;
            case PGRES_EMPTY_QUERY:
                break;
            case PGRES_COPY_IN:
            case PGRES_COPY_OUT:
                fputs("weir sql: COPY is not supported\n", stderr);
                rc = -1;
                break;
            default:
                fflush(stdout); /* earlier results first, as psql shows them */
                fputs(PQresultErrorMessage(res), stderr);
                rc = -1;
                break;
            }
            PQclear(res);
        }
    }
    PGcancel *c = sql_cancel_handle;
    sql_cancel_handle = NULL;
    PQfreeCancel(c);
    if (PQstatus(sh->conn) == CONNECTION_BAD) {
        fputs("weir sql: the connection to the server was lost\n", stderr);
        sh->quit = 1;
        rc = -1;
    }
    if (sh->timing)
        printf("Time: %.3f ms\n", now_ms() - t0);
    fflush(stdout);
    return rc;
}

/* A backslash command (the whole line). Returns 0, or -1 for an unknown one. */
static int sql_meta(Shell *sh, const char *line)
{
    char cmd[32];
    size_t n = 0;
    line++; /* the backslash */
    while (*line && *line != ' ' && *line != '\t' && n < sizeof(cmd) - 1)
        cmd[n++] = *line++;
    cmd[n] = '\0';
    if (!strcmp(cmd, "q") || !strcmp(cmd, "quit")) {
        sh->quit = 1;
    } else if (!strcmp(cmd, "timing")) {
        while (*line == ' ' || *line == '\t')
            line++;
        sh->timing = !strncasecmp(line, "on", 2) ? 1 : !strncasecmp(line, "off", 3) ? 0 : !sh->timing;
        printf("Timing is %s.\n", sh->timing ? "on" : "off");
    } else if (!strcmp(cmd, "conninfo")) {
        printf("You are connected to database \"%s\" as user \"%s\" on host \"%s\" at port \"%s\".\n",
               PQdb(sh->conn), PQuser(sh->conn), PQhost(sh->conn), PQport(sh->conn));
    } else if (!strcmp(cmd, "?") || !strcmp(cmd, "help")) {
        fputs("  \\q              quit\n"
              "  \\timing [on|off] show how long each statement takes\n"
              "  \\conninfo       the current connection\n"
              "  statements end with ';' (several on a line run together)\n",
              stdout);
    } else {
        fprintf(stderr, "invalid command \\%s\nTry \\? for help.\n", cmd);
        return -1;
    }
    fflush(stdout);
    return 0;
}

/* Lexical state across lines: is the text so far inside a literal or comment, and where is the last
 * top-level ';'? Enough of PostgreSQL's lexer to find statement ends: '...' (with '' and E'\''), "...",
 * $tag$...$tag$, -- comments and nested block comments. */
typedef struct Lex {
    int in_squote, in_dquote, in_block, is_escape_string;
    char dollar[64]; /* the open $tag$, "" when none */
} Lex;

/* Scan s; returns the offset just past the last top-level ';', or 0 when there is none. */
static size_t lex_scan(Lex *lx, const char *s)
{
    size_t last = 0;
    for (size_t i = 0; s[i]; i++) {
        char ch = s[i];
        if (lx->dollar[0]) {
            size_t dl = strlen(lx->dollar);
            if (!strncmp(s + i, lx->dollar, dl)) {
                i += dl - 1;
                lx->dollar[0] = '\0';
            }
        } else if (lx->in_block) {
            if (ch == '*' && s[i + 1] == '/') {
                lx->in_block--;
                i++;
            } else if (ch == '/' && s[i + 1] == '*') {
                lx->in_block++;
                i++;
            }
        } else if (lx->in_squote) {
            if (lx->is_escape_string && ch == '\\' && s[i + 1])
                i++;
            else if (ch == '\'') {
                if (s[i + 1] == '\'')
                    i++;
                else
                    lx->in_squote = 0;
            }
        } else if (lx->in_dquote) {
            if (ch == '"')
                lx->in_dquote = 0;
        } else if (ch == '\'') {
            lx->in_squote = 1;
            lx->is_escape_string = i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e');
        } else if (ch == '"') {
            lx->in_dquote = 1;
        } else if (ch == '-' && s[i + 1] == '-') {
            while (s[i + 1] && s[i + 1] != '\n')
                i++;
        } else if (ch == '/' && s[i + 1] == '*') {
            lx->in_block = 1;
            i++;
        } else if (ch == '$' && (i == 0 || !(s[i - 1] == '_' || (s[i - 1] >= '0' && s[i - 1] <= '9') ||
                                             ((s[i - 1] | 0x20) >= 'a' && (s[i - 1] | 0x20) <= 'z')))) {
            size_t j = i + 1;
            while (s[j] && (s[j] == '_' || ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z') ||
                            (j > i + 1 && s[j] >= '0' && s[j] <= '9')))
                j++;
            if (s[j] == '$' && j - i + 1 < sizeof(lx->dollar)) {
                memcpy(lx->dollar, s + i, j - i + 1);
                lx->dollar[j - i + 1] = '\0';
                i = j;
            }
        } else if (ch == ';') {
            last = i + 1;
        }
    }
    return last;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

/* Feed one input line. Complete statements run; the rest waits in *pending. Returns -1 if something
 * failed. */
static int sql_line(Shell *sh, Buf *pending, const char *line)
{
    int rc = 0;
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (pending->len == 0 || is_blank((const char *)pending->p)) {
        if (*p == '\\')
            return sql_meta(sh, p);
    }
    if (buf_append_cstr(pending, line) || buf_append_byte(pending, '\n')) {
        fputs("weir sql: statement too long\n", stderr);
        buf_reset(pending);
        return -1;
    }
    Lex lx;
    memset(&lx, 0, sizeof(lx));
    size_t end = lex_scan(&lx, (const char *)pending->p);
    if (end == 0)
        return 0;
    char *stmt = strndup((const char *)pending->p, end);
    if (!stmt)
        abort();
    size_t rest = pending->len - end;
    memmove(pending->p, pending->p + end, rest);
    pending->len = rest;
    pending->p[rest] = '\0';
    if (is_blank((const char *)pending->p))
        buf_reset(pending);
    if (sql_run(sh, stmt))
        rc = -1;
    free(stmt);
    return rc;
}

static const char *sql_prompt(Shell *sh, const Buf *pending)
{
    static char prompt[128];
    const char *db = PQdb(sh->conn);
    char st = '=';
    if (pending->len && !is_blank((const char *)pending->p))
        st = '-';
    const char *tx = "";
    switch (PQtransactionStatus(sh->conn)) {
    case PQTRANS_INTRANS:
        tx = "*";
        break;
    case PQTRANS_INERROR:
        tx = "!";
        break;
    default:
        break;
    }
    snprintf(prompt, sizeof(prompt), "%s%c%s> ", db, st, tx);
    return prompt;
}

static int sql_repl(Shell *sh)
{
    char hist[1024] = "";
    const char *home = getenv("HOME");
    if (home) {
        snprintf(hist, sizeof(hist), "%s/.weir_sql_history", home);
        read_history(hist);
    }
    stifle_history(1000);
    printf("weir sql %s (server %s). Type \\? for help, \\q to quit.\n\n", WEIR_VERSION,
           PQparameterStatus(sh->conn, "server_version") ? PQparameterStatus(sh->conn, "server_version")
                                                         : "?");
    Buf pending;
    buf_init(&pending, 0);
    while (!sh->quit) {
        char *line = readline(sql_prompt(sh, &pending));
        if (!line) { /* EOF (Ctrl-D) */
            fputc('\n', stdout);
            break;
        }
        if (!is_blank(line))
            add_history(line);
        (void)sql_line(sh, &pending, line);
        free(line);
    }
    if (hist[0])
        write_history(hist);
    buf_fini(&pending);
    return 0;
}

/* A script from a stream: statements run as they complete; the first failure does not stop it
 * (psql's default), but sets the exit status. */
static int sql_script(Shell *sh, FILE *f)
{
    Buf pending;
    buf_init(&pending, 0);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (!sh->quit && (n = getline(&line, &cap, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (sql_line(sh, &pending, line))
            rc = -1;
    }
    if (!sh->quit && !is_blank(pending.p ? (const char *)pending.p : "")) {
        /* a last statement without ';' still runs, as in psql */
        if (sql_run(sh, (const char *)pending.p))
            rc = -1;
    }
    free(line);
    buf_fini(&pending);
    return rc;
}

static void sql_usage(FILE *f)
{
    fputs("usage: weir sql [options] [URI | DBNAME]\n"
          "  -c, --command SQL     run SQL (may be given several times) and exit\n"
          "  -f, --file FILE       run the statements in FILE and exit\n"
          "  -h, --host HOST       server host (default 127.0.0.1, or PGHOST)\n"
          "  -p, --port PORT       server port (default 4568, or PGPORT)\n"
          "  -U, --user NAME       user name (default $USER)\n"
          "  -d, --dbname NAME     database name (default: the user name)\n"
          "  a URI works too: weir sql postgresql://127.0.0.1:4568/weir\n"
          "exit status: 0 ok, 1 a statement failed, 2 could not connect\n",
          f);
}

int cmd_sql(int argc, char **argv)
{
    static const struct option opts[] = {
        {"command", required_argument, NULL, 'c'},
        {"file", required_argument, NULL, 'f'},
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
        {"user", required_argument, NULL, 'U'},
        {"username", required_argument, NULL, 'U'},
        {"dbname", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    const char *host = NULL, *port = NULL, *user = NULL, *dbname = NULL, *file = NULL;
    char **commands = calloc((size_t)argc + 1, sizeof(char *));
    int n_commands = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:f:h:p:U:d:", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            commands[n_commands++] = optarg;
            break;
        case 'f':
            file = optarg;
            break;
        case 'h':
            host = optarg;
            break;
        case 'p':
            port = optarg;
            break;
        case 'U':
            user = optarg;
            break;
        case 'd':
            dbname = optarg;
            break;
        case 'H':
            sql_usage(stdout);
            free(commands);
            return 0;
        default:
            sql_usage(stderr);
            free(commands);
            return 2;
        }
    }
    if (optind < argc)
        dbname = argv[optind++]; /* a URI or a database name; libpq tells them apart */
    if (optind < argc) {
        fprintf(stderr, "weir sql: unexpected argument '%s'\n", argv[optind]);
        free(commands);
        return 2;
    }
    /* Keywords are applied in order and later ones win: weir's defaults first (unless PGHOST/PGPORT
     * are set), then dbname -- which libpq expands when it is a URI or a key=value string -- then the
     * explicit options. */
    const char *keys[12], *vals[12];
    int k = 0;
    if (!getenv("PGHOST")) {
        keys[k] = "host";
        vals[k++] = "127.0.0.1";
    }
    if (!getenv("PGPORT")) {
        keys[k] = "port";
        vals[k++] = "4568";
    }
    if (dbname) {
        keys[k] = "dbname";
        vals[k++] = dbname;
    }
    if (host) {
        keys[k] = "host";
        vals[k++] = host;
    }
    if (port) {
        keys[k] = "port";
        vals[k++] = port;
    }
    if (user) {
        keys[k] = "user";
        vals[k++] = user;
    }
    keys[k] = "fallback_application_name";
    vals[k++] = "weir sql";
    keys[k] = NULL;
    vals[k] = NULL;
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "weir sql: %s", PQerrorMessage(conn));
        PQfinish(conn);
        free(commands);
        return 2;
    }
    PQsetNoticeProcessor(conn, sql_notice, NULL);
    Shell sh = {.conn = conn};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sql_sigint;
    sa.sa_flags = SA_RESTART; /* at the prompt, Ctrl-C must not end the line reader */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    int rc = 0;
    if (n_commands) {
        for (int i = 0; i < n_commands && !sh.quit; i++) {
            const char *cmd = commands[i];
            while (*cmd == ' ' || *cmd == '\t' || *cmd == '\n')
                cmd++;
            if ((*cmd == '\\' ? sql_meta(&sh, cmd) : sql_run(&sh, commands[i])) != 0)
                rc = 1;
        }
    } else if (file) {
        FILE *f = fopen(file, "r");
        if (!f) {
            fprintf(stderr, "weir sql: %s: %s\n", file, strerror(errno));
            rc = 1;
        } else {
            rc = sql_script(&sh, f) ? 1 : 0;
            fclose(f);
        }
    } else if (isatty(STDIN_FILENO)) {
        sh.interactive = 1;
        rc = sql_repl(&sh);
    } else {
        rc = sql_script(&sh, stdin) ? 1 : 0;
    }
    PQfinish(conn);
    free(commands);
    return rc;
}
