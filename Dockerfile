# syntax=docker/dockerfile:1
# alecs as a container: MCP over WebSocket on port 8082 (see compose.yaml).
# Not built in this project's CI (no container engine there): CI lints this file with hadolint only.
# No secret is baked in: TOKEN_MASTER_KEY comes from the environment at run time, the .edgerc from a
# read-only mount, and the token store lives on a volume.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY alecs ./alecs
COPY alecs_tunnel ./alecs_tunnel
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# (ALECS_TOKEN_STORE is the path of the token store on the volume, not a secret. ALECS_HOST/PORT/PATH are the
# neutral names both transports read; override ALECS_PORT, not the older ALECS_WS_PORT: the neutral name wins.)
# hadolint ignore=DL3064
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ALECS_HOST=0.0.0.0 \
    ALECS_PORT=8082 \
    ALECS_PATH=/mcp \
    ALECS_TOKEN_STORE=/var/lib/alecs/tokens.json \
    AKAMAI_EDGERC=/run/alecs/edgerc
RUN groupadd --system --gid 10001 alecs \
 && useradd --system --uid 10001 --gid alecs --home-dir /var/lib/alecs --shell /usr/sbin/nologin alecs \
 && install -d -o alecs -g alecs -m 0700 /var/lib/alecs
COPY --from=build /wheels /wheels
# (offline install of the wheels built above from this checkout: the versions are those of the build stage)
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --no-index --find-links=/wheels alecs \
 && rm -rf /wheels
USER 10001:10001
WORKDIR /var/lib/alecs
VOLUME ["/var/lib/alecs"]
EXPOSE 8082
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ALECS_PORT', '8082'), timeout=4)"]
ENTRYPOINT ["alecs"]
CMD ["serve", "--transport", "websocket"]
