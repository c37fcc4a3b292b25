/*
 * syscat.c: the system catalogs (syscat.h): pg_catalog and information_schema tables whose rows are made
 * when a query opens them (OP_SYSTAB), and the catalog side of the reg* types (syscat_reg_names).
 *
 * Every table has PostgreSQL 15's name, oid and columns in PostgreSQL's order, so any column a client
 * names exists. Column types are PostgreSQL's where weir has the type; the few it lacks are stood in for
 * by the nearest one weir has, and their values are always NULL or empty except where noted:
 *   aclitem[] -> text[] (NULL: no privileges)      pg_node_tree -> text (NULL: no expression trees)
 *   xid -> oid                                     anyarray -> text (NULL)
 * and information_schema's domains are their base types, which is also what PostgreSQL sends.
 *
 * Where the rows come from (docs/internals/syscat.md has the full list):
 *   - user tables: the engine's catalog (exec/catalog.h), one snapshot per open: pg_class relkind 'r' in
 *     schema public (2200), owner 10; pg_attribute with the data columns at attnum 1.. and the hidden
 *     columns (_shard_id, ...) at attnum -1..-7, as PostgreSQL lists system columns;
 *   - the system tables themselves: pg_class ('r' for catalogs, 'v' for views), pg_attribute, ...;
 *   - types: sql/types.h (oid, typname, typlen, category, array) plus the facts below (typtype, typbyval,
 *     typalign, typstorage, collation, I/O functions), each with its array type;
 *   - functions: the function library (sql/func.h, fn_catalog.h) for pg_proc;
 *   - roles: the session user is the bootstrap superuser (oid 10); pg_database_owner (6171) owns
 *     public, as in PostgreSQL 15;
 *   - settings: the session's settings (SysTabSpec.sess) for pg_settings.
 * Tables for things weir does not have (indexes, constraints, triggers, rules, policies, publications,
 * extensions, sequences, inheritance, partitions, ...) exist and are empty.
 *
 * Run state: op_systab_open makes every row into an arena of its own (child of the query arena), as
 * SqlValues, and op_systab_next hands them out VEC_BATCH at a time; close drops the arena. Catalog
 * queries are small (hundreds of rows), so making them all at open keeps the snapshot consistent (one
 * sql_catalog_list per open) at no real cost.
 *
 * INTERFACE ROUTINES
 *   syscat_find                 the table a FROM name means (the binder)
 *   op_systab_open/next/close   OP_SYSTAB
 *   syscat_reg_names            reg* names, object descriptions and settings for sql/ (typeio.h)
 *   syscat_session_attach       point a session's SqlFormatOpts at them
 */
#include "exec/syscat.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/catalog.h"
#include "exec/exec_int.h"
#include "exec/op.h"
#include "sql/fn_catalog.h"
#include "sql/func.h"
#include "sql/tabledef.h"

/* Well-known oids (PostgreSQL 15's). */
enum {
    NSP_PG_CATALOG = 11,
    NSP_PUBLIC = 2200,
    NSP_INFO_SCHEMA = 13207,
    ROLE_SUPERUSER = 10,  /* the bootstrap superuser: weir's session user */
    ROLE_DB_OWNER = 6171, /* pg_database_owner, owner of schema public */
    LANG_INTERNAL = 12,
    TABLESPACE_DEFAULT = 1663,
    COLL_DEFAULT = 100,
    COLL_C = 950,
    COLL_POSIX = 951,
    REL_PG_CLASS = 1259,
    DB_POSTGRES = 5,
    DB_OTHER = 16383, /* the session's database when it is not "postgres" (see gen_pg_database) */
    ENCODING_UTF8 = 6,
};

/* ---------------------------------------------------------------------------------------------- */
/* columns (PostgreSQL 15's, in order)                                                             */
/* ---------------------------------------------------------------------------------------------- */

#define C_OID                                                                                                \
    {                                                                                                        \
        SQL_OID, -1                                                                                          \
    }
#define C_BOOL                                                                                               \
    {                                                                                                        \
        SQL_BOOL, -1                                                                                         \
    }
#define C_NAME                                                                                               \
    {                                                                                                        \
        SQL_NAME, -1                                                                                         \
    }
#define C_TEXT                                                                                               \
    {                                                                                                        \
        SQL_TEXT, -1                                                                                         \
    }
#define C_VARCHAR                                                                                            \
    {                                                                                                        \
        SQL_VARCHAR, -1                                                                                      \
    }
#define C_CHAR                                                                                               \
    {                                                                                                        \
        SQL_CHAR, -1                                                                                         \
    }
#define C_INT2                                                                                               \
    {                                                                                                        \
        SQL_INT2, -1                                                                                         \
    }
#define C_INT4                                                                                               \
    {                                                                                                        \
        SQL_INT4, -1                                                                                         \
    }
#define C_INT8                                                                                               \
    {                                                                                                        \
        SQL_INT8, -1                                                                                         \
    }
#define C_FLOAT4                                                                                             \
    {                                                                                                        \
        SQL_FLOAT4, -1                                                                                       \
    }
#define C_REGPROC                                                                                            \
    {                                                                                                        \
        SQL_REGPROC, -1                                                                                      \
    }
#define C_REGTYPE                                                                                            \
    {                                                                                                        \
        SQL_REGTYPE, -1                                                                                      \
    }
#define C_BYTEA                                                                                              \
    {                                                                                                        \
        SQL_BYTEA, -1                                                                                        \
    }
#define C_TSTZ                                                                                               \
    {                                                                                                        \
        SQL_TIMESTAMPTZ, -1                                                                                  \
    }
#define C_TEXTA                                                                                              \
    {                                                                                                        \
        SQL_ARRAY_OF(SQL_TEXT), -1                                                                           \
    }
#define C_OIDA                                                                                               \
    {                                                                                                        \
        SQL_ARRAY_OF(SQL_OID), -1                                                                            \
    }
#define C_INT2A                                                                                              \
    {                                                                                                        \
        SQL_ARRAY_OF(SQL_INT2), -1                                                                           \
    }
#define C_CHARA                                                                                              \
    {                                                                                                        \
        SQL_ARRAY_OF(SQL_CHAR), -1                                                                           \
    }
/* stand-ins for types weir does not have (see the top of the file) */
#define C_ACL C_TEXTA
#define C_NODE C_TEXT
#define C_I2VEC                                                                                              \
    {                                                                                                        \
        SQL_INT2VECTOR, -1                                                                                   \
    }
#define C_OIDVEC                                                                                             \
    {                                                                                                        \
        SQL_OIDVECTOR, -1                                                                                    \
    }
#define C_XID C_OID
#define C_ANYARR C_TEXT

/* clang-format off */
static const char *const is_columns_n[] = {"table_catalog", "table_schema", "table_name", "column_name",
    "ordinal_position", "column_default", "is_nullable", "data_type", "character_maximum_length",
    "character_octet_length", "numeric_precision", "numeric_precision_radix", "numeric_scale",
    "datetime_precision", "interval_type", "interval_precision", "character_set_catalog",
    "character_set_schema", "character_set_name", "collation_catalog", "collation_schema", "collation_name",
    "domain_catalog", "domain_schema", "domain_name", "udt_catalog", "udt_schema", "udt_name",
    "scope_catalog", "scope_schema", "scope_name", "maximum_cardinality", "dtd_identifier",
    "is_self_referencing", "is_identity", "identity_generation", "identity_start", "identity_increment",
    "identity_maximum", "identity_minimum", "identity_cycle", "is_generated", "generation_expression",
    "is_updatable"};
static const SqlType is_columns_t[] = {C_NAME, C_NAME, C_NAME, C_NAME, C_INT4, C_VARCHAR, C_VARCHAR,
    C_VARCHAR, C_INT4, C_INT4, C_INT4, C_INT4, C_INT4, C_INT4, C_VARCHAR, C_INT4, C_NAME, C_NAME, C_NAME,
    C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_INT4,
    C_NAME, C_VARCHAR, C_VARCHAR, C_VARCHAR, C_VARCHAR, C_VARCHAR, C_VARCHAR, C_VARCHAR, C_VARCHAR,
    C_VARCHAR, C_VARCHAR, C_VARCHAR};
static const char *const is_key_column_usage_n[] = {"constraint_catalog", "constraint_schema",
    "constraint_name", "table_catalog", "table_schema", "table_name", "column_name", "ordinal_position",
    "position_in_unique_constraint"};
static const SqlType is_key_column_usage_t[] = {C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME,
    C_INT4, C_INT4};
static const char *const is_schemata_n[] = {"catalog_name", "schema_name", "schema_owner",
    "default_character_set_catalog", "default_character_set_schema", "default_character_set_name",
    "sql_path"};
static const SqlType is_schemata_t[] = {C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_VARCHAR};
static const char *const is_table_constraints_n[] = {"constraint_catalog", "constraint_schema",
    "constraint_name", "table_catalog", "table_schema", "table_name", "constraint_type", "is_deferrable",
    "initially_deferred", "enforced", "nulls_distinct"};
static const SqlType is_table_constraints_t[] = {C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_NAME, C_VARCHAR,
    C_VARCHAR, C_VARCHAR, C_VARCHAR, C_VARCHAR};
static const char *const is_tables_n[] = {"table_catalog", "table_schema", "table_name", "table_type",
    "self_referencing_column_name", "reference_generation", "user_defined_type_catalog",
    "user_defined_type_schema", "user_defined_type_name", "is_insertable_into", "is_typed", "commit_action"};
static const SqlType is_tables_t[] = {C_NAME, C_NAME, C_NAME, C_VARCHAR, C_NAME, C_VARCHAR, C_NAME, C_NAME,
    C_NAME, C_VARCHAR, C_VARCHAR, C_VARCHAR};
static const char *const is_views_n[] = {"table_catalog", "table_schema", "table_name", "view_definition",
    "check_option", "is_updatable", "is_insertable_into", "is_trigger_updatable", "is_trigger_deletable",
    "is_trigger_insertable_into"};
static const SqlType is_views_t[] = {C_NAME, C_NAME, C_NAME, C_VARCHAR, C_VARCHAR, C_VARCHAR, C_VARCHAR,
    C_VARCHAR, C_VARCHAR, C_VARCHAR};
static const char *const pg_am_n[] = {"oid", "amname", "amhandler", "amtype"};
static const SqlType pg_am_t[] = {C_OID, C_NAME, C_REGPROC, C_CHAR};
static const char *const pg_attrdef_n[] = {"oid", "adrelid", "adnum", "adbin"};
static const SqlType pg_attrdef_t[] = {C_OID, C_OID, C_INT2, C_NODE};
static const char *const pg_attribute_n[] = {"attrelid", "attname", "atttypid", "attstattarget", "attlen",
    "attnum", "attndims", "attcacheoff", "atttypmod", "attbyval", "attalign", "attstorage", "attcompression",
    "attnotnull", "atthasdef", "atthasmissing", "attidentity", "attgenerated", "attisdropped", "attislocal",
    "attinhcount", "attcollation", "attacl", "attoptions", "attfdwoptions", "attmissingval"};
static const SqlType pg_attribute_t[] = {C_OID, C_NAME, C_OID, C_INT4, C_INT2, C_INT2, C_INT4, C_INT4,
    C_INT4, C_BOOL, C_CHAR, C_CHAR, C_CHAR, C_BOOL, C_BOOL, C_BOOL, C_CHAR, C_CHAR, C_BOOL, C_BOOL, C_INT4,
    C_OID, C_ACL, C_TEXTA, C_TEXTA, C_ANYARR};
static const char *const pg_auth_members_n[] = {"roleid", "member", "grantor", "admin_option"};
static const SqlType pg_auth_members_t[] = {C_OID, C_OID, C_OID, C_BOOL};
static const char *const pg_authid_n[] = {"oid", "rolname", "rolsuper", "rolinherit", "rolcreaterole",
    "rolcreatedb", "rolcanlogin", "rolreplication", "rolbypassrls", "rolconnlimit", "rolpassword",
    "rolvaliduntil"};
static const SqlType pg_authid_t[] = {C_OID, C_NAME, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL,
    C_INT4, C_TEXT, C_TSTZ};
static const char *const pg_class_n[] = {"oid", "relname", "relnamespace", "reltype", "reloftype",
    "relowner", "relam", "relfilenode", "reltablespace", "relpages", "reltuples", "relallvisible",
    "reltoastrelid", "relhasindex", "relisshared", "relpersistence", "relkind", "relnatts", "relchecks",
    "relhasrules", "relhastriggers", "relhassubclass", "relrowsecurity", "relforcerowsecurity",
    "relispopulated", "relreplident", "relispartition", "relrewrite", "relfrozenxid", "relminmxid", "relacl",
    "reloptions", "relpartbound"};
static const SqlType pg_class_t[] = {C_OID, C_NAME, C_OID, C_OID, C_OID, C_OID, C_OID, C_OID, C_OID, C_INT4,
    C_FLOAT4, C_INT4, C_OID, C_BOOL, C_BOOL, C_CHAR, C_CHAR, C_INT2, C_INT2, C_BOOL, C_BOOL, C_BOOL, C_BOOL,
    C_BOOL, C_BOOL, C_CHAR, C_BOOL, C_OID, C_XID, C_XID, C_ACL, C_TEXTA, C_NODE};
