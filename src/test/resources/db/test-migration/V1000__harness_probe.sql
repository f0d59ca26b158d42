-- Test-only table: proves that Flyway runs at start-up and Hibernate Reactive reads and writes through it.
CREATE TABLE harness_probe (
    id         BIGSERIAL PRIMARY KEY,
    label      TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
