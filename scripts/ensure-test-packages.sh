#!/usr/bin/env bash
# Installs the Debian packages some tests drive for real when they are missing:
# chromium (the dashboard's browser test) and redis-server (the fleet test).
# Never fails the build: where a package cannot be installed, its test skips.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-packages: ${missing[*]} missing and not installable here (not root or no apt-get); their tests will be skipped."
  exit 0
fi
echo "ensure-test-packages: installing ${missing[*]} for the browser and fleet tests..."
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; } >/tmp/ensure-test-packages.log 2>&1; then
  echo "ensure-test-packages: installing ${missing[*]} failed (see /tmp/ensure-test-packages.log); their tests will be skipped."
fi
# The Debian package may start a redis-server on the default port; the tests
# start their own on a free port, so stop that one if it runs.
if command -v service >/dev/null 2>&1; then service redis-server stop >/dev/null 2>&1 || true; fi
exit 0
