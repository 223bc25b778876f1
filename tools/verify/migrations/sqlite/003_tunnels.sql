-- SPDX-License-Identifier: Apache-2.0
-- The CIRA tunnels open now and their relay ports. A row lives as long as
-- its tunnel; it names its listener by pid and that process's start time,
-- so rows of a listener that died are skipped by readers and deleted by the
-- next listener.
CREATE TABLE IF NOT EXISTS tunnels (
	id INTEGER PRIMARY KEY,
	uuid TEXT NOT NULL,
	host_name TEXT,
	mps_user TEXT,
	source TEXT,
	since TEXT NOT NULL,
	ports TEXT NOT NULL DEFAULT '{}',
	pid INTEGER NOT NULL,
	pid_start INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tunnels_uuid ON tunnels(uuid, since);
