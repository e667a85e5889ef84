#!/usr/bin/env bash
# `make api-key NAME=ops SCOPES=admin`: creates an API key straight in DATABASE_URL and prints it once on stdout.
# Needs no running API, so it makes the first admin key.
exec bash "$(dirname "$0")/cli.sh" keys create "$@"
