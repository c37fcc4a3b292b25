/*
 * main.c: the `weir` command. `weir server ...` runs the server, `weir sql ...` is the SQL shell;
 * `weir help` and `weir --version` say what there is. Other subcommands (put, tail, load, gen) are
 * added beside them.
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"

static void usage(FILE *f)
{
    fputs("usage: weir <command> [options]\n"
          "\n"
          "commands:\n"
          "  server    run the server (Kinesis Data Streams API on HTTP, SQL on the PostgreSQL protocol)\n"
          "  sql       SQL shell against a running server (weir sql --help)\n"
          "  gen       write generated streams into a server (weir gen nexmark --help)\n"
          "  iceberg   list the snapshots of an Iceberg table (weir iceberg ls --help)\n"
          "  help      show this text\n"
          "\n"
          "weir server [--data DIR] [--listen ADDR:PORT] [--pg-listen ADDR:PORT|none]\n"
          "            [--fsync always|batch|none] [--region REGION] [--account ID]\n"
          "weir sql [-c SQL] [-f FILE] [-h HOST] [-p PORT] [-U USER] [-d DB | URI]\n"
          "weir gen nexmark [--events N] [--rate R] [--endpoint URL] [--streams A,B,C|PREFIX] [--out DIR] ...\n",
          f);
}

int main(int argc, char **argv)
{
    log_init_from_env();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "server"))
        return cmd_server(argc - 1, argv + 1);
    if (!strcmp(argv[1], "sql"))
        return cmd_sql(argc - 1, argv + 1);
    if (!strcmp(argv[1], "gen"))
        return cmd_gen(argc - 1, argv + 1);
    if (!strcmp(argv[1], "objstore"))
        return cmd_objstore(argc - 1, argv + 1);
    if (!strcmp(argv[1], "iceberg"))
        return cmd_iceberg(argc - 1, argv + 1);
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("weir %s\n", WEIR_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "weir: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
