-- SPDX-License-Identifier: Apache-2.0
-- WS-Events from AMT (iAMT0036 and the others a subscription delivers). A
-- device resends an event it saw no answer (or no Ack) for; dedupe (device,
-- MessageID, IndicationTime, IndicationIdentifier) stores it once. event_id
-- is the "alert" row in events.
CREATE TABLE IF NOT EXISTS alerts (
	id INTEGER PRIMARY KEY,
	received TEXT NOT NULL,
	device TEXT NOT NULL,
	source TEXT,
	message_id TEXT NOT NULL,
	wsa_message_id TEXT NOT NULL,
	indication_time TEXT,
	severity INTEGER,
	arguments TEXT NOT NULL DEFAULT '[]',
	event_id INTEGER,
	dedupe TEXT NOT NULL UNIQUE);
CREATE INDEX IF NOT EXISTS alerts_device ON alerts(device, received, id);
