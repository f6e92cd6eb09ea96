# syntax=docker/dockerfile:1
#
# tagpulse in a container: a static binary on distroless/static (CA
# certificates and /etc/passwd, no shell, no libc), running as an
# unprivileged user, its store on a volume. See deploy/README.md.
#
#   docker build --build-arg VERSION=1.2.3 --build-arg REVISION=$(git rev-parse HEAD) -t tagpulse .
#   docker run -d -p 8080:8080 -v tagpulse:/var/lib/tagpulse \
#     -v $PWD/tagpulse.yml:/etc/tagpulse/tagpulse.yml:ro --env-file tagpulse.env tagpulse

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .git is not in the build context (.dockerignore): the version and revision
# come from build arguments instead.
ARG VERSION=""
ARG REVISION=""
RUN make build BIN=/out/tagpulse VERSION="${VERSION}" REVISION="${REVISION}"
# The store's directory, owned by the user tagpulse runs as (distroless'
# nonroot, 65532), so a new named volume starts with that owner.
RUN mkdir -p /out/var/lib/tagpulse /out/etc/tagpulse \
 && cp deploy/container/tagpulse.yml /out/etc/tagpulse/tagpulse.yml \
 && chown -R 65532:65532 /out/var/lib/tagpulse

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tagpulse /tagpulse
COPY --from=build /out/etc/tagpulse /etc/tagpulse
COPY --from=build --chown=65532:65532 /out/var/lib/tagpulse /var/lib/tagpulse
COPY LICENSE NOTICE /usr/share/doc/tagpulse/
USER 65532:65532
VOLUME ["/var/lib/tagpulse"]
EXPOSE 8080
# No curl on this image: the binary checks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/tagpulse", "healthcheck", "-addr", "127.0.0.1:8080"]
ENTRYPOINT ["/tagpulse"]
CMD ["run", "-config", "/etc/tagpulse/tagpulse.yml"]
