# The Linux wheels of rocketmq-cffi, built in a container by the very script
# that builds them without one (wheels/build_wheels.sh), so the two cannot
# drift apart: zig from PyPI targets glibc 2.17 and musl from this plain
# Debian image, and zlib's source comes from the image's Debian mirror.
#
#   docker build --output wheels/dist .
#
# writes the manylinux_2_17 x86_64 / aarch64 and musllinux_1_2 x86_64 wheels
# to wheels/dist/: the last stage holds the wheels and nothing else.
FROM python:3.12-slim-bookworm AS build

WORKDIR /src
COPY . .
# Drop anything a local run of the script left in the build context.
RUN rm -rf build wheels/.tools wheels/.cache wheels/.work wheels/dist \
    && bash wheels/build_wheels.sh x86_64-gnu aarch64-gnu x86_64-musl

FROM scratch AS wheels
COPY --from=build /src/wheels/dist/ /
