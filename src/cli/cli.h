/*
 * cli.h: the `weir` command's subcommands. main.c dispatches on argv[1]; each subcommand parses
 * its own options and returns the process exit status.
 */
#ifndef WEIR_CLI_CLI_H
#define WEIR_CLI_CLI_H

#include "base/version.h"

int cmd_server(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_gen(int argc, char **argv);
/* `weir objstore`: put/get/head/delete/list on a warehouse directory or an S3 endpoint (not in
 * `weir help`: a tool for checking a store configuration and for tests; cmd_objstore.c). */
int cmd_objstore(int argc, char **argv);
/* `weir iceberg ls`: the snapshots of an Iceberg table directory (cmd_iceberg.c). */
int cmd_iceberg(int argc, char **argv);

#endif
