# The siting API and worker image (see docker-compose.yml).
#   docker build -t siting .
#   docker run -p 8000:8000 siting            # SQLite in /data, in-process worker
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/siting \
    PATH=/opt/siting/bin:$PATH

# uv pinned with hashes, then exactly the versions of uv.lock (the same ones CI tests) into /opt/siting
COPY scripts/uv-requirements.txt /tmp/uv-requirements.txt
RUN pip install --require-hashes -r /tmp/uv-requirements.txt && rm /tmp/uv-requirements.txt
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY siting ./siting
COPY sites ./sites
COPY api ./api
RUN uv sync --locked --no-editable --extra api --python /usr/local/bin/python && rm -rf /src

RUN useradd --create-home --uid 10001 siting && mkdir -p /data && chown siting:siting /data
USER siting
WORKDIR /data

EXPOSE 8000
CMD ["siting", "serve", "--host", "0.0.0.0", "--port", "8000"]
