# The service image: built from the sources (the pages with Node, the service with the Maven
# wrapper), run on a slim JRE as a non-root user. No token or password is baked in: they come from
# the environment at run time (docker-compose.yml, deploy/stack.env). Checked by .ci/check-stack.

# Build: Node 20 for the pages (the frontend module runs npm ci and vite build), JDK 17 for Maven.
FROM node:20-bookworm-slim AS build
# The slim image has no man pages folder, where the JDK's packages link theirs.
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jdk-headless ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The pages into frontend/dist, then the service jar that packs them; tests run in CI, not here.
RUN ./mvnw -B -q -pl frontend,service package -DskipTests \
    && java -Djarmode=tools -jar service/target/leaderboard-service.jar extract --layers --launcher \
        --destination /layers

# Run: the JRE only, the jar's layers from the least to the most often changed, so a new build
# of the code ships its own layer and reuses the dependencies'.
FROM eclipse-temurin:17-jre AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 leaderboard \
    && useradd --system --uid 10001 --gid leaderboard --no-create-home --shell /usr/sbin/nologin leaderboard
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER 10001:10001
# 8080: the public API, streams and pages; 8081: the management port (metrics, health), for
# Prometheus and operators only, never published.
EXPOSE 8080 8081
# The heap follows the container's memory limit. 60 %, not more: Netty's direct buffers (the
# frames sent to spectators), metaspace and thread stacks live outside it. An environment that
# sets JAVA_TOOL_OPTIONS replaces these (e.g. -XX:MaxRAMPercentage=70 on a roomier limit).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
# Ready: PostgreSQL and Redis reachable (the public /readyz, 503 otherwise).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/readyz || exit 1
