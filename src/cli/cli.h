/*
 * cli.h: the `weir` command's subcommands. main.c dispatches on argv[1]; each subcommand parses
 * its own options and returns the process exit status.
 */
#ifndef WEIR_CLI_CLI_H
#define WEIR_CLI_CLI_H

#define WEIR_VERSION "0.1.0"

int cmd_server(int argc, char **argv);
int cmd_sql(int argc, char **argv);
int cmd_gen(int argc, char **argv);

#endif
