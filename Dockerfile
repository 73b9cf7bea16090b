# UrTraining service image: gunicorn serving wsgi:app; migrations run once in gunicorn's master.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8000

WORKDIR /app

# Dependencies first, so code changes do not reinstall them (psycopg[binary] needs no compiler).
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY service/ service/
COPY sql/ sql/
COPY migrations/ migrations/
COPY wsgi.py init_db.py gunicorn.conf.py yoyo.ini pyproject.toml ./
# The project itself, so that `yoyo apply` in the container finds its backend (yoyo.ini).
RUN pip install --no-deps -e .

RUN useradd --system --uid 10001 --home-dir /app urtraining \
    && mkdir -p /app/.run && chown urtraining /app/.run
USER urtraining

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/health', timeout=2)"]

CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
