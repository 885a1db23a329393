# Warden on the official Deno image (Debian), pinned to the Deno the project is developed and
# tested with; tests/deploy_test.ts checks the tag against `deno --version`.
FROM denoland/deno:debian-2.9.6

# The image provides the unprivileged user `deno` (uid 1993) and DENO_DIR=/deno-dir/ owned by
# it. /app and /app/data (the embedded database, used only without DATABASE_URL) belong to it too,
# so `deno install` can write node_modules/ and the app can write its data as that user.
WORKDIR /app
RUN mkdir -p /app/data && chown -R deno:deno /app
USER deno

# Dependencies in their own layer, rebuilt only when deno.json or deno.lock change. --frozen fails
# the build if the lockfile is out of date instead of resolving something new.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

# The source, then anything else the entry points need, so nothing is fetched at run time.
COPY --chown=deno:deno . .
RUN deno cache --frozen main.ts cli.ts

# NO_COLOR: Deno colours its own lines (`deno task`'s "Task start …", its errors) even when they
# go to a pipe; without it they reach the JSON log stream with ANSI escapes.
ENV PORT=8080 \
    DATA_DIR=/app/data \
    NO_COLOR=1
EXPOSE 8080

# The image's ENTRYPOINT (tini, then docker-entrypoint.sh) execs this. tini passes SIGTERM to
# `deno task`, which passes it on to Warden for its graceful shutdown. No HEALTHCHECK: the
# probes are Kubernetes' (deploy/deployment.yaml).
CMD ["deno", "task", "start"]
