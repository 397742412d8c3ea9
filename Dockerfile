# The siting API and worker image (see docker-compose.yml).
#   docker build -t siting .
#   docker run -p 8000:8000 siting            # SQLite in /data, in-process worker
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY siting ./siting
COPY sites ./sites
COPY api ./api
RUN pip install ".[api]" && rm -rf /src

RUN useradd --create-home --uid 10001 siting && mkdir -p /data && chown siting:siting /data
USER siting
WORKDIR /data

EXPOSE 8000
CMD ["siting", "serve", "--host", "0.0.0.0", "--port", "8000"]
