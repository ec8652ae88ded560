# kubeward's container image: the static release binary on distroless's static base (no shell,
# no package manager), run as a non-root user. The release workflow builds it from the
# release's binaries, placed as dist/linux-amd64/kubeward and dist/linux-arm64/kubeward:
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/kubeward/kubeward:VERSION .
#
# Use: docker run --rm -v "$PWD:/workdir:ro" ghcr.io/kubeward/kubeward:VERSION lint .
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETARCH
LABEL org.opencontainers.image.title="kubeward" \
      org.opencontainers.image.description="Lint Kubernetes manifests for the mistakes that caused real outages" \
      org.opencontainers.image.source="https://github.com/kubeward/kubeward"
COPY --chmod=0755 dist/linux-${TARGETARCH}/kubeward /usr/local/bin/kubeward
WORKDIR /workdir
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kubeward"]
CMD ["lint", "."]
