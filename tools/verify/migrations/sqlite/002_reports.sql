-- SPDX-License-Identifier: Apache-2.0
-- Agent reports, each stored once: report_id is unique, so a report the
-- agent resends after a lost answer is recognised (INSERT ... ON CONFLICT
-- DO NOTHING). event_id is the report's row in events.
CREATE TABLE IF NOT EXISTS reports (
	id INTEGER PRIMARY KEY,
	report_id TEXT NOT NULL UNIQUE,
	received TEXT NOT NULL,
	time TEXT NOT NULL,
	uuid TEXT NOT NULL,
	host_name TEXT,
	source TEXT,
	client_subject TEXT,
	event_id INTEGER,
	report TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reports_uuid ON reports(uuid, time, id);
