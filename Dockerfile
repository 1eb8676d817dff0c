# Podium's production image: the ASGI web server by default; the same image runs the
# Celery worker and beat with another command (see docker-compose.yml).
#
#   docker build -t podium .
#   docker run --env-file .env -p 8000:8000 podium
#
# Configuration comes only from the environment at run time (.env.example lists it);
# nothing secret is baked in.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: the virtualenv with the pinned runtime requirements ------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Every requirement ships manylinux wheels (psycopg[binary], uvloop, httptools, ...), so
# no compiler or -dev package is needed. (WeasyPrint, if it comes, needs pango at run
# time: add it to the runtime stage's apt-get line, not here.)
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# --- runtime ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=scoring_site.settings.base \
    PODIUM_ENV=production \
    PODIUM_DATA_DIR=/app/data \
    STATIC_ROOT=/app/staticfiles \
    WEB_CONCURRENCY=2

# An unprivileged user; the code and the collected static files stay root-owned
# (read-only to the app). Only the data folder and beat's schedule folder are its own.
RUN groupadd --system --gid 10001 podium \
 && useradd --system --uid 10001 --gid podium --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin podium

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
COPY . /app

# Static files are collected at build time (WhiteNoise serves them, hashed and
# compressed). Settings refuse production without a SECRET_KEY and ALLOWED_HOSTS, so
# this one command gets throwaway values; they are not in the image's environment.
RUN SECRET_KEY="build-only-collectstatic-key-never-used-at-run-time-0000000000" \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
 && python -m compileall -q /app \
 && mkdir -p /app/data/backups /app/beat \
 && chown podium:podium /app/data /app/data/backups /app/beat

USER podium

EXPOSE 8000

# No curl in the slim image: a few lines of urllib (sends a Host from ALLOWED_HOSTS).
# The start period covers migrations, which run before the server starts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]

# Runs `manage.py migrate` first when RUN_MIGRATIONS=1, then execs the command.
ENTRYPOINT ["sh", "/app/deploy/entrypoint.sh"]

# uvicorn, chosen by measurement (docs/benchmarks.md): one process per core.
# WEB_CONCURRENCY sets the number of worker processes. --forwarded-allow-ips='*' trusts
# X-Forwarded-For/-Proto from any peer and takes the header's first address: publish this
# port only to the reverse proxy, and have it overwrite X-Forwarded-For with the real
# peer (deploy/nginx.conf), never append to what the client sent.
# --ws-per-message-deflate false: browsers ask for compression, and uvicorn would
# compress every public push again for each phone (a zlib stream per socket), CPU the
# judges' sheets need (docs/benchmarks.md, "Cost per request", the fourth pass).
CMD ["sh", "-c", "exec uvicorn scoring_site.asgi:application --host 0.0.0.0 --port 8000 --workers \"${WEB_CONCURRENCY:-2}\" --proxy-headers --forwarded-allow-ips='*' --ws-per-message-deflate false"]