static const char *const pg_collation_n[] = {"oid", "collname", "collnamespace", "collowner", "collprovider",
    "collisdeterministic", "collencoding", "collcollate", "collctype", "colliculocale", "collversion"};
static const SqlType pg_collation_t[] = {C_OID, C_NAME, C_OID, C_OID, C_CHAR, C_BOOL, C_INT4, C_TEXT, C_TEXT,
    C_TEXT, C_TEXT};
static const char *const pg_constraint_n[] = {"oid", "conname", "connamespace", "contype", "condeferrable",
    "condeferred", "convalidated", "conrelid", "contypid", "conindid", "conparentid", "confrelid",
    "confupdtype", "confdeltype", "confmatchtype", "conislocal", "coninhcount", "connoinherit", "conkey",
    "confkey", "conpfeqop", "conppeqop", "conffeqop", "confdelsetcols", "conexclop", "conbin"};
static const SqlType pg_constraint_t[] = {C_OID, C_NAME, C_OID, C_CHAR, C_BOOL, C_BOOL, C_BOOL, C_OID, C_OID,
    C_OID, C_OID, C_OID, C_CHAR, C_CHAR, C_CHAR, C_BOOL, C_INT4, C_BOOL, C_INT2A, C_INT2A, C_OIDA, C_OIDA,
    C_OIDA, C_INT2A, C_OIDA, C_NODE};
static const char *const pg_database_n[] = {"oid", "datname", "datdba", "encoding", "datlocprovider",
    "datistemplate", "datallowconn", "datconnlimit", "datfrozenxid", "datminmxid", "dattablespace",
    "datcollate", "datctype", "daticulocale", "datcollversion", "datacl"};
static const SqlType pg_database_t[] = {C_OID, C_NAME, C_OID, C_INT4, C_CHAR, C_BOOL, C_BOOL, C_INT4, C_XID,
    C_XID, C_OID, C_TEXT, C_TEXT, C_TEXT, C_TEXT, C_ACL};
static const char *const pg_depend_n[] = {"classid", "objid", "objsubid", "refclassid", "refobjid",
    "refobjsubid", "deptype"};
static const SqlType pg_depend_t[] = {C_OID, C_OID, C_INT4, C_OID, C_OID, C_INT4, C_CHAR};
static const char *const pg_description_n[] = {"objoid", "classoid", "objsubid", "description"};
static const SqlType pg_description_t[] = {C_OID, C_OID, C_INT4, C_TEXT};
static const char *const pg_enum_n[] = {"oid", "enumtypid", "enumsortorder", "enumlabel"};
static const SqlType pg_enum_t[] = {C_OID, C_OID, C_FLOAT4, C_NAME};
static const char *const pg_extension_n[] = {"oid", "extname", "extowner", "extnamespace", "extrelocatable",
    "extversion", "extconfig", "extcondition"};
static const SqlType pg_extension_t[] = {C_OID, C_NAME, C_OID, C_OID, C_BOOL, C_TEXT, C_OIDA, C_TEXTA};
static const char *const pg_foreign_table_n[] = {"ftrelid", "ftserver", "ftoptions"};
static const SqlType pg_foreign_table_t[] = {C_OID, C_OID, C_TEXTA};
static const char *const pg_index_n[] = {"indexrelid", "indrelid", "indnatts", "indnkeyatts", "indisunique",
    "indnullsnotdistinct", "indisprimary", "indisexclusion", "indimmediate", "indisclustered", "indisvalid",
    "indcheckxmin", "indisready", "indislive", "indisreplident", "indkey", "indcollation", "indclass",
    "indoption", "indexprs", "indpred"};
static const SqlType pg_index_t[] = {C_OID, C_OID, C_INT2, C_INT2, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL,
    C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_I2VEC, C_OIDVEC, C_OIDVEC, C_I2VEC, C_NODE, C_NODE};
static const char *const pg_indexes_n[] = {"schemaname", "tablename", "indexname", "tablespace", "indexdef"};
static const SqlType pg_indexes_t[] = {C_NAME, C_NAME, C_NAME, C_NAME, C_TEXT};
static const char *const pg_inherits_n[] = {"inhrelid", "inhparent", "inhseqno", "inhdetachpending"};
static const SqlType pg_inherits_t[] = {C_OID, C_OID, C_INT4, C_BOOL};
static const char *const pg_language_n[] = {"oid", "lanname", "lanowner", "lanispl", "lanpltrusted",
    "lanplcallfoid", "laninline", "lanvalidator", "lanacl"};
static const SqlType pg_language_t[] = {C_OID, C_NAME, C_OID, C_BOOL, C_BOOL, C_OID, C_OID, C_OID, C_ACL};
static const char *const pg_matviews_n[] = {"schemaname", "matviewname", "matviewowner", "tablespace",
    "hasindexes", "ispopulated", "definition"};
static const SqlType pg_matviews_t[] = {C_NAME, C_NAME, C_NAME, C_NAME, C_BOOL, C_BOOL, C_TEXT};
static const char *const pg_namespace_n[] = {"oid", "nspname", "nspowner", "nspacl"};
static const SqlType pg_namespace_t[] = {C_OID, C_NAME, C_OID, C_ACL};
static const char *const pg_partitioned_table_n[] = {"partrelid", "partstrat", "partnatts", "partdefid",
    "partattrs", "partclass", "partcollation", "partexprs"};
static const SqlType pg_partitioned_table_t[] = {C_OID, C_CHAR, C_INT2, C_OID, C_I2VEC, C_OIDVEC, C_OIDVEC,
    C_NODE};
static const char *const pg_policy_n[] = {"oid", "polname", "polrelid", "polcmd", "polpermissive",
    "polroles", "polqual", "polwithcheck"};
static const SqlType pg_policy_t[] = {C_OID, C_NAME, C_OID, C_CHAR, C_BOOL, C_OIDA, C_NODE, C_NODE};
static const char *const pg_proc_n[] = {"oid", "proname", "pronamespace", "proowner", "prolang", "procost",
    "prorows", "provariadic", "prosupport", "prokind", "prosecdef", "proleakproof", "proisstrict",
    "proretset", "provolatile", "proparallel", "pronargs", "pronargdefaults", "prorettype", "proargtypes",
    "proallargtypes", "proargmodes", "proargnames", "proargdefaults", "protrftypes", "prosrc", "probin",
    "prosqlbody", "proconfig", "proacl"};
static const SqlType pg_proc_t[] = {C_OID, C_NAME, C_OID, C_OID, C_OID, C_FLOAT4, C_FLOAT4, C_OID, C_REGPROC,
    C_CHAR, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_CHAR, C_CHAR, C_INT2, C_INT2, C_OID, C_OIDVEC, C_OIDA, C_CHARA,
    C_TEXTA, C_NODE, C_OIDA, C_TEXT, C_TEXT, C_NODE, C_TEXTA, C_ACL};
static const char *const pg_publication_n[] = {"oid", "pubname", "pubowner", "puballtables", "pubinsert",
    "pubupdate", "pubdelete", "pubtruncate", "pubviaroot"};
static const SqlType pg_publication_t[] = {C_OID, C_NAME, C_OID, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL,
    C_BOOL};
static const char *const pg_publication_namespace_n[] = {"oid", "pnpubid", "pnnspid"};
static const SqlType pg_publication_namespace_t[] = {C_OID, C_OID, C_OID};
static const char *const pg_publication_rel_n[] = {"oid", "prpubid", "prrelid", "prqual", "prattrs"};
static const SqlType pg_publication_rel_t[] = {C_OID, C_OID, C_OID, C_NODE, C_I2VEC};
static const char *const pg_range_n[] = {"rngtypid", "rngsubtype", "rngmultitypid", "rngcollation",
    "rngsubopc", "rngcanonical", "rngsubdiff"};
static const SqlType pg_range_t[] = {C_OID, C_OID, C_OID, C_OID, C_OID, C_REGPROC, C_REGPROC};
static const char *const pg_rewrite_n[] = {"oid", "rulename", "ev_class", "ev_type", "ev_enabled",
    "is_instead", "ev_qual", "ev_action"};
static const SqlType pg_rewrite_t[] = {C_OID, C_NAME, C_OID, C_CHAR, C_CHAR, C_BOOL, C_NODE, C_NODE};
static const char *const pg_roles_n[] = {"rolname", "rolsuper", "rolinherit", "rolcreaterole", "rolcreatedb",
    "rolcanlogin", "rolreplication", "rolconnlimit", "rolpassword", "rolvaliduntil", "rolbypassrls",
    "rolconfig", "oid"};
static const SqlType pg_roles_t[] = {C_NAME, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_INT4, C_TEXT,
    C_TSTZ, C_BOOL, C_TEXTA, C_OID};
static const char *const pg_sequence_n[] = {"seqrelid", "seqtypid", "seqstart", "seqincrement", "seqmax",
    "seqmin", "seqcache", "seqcycle"};
static const SqlType pg_sequence_t[] = {C_OID, C_OID, C_INT8, C_INT8, C_INT8, C_INT8, C_INT8, C_BOOL};
static const char *const pg_sequences_n[] = {"schemaname", "sequencename", "sequenceowner", "data_type",
    "start_value", "min_value", "max_value", "increment_by", "cycle", "cache_size", "last_value"};
static const SqlType pg_sequences_t[] = {C_NAME, C_NAME, C_NAME, C_REGTYPE, C_INT8, C_INT8, C_INT8, C_INT8,
    C_BOOL, C_INT8, C_INT8};
static const char *const pg_settings_n[] = {"name", "setting", "unit", "category", "short_desc",
    "extra_desc", "context", "vartype", "source", "min_val", "max_val", "enumvals", "boot_val", "reset_val",
    "sourcefile", "sourceline", "pending_restart"};
static const SqlType pg_settings_t[] = {C_TEXT, C_TEXT, C_TEXT, C_TEXT, C_TEXT, C_TEXT, C_TEXT, C_TEXT,
    C_TEXT, C_TEXT, C_TEXT, C_TEXTA, C_TEXT, C_TEXT, C_TEXT, C_INT4, C_BOOL};
static const char *const pg_shdescription_n[] = {"objoid", "classoid", "description"};
static const SqlType pg_shdescription_t[] = {C_OID, C_OID, C_TEXT};
static const char *const pg_statistic_ext_n[] = {"oid", "stxrelid", "stxname", "stxnamespace", "stxowner",
    "stxstattarget", "stxkeys", "stxkind", "stxexprs"};
static const SqlType pg_statistic_ext_t[] = {C_OID, C_OID, C_NAME, C_OID, C_OID, C_INT4, C_I2VEC, C_CHARA,
    C_NODE};
static const char *const pg_tables_n[] = {"schemaname", "tablename", "tableowner", "tablespace",
    "hasindexes", "hasrules", "hastriggers", "rowsecurity"};
static const SqlType pg_tables_t[] = {C_NAME, C_NAME, C_NAME, C_NAME, C_BOOL, C_BOOL, C_BOOL, C_BOOL};
static const char *const pg_tablespace_n[] = {"oid", "spcname", "spcowner", "spcacl", "spcoptions"};
static const SqlType pg_tablespace_t[] = {C_OID, C_NAME, C_OID, C_ACL, C_TEXTA};
static const char *const pg_trigger_n[] = {"oid", "tgrelid", "tgparentid", "tgname", "tgfoid", "tgtype",
    "tgenabled", "tgisinternal", "tgconstrrelid", "tgconstrindid", "tgconstraint", "tgdeferrable",
    "tginitdeferred", "tgnargs", "tgattr", "tgargs", "tgqual", "tgoldtable", "tgnewtable"};
static const SqlType pg_trigger_t[] = {C_OID, C_OID, C_OID, C_NAME, C_OID, C_INT2, C_CHAR, C_BOOL, C_OID,
    C_OID, C_OID, C_BOOL, C_BOOL, C_INT2, C_I2VEC, C_BYTEA, C_NODE, C_NAME, C_NAME};
static const char *const pg_type_n[] = {"oid", "typname", "typnamespace", "typowner", "typlen", "typbyval",
    "typtype", "typcategory", "typispreferred", "typisdefined", "typdelim", "typrelid", "typsubscript",
    "typelem", "typarray", "typinput", "typoutput", "typreceive", "typsend", "typmodin", "typmodout",
    "typanalyze", "typalign", "typstorage", "typnotnull", "typbasetype", "typtypmod", "typndims",
    "typcollation", "typdefaultbin", "typdefault", "typacl"};
static const SqlType pg_type_t[] = {C_OID, C_NAME, C_OID, C_OID, C_INT2, C_BOOL, C_CHAR, C_CHAR, C_BOOL,
    C_BOOL, C_CHAR, C_OID, C_REGPROC, C_OID, C_OID, C_REGPROC, C_REGPROC, C_REGPROC, C_REGPROC, C_REGPROC,
    C_REGPROC, C_REGPROC, C_CHAR, C_CHAR, C_BOOL, C_OID, C_INT4, C_INT4, C_OID, C_NODE, C_TEXT, C_ACL};
static const char *const pg_user_n[] = {"usename", "usesysid", "usecreatedb", "usesuper", "userepl",
    "usebypassrls", "passwd", "valuntil", "useconfig"};
