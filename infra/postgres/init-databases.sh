#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d):
# a database and a login of its own for each service, each reachable only by its owner.
# Passwords come from the environment (.env), never from this file.
set -eu

for service in assessment scoring notifications; do
    variable="WARD5S_$(echo "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
    password=$(printenv "$variable" || true)
    if [ -z "$password" ]; then
        echo "$variable is not set (see .env.example)" >&2
        exit 1
    fi
    psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" \
        --dbname "${POSTGRES_DB:-postgres}" \
        --set name="$service" --set password="$password" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
    echo "database and login \"$service\" created"
done
