# syntax=docker/dockerfile:1
# Dormant Guard: gunicorn on $PORT (8000), static files collected at build and served by
# whitenoise, runs as an unprivileged user. Configure with environment variables (README):
#   docker build -t dormant-guard .
#   docker run --env-file prod.env -p 8000:8000 dormant-guard                  # web
#   docker run --env-file prod.env dormant-guard python manage.py migrate       # release step,
#   docker run --env-file prod.env dormant-guard python manage.py load_guidance # then this
#   docker run --env-file prod.env dormant-guard python manage.py db_worker --queue-name '*'
#   docker run --env-file prod.env dormant-guard python manage.py send_reminders --loop

# --- build: dependencies into a venv, then the hashed, compressed static files ----------
FROM python:3.12-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /venv
WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN /venv/bin/pip install .
COPY . .
# collectstatic needs settings that load with DEBUG off; these placeholder values exist
# only in this build step and protect nothing (the runtime brings its own).
RUN DEBUG=false \
    SECRET_KEY=collectstatic-only-placeholder-not-a-secret-0123456789abcdefghij \
    ALLOWED_HOSTS=build.invalid SITE_URL=https://build.invalid \
    FIELD_ENCRYPTION_KEYS=collectstatic-only-placeholder \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    /venv/bin/python manage.py collectstatic --noinput

# --- runtime ------------------------------------------------------------------------------
FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PATH=/venv/bin:$PATH PORT=8000 \
    LOG_FORMAT=json
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /venv /venv
COPY --from=build /app /app
WORKDIR /app
USER app
EXPOSE 8000
# The probe sends the first ALLOWED_HOSTS name as Host, so DisallowedHost cannot fail it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD \
  python -c "import http.client, os; \
host = os.environ['ALLOWED_HOSTS'].split(',')[0].strip().lstrip('.').replace('*', 'localhost'); \
c = http.client.HTTPConnection('127.0.0.1', int(os.environ['PORT']), timeout=4); \
c.request('GET', '/healthz/', headers={'Host': host}); \
raise SystemExit(c.getresponse().status != 200)"
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
