# Every target calls an npm script (package.json); the logic lives there and in scripts/.
.PHONY: install services migrate api worker celery-beat beat dev demo test bench api-key

install:
	npm install
	npm run generate

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

bench:
	npm run bench

# An API key straight in DATABASE_URL, printed once: make api-key NAME=ops SCOPES=admin (scopes: admin,trigger,read).
api-key:
	@npm run --silent api-key -- --name "$(NAME)" --scopes "$(SCOPES)"
