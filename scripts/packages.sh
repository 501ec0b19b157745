#!/usr/bin/env bash
# shellcheck disable=SC2034  # the arrays are read by the scripts that source this
# scripts/packages.sh: the one list of the Debian 12 packages jobstack needs,
# so that scripts/lib.sh (a developer machine, CI) and deploy/Dockerfile (the
# image) cannot drift apart.
#
#   scripts/packages.sh --build     what compiles the three executables
#   scripts/packages.sh --test      what the tests and dev tools add to that
#   scripts/packages.sh --runtime   the shared libraries the executables link
#                                   (beyond libc6, libstdc++6 and libgcc-s1,
#                                   which every Debian image has)
#
# Prints the names one a line. Sourced, it only defines the arrays below.
# tests/deploy/check_deploy.py checks --runtime against `ldd` of the built
# binaries and that the Dockerfile installs exactly --build and --runtime.

JOBSTACK_BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev libhiredis-dev librestinio-dev libasio-dev libfmt-dev
  libhttp-parser-dev prometheus-cpp-dev nlohmann-json3-dev libspdlog-dev libssl-dev
  libyaml-cpp-dev libtomlplusplus-dev libpq-dev
)

JOBSTACK_TEST_PACKAGES=(
  clang-format git clang libclang-rt-14-dev
  redis-server python3 curl
  python3-yaml python3-jsonschema chromium prometheus
  postgresql
)

JOBSTACK_RUNTIME_PACKAGES=(
  libcaf-core0.17 libcaf-io0.17 libcaf-openssl0.17 libssl3
  libhiredis0.14 libhttp-parser2.9 libfmt9 libspdlog1.10
  libprometheus-cpp-core1.0 libyaml-cpp0.7 libtomlplusplus3 libpq5
  # libpq5's own libraries (GSSAPI, LDAP, GnuTLS): apt installs them with it
  # anyway; listed because the binaries link them (check_deploy.py's ldd)
  libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2
  libkeyutils1 libldap-2.5-0 libsasl2-2 libgnutls30 libhogweed6 libnettle8
  libgmp10 libidn2-0 libunistring2 libp11-kit0 libffi8 libtasn1-6
)

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    --build) printf '%s\n' "${JOBSTACK_BUILD_PACKAGES[@]}" ;;
    --test) printf '%s\n' "${JOBSTACK_TEST_PACKAGES[@]}" ;;
    --runtime) printf '%s\n' "${JOBSTACK_RUNTIME_PACKAGES[@]}" ;;
    *)
      echo "usage: $0 --build | --test | --runtime" >&2
      exit 2
      ;;
  esac
fi
