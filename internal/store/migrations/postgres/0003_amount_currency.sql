-- PostgreSQL's version of migrations/0003_amount_currency.sql.
ALTER TABLE scans ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN rate     DOUBLE PRECISION NOT NULL DEFAULT 0;
