#!/bin/sh
# PostgreSQL's first start (docker-entrypoint-initdb.d): per service one database and two roles.
#   hukou_<service>_owner  owns the database; only the migration job logs in as it.
#   hukou_<service>        the API and the worker; owns nothing. After migrating, the migration job grants it
#                          the tables (audit_chain only SELECT and INSERT: deploy/entrypoint.py runtime_grants).
# Neither is a superuser or may create databases or roles; neither may connect to another service's database.
# Passwords come from <SERVICE>_DB_OWNER_PASSWORD and <SERVICE>_DB_PASSWORD and reach psql as variables
# (quoted by psql, never spliced into SQL text).
set -eu

for svc in intake review scoring publicity settlement; do
    upper="$(echo "$svc" | tr '[:lower:]' '[:upper:]')"
    eval "owner_password=\${${upper}_DB_OWNER_PASSWORD:-}"
    eval "password=\${${upper}_DB_PASSWORD:-}"
    if [ -z "$owner_password" ] || [ -z "$password" ]; then
        echo "init-roles: set ${upper}_DB_OWNER_PASSWORD and ${upper}_DB_PASSWORD" >&2
        exit 1
    fi
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v db="hukou_$svc" -v owner="hukou_${svc}_owner" -v owner_password="$owner_password" \
        -v role="hukou_$svc" -v password="$password" <<'SQL'
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 5;
CREATE ROLE :"role" LOGIN PASSWORD :'password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 300;
CREATE DATABASE :"db" OWNER :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"role";
\connect :"db"
-- PostgreSQL 15+: the public schema belongs to pg_database_owner (the owner role); nobody else creates in it.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
    echo "init-roles: database hukou_$svc, roles hukou_${svc}_owner and hukou_$svc created"
done
