#!/usr/bin/env bash
# Installs the Debian packages some tests drive for real when they are missing:
# chromium (the dashboard's browser test), redis-server (the fleet tests,
# Sentinel included: `redis-server --sentinel`), redis-tools (redis-cli, which
# the Redis Cluster test creates its cluster with) and
# postgresql (the per-tenant DataSource tests, which create their own
# throwaway cluster with initdb/pg_ctl on 127.0.0.1 and remove it).
# Never fails the build: where a package cannot be installed, its test skips.
has_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/bin/redis-cli ] || missing+=(redis-tools)
has_postgres || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-packages: ${missing[*]} missing and not installable here (not root or no apt-get); their tests will be skipped."
  exit 0
fi
echo "ensure-test-packages: installing ${missing[*]} for the browser, fleet and PostgreSQL tests..."
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >/tmp/ensure-test-packages.log 2>&1; then
  echo "ensure-test-packages: installing ${missing[*]} failed (see /tmp/ensure-test-packages.log); their tests will be skipped."
fi
# The Debian packages may start a redis-server on the default port and a
# PostgreSQL "main" cluster on 5432; the tests start their own servers on free
# 127.0.0.1 ports, so stop the ones just installed.
if command -v service >/dev/null 2>&1; then
  for package in "${missing[@]}"; do
    case "$package" in
      redis-server) service redis-server stop >/dev/null 2>&1 || true ;;
      postgresql) service postgresql stop >/dev/null 2>&1 || true ;;
    esac
  done
fi
exit 0
