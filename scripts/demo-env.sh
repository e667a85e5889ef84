#!/usr/bin/env bash
# `make demo`'s first run: writes ./.env (git-ignored) with a generated SECRET_KEY, so webhook secrets can be
# saved, and the dashboards' sign-in (ADMIN_USERNAME / ADMIN_PASSWORD), so /admin and Bull Board open. An
# existing .env is never changed: once written it is the operator's. Nothing here applies to production, which
# takes its values from its own environment (deploy/) and is refused without them.
set -euo pipefail
cd "$(dirname "$0")/.."
file=.env

if [[ -e "$file" ]]; then
  echo "demo: using the existing $file, left as it is"
  exit 0
fi

# URL-safe base64 of $1 random bytes, without padding: safe in a .env line and in an HTTP Basic password.
random_text() { head -c "$1" /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'; }
secret_key="$(random_text 32)"
admin_password="$(random_text 18)"

# Readable by this user only; noclobber: a .env that appeared meanwhile is not overwritten.
if ! (
  umask 077
  set -o noclobber
  cat >"$file" <<ENV
# Written by make demo on its first run (scripts/demo-env.sh); make demo never changes it afterwards.
# Every setting and its default: .env.example and docs/configuration.md.
# Encrypts webhook secrets at rest.
SECRET_KEY=$secret_key
# The dashboards' sign-in (HTTP Basic): /admin and Bull Board at /admin/queues.
ADMIN_USERNAME=admin
ADMIN_PASSWORD=$admin_password
ENV
) 2>/dev/null; then
  echo "demo: $file appeared meanwhile, left as it is"
  exit 0
fi
echo "demo: wrote $file (git-ignored) with a generated SECRET_KEY and the dashboards' sign-in: user admin, password ADMIN_PASSWORD"
