# Every target calls an npm script (package.json); the logic lives there and in scripts/.
.PHONY: install build services migrate api worker celery-beat beat dev demo test faults bench api-key workflows trigger steps cron-preview requeue

install:
	npm install
	npm run generate

# The bundles in dist/ that the api, worker and beat run (make api/worker/beat/dev build them first).
build:
	npm run build

services:
	npm run services

migrate:
	npm run migrate

api:
	npm run api

worker:
	npm run worker

# The name Celery users look for; the same process as `make beat`.
celery-beat: beat

beat:
	npm run beat

dev:
	npm run dev

demo:
	npm run demo

test:
	npm test

# The fault suite (faults/): kills and restarts real processes and private servers; slow, so not part of make test.
faults:
	npm run test:faults

bench:
	npm run bench

# An API key straight in DATABASE_URL, printed once: make api-key NAME=ops SCOPES=admin (scopes: admin,trigger,read).
api-key:
	@npm run --silent api-key -- --name "$(NAME)" --scopes "$(SCOPES)"

# The command line (docs/operations.md), against API_URL with the first of API_TOKENS:
# make workflows | make trigger WORKFLOW=nightly INPUT='{"n": 1}' | make steps RUN=<run id>
# make cron-preview EXPR="0 9 * * MON-FRI" ZONE=Europe/Paris | make requeue
workflows:
	@npm run --silent cli -- workflows

trigger:
	@npm run --silent cli -- trigger "$(WORKFLOW)" --input '$(or $(INPUT),{})' --follow

steps:
	@npm run --silent cli -- steps "$(RUN)"

cron-preview:
	@npm run --silent cli -- cron-preview "$(EXPR)" --tz "$(or $(ZONE),UTC)"

requeue:
	@npm run --silent cli -- requeue