static const SqlType pg_user_t[] = {C_NAME, C_OID, C_BOOL, C_BOOL, C_BOOL, C_BOOL, C_TEXT, C_TSTZ, C_TEXTA};
static const char *const pg_views_n[] = {"schemaname", "viewname", "viewowner", "definition"};
static const SqlType pg_views_t[] = {C_NAME, C_NAME, C_NAME, C_TEXT};
/* clang-format on */

/* ---------------------------------------------------------------------------------------------- */
/* the tables                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

typedef struct SysGen SysGen;

typedef struct SysTable {
    SysTableDef def;       /* first: syscat_find hands out &def, op_systab_open casts it back */
    char relkind;          /* 'r' catalog table, 'v' view */
    int (*gen)(SysGen *g); /* NULL: weir has nothing of the kind, the table is empty */
} SysTable;

/* Column names and types are two arrays; the negative array size stops the build when they differ. */
#define SYSTAB(schema, name, oid, kind, cols, gen)                                                           \
    {                                                                                                        \
        {schema,                                                                                             \
         name,                                                                                               \
         oid,                                                                                                \
         (uint32_t)(sizeof(cols##_n) / sizeof(cols##_n[0]) +                                                 \
                    0 * sizeof(char[sizeof(cols##_n) / sizeof(cols##_n[0]) ==                                \
                                            sizeof(cols##_t) / sizeof(cols##_t[0])                           \
                                        ? 1                                                                  \
                                        : -1])),                                                             \
         cols##_n,                                                                                           \
         cols##_t},                                                                                          \
            kind, gen                                                                                        \
    }

static int gen_is_columns(SysGen *g);
static int gen_is_schemata(SysGen *g);
static int gen_is_tables(SysGen *g);
static int gen_is_views(SysGen *g);
static int gen_pg_attribute(SysGen *g);
static int gen_pg_authid(SysGen *g);
static int gen_pg_class(SysGen *g);
static int gen_pg_collation(SysGen *g);
static int gen_pg_database(SysGen *g);
static int gen_pg_description(SysGen *g);
static int gen_pg_language(SysGen *g);
static int gen_pg_namespace(SysGen *g);
static int gen_pg_proc(SysGen *g);
static int gen_pg_roles(SysGen *g);
static int gen_pg_settings(SysGen *g);
static int gen_pg_tables(SysGen *g);
static int gen_pg_tablespace(SysGen *g);
static int gen_pg_type(SysGen *g);
static int gen_pg_user(SysGen *g);
static int gen_pg_views(SysGen *g);

/* Sorted by schema, then name (syscat_find bisects). */
static const SysTable sys_tables[] = {
    SYSTAB("information_schema", "columns", 13295, 'v', is_columns, gen_is_columns),
    SYSTAB("information_schema", "key_column_usage", 13329, 'v', is_key_column_usage, NULL),
    SYSTAB("information_schema", "schemata", 13382, 'v', is_schemata, gen_is_schemata),
    SYSTAB("information_schema", "table_constraints", 13411, 'v', is_table_constraints, NULL),
    SYSTAB("information_schema", "tables", 13425, 'v', is_tables, gen_is_tables),
    SYSTAB("information_schema", "views", 13483, 'v', is_views, gen_is_views),
    SYSTAB("pg_catalog", "pg_am", 2601, 'r', pg_am, NULL),
    SYSTAB("pg_catalog", "pg_attrdef", 2604, 'r', pg_attrdef, NULL),
    SYSTAB("pg_catalog", "pg_attribute", 1249, 'r', pg_attribute, gen_pg_attribute),
    SYSTAB("pg_catalog", "pg_auth_members", 1261, 'r', pg_auth_members, NULL),
    SYSTAB("pg_catalog", "pg_authid", 1260, 'r', pg_authid, gen_pg_authid),
    SYSTAB("pg_catalog", "pg_class", 1259, 'r', pg_class, gen_pg_class),
    SYSTAB("pg_catalog", "pg_collation", 3456, 'r', pg_collation, gen_pg_collation),
    SYSTAB("pg_catalog", "pg_constraint", 2606, 'r', pg_constraint, NULL),
    SYSTAB("pg_catalog", "pg_database", 1262, 'r', pg_database, gen_pg_database),
    SYSTAB("pg_catalog", "pg_depend", 2608, 'r', pg_depend, NULL),
    SYSTAB("pg_catalog", "pg_description", 2609, 'r', pg_description, gen_pg_description),
    SYSTAB("pg_catalog", "pg_enum", 3501, 'r', pg_enum, NULL),
    SYSTAB("pg_catalog", "pg_extension", 3079, 'r', pg_extension, NULL),
    SYSTAB("pg_catalog", "pg_foreign_table", 3118, 'r', pg_foreign_table, NULL),
    SYSTAB("pg_catalog", "pg_index", 2610, 'r', pg_index, NULL),
    SYSTAB("pg_catalog", "pg_indexes", 12043, 'v', pg_indexes, NULL),
    SYSTAB("pg_catalog", "pg_inherits", 2611, 'r', pg_inherits, NULL),
    SYSTAB("pg_catalog", "pg_language", 2612, 'r', pg_language, gen_pg_language),
    SYSTAB("pg_catalog", "pg_matviews", 12038, 'v', pg_matviews, NULL),
    SYSTAB("pg_catalog", "pg_namespace", 2615, 'r', pg_namespace, gen_pg_namespace),
    SYSTAB("pg_catalog", "pg_partitioned_table", 3350, 'r', pg_partitioned_table, NULL),
    SYSTAB("pg_catalog", "pg_policy", 3256, 'r', pg_policy, NULL),
    SYSTAB("pg_catalog", "pg_proc", 1255, 'r', pg_proc, gen_pg_proc),
    SYSTAB("pg_catalog", "pg_publication", 6104, 'r', pg_publication, NULL),
    SYSTAB("pg_catalog", "pg_publication_namespace", 6237, 'r', pg_publication_namespace, NULL),
    SYSTAB("pg_catalog", "pg_publication_rel", 6106, 'r', pg_publication_rel, NULL),
    SYSTAB("pg_catalog", "pg_range", 3541, 'r', pg_range, NULL),
    SYSTAB("pg_catalog", "pg_rewrite", 2618, 'r', pg_rewrite, NULL),
    SYSTAB("pg_catalog", "pg_roles", 12000, 'v', pg_roles, gen_pg_roles),
    SYSTAB("pg_catalog", "pg_sequence", 2224, 'r', pg_sequence, NULL),
    SYSTAB("pg_catalog", "pg_sequences", 12048, 'v', pg_sequences, NULL),
    SYSTAB("pg_catalog", "pg_settings", 12104, 'v', pg_settings, gen_pg_settings),
    SYSTAB("pg_catalog", "pg_shdescription", 2396, 'r', pg_shdescription, NULL),
    SYSTAB("pg_catalog", "pg_statistic_ext", 3381, 'r', pg_statistic_ext, NULL),
    SYSTAB("pg_catalog", "pg_tables", 12033, 'v', pg_tables, gen_pg_tables),
    SYSTAB("pg_catalog", "pg_tablespace", 1213, 'r', pg_tablespace, gen_pg_tablespace),
    SYSTAB("pg_catalog", "pg_trigger", 2620, 'r', pg_trigger, NULL),
    SYSTAB("pg_catalog", "pg_type", 1247, 'r', pg_type, gen_pg_type),
    SYSTAB("pg_catalog", "pg_user", 12014, 'v', pg_user, gen_pg_user),
    SYSTAB("pg_catalog", "pg_views", 12028, 'v', pg_views, gen_pg_views),
};
#define N_SYS_TABLES (sizeof(sys_tables) / sizeof(sys_tables[0]))

static int systab_cmp(const char *schema, const char *name, const SysTable *t)
{
    int c = strcmp(schema, t->def.schema);
    return c ? c : strcmp(name, t->def.name);
}

const SysTableDef *syscat_find(const char *schema, const char *name)
{
    if (!schema)
        schema = "pg_catalog";
    size_t lo = 0, hi = N_SYS_TABLES;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = systab_cmp(schema, name, &sys_tables[mid]);
        if (c == 0)
            return &sys_tables[mid].def;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const SysTable *systab_by_oid(uint32_t oid)
{
    for (size_t i = 0; i < N_SYS_TABLES; i++)
        if (sys_tables[i].def.oid == oid)
            return &sys_tables[i];
    return NULL;
}

static uint32_t nsp_of(const char *schema)
{
    return strcmp(schema, "pg_catalog") == 0 ? NSP_PG_CATALOG : NSP_INFO_SCHEMA;
}

/* ---------------------------------------------------------------------------------------------- */
/* type facts                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

/* What pg_type says about weir's types beyond sql/types.h, and about the pseudo-types of function
 * signatures: PostgreSQL 15's typtype, typalign, typstorage, typbyval, typispreferred, typcollation and
 * the subscript/input/output/receive/send/typmod functions. Sorted by oid. */
typedef struct TypeFacts {
    uint32_t oid;
    char typtype, align, storage;
    uint8_t byval, preferred;
    uint32_t collation, subscript, in, out, recv, send, modin, modout;
} TypeFacts;

/* clang-format off */
static const TypeFacts type_facts[] = {
    {16, 'b', 'c', 'p', 1, 1, 0, 0, 1242, 1243, 2436, 2437, 0, 0}, /* bool */
    {17, 'b', 'i', 'x', 0, 0, 0, 0, 1244, 31, 2412, 2413, 0, 0}, /* bytea */
    {18, 'b', 'c', 'p', 1, 0, 0, 0, 1245, 33, 2434, 2435, 0, 0}, /* char */
    {19, 'b', 'c', 'p', 0, 0, 950, 6180, 34, 35, 2422, 2423, 0, 0}, /* name */
    {20, 'b', 'd', 'p', 1, 0, 0, 0, 460, 461, 2408, 2409, 0, 0}, /* int8 */
    {21, 'b', 's', 'p', 1, 0, 0, 0, 38, 39, 2404, 2405, 0, 0}, /* int2 */
    {22, 'b', 'i', 'p', 0, 0, 0, 6179, 40, 41, 2410, 2411, 0, 0}, /* int2vector */
    {23, 'b', 'i', 'p', 1, 0, 0, 0, 42, 43, 2406, 2407, 0, 0}, /* int4 */
    {24, 'b', 'i', 'p', 1, 0, 0, 0, 44, 45, 2444, 2445, 0, 0}, /* regproc */
    {25, 'b', 'i', 'x', 0, 1, 100, 0, 46, 47, 2414, 2415, 0, 0}, /* text */
    {26, 'b', 'i', 'p', 1, 1, 0, 0, 1798, 1799, 2418, 2419, 0, 0}, /* oid */
    {30, 'b', 'i', 'p', 0, 0, 0, 6179, 54, 55, 2420, 2421, 0, 0}, /* oidvector */
    {114, 'b', 'i', 'x', 0, 0, 0, 0, 321, 322, 323, 324, 0, 0}, /* json */
    {700, 'b', 'i', 'p', 1, 0, 0, 0, 200, 201, 2424, 2425, 0, 0}, /* float4 */
    {701, 'b', 'd', 'p', 1, 1, 0, 0, 214, 215, 2426, 2427, 0, 0}, /* float8 */
    {705, 'p', 'c', 'p', 0, 0, 0, 0, 109, 110, 2416, 2417, 0, 0}, /* unknown */
    {1042, 'b', 'i', 'x', 0, 0, 100, 0, 1044, 1045, 2430, 2431, 2913, 2914}, /* bpchar */
    {1043, 'b', 'i', 'x', 0, 0, 100, 0, 1046, 1047, 2432, 2433, 2915, 2916}, /* varchar */
    {1082, 'b', 'i', 'p', 1, 0, 0, 0, 1084, 1085, 2468, 2469, 0, 0}, /* date */
    {1083, 'b', 'd', 'p', 1, 0, 0, 0, 1143, 1144, 2470, 2471, 2909, 2910}, /* time */
    {1114, 'b', 'd', 'p', 1, 0, 0, 0, 1312, 1313, 2474, 2475, 2905, 2906}, /* timestamp */
    {1184, 'b', 'd', 'p', 1, 1, 0, 0, 1150, 1151, 2476, 2477, 2907, 2908}, /* timestamptz */
    {1186, 'b', 'd', 'p', 0, 1, 0, 0, 1160, 1161, 2478, 2479, 2903, 2904}, /* interval */
    {1700, 'b', 'i', 'm', 0, 0, 0, 0, 1701, 1702, 2460, 2461, 2917, 2918}, /* numeric */
    {2205, 'b', 'i', 'p', 1, 0, 0, 0, 2218, 2219, 2452, 2453, 0, 0}, /* regclass */
    {2206, 'b', 'i', 'p', 1, 0, 0, 0, 2220, 2221, 2454, 2455, 0, 0}, /* regtype */
    {2249, 'p', 'd', 'x', 0, 0, 0, 0, 2290, 2291, 2402, 2403, 0, 0}, /* record */
    {2276, 'p', 'i', 'p', 1, 0, 0, 0, 2294, 2295, 0, 0, 0, 0}, /* any */
    {2277, 'p', 'd', 'x', 0, 0, 0, 0, 2296, 2297, 2502, 2503, 0, 0}, /* anyarray */
    {2278, 'p', 'i', 'p', 1, 0, 0, 0, 2298, 2299, 3120, 3121, 0, 0}, /* void */
    {2283, 'p', 'i', 'p', 1, 0, 0, 0, 2312, 2313, 0, 0, 0, 0}, /* anyelement */
    {3802, 'b', 'i', 'x', 0, 0, 0, 6098, 3806, 3804, 3805, 3803, 0, 0}, /* jsonb */
    {4089, 'b', 'i', 'p', 1, 0, 0, 0, 4084, 4085, 4087, 4088, 0, 0}, /* regnamespace */
    {4096, 'b', 'i', 'p', 1, 0, 0, 0, 4098, 4092, 4094, 4095, 0, 0}, /* regrole */
};
/* clang-format on */

/* The pseudo-types weir has no SqlTypeId for (function signatures use them). */
static const struct {
    uint32_t oid;
    const char *typname;
    int16_t len;
} pseudo_types[] = {
    {SQL_PSEUDO_ANY_OID, "any", 4},
    {SQL_PSEUDO_ANYARRAY_OID, "anyarray", -1},
    {SQL_PSEUDO_ANYELEMENT_OID, "anyelement", 4},
};

static const TypeFacts *type_facts_of(uint32_t oid)
{
    for (size_t i = 0; i < sizeof(type_facts) / sizeof(type_facts[0]); i++)
        if (type_facts[i].oid == oid)
            return &type_facts[i];
    return NULL;
}

/* One pg_type row's worth of facts for a type weir has (an element type or an array of one). */
typedef struct TypeRow {
    uint32_t oid, elem, array;
    char typname[72];
    int16_t len;
    char typtype, category, align, storage;
    uint8_t byval, preferred;
    uint32_t collation, subscript, in, out, recv, send, modin, modout, analyze;
} TypeRow;

static const TypeFacts no_facts = {0, 'b', 'i', 'p', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

static void type_row(SqlTypeId id, TypeRow *r)
{
    memset(r, 0, sizeof(*r));
    const SqlTypeInfo *ti = sql_type_info(SQL_ELEM_OF(id));
    const TypeFacts *f = type_facts_of(ti->oid);
    if (!f)
        f = &no_facts;
    if (!SQL_IS_ARRAY(id)) {
        r->oid = ti->oid;
        r->array = ti->array_oid;
        /* name subscripts as "char"[], the vectors as their elements, as in PostgreSQL */
        r->elem = ti->oid == 19 ? 18 : id == SQL_INT2VECTOR ? 21 : id == SQL_OIDVECTOR ? 26 : 0;
        snprintf(r->typname, sizeof(r->typname), "%s", ti->typname);
        r->len = ti->typlen;
        r->typtype = f->typtype;
        r->category = ti->category;
        r->align = f->align;
        r->storage = f->storage;
        r->byval = f->byval;
        r->preferred = f->preferred;
        r->collation = f->collation;
        r->subscript = f->subscript;
        r->in = f->in;
        r->out = f->out;
        r->recv = f->recv;
        r->send = f->send;
        r->modin = f->modin;
        r->modout = f->modout;
        return;
    }
    /* PostgreSQL's array types: array_in/array_out, the element's typmod functions and collation */
    r->oid = ti->array_oid;
    r->elem = ti->oid;
    snprintf(r->typname, sizeof(r->typname), "_%s", ti->typname);
    r->len = -1;
    r->typtype = f->typtype == 'p' ? 'p' : 'b';
    r->category = f->typtype == 'p' ? 'P' : 'A';
    r->align = f->align == 'd' ? 'd' : 'i';
    r->storage = 'x';
    r->collation = f->collation;
    r->subscript = 6179; /* array_subscript_handler */
    r->in = 750;         /* array_in */
    r->out = 751;
    r->recv = 2400;
    r->send = 2401;
    r->modin = f->modin;
    r->modout = f->modout;
    r->analyze = 3816; /* array_typanalyze */
}

/* ---------------------------------------------------------------------------------------------- */
/* making rows                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

struct SysGen {
    ExecCtx *ctx;
    const SysTable *tab;
    SqlEngine *eng;
    const SqlSession *sess;
    Arena *a; /* the run arena: rows and their strings */
    uint32_t n_cols;
    SqlValue *vals; /* n_rows * n_cols */
    uint32_t n_rows, cap_rows;
    uint32_t col;          /* next column of the row being made */
    int rc;                /* first failure (53200 or an internal mismatch) */
    CatalogTable **tables; /* user tables (referenced until the rows are made) */
    size_t n_tables;
    const char *user, *database;
};

static int gen_oom(SysGen *g)
{
    if (g->rc == WEIR_OK)
        g->rc = sql_error_set(g->ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
    return WEIR_ERROR;
}

static void row_begin(SysGen *g)
{
    if (g->rc)
        return;
    if (g->n_rows == g->cap_rows) {
        uint32_t cap = g->cap_rows ? g->cap_rows * 2 : 64;
        SqlValue *v = ARENA_NEW(g->a, SqlValue, (size_t)cap * g->n_cols);
        if (!v) {
            gen_oom(g);
            return;
        }
        if (g->n_rows)
            memcpy(v, g->vals, (size_t)g->n_rows * g->n_cols * sizeof(SqlValue));
        g->vals = v;
        g->cap_rows = cap;
    }
    g->col = 0;
}

/* The next cell of the row being made, typed as its column, if its physical class is ph. */
static SqlValue *cell(SysGen *g, SqlPhys ph)
{
    if (g->rc)
        return NULL;
    if (g->col >= g->n_cols) {
        g->rc = sql_error_set(g->ctx->err, "XX000", 0, "internal error: too many values for %s",
                              g->tab->def.name);
        return NULL;
    }
    SqlValue *v = &g->vals[(size_t)g->n_rows * g->n_cols + g->col];
    SqlType t = g->tab->def.col_types[g->col];
    memset(v, 0, sizeof(*v));
    v->type = t;
    if (ph != SQL_PHYS_NONE && sql_type_phys(t.id) != ph) {
        g->rc = sql_error_set(g->ctx->err, "XX000", 0, "internal error: %s.%s has another type",
                              g->tab->def.name, g->tab->def.col_names[g->col]);
        return NULL;
    }
    g->col++;
    return v;
}

static void row_end(SysGen *g)
{
    if (g->rc)
        return;
    if (g->col != g->n_cols) {
        g->rc = sql_error_set(g->ctx->err, "XX000", 0, "internal error: %u of %u values for %s", g->col,
                              g->n_cols, g->tab->def.name);
        return;
    }
    g->n_rows++;
}

static void v_null(SysGen *g)
{
    SqlValue *v = cell(g, SQL_PHYS_NONE);
    if (v)
        v->is_null = 1;
}

static void v_int(SysGen *g, int64_t i)
{
    SqlValue *v = cell(g, SQL_PHYS_INT);
    if (v)
        v->u.i = i;
}

static void v_bool(SysGen *g, int b)
{
    SqlValue *v = cell(g, SQL_PHYS_BOOL);
    if (v)
        v->u.b = b ? 1 : 0;
}

static void v_float(SysGen *g, double f)
{
    SqlValue *v = cell(g, SQL_PHYS_FLOAT);
    if (v)
        v->u.f = f;
}

/* A string that lives at least as long as the run arena (a literal, or already in g->a). */
static void v_str(SysGen *g, const char *s)
{
    SqlValue *v = cell(g, SQL_PHYS_STR);
    if (v)
        v->u.s = slice_from_cstr(s);
}

/* A string copied into the run arena (names from the catalog, formatted text). */
static void v_dup(SysGen *g, const char *s)
{
    SqlValue *v = cell(g, SQL_PHYS_STR);
    if (!v)
        return;
    size_t n = strlen(s);
    char *d = arena_try_strndup(g->a, s, n);
    if (!d) {
        gen_oom(g);
        return;
    }
    v->u.s = (Slice){(const uint8_t *)d, n};
}

/* A string, or NULL when s is. */
static void v_dup_or_null(SysGen *g, const char *s)
{
    if (s)
        v_dup(g, s);
    else
        v_null(g);
}

/* A "char" (c == 0: the empty "char" PostgreSQL prints as nothing). */
static void v_char(SysGen *g, char c)
{
    if (c) {
        char s[2] = {c, 0};
        v_dup(g, s);
        return;
    }
    SqlValue *v = cell(g, SQL_PHYS_STR);
    if (v)
        v->u.s = (Slice){(const uint8_t *)"", 0};
}

static void v_fmt(SysGen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void v_fmt(SysGen *g, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    v_dup(g, buf);
}

/* ---------------------------------------------------------------------------------------------- */
/* relations: system tables and the user's tables                                                  */
/* ---------------------------------------------------------------------------------------------- */

/* Whether a user table's name is taken by a pg_catalog table, which comes first on the search path:
 * then the user's table is not visible unqualified (and regclass prints it qualified). */
static int user_table_shadowed(const char *name)
{
    return syscat_find(NULL, name) != NULL;
}

static int is_shared_catalog(uint32_t oid)
{
    return oid == 1260 || oid == 1261 || oid == 1262 || oid == 1213 || oid == 2396;
}

/* A table's event-time options (issue 4) as its pg_class.reloptions, a text[] of "name=value" items in
 * PostgreSQL's array syntax ({event_time=ts,"watermark_delay=5 seconds"}); NULL when it has none. */
static void v_table_options(SysGen *g, const TableDef *td)
{
    const char *const names[] = {"event_time", "watermark_delay", "idle_timeout"};
    const char *const vals[] = {td ? td->event_time : NULL, td ? td->watermark : NULL, td ? td->idle_timeout : NULL};
    Buf b;
    buf_init(&b, 4096);
    int rc = WEIR_OK;
    for (size_t i = 0; i < 3 && !rc; i++) {
        if (!vals[i])
            continue;
        /* an item is quoted when it holds what the array syntax uses (PostgreSQL's array_out) */
        int quote = 0;
        for (const char *p = vals[i]; *p; p++)
            quote |= *p == ' ' || *p == ',' || *p == '{' || *p == '}' || *p == '"' || *p == '\\' ||
                     (*p >= '\t' && *p <= '\r');
        rc = buf_append_cstr(&b, b.len ? "," : "{") || (quote && buf_append_byte(&b, '"')) ||
             buf_printf(&b, "%s=", names[i]);
        for (const char *p = vals[i]; *p && !rc; p++)
            rc = ((*p == '"' || *p == '\\') && buf_append_byte(&b, '\\')) || buf_append_byte(&b, (uint8_t)*p);
        if (!rc && quote)
            rc = buf_append_byte(&b, '"');
    }
    if (rc || (b.len && (buf_append_byte(&b, '}') || buf_append_byte(&b, 0))))
        gen_oom(g);
    else if (b.len)
        v_dup(g, (const char *)b.p);
    else
        v_null(g);
    buf_fini(&b);
}

static void class_row(SysGen *g, uint32_t oid, const char *name, uint32_t nsp, char kind, uint32_t natts,
                      int is_system, const TableDef *td)
{
    row_begin(g);
    v_int(g, oid);
    v_dup(g, name);
    v_int(g, nsp);
    v_int(g, 0);              /* reltype: weir has no row types */
    v_int(g, 0);              /* reloftype */
    v_int(g, ROLE_SUPERUSER); /* relowner */
    v_int(g, 0);              /* relam: no access methods (streams are not heap tables) */
    v_int(g, 0);              /* relfilenode */
    v_int(g, 0);              /* reltablespace: the database's default */
    v_int(g, 0);              /* relpages */
    v_float(g, -1);           /* reltuples: never counted */
    v_int(g, 0);              /* relallvisible */
    v_int(g, 0);              /* reltoastrelid */
    v_bool(g, 0);             /* relhasindex */
    v_bool(g, is_system && is_shared_catalog(oid));
    v_char(g, 'p'); /* relpersistence */
    v_char(g, kind);
    v_int(g, natts);
    v_int(g, 0);                      /* relchecks */
    v_bool(g, kind == 'v');           /* relhasrules: a view is its _RETURN rule */
    v_bool(g, 0);                     /* relhastriggers */
    v_bool(g, 0);                     /* relhassubclass */
    v_bool(g, 0);                     /* relrowsecurity */
    v_bool(g, 0);                     /* relforcerowsecurity */
    v_bool(g, 1);                     /* relispopulated */
    v_char(g, is_system ? 'n' : 'd'); /* relreplident: PostgreSQL's for catalogs and for tables */
    v_bool(g, 0);                     /* relispartition */
    v_int(g, 0);                      /* relrewrite */
    v_int(g, 0);                      /* relfrozenxid */
    v_int(g, 0);                      /* relminmxid */
    v_null(g);                        /* relacl */
    v_table_options(g, td);           /* reloptions: a table's event-time options */
    v_null(g);                        /* relpartbound */
    row_end(g);
}

static int gen_pg_class(SysGen *g)
{
    for (size_t i = 0; i < N_SYS_TABLES; i++) {
        const SysTable *t = &sys_tables[i];
        class_row(g, t->def.oid, t->def.name, nsp_of(t->def.schema), t->relkind, t->def.n_cols, 1, NULL);
    }
    for (size_t i = 0; i < g->n_tables; i++)
        class_row(g, g->tables[i]->oid, g->tables[i]->def->name, NSP_PUBLIC,
                  g->tables[i]->def->view ? 'm' : 'r' /* a materialized view's table */,
                  g->tables[i]->def->n_cols, 0, g->tables[i]->def);
    return g->rc;
}

/* kind: the relation's relkind; info: a column of information_schema, whose character_data and yes_or_no
 * domains (varchar here) collate as "C". */
static void attribute_row(SysGen *g, uint32_t relid, const char *name, SqlType t, int attnum, char kind,
                          int info)
{
    TypeRow tr;
    type_row(t.id, &tr);
    if (info && t.id == SQL_VARCHAR)
        tr.collation = COLL_C;
    row_begin(g);
    v_int(g, relid);
    v_dup(g, name);
    v_int(g, tr.oid);
    v_int(g, attnum > 0 ? -1 : 0); /* attstattarget */
    v_int(g, tr.len);
    v_int(g, attnum);
    v_int(g, SQL_IS_ARRAY(t.id) && kind == 'r' ? 1 : 0); /* attndims: view columns have none */
    v_int(g, -1);                                        /* attcacheoff */
    v_int(g, t.typmod);
    v_bool(g, tr.byval);
    v_char(g, tr.align);
    v_char(g, tr.storage);
    v_char(g, 0); /* attcompression: default */
    v_bool(g, 0); /* attnotnull */
    v_bool(g, 0); /* atthasdef */
    v_bool(g, 0); /* atthasmissing */
    v_char(g, 0); /* attidentity */
    v_char(g, 0); /* attgenerated */
    v_bool(g, 0); /* attisdropped */
    v_bool(g, 1); /* attislocal */
    v_int(g, 0);  /* attinhcount */
    v_int(g, tr.collation);
    v_null(g); /* attacl */
    v_null(g); /* attoptions */
    v_null(g); /* attfdwoptions */
    v_null(g); /* attmissingval */
    row_end(g);
}

static int gen_pg_attribute(SysGen *g)
{
    for (size_t i = 0; i < N_SYS_TABLES; i++) {
        const SysTableDef *d = &sys_tables[i].def;
        for (uint32_t c = 0; c < d->n_cols; c++)
            attribute_row(g, d->oid, d->col_names[c], d->col_types[c], (int)c + 1, sys_tables[i].relkind,
                          strcmp(d->schema, "information_schema") == 0);
    }
    for (size_t i = 0; i < g->n_tables; i++) {
        const CatalogTable *t = g->tables[i];
        for (uint32_t c = 0; c < t->def->n_cols; c++)
            attribute_row(g, t->oid, t->def->cols[c].name, t->def->cols[c].type, (int)c + 1, 'r', 0);
        /* the hidden columns are the table's system columns: selectable by name, never in SELECT * */
        for (int h = 0; h < TABLE_HID_N; h++)
            attribute_row(g, t->oid, tabledef_hidden_name((TableHidden)h),
                          tabledef_hidden_type((TableHidden)h), -(h + 1), 'r', 0);
    }
    return g->rc;
}

static int gen_pg_tables(SysGen *g)
{
    for (size_t i = 0; i < N_SYS_TABLES; i++) {
        const SysTable *t = &sys_tables[i];
        if (t->relkind != 'r')
            continue;
        row_begin(g);
        v_str(g, t->def.schema);
        v_str(g, t->def.name);
        v_dup(g, g->user);
        v_null(g);
        v_bool(g, 0);
        v_bool(g, 0);
        v_bool(g, 0);
        v_bool(g, 0);
        row_end(g);
    }
    for (size_t i = 0; i < g->n_tables; i++) {
        row_begin(g);
        v_str(g, "public");
        v_dup(g, g->tables[i]->def->name);
        v_dup(g, g->user);
        v_null(g);
        v_bool(g, 0);
        v_bool(g, 0);
        v_bool(g, 0);
        v_bool(g, 0);
        row_end(g);
    }
    return g->rc;
}

static int gen_pg_views(SysGen *g)
{
    for (size_t i = 0; i < N_SYS_TABLES; i++) {
        const SysTable *t = &sys_tables[i];
        if (t->relkind != 'v')
            continue;
        row_begin(g);
        v_str(g, t->def.schema);
        v_str(g, t->def.name);
        v_dup(g, g->user);
        v_null(g); /* definition: weir's system views are made in C, they have no SQL text */
        row_end(g);
    }
    return g->rc;
}

/* Comments from Trino table description files ("comment" on a column). */
static int gen_pg_description(SysGen *g)
{
    for (size_t i = 0; i < g->n_tables; i++) {
        const CatalogTable *t = g->tables[i];
        for (uint32_t c = 0; c < t->def->n_cols; c++) {
            if (!t->def->cols[c].comment)
                continue;
            row_begin(g);
            v_int(g, t->oid);
            v_int(g, REL_PG_CLASS);
            v_int(g, (int64_t)c + 1);
            v_dup(g, t->def->cols[c].comment);
            row_end(g);
        }
    }
    return g->rc;
}

/* ---------------------------------------------------------------------------------------------- */
/* namespaces, roles, databases and the small fixed catalogs                                       */
/* ---------------------------------------------------------------------------------------------- */

static const struct {
    uint32_t oid;
    const char *name;
    uint32_t owner;
} namespaces[] = {
    {NSP_PG_CATALOG, "pg_catalog", ROLE_SUPERUSER},
    {NSP_PUBLIC, "public", ROLE_DB_OWNER},
    {NSP_INFO_SCHEMA, "information_schema", ROLE_SUPERUSER},
};
#define N_NAMESPACES (sizeof(namespaces) / sizeof(namespaces[0]))

static int gen_pg_namespace(SysGen *g)
{
    for (size_t i = 0; i < N_NAMESPACES; i++) {
        row_begin(g);
        v_int(g, namespaces[i].oid);
        v_str(g, namespaces[i].name);
        v_int(g, namespaces[i].owner);
        v_null(g);
        row_end(g);
    }
    return g->rc;
}

/* The roles: the session's user as the superuser PostgreSQL's bootstrap role is (weir has no other
 * privilege levels), and pg_database_owner, which owns public. */
typedef struct RoleRow {
    uint32_t oid;
    const char *name;
    int super, login;
} RoleRow;

static void roles_of(const SysGen *g, RoleRow out[2])
{
    out[0] = (RoleRow){ROLE_SUPERUSER, g->user, 1, 1};
    out[1] = (RoleRow){ROLE_DB_OWNER, "pg_database_owner", 0, 0};
}

static int gen_pg_roles(SysGen *g)
{
    RoleRow r[2];
    roles_of(g, r);
    for (int i = 0; i < 2; i++) {
        row_begin(g);
        v_dup(g, r[i].name);
        v_bool(g, r[i].super);
        v_bool(g, 1);          /* rolinherit */
        v_bool(g, r[i].super); /* rolcreaterole */
        v_bool(g, r[i].super); /* rolcreatedb */
        v_bool(g, r[i].login);
        v_bool(g, r[i].super); /* rolreplication */
        v_int(g, -1);          /* rolconnlimit */
        v_str(g, "********");
        v_null(g);             /* rolvaliduntil */
        v_bool(g, r[i].super); /* rolbypassrls */
        v_null(g);             /* rolconfig */
        v_int(g, r[i].oid);
        row_end(g);
    }
    return g->rc;
}

static int gen_pg_authid(SysGen *g)
{
    RoleRow r[2];
    roles_of(g, r);
    for (int i = 0; i < 2; i++) {
        row_begin(g);
        v_int(g, r[i].oid);
        v_dup(g, r[i].name);
        v_bool(g, r[i].super);
        v_bool(g, 1);
        v_bool(g, r[i].super);
        v_bool(g, r[i].super);
        v_bool(g, r[i].login);
        v_bool(g, r[i].super);
        v_bool(g, r[i].super);
        v_int(g, -1);
        v_null(g); /* rolpassword: weir keeps none */
        v_null(g);
        row_end(g);
    }
    return g->rc;
}

static int gen_pg_user(SysGen *g)
{
    row_begin(g);
    v_dup(g, g->user);
    v_int(g, ROLE_SUPERUSER);
    v_bool(g, 1);
    v_bool(g, 1);
    v_bool(g, 1);
    v_bool(g, 1);
    v_str(g, "********");
    v_null(g);
    v_null(g);
    row_end(g);
    return g->rc;
}

static void database_row(SysGen *g, uint32_t oid, const char *name)
{
    row_begin(g);
    v_int(g, oid);
    v_dup(g, name);
    v_int(g, ROLE_SUPERUSER);
    v_int(g, ENCODING_UTF8);
    v_char(g, 'c'); /* datlocprovider: libc */
    v_bool(g, 0);   /* datistemplate */
    v_bool(g, 1);   /* datallowconn */
    v_int(g, -1);   /* datconnlimit */
    v_int(g, 0);    /* datfrozenxid */
    v_int(g, 0);    /* datminmxid */
    v_int(g, TABLESPACE_DEFAULT);
    v_str(g, "C.UTF-8"); /* datcollate, datctype: weir compares bytes, as the C locale */
    v_str(g, "C.UTF-8");
    v_null(g); /* daticulocale */
    v_null(g); /* datcollversion */
    v_null(g); /* datacl */
    row_end(g);
}

/* Any database name connects to the same tables: the session's database, and "postgres", which
 * clients use as the maintenance database, are both listed. */
static int gen_pg_database(SysGen *g)
{
    if (strcmp(g->database, "postgres") != 0)
        database_row(g, DB_OTHER, g->database);
    database_row(g, DB_POSTGRES, "postgres");
    return g->rc;
}

static int gen_pg_collation(SysGen *g)
{
    static const struct {
        uint32_t oid;
        const char *name;
        char provider;
        const char *locale;
    } colls[] = {
        {COLL_DEFAULT, "default", 'd', NULL}, {COLL_C, "C", 'c', "C"}, {COLL_POSIX, "POSIX", 'c', "POSIX"}};
    for (size_t i = 0; i < sizeof(colls) / sizeof(colls[0]); i++) {
        row_begin(g);
        v_int(g, colls[i].oid);
        v_str(g, colls[i].name);
        v_int(g, NSP_PG_CATALOG);
        v_int(g, ROLE_SUPERUSER);
        v_char(g, colls[i].provider);
        v_bool(g, 1);
        v_int(g, -1);
        if (colls[i].locale) {
            v_str(g, colls[i].locale);
            v_str(g, colls[i].locale);
        } else {
            v_null(g);
            v_null(g);
        }
        v_null(g);
        v_null(g);
        row_end(g);
    }
    return g->rc;
}

static int gen_pg_tablespace(SysGen *g)
{
    row_begin(g);
    v_int(g, TABLESPACE_DEFAULT);
    v_str(g, "pg_default");
    v_int(g, ROLE_SUPERUSER);
    v_null(g);
    v_null(g);
    row_end(g);
    return g->rc;
}

/* weir's functions are built in: the "internal" language, as PostgreSQL's C built-ins. */
static int gen_pg_language(SysGen *g)
{
    row_begin(g);
    v_int(g, LANG_INTERNAL);
    v_str(g, "internal");
    v_int(g, ROLE_SUPERUSER);
    v_bool(g, 0);
    v_bool(g, 0);
    v_int(g, 0);
    v_int(g, 0);
    v_int(g, 2246); /* fmgr_internal_validator */
    v_null(g);
    row_end(g);
    return g->rc;
}

/* ---------------------------------------------------------------------------------------------- */
/* types and functions                                                                             */
/* ---------------------------------------------------------------------------------------------- */

static void type_row_emit(SysGen *g, const TypeRow *r)
{
    row_begin(g);
    v_int(g, r->oid);
    v_dup(g, r->typname);
    v_int(g, NSP_PG_CATALOG);
    v_int(g, ROLE_SUPERUSER);
    v_int(g, r->len);
    v_bool(g, r->byval);
    v_char(g, r->typtype);
    v_char(g, r->category);
    v_bool(g, r->preferred);
    v_bool(g, 1);   /* typisdefined */
    v_char(g, ','); /* typdelim */
    v_int(g, 0);    /* typrelid */
    v_int(g, r->subscript);
    v_int(g, r->elem);
    v_int(g, r->array);
    v_int(g, r->in);
    v_int(g, r->out);
    v_int(g, r->recv);
    v_int(g, r->send);
    v_int(g, r->modin);
    v_int(g, r->modout);
    v_int(g, r->analyze);
    v_char(g, r->align);
    v_char(g, r->storage);
    v_bool(g, 0); /* typnotnull */
    v_int(g, 0);  /* typbasetype */
    v_int(g, -1); /* typtypmod */
    v_int(g, 0);  /* typndims */
    v_int(g, r->collation);
    v_null(g); /* typdefaultbin */
    v_null(g); /* typdefault */
    v_null(g); /* typacl */
    row_end(g);
}

static int gen_pg_type(SysGen *g)
{
    TypeRow r;
    for (int id = 0; id < SQL_N_TYPES; id++) {
        type_row((SqlTypeId)id, &r);
        type_row_emit(g, &r);
        if (r.array) {
            type_row(SQL_ARRAY_OF(id), &r);
            type_row_emit(g, &r);
        }
    }
    for (size_t i = 0; i < sizeof(pseudo_types) / sizeof(pseudo_types[0]); i++) {
        const TypeFacts *f = type_facts_of(pseudo_types[i].oid);
        memset(&r, 0, sizeof(r));
        r.oid = pseudo_types[i].oid;
        snprintf(r.typname, sizeof(r.typname), "%s", pseudo_types[i].typname);
        r.len = pseudo_types[i].len;
        r.typtype = 'p';
        r.category = 'P';
        if (f) {
            r.align = f->align;
            r.storage = f->storage;
            r.byval = f->byval;
            r.in = f->in;
            r.out = f->out;
            r.recv = f->recv;
            r.send = f->send;
        }
        type_row_emit(g, &r);
    }
    return g->rc;
}

/* Text form of an oid[] ("{25,23}", vector 0) or an oidvector ("25 23", vector 1). */
static void v_oid_list(SysGen *g, const uint32_t *oids, uint32_t n, int vector)
{
    char buf[256];
    size_t len = 0;
    if (!vector)
        buf[len++] = '{';
    for (uint32_t i = 0; i < n && len < sizeof(buf) - 16; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%u", !i ? "" : vector ? " " : ",", oids[i]);
    if (!vector)
        buf[len++] = '}';
    buf[len] = '\0';
    v_dup(g, buf);
}

/* Text form of a text[] of names, or of the argument modes ("{i,v}") when names is NULL. */
static void v_name_list(SysGen *g, const char *const *names, uint32_t n, int variadic)
{
    char buf[512];
    size_t len = 0;
    buf[len++] = '{';
    for (uint32_t i = 0; i < n && len < sizeof(buf) - 80; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
                                names ? names[i] : variadic && i + 1 == n ? "v" : "i");
    buf[len++] = '}';
    buf[len] = '\0';
    v_dup(g, buf);
}

/* The library's functions, one row per pg_proc oid (fn_catalog.h: operators are listed by the functions
 * behind them only when the library names those; weir-only functions have no oid and are left out). */
static int gen_pg_proc(SysGen *g)
{
    const SqlFnDef *const *defs;
    size_t n = sql_fn_all(&defs);
    uint8_t *seen = arena_try_calloc(g->a, 65536 / 8);
    if (!seen)
        return gen_oom(g);
    for (size_t i = 0; i < n && !g->rc; i++) {
        const SqlFnDef *d = defs[i];
        if (!sql_fn_is_proc(d) || d->oid >= 65536 || (seen[d->oid / 8] & (1u << (d->oid % 8))))
            continue;
        seen[d->oid / 8] |= (uint8_t)(1u << (d->oid % 8));
        uint32_t args[8];
        for (uint32_t k = 0; k < d->n_args && k < 8; k++)
            args[k] = sql_fn_arg_oid(d, k);
        row_begin(g);
        v_int(g, d->oid);
        v_str(g, d->name);
        v_int(g, NSP_PG_CATALOG);
        v_int(g, ROLE_SUPERUSER);
        v_int(g, LANG_INTERNAL);
        v_float(g, 1); /* procost */
        v_float(g, 0); /* prorows */
        v_int(g, sql_fn_variadic_oid(d));
        v_int(g, 0); /* prosupport */
        v_char(g, 'f');
        v_bool(g, 0); /* prosecdef */
        v_bool(g, 0); /* proleakproof */
        v_bool(g, d->is_strict);
        v_bool(g, 0); /* proretset */
        v_char(g, d->volatility == SQL_FN_IMMUTABLE ? 'i' : d->volatility == SQL_FN_STABLE ? 's' : 'v');
        v_char(g, 's'); /* proparallel */
        /* PostgreSQL's parameter names and defaults where it has them (fn_catalog.h) */
        const SqlFnParams *params = NULL, *p0;
        size_t n_params = sql_fn_params_lookup(d->name, &p0);
        for (size_t k = 0; k < n_params && !params; k++)
            if (p0[k].n == d->n_args)
                params = &p0[k];
        uint32_t n_args = d->n_args < 8 ? d->n_args : 8, n_defaults = 0;
        for (uint32_t k = 0; params && k < n_args && k < SQL_FN_PARAMS_MAX; k++)
            n_defaults += params->defaults[k] != NULL;
        v_int(g, d->n_args);
        v_int(g, n_defaults); /* pronargdefaults */
        v_int(g, sql_fn_ret_oid(d));
        v_oid_list(g, args, n_args, 1); /* proargtypes, an oidvector */
        /* a variadic function lists every argument with its mode (PostgreSQL: {i,v}) */
        if (d->is_variadic) {
            v_oid_list(g, args, n_args, 0); /* proallargtypes */
            v_name_list(g, NULL, n_args, 1); /* proargmodes */
        } else {
            v_null(g);
            v_null(g);
        }
        if (params)
            v_name_list(g, params->names, n_args, 0); /* proargnames */
        else
            v_null(g);
        v_null(g);         /* proargdefaults: weir has no expression trees */
        v_null(g);         /* protrftypes */
        v_str(g, d->name); /* prosrc: for built-ins, the C function; here the name */
        v_null(g);         /* probin */
        v_null(g);         /* prosqlbody */
        v_null(g);         /* proconfig */
        v_null(g);         /* proacl */
        row_end(g);
    }
    return g->rc;
}

/* ---------------------------------------------------------------------------------------------- */
/* pg_settings                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

/* PostgreSQL 15's description of each setting weir has (session.c) and of the preset options clients
 * read (max_index_keys: JDBC builds its index queries with it). Sorted as PostgreSQL sorts them. */
typedef struct SettingMeta {
    const char *name, *unit, *category, *short_desc, *context, *vartype, *min_val, *max_val, *enumvals;
} SettingMeta;

/* clang-format off */
static const SettingMeta setting_meta[] = {
    {"application_name", NULL, "Reporting and Logging / What to Log",
     "Sets the application name to be reported in statistics and logs.",
     "user", "string", NULL, NULL, NULL},
    {"block_size", NULL, "Preset Options",
     "Shows the size of a disk block.",
     "internal", "integer", "8192", "8192", NULL},
    {"bytea_output", NULL, "Client Connection Defaults / Statement Behavior",
     "Sets the output format for bytea.",
     "user", "enum", NULL, NULL, "{escape,hex}"},
    {"client_encoding", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the client's character set encoding.",
     "user", "string", NULL, NULL, NULL},
    {"client_min_messages", NULL, "Client Connection Defaults / Statement Behavior",
     "Sets the message levels that are sent to the client.",
     "user", "enum", NULL, NULL, "{debug5,debug4,debug3,debug2,debug1,log,notice,warning,error}"},
    {"DateStyle", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the display format for date and time values.",
     "user", "string", NULL, NULL, NULL},
    {"default_transaction_isolation", NULL, "Client Connection Defaults / Statement Behavior",
     "Sets the transaction isolation level of each new transaction.",
     "user", "enum", NULL, NULL,
     "{serializable,\"repeatable read\",\"read committed\",\"read uncommitted\"}"},
    {"default_transaction_read_only", NULL, "Client Connection Defaults / Statement Behavior",
     "Sets the default read-only status of new transactions.",
     "user", "bool", NULL, NULL, NULL},
    {"escape_string_warning", NULL, "Version and Platform Compatibility / Previous PostgreSQL Versions",
     "Warn about backslash escapes in ordinary string literals.",
     "user", "bool", NULL, NULL, NULL},
    {"extra_float_digits", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the number of digits displayed for floating-point values.",
     "user", "integer", "-15", "3", NULL},
    {"idle_in_transaction_session_timeout", "ms", "Client Connection Defaults / Statement Behavior",
     "Sets the maximum allowed idle time between queries, when in a transaction.",
     "user", "integer", "0", "2147483647", NULL},
    {"in_hot_standby", NULL, "Preset Options",
     "Shows whether hot standby is currently active.",
     "internal", "bool", NULL, NULL, NULL},
    {"integer_datetimes", NULL, "Preset Options",
     "Shows whether datetimes are integer based.",
     "internal", "bool", NULL, NULL, NULL},
    {"IntervalStyle", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the display format for interval values.",
     "user", "enum", NULL, NULL, "{postgres,postgres_verbose,sql_standard,iso_8601}"},
    {"jit", NULL, "Query Tuning / Other Planner Options",
     "Allow JIT compilation.",
     "user", "bool", NULL, NULL, NULL},
    {"lc_collate", NULL, "Preset Options",
     "Shows the collation order locale.",
     "internal", "string", NULL, NULL, NULL},
    {"lc_ctype", NULL, "Preset Options",
     "Shows the character classification and case conversion locale.",
     "internal", "string", NULL, NULL, NULL},
    {"lc_messages", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the language in which messages are displayed.",
     "superuser", "string", NULL, NULL, NULL},
    {"lc_monetary", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the locale for formatting monetary amounts.",
     "user", "string", NULL, NULL, NULL},
    {"lc_numeric", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the locale for formatting numbers.",
     "user", "string", NULL, NULL, NULL},
    {"lc_time", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the locale for formatting date and time values.",
     "user", "string", NULL, NULL, NULL},
    {"lock_timeout", "ms", "Client Connection Defaults / Statement Behavior",
     "Sets the maximum allowed duration of any wait for a lock.",
     "user", "integer", "0", "2147483647", NULL},
    {"max_function_args", NULL, "Preset Options",
     "Shows the maximum number of function arguments.",
     "internal", "integer", "100", "100", NULL},
    {"max_identifier_length", NULL, "Preset Options",
     "Shows the maximum identifier length.",
     "internal", "integer", "63", "63", NULL},
    {"max_index_keys", NULL, "Preset Options",
     "Shows the maximum number of index keys.",
     "internal", "integer", "32", "32", NULL},
    {"row_security", NULL, "Client Connection Defaults / Statement Behavior",
     "Enable row security.",
     "user", "bool", NULL, NULL, NULL},
    {"search_path", NULL, "Client Connection Defaults / Statement Behavior",
     "Sets the schema search order for names that are not schema-qualified.",
     "user", "string", NULL, NULL, NULL},
    {"server_encoding", NULL, "Preset Options",
     "Shows the server (database) character set encoding.",
     "internal", "string", NULL, NULL, NULL},
    {"server_version", NULL, "Preset Options",
     "Shows the server version.",
     "internal", "string", NULL, NULL, NULL},
    {"server_version_num", NULL, "Preset Options",
     "Shows the server version as an integer.",
     "internal", "integer", "150018", "150018", NULL},
    {"standard_conforming_strings", NULL, "Version and Platform Compatibility / Previous PostgreSQL Versions",
     "Causes '...' strings to treat backslashes literally.",
     "user", "bool", NULL, NULL, NULL},
    {"statement_timeout", "ms", "Client Connection Defaults / Statement Behavior",
     "Sets the maximum allowed duration of any statement.",
     "user", "integer", "0", "2147483647", NULL},
    {"synchronous_commit", NULL, "Write-Ahead Log / Settings",
     "Sets the current transaction's synchronization level.",
     "user", "enum", NULL, NULL, "{local,remote_write,remote_apply,on,off}"},
    {"TimeZone", NULL, "Client Connection Defaults / Locale and Formatting",
     "Sets the time zone for displaying and interpreting time stamps.",
     "user", "string", NULL, NULL, NULL},
    {"timezone_abbreviations", NULL, "Client Connection Defaults / Locale and Formatting",
     "Selects a file of time zone abbreviations.",
     "user", "string", NULL, NULL, NULL},
    {"transaction_isolation", NULL, "Client Connection Defaults / Statement Behavior",
     "Sets the current transaction's isolation level.",
     "user", "enum", NULL, NULL,
     "{serializable,\"repeatable read\",\"read committed\",\"read uncommitted\"}"},
    {"transaction_read_only", NULL, "Client Connection Defaults / Statement Behavior",
     "Sets the current transaction's read-only status.",
     "user", "bool", NULL, NULL, NULL},
    {"work_mem", "kB", "Resource Usage / Memory",
     "Sets the maximum memory to be used for query workspaces.",
     "user", "integer", "64", "2147483647", NULL},
    {"xmloption", NULL, "Client Connection Defaults / Statement Behavior",
     "Sets whether XML data in implicit parsing and serialization operations is to be considered as "
     "documents or content fragments.",
     "user", "enum", NULL, NULL, "{content,document}"},
};
/* clang-format on */
#define N_SETTING_META (sizeof(setting_meta) / sizeof(setting_meta[0]))

/* Preset options weir fixes but has no session setting for (PostgreSQL's compile-time limits). */
static const char *preset_value(const char *name)
{
    if (!strcmp(name, "block_size"))
        return "8192";
    if (!strcmp(name, "max_function_args"))
        return "100";
    if (!strcmp(name, "max_index_keys"))
        return "32";
    return NULL;
}

/* SHOW's form of a time or memory setting ("5s", "4MB") as pg_settings.setting shows it: a number in
 * the setting's unit (ms, kB). Anything else is returned as is. */
static void setting_in_unit(const char *value, const char *unit, char *out, size_t cap)
{
    snprintf(out, cap, "%s", value);
    if (!unit)
        return;
    char *end;
    double v = strtod(value, &end);
    if (end == value)
        return;
    static const struct {
        const char *suffix;
        double ms, kb;
    } units[] = {{"ms", 1, 0}, {"s", 1000, 0},  {"min", 60000, 0},  {"h", 3600000, 0},     {"d", 86400000, 0},
                 {"kB", 0, 1}, {"MB", 0, 1024}, {"GB", 0, 1048576}, {"TB", 0, 1073741824}, {"", 1, 1}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix) != 0)
            continue;
        double mul = strcmp(unit, "ms") == 0 ? units[i].ms : strcmp(unit, "kB") == 0 ? units[i].kb : 0;
        if (mul > 0)
            snprintf(out, cap, "%.0f", v * mul);
        return;
    }
}

static void setting_row(SysGen *g, const SettingMeta *m, const char *name, const char *value,
                        const char *reset)
{
    char setting[256], reset_u[256];
    setting_in_unit(value, m ? m->unit : NULL, setting, sizeof(setting));
    setting_in_unit(reset, m ? m->unit : NULL, reset_u, sizeof(reset_u));
    row_begin(g);
    v_dup(g, name);
    v_dup(g, setting);
    v_dup_or_null(g, m ? m->unit : NULL);
    v_str(g, m ? m->category : "Customized Options");
    v_dup_or_null(g, m ? m->short_desc : NULL);
    v_null(g); /* extra_desc */
    v_str(g, m ? m->context : "user");
    v_str(g, m ? m->vartype : "string");
    v_str(g, strcmp(setting, reset_u) != 0 ? "session" : "default");
    v_dup_or_null(g, m ? m->min_val : NULL);
    v_dup_or_null(g, m ? m->max_val : NULL);
    v_dup_or_null(g, m ? m->enumvals : NULL);
    v_null(g); /* boot_val */
    v_dup(g, reset_u);
    v_null(g); /* sourcefile */
    v_null(g); /* sourceline */
    v_bool(g, 0);
    row_end(g);
}

static const SettingMeta *setting_meta_find(const char *name)
{
    for (size_t i = 0; i < N_SETTING_META; i++)
        if (!strcasecmp(setting_meta[i].name, name))
            return &setting_meta[i];
    return NULL;
}

/* The session's settings that PostgreSQL lists (is_superuser and session_authorization it hides), then
 * the preset options; custom placeholders ("weir.checkpoint") as PostgreSQL lists its placeholders. */
static int gen_pg_settings(SysGen *g)
{
    SqlSession *tmp = NULL;
    const SqlSession *s = g->sess;
    if (!s) {
        tmp = sql_session_create(g->eng, g->user, g->database);
        s = tmp;
    }
    for (size_t i = 0; i < s->n_settings; i++) {
        const SqlSetting *st = &s->settings[i];
        const SettingMeta *m = setting_meta_find(st->name);
        if (!m && !strchr(st->name, '.'))
            continue;
        setting_row(g, m, st->name, st->value, st->reset_value);
    }
    for (size_t i = 0; i < N_SETTING_META; i++) {
        const char *v = preset_value(setting_meta[i].name);
        if (v)
            setting_row(g, &setting_meta[i], setting_meta[i].name, v, v);
    }
    sql_session_destroy(&tmp);
    return g->rc;
}

/* ---------------------------------------------------------------------------------------------- */
/* information_schema                                                                              */
/* ---------------------------------------------------------------------------------------------- */

static void is_table_row(SysGen *g, const char *schema, const char *name, int is_view)
{
    row_begin(g);
    v_dup(g, g->database);
    v_str(g, schema);
    v_dup(g, name);
    v_str(g, is_view ? "VIEW" : "BASE TABLE");
    v_null(g);
    v_null(g);
    v_null(g);
    v_null(g);
    v_null(g);
    v_str(g, "NO"); /* is_insertable_into: weir has no INSERT */
    v_str(g, "NO");
    v_null(g);
    row_end(g);
}

static int gen_is_tables(SysGen *g)
{
    for (size_t i = 0; i < N_SYS_TABLES; i++)
        is_table_row(g, sys_tables[i].def.schema, sys_tables[i].def.name, sys_tables[i].relkind == 'v');
    for (size_t i = 0; i < g->n_tables; i++)
        is_table_row(g, "public", g->tables[i]->def->name, 0);
    return g->rc;
}

static void v_int_or_null(SysGen *g, int64_t v, int is_null)
{
    if (is_null)
        v_null(g);
    else
        v_int(g, v);
}

/* One row of information_schema.columns, computed as PostgreSQL's view does from the type and typmod. */
static void is_column_row(SysGen *g, const char *schema, const char *table, const char *col, SqlType t,
                          uint32_t ordinal)
{
    SqlTypeId id = t.id;
    int32_t m = t.typmod;
    char data_type[80];
    if (SQL_IS_ARRAY(id))
        snprintf(data_type, sizeof(data_type), "ARRAY");
    else
        sql_type_format(SQL_TYPE(id), data_type, sizeof(data_type));
    int is_char = !SQL_IS_ARRAY(id) && (id == SQL_VARCHAR || id == SQL_BPCHAR || id == SQL_TEXT);
    int is_int = id == SQL_INT2 || id == SQL_INT4 || id == SQL_INT8;
    int is_float = id == SQL_FLOAT4 || id == SQL_FLOAT8;
    int is_time = id == SQL_DATE || id == SQL_TIME || id == SQL_TIMESTAMP || id == SQL_TIMESTAMPTZ ||
                  id == SQL_INTERVAL;
    TypeRow tr;
    type_row(id, &tr);
    row_begin(g);
    v_dup(g, g->database);
    v_str(g, schema);
    v_dup(g, table);
    v_dup(g, col);
    v_int(g, ordinal);
    v_null(g);       /* column_default */
    v_str(g, "YES"); /* is_nullable */
    v_dup(g, data_type);
    /* character_maximum_length, character_octet_length (UTF-8: 4 bytes a character) */
    int has_len = is_char && id != SQL_TEXT && m >= 4;
    v_int_or_null(g, m - 4, !has_len);
    v_int_or_null(g, has_len ? (int64_t)(m - 4) * 4 : 1073741824, !is_char);
    /* numeric_precision, numeric_precision_radix, numeric_scale */
    int num_p = id == SQL_NUMERIC && m >= 4;
    int64_t prec = id == SQL_INT2     ? 16
                   : id == SQL_INT4   ? 32
                   : id == SQL_INT8   ? 64
                   : id == SQL_FLOAT4 ? 24
                                      : 53;
    if (num_p)
        prec = ((m - 4) >> 16) & 0xffff;
    v_int_or_null(g, prec, !(is_int || is_float || num_p));
    v_int_or_null(g, id == SQL_NUMERIC ? 10 : 2, !(is_int || is_float || id == SQL_NUMERIC));
    v_int_or_null(g, num_p ? (m - 4) & 0xffff : 0, !(is_int || num_p));
    /* datetime_precision: date 0; times and intervals their typmod's precision, 6 when none */
    v_int_or_null(g, id == SQL_DATE ? 0 : (m >= 0 && id != SQL_INTERVAL) ? m : 6, !is_time);
    v_null(g); /* interval_type */
    v_null(g); /* interval_precision */
    v_null(g); /* character_set_catalog */
    v_null(g);
    v_null(g);
    /* collation: only a column whose type's collation is not the default one names it (name: "C") */
    int coll = tr.collation == COLL_C || (id == SQL_VARCHAR && strcmp(schema, "information_schema") == 0);
    if (coll) {
        v_dup(g, g->database);
        v_str(g, "pg_catalog");
        v_str(g, "C");
    } else {
        v_null(g);
        v_null(g);
        v_null(g);
    }
    v_null(g); /* domain_catalog */
    v_null(g);
    v_null(g);
    v_dup(g, g->database); /* udt_catalog */
    v_str(g, "pg_catalog");
    v_dup(g, tr.typname);
    v_null(g); /* scope_* */
    v_null(g);
    v_null(g);
    v_null(g);               /* maximum_cardinality */
    v_fmt(g, "%u", ordinal); /* dtd_identifier */
    v_str(g, "NO");          /* is_self_referencing */
    v_str(g, "NO");          /* is_identity */
    v_null(g);
    v_null(g);
    v_null(g);
    v_null(g);
    v_null(g);
    v_str(g, "NO");    /* identity_cycle */
    v_str(g, "NEVER"); /* is_generated */
    v_null(g);
    v_str(g, "NO"); /* is_updatable: weir has no UPDATE */
    row_end(g);
}

static int gen_is_columns(SysGen *g)
{
    for (size_t i = 0; i < N_SYS_TABLES; i++) {
        const SysTableDef *d = &sys_tables[i].def;
        for (uint32_t c = 0; c < d->n_cols; c++)
            is_column_row(g, d->schema, d->name, d->col_names[c], d->col_types[c], c + 1);
    }
    for (size_t i = 0; i < g->n_tables; i++) {
        const TableDef *td = g->tables[i]->def;
        for (uint32_t c = 0; c < td->n_cols; c++)
            is_column_row(g, "public", td->name, td->cols[c].name, td->cols[c].type, c + 1);
    }
    return g->rc;
}

static int gen_is_schemata(SysGen *g)
{
    for (size_t i = 0; i < N_NAMESPACES; i++) {
        row_begin(g);
        v_dup(g, g->database);
        v_str(g, namespaces[i].name);
        v_dup(g, namespaces[i].owner == ROLE_SUPERUSER ? g->user : "pg_database_owner");
        v_null(g);
        v_null(g);
        v_null(g);
        v_null(g);
        row_end(g);
    }
    return g->rc;
}

static int gen_is_views(SysGen *g)
{
    for (size_t i = 0; i < N_SYS_TABLES; i++) {
        const SysTable *t = &sys_tables[i];
        if (t->relkind != 'v')
            continue;
        row_begin(g);
        v_dup(g, g->database);
        v_str(g, t->def.schema);
        v_str(g, t->def.name);
        v_null(g); /* view_definition */
        v_str(g, "NONE");
        v_str(g, "NO");
        v_str(g, "NO");
        v_str(g, "NO");
        v_str(g, "NO");
        v_str(g, "NO");
        row_end(g);
    }
    return g->rc;
}

/* ---------------------------------------------------------------------------------------------- */
/* OP_SYSTAB                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

typedef struct SysRun {
    Arena *a;
    SqlValue *vals;
    uint32_t n_rows, n_cols, pos;
} SysRun;

static const char *nonempty_or(const char *s, const char *dflt)
{
    return s && s[0] ? s : dflt;
}

int op_systab_open(Op *op, ExecCtx *ctx)
{
    const SysTabSpec *sp = op->spec;
    const SysTable *tab = (const SysTable *)sp->def;
    SysRun *run = arena_try_calloc(ctx->arena, sizeof(*run));
    if (!run || !(run->a = arena_create(ctx->arena, ARENA_UNLIMITED)))
        return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
    op->state = run;
    run->n_cols = tab->def.n_cols;
    if (op->n_cols != run->n_cols)
        return sql_error_set(ctx->err, "XX000", 0, "internal error: %s planned with %u columns",
                             tab->def.name, op->n_cols);
    if (!tab->gen)
        return WEIR_OK;
    SqlEngine *eng = sp->eng ? sp->eng : ctx->eng;
    SysGen g = {.ctx = ctx, .tab = tab, .eng = eng, .sess = sp->sess, .a = run->a, .n_cols = run->n_cols};
    g.user = nonempty_or(sp->sess ? sp->sess->user : ctx->session_user, "weir");
    g.database = nonempty_or(sp->sess ? sp->sess->database : ctx->database, "weir");
    if (eng && eng->catalog)
        g.n_tables = sql_catalog_list(eng->catalog, &g.tables);
    int rc = tab->gen(&g);
    for (size_t i = 0; i < g.n_tables; i++)
        sql_catalog_unref(eng->catalog, g.tables[i]);
    free(g.tables);
    if (rc || g.rc)
        return WEIR_ERROR;
    run->vals = g.vals;
    run->n_rows = g.n_rows;
    return WEIR_OK;
}

int op_systab_next(Op *op, ExecCtx *ctx, Batch **out)
{
    SysRun *run = op->state;
    *out = NULL;
    if (!run || run->pos >= run->n_rows)
        return WEIR_OK;
    uint32_t n = run->n_rows - run->pos;
    if (n > VEC_BATCH)
        n = VEC_BATCH;
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
    for (uint32_t r = 0; r < n; r++) {
        const SqlValue *row = &run->vals[(size_t)(run->pos + r) * run->n_cols];
        for (uint32_t c = 0; c < run->n_cols; c++) {
            SqlValue v = row[c];
            v.type = op->types[c];
            if (vec_put(&b->cols[c], r, &v, op->batch_arena))
                return sql_error_set(ctx->err, "53200", 0,
                                     "out of memory: the query is over its memory budget");
        }
    }
    b->n = n;
    run->pos += n;
    *out = b;
    return WEIR_OK;
}

void op_systab_close(Op *op)
{
    SysRun *run = op->state;
    if (run)
        arena_destroy(&run->a);
    op->state = NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* reg* names (sql/typeio.h SqlRegNames)                                                           */
/* ---------------------------------------------------------------------------------------------- */

#define NAME_MAX_PARTS 3
#define NAME_PART_CAP 128

/* Split a possibly qualified name as PostgreSQL reads one (stringToQualifiedNameList): parts separated
 * by dots, each "quoted" (a doubled quote is one quote, case kept) or not (blanks around it dropped,
 * lower-cased). Returns the number of parts, 0 when the text is not a name. */
static int qname_split(const char *p, size_t n, char parts[NAME_MAX_PARTS][NAME_PART_CAP])
{
    int k = 0;
    size_t i = 0;
    for (;;) {
        while (i < n && isspace((unsigned char)p[i]))
            i++;
        if (k == NAME_MAX_PARTS || i >= n)
            return 0;
        size_t len = 0;
        if (p[i] == '"') {
            for (i++;; i++) {
                if (i >= n)
                    return 0;
                if (p[i] == '"') {
                    if (i + 1 < n && p[i + 1] == '"')
                        i++;
                    else
                        break;
                }
                if (len + 1 >= NAME_PART_CAP)
                    return 0;
                parts[k][len++] = p[i];
            }
            i++;
            if (len == 0)
                return 0; /* zero-length delimited identifier */
        } else {
            while (i < n && p[i] != '.' && !isspace((unsigned char)p[i])) {
                if (len + 1 >= NAME_PART_CAP || p[i] == '"')
                    return 0;
                parts[k][len++] = (char)tolower((unsigned char)p[i]);
                i++;
            }
            if (len == 0)
                return 0;
        }
        parts[k++][len] = '\0';
        while (i < n && isspace((unsigned char)p[i]))
            i++;
        if (i >= n)
            return k;
        if (p[i] != '.')
            return 0;
        i++;
    }
}

/* An identifier as PostgreSQL prints it: quoted unless it is lower-case letters, digits and underscores
 * not starting with a digit. (PostgreSQL also quotes reserved keywords; weir does not know them here.) */
static int ident_out(const char *s, char *out, size_t cap)
{
    int safe = s[0] && !isdigit((unsigned char)s[0]);
    for (const char *c = s; *c && safe; c++)
        safe = (*c >= 'a' && *c <= 'z') || isdigit((unsigned char)*c) || *c == '_';
    if (safe)
        return snprintf(out, cap, "%s", s);
    size_t len = 0;
    if (len + 1 < cap)
        out[len++] = '"';
    for (const char *c = s; *c && len + 2 < cap; c++) {
        if (*c == '"')
            out[len++] = '"';
        out[len++] = *c;
    }
    if (len + 1 < cap)
        out[len++] = '"';
    out[len] = '\0';
    return (int)len;
}

static const SqlSession *reg_session(const void *arg)
{
    return arg;
}

static const char *session_user_name(const SqlSession *s)
{
    return nonempty_or(s ? s->user : NULL, "weir");
}

/* A user table's oid by name (0 if none). */
static uint32_t user_table_oid(const SqlSession *s, const char *name)
{
    if (!s || !s->eng || !s->eng->catalog)
        return 0;
    CatalogTable *t = sql_catalog_get(s->eng->catalog, name);
    if (!t)
        return 0;
    uint32_t oid = t->oid;
    sql_catalog_unref(s->eng->catalog, t);
    return oid;
}

static int reg_join(char parts[NAME_MAX_PARTS][NAME_PART_CAP], int k, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < k && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "." : "", parts[i]);
    return (int)len;
}

static int lookup_class(const SqlSession *s, char parts[NAME_MAX_PARTS][NAME_PART_CAP], int k, uint32_t *oid,
                        SqlError *err)
{
    const char *schema = k >= 2 ? parts[k - 2] : NULL, *name = parts[k - 1];
    if (k == 3 && (!s || strcmp(parts[0], s->database) != 0))
        return sql_error_set(err, "0A000", 0, "cross-database references are not implemented: %s.%s.%s",
                             parts[0], parts[1], parts[2]);
    if (schema && strcmp(schema, "pg_catalog") && strcmp(schema, "information_schema") &&
        strcmp(schema, "public"))
        return sql_error_set(err, "3F000", 0, "schema \"%s\" does not exist", schema);
    if (!schema || strcmp(schema, "public") != 0) {
        const SysTableDef *d = syscat_find(schema, name);
        if (d) {
            *oid = d->oid;
            return WEIR_OK;
        }
    }
    if (!schema || strcmp(schema, "public") == 0) {
        *oid = user_table_oid(s, name);
        if (*oid)
            return WEIR_OK;
    }
    char full[3 * NAME_PART_CAP];
    reg_join(parts, k, full, sizeof(full));
    return sql_error_set(err, "42P01", 0, "relation \"%s\" does not exist", full);
}

/* A type name as regtypein reads it: SQL spellings ("character varying(20)", "int", "text[]"), typnames
 * ("int4", "_int4") and the pseudo-types; the typmod is ignored, as PostgreSQL ignores it. */
static int lookup_type(const char *p, size_t n, uint32_t *oid, SqlError *err)
{
    char name[256];
    size_t len = 0;
    int in_quotes = 0;
    for (size_t i = 0; i < n && len + 1 < sizeof(name); i++) {
        char c = p[i];
        if (c == '"')
            in_quotes = !in_quotes;
        if (c == '(' && !in_quotes) { /* a typmod: skip to its closing parenthesis */
            while (i < n && p[i] != ')')
                i++;
            continue;
        }
        name[len++] = in_quotes ? c : (char)tolower((unsigned char)c);
    }
    while (len && isspace((unsigned char)name[len - 1]))
        len--;
    name[len] = '\0';
    char *s = name;
    while (isspace((unsigned char)*s))
        s++;
    if (strncmp(s, "pg_catalog.", 11) == 0)
        s += 11;
    SqlTypeId id;
    if (sql_type_from_name(s, &id) == 0) {
        *oid = sql_type_oid(id);
        return WEIR_OK;
    }
    if (strcmp(s, "\"any\"") == 0 || strcmp(s, "any") == 0) {
        *oid = SQL_PSEUDO_ANY_OID;
        return WEIR_OK;
    }
    for (size_t i = 0; i < sizeof(pseudo_types) / sizeof(pseudo_types[0]); i++)
        if (strcmp(s, pseudo_types[i].typname) == 0) {
            *oid = pseudo_types[i].oid;
            return WEIR_OK;
        }
    for (int t = 0; t < SQL_N_TYPES; t++) {
        const SqlTypeInfo *ti = sql_type_info((SqlTypeId)t);
        if (strcmp(s, ti->typname) == 0) {
            *oid = ti->oid;
            return WEIR_OK;
        }
        if (s[0] == '_' && ti->array_oid && strcmp(s + 1, ti->typname) == 0) {
            *oid = ti->array_oid;
            return WEIR_OK;
        }
    }
    return sql_error_set(err, "42704", 0, "type \"%.*s\" does not exist", (int)n, p);
}

static int reg_lookup(const void *arg, SqlTypeId id, const char *p, size_t n, uint32_t *oid, SqlError *err)
{
    const SqlSession *s = reg_session(arg);
    if (id == SQL_REGTYPE)
        return lookup_type(p, n, oid, err);
    char parts[NAME_MAX_PARTS][NAME_PART_CAP];
    int k = qname_split(p, n, parts);
    if (k == 0)
        return sql_error_set(err, "42602", 0, "invalid name syntax");
    switch (id) {
    case SQL_REGCLASS:
        return lookup_class(s, parts, k, oid, err);
    case SQL_REGPROC: {
        if (k > 2 || (k == 2 && strcmp(parts[0], "pg_catalog") != 0)) {
            char full[3 * NAME_PART_CAP];
            reg_join(parts, k, full, sizeof(full));
            return sql_error_set(err, "42883", 0, "function \"%s\" does not exist", full);
        }
        int found = sql_proc_find(parts[k - 1], oid);
        if (found == 1)
            return WEIR_OK;
        if (found > 1)
            return sql_error_set(err, "42725", 0, "more than one function named \"%.*s\"", (int)n, p);
        return sql_error_set(err, "42883", 0, "function \"%.*s\" does not exist", (int)n, p);
    }
    case SQL_REGNAMESPACE:
        if (k != 1)
            return sql_error_set(err, "42602", 0, "invalid name syntax");
        for (size_t i = 0; i < N_NAMESPACES; i++)
            if (strcmp(parts[0], namespaces[i].name) == 0) {
                *oid = namespaces[i].oid;
                return WEIR_OK;
            }
        return sql_error_set(err, "42704", 0, "schema \"%s\" does not exist", parts[0]);
    case SQL_REGROLE:
        if (k != 1)
            return sql_error_set(err, "42602", 0, "invalid name syntax");
        if (strcmp(parts[0], session_user_name(s)) == 0) {
            *oid = ROLE_SUPERUSER;
            return WEIR_OK;
        }
        if (strcmp(parts[0], "pg_database_owner") == 0) {
            *oid = ROLE_DB_OWNER;
            return WEIR_OK;
        }
        return sql_error_set(err, "42704", 0, "role \"%s\" does not exist", parts[0]);
    default:
        return sql_error_set(err, "XX000", 0, "internal error: no names for type %d", (int)id);
    }
}

static int class_name(const SqlSession *s, uint32_t oid, char *out, size_t cap)
{
    const SysTable *t = systab_by_oid(oid);
    if (t) {
        if (strcmp(t->def.schema, "pg_catalog") == 0)
            return ident_out(t->def.name, out, cap);
        int len = snprintf(out, cap, "%s.", t->def.schema);
        return len + ident_out(t->def.name, out + len, cap - (size_t)len);
    }
    if (!s || !s->eng || !s->eng->catalog)
        return -1;
    CatalogTable **tables;
    size_t n = sql_catalog_list(s->eng->catalog, &tables);
    int len = -1;
    for (size_t i = 0; i < n; i++) {
        if (len < 0 && tables[i]->oid == oid) {
            const char *name = tables[i]->def->name;
            /* qualified when a pg_catalog table of the same name hides it on the search path */
            int q = user_table_shadowed(name) ? snprintf(out, cap, "public.") : 0;
            len = q + ident_out(name, out + q, cap - (size_t)q);
        }
        sql_catalog_unref(s->eng->catalog, tables[i]);
    }
    free(tables);
    return len;
}

static int reg_name(const void *arg, SqlTypeId id, uint32_t oid, char *out, size_t cap)
{
    const SqlSession *s = reg_session(arg);
    const char *name = NULL;
    switch (id) {
    case SQL_REGCLASS:
        return class_name(s, oid, out, cap);
    case SQL_REGTYPE: {
        SqlTypeId t;
        if (sql_type_from_oid(oid, &t) != 0 && !sql_pseudo_type_name(oid))
            return -1;
        sql_format_type_oid(oid, -1, out, cap);
        return (int)strlen(out);
    }
    case SQL_REGPROC:
        name = sql_proc_name(oid);
        break;
    case SQL_REGNAMESPACE:
        for (size_t i = 0; i < N_NAMESPACES; i++)
            if (namespaces[i].oid == oid)
                name = namespaces[i].name;
        break;
    case SQL_REGROLE:
        name = oid == ROLE_SUPERUSER  ? session_user_name(s)
               : oid == ROLE_DB_OWNER ? "pg_database_owner"
                                      : NULL;
        break;
    default:
        break;
    }
    if (!name)
        return -1;
    return id == SQL_REGPROC ? snprintf(out, cap, "%s", name) : ident_out(name, out, cap);
}

/* Comments weir keeps: Trino description files' column comments (pg_description has the same rows). */
static int reg_describe(const void *arg, uint32_t objoid, uint32_t classoid, int32_t objsubid, char *out,
                        size_t cap)
{
    const SqlSession *s = reg_session(arg);
    if ((classoid != 0 && classoid != REL_PG_CLASS) || objsubid <= 0 || !s || !s->eng || !s->eng->catalog)
        return -1;
    CatalogTable **tables;
    size_t n = sql_catalog_list(s->eng->catalog, &tables);
    int len = -1;
    for (size_t i = 0; i < n; i++) {
        const TableDef *td = tables[i]->def;
        if (len < 0 && tables[i]->oid == objoid && (uint32_t)objsubid <= td->n_cols &&
            td->cols[objsubid - 1].comment) {
            snprintf(out, cap, "%s", td->cols[objsubid - 1].comment);
            len = (int)strlen(out);
        }
        sql_catalog_unref(s->eng->catalog, tables[i]);
    }
    free(tables);
    return len;
}

/* current_setting(): the session's settings, then the preset options pg_settings also lists. */
static const char *reg_setting(const void *arg, const char *name)
{
    SqlSession *s = (SqlSession *)reg_session(arg); /* sql_session_get only reads */
    const char *v = s ? sql_session_get(s, name) : NULL;
    if (v)
        return v;
    const SettingMeta *m = setting_meta_find(name);
    return m ? preset_value(m->name) : NULL;
}

const SqlRegNames syscat_reg_names = {reg_lookup, reg_name, reg_describe, reg_setting};

void syscat_session_attach(SqlSession *s)
{
    s->fmt.reg = &syscat_reg_names;
    s->fmt.reg_arg = s;
}
