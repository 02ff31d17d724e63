-- sql/mlmon--0.1.0--0.2.0.sql: upgrade mlmon 0.1.0 to 0.2.0.
-- Every object added or changed since 0.1.0, as in the install script of
-- 0.2.0 (test/upgrade checks that an upgraded database equals a fresh one).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION mlmon UPDATE TO '0.2.0'" to load this file. \quit
