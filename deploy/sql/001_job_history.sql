-- deploy/sql/001_job_history.sql: first migration of the PostgreSQL
-- job-history archive (issue 8; the server does not write it yet). Every
-- finished job (succeeded, dead, cancelled) is to be copied here from Redis,
-- so it outlives Redis' retention (CSC_JOBS_RETENTION_S) and can still be
-- read and listed through the API.
--
-- The docker-compose `db` service runs the files of this directory in name
-- order on its first start (empty volume), in the DB_USERNAME database. On a
-- VM: psql -h HOST -U cscjapi -d cscjapi -f 001_job_history.sql. Each file
-- records itself in schema_migrations and may be run again without harm.

BEGIN;

CREATE TABLE IF NOT EXISTS schema_migrations (
  version    text        PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- One row per finished job: the fields of the API's Job resource
-- (openapi.yaml, components.schemas.Job), with the same names.
CREATE TABLE IF NOT EXISTS job_history (
  id           text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  queue        text        NOT NULL CHECK (queue ~ '^[a-z0-9_-]{1,64}$'),
  type         text        NOT NULL,
  payload      jsonb       NOT NULL,
  status       text        NOT NULL CHECK (status IN ('succeeded', 'dead', 'cancelled')),
  attempts     integer     NOT NULL CHECK (attempts >= 0),
  max_attempts integer     NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
  timeout_ms   integer     NOT NULL CHECK (timeout_ms BETWEEN 1 AND 86400000),
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  run_at       timestamptz,
  started_at   timestamptz,
  finished_at  timestamptz NOT NULL,
  result       jsonb,                 -- the handler's result when succeeded
  last_error   text,
  worker       text,
  archived_at  timestamptz NOT NULL DEFAULT now()
);

-- GET /v1/jobs?queue=&status= pages through a queue's finished jobs, most
-- recently finished first (id breaks ties, as a cursor needs).
CREATE INDEX IF NOT EXISTS job_history_queue_status_finished
  ON job_history (queue, status, finished_at DESC, id DESC);
-- The same without a queue (GET /v1/jobs?status=succeeded).
CREATE INDEX IF NOT EXISTS job_history_status_finished
  ON job_history (status, finished_at DESC, id DESC);
-- Pruning the archive by age.
CREATE INDEX IF NOT EXISTS job_history_finished
  ON job_history (finished_at);

INSERT INTO schema_migrations (version) VALUES ('001_job_history')
  ON CONFLICT (version) DO NOTHING;

COMMIT;
