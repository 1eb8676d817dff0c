#!/bin/sh
# Podium's container entrypoint: apply migrations if asked, then run the command.
#
# Only the web service sets RUN_MIGRATIONS=1 (see docker-compose.yml). Several web
# containers may start at once (docker compose up --scale web=3): deploy/migrate.py
# holds a PostgreSQL advisory lock, so they migrate one after another, and all but
# the first find nothing to do.
set -eu

if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
    echo "entrypoint: applying database migrations" >&2
    python "$(dirname "$0")/migrate.py"
fi

exec "$@"
