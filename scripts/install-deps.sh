#!/usr/bin/env bash
# Installs every Debian and npm package that weir's build, tests, fuzzers and benchmarks need.
# Idempotent: a package already present is skipped, so `make test` on a set-up machine costs nothing here.
# Debian packages only (plus npm packages for the JavaScript test clients and peers); nothing else is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PKGS=(
  build-essential pkg-config clang libclang-rt-14-dev
  libuv1-dev libnghttp2-dev libjansson-dev libssl-dev libsqlite3-dev
  libpg-query-dev libprotobuf-c-dev zlib1g-dev libsnappy-dev libzstd-dev libcurl4-openssl-dev
  libcmocka-dev
  libpcre2-dev postgresql-15
  libpq-dev libedit-dev
  tzdata
  python3 python3-boto3 python3-psycopg2 awscli curl netcat-openbsd procps avro-bin zstd unzip
  postgresql-client-15 libpostgresql-jdbc-java openjdk-17-jdk-headless
  redis-server redis-tools
)
# Node.js: this machine image may ship its own nodejs (with npm inside); Debian's npm conflicts with it.
command -v node >/dev/null 2>&1 || DEB_PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || DEB_PKGS+=(npm)

missing=()
for p in "${DEB_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "install-deps: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# JavaScript test clients and peers (AWS SDK v3, kinesalite), pinned by package-lock.json.
if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    # npm ci refuses the lock when the registry lacks some platform's optional build of a package the
    # lock names (this image's registry has only the linux-x64 builds of @duckdb/node-bindings, so they
    # cannot all be recorded); npm install then resolves the same pinned versions for this platform.
    echo "install-deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=silent 2>/dev/null ||
      { echo "install-deps: npm ci refused the lock; npm install"; npm install --no-audit --no-fund --loglevel=error; }
  fi
fi
echo "install-deps: ok"
