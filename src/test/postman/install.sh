#!/bin/sh
# Installs newman (pinned in package-lock.json) for PostmanCollectionTest. Called by the build (exec-maven-plugin,
# phase generate-test-resources). Without npm it does nothing and the Postman collection test is skipped; with npm, a
# failing npm ci fails the build.
cd "$(dirname "$0")" || exit 1
command -v npm >/dev/null 2>&1 || {
    echo "npm not found: skipping newman install (the Postman collection test will be skipped)"
    exit 0
}
# Already installed from this lock file: keep builds fast (npm ci again only after package-lock.json changed).
[ -x node_modules/.bin/newman ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] && exit 0
exec npm ci --no-audit --no-fund
