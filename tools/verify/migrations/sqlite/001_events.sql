-- SPDX-License-Identifier: Apache-2.0
-- Events: one row per hello packet, CIRA tunnel open/close, agent report.
-- time is ISO-8601 UTC with milliseconds ("2026-11-22T10:00:00.123Z"), so
-- text order is time order; detail is the type's own fields as JSON text.
CREATE TABLE IF NOT EXISTS events (
	id INTEGER PRIMARY KEY,
	time TEXT NOT NULL,
	type TEXT NOT NULL,
	uuid TEXT,
	source TEXT,
	detail TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS events_time ON events(time, id);
