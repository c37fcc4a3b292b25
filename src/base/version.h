/*
 * version.h: weir's version, for everything that reports it (the CLI, the PostgreSQL server_version,
 * Parquet's created_by).
 */
#ifndef WEIR_BASE_VERSION_H
#define WEIR_BASE_VERSION_H

#define WEIR_VERSION "0.1.0"

#endif
