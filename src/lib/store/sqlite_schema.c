/* SQLite schema migrations. Append only: every statement carries the schema version
 * it belongs to; never edit a statement that has shipped, add the next version. All
 * statements of one version run in one transaction together with the schema_version
 * row that records it (docs/store.md). */
#include <stddef.h>

#include "store_internal.h"

const struct medfwi_migration medfwi_sqlite_migrations[] = {
	{1, "CREATE TABLE sites ("
	    " id INTEGER PRIMARY KEY,"
	    " name TEXT NOT NULL UNIQUE,"
	    " time_zone TEXT NOT NULL,"
	    " created_at INTEGER NOT NULL)"},

	{1, "CREATE TABLE users ("
	    " id INTEGER PRIMARY KEY,"
	    " site_id INTEGER REFERENCES sites(id) ON DELETE RESTRICT,"
	    " username TEXT NOT NULL UNIQUE,"
	    " display_name TEXT NOT NULL,"
	    " role TEXT NOT NULL CHECK (role IN ('admin', 'release_manager', 'clinical_engineer',"
	    "  'security_officer', 'remote_support', 'auditor')),"
	    " password_hash TEXT NOT NULL,"
	    " totp_secret BLOB,"
	    " totp_required INTEGER NOT NULL DEFAULT 0 CHECK (totp_required IN (0, 1)),"
	    " totp_last_counter INTEGER NOT NULL DEFAULT 0,"
	    " failed_logins INTEGER NOT NULL DEFAULT 0,"
	    " locked_until INTEGER,"
	    " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	    " created_at INTEGER NOT NULL)"},
	{1, "CREATE INDEX users_site ON users(site_id)"},

	{1, "CREATE TABLE sessions ("
	    " id BLOB PRIMARY KEY CHECK (length(id) = 32),"
	    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	    " csrf_hash BLOB NOT NULL CHECK (length(csrf_hash) = 32),"
	    " created_at INTEGER NOT NULL,"
	    " last_seen INTEGER NOT NULL,"
	    " expires_at INTEGER NOT NULL,"
	    " revoked_at INTEGER,"
	    " remote_addr TEXT NOT NULL DEFAULT '') WITHOUT ROWID"},
	{1, "CREATE INDEX sessions_user ON sessions(user_id)"},
	{1, "CREATE INDEX sessions_expires ON sessions(expires_at)"},

	{1, "CREATE TABLE api_tokens ("
	    " id INTEGER PRIMARY KEY,"
	    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	    " name TEXT NOT NULL,"
	    " token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	    " scopes TEXT NOT NULL,"
	    " created_at INTEGER NOT NULL,"
	    " expires_at INTEGER,"
	    " last_used_at INTEGER,"
	    " revoked_at INTEGER,"
	    " UNIQUE (user_id, name))"},

	{1, "CREATE TABLE bootstrap ("
	    " id INTEGER PRIMARY KEY CHECK (id = 1),"
	    " token_hash BLOB NOT NULL CHECK (length(token_hash) = 32),"
	    " created_at INTEGER NOT NULL,"
	    " used_at INTEGER)"},

	{1, "CREATE TABLE devices ("
	    " id INTEGER PRIMARY KEY,"
	    " site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE RESTRICT,"
	    " udi_di TEXT,"
	    " udi_pi TEXT,"
	    " serial TEXT NOT NULL CHECK (serial <> ''),"
	    " model TEXT NOT NULL DEFAULT '',"
	    " hardware_id TEXT NOT NULL DEFAULT '',"
	    " department TEXT NOT NULL DEFAULT '',"
	    " location TEXT NOT NULL DEFAULT '',"
	    " network_zone TEXT NOT NULL DEFAULT '',"
	    " vlan INTEGER CHECK (vlan IS NULL OR vlan BETWEEN 1 AND 4094),"
	    " ip TEXT NOT NULL DEFAULT '',"
	    " mac TEXT NOT NULL DEFAULT '',"
	    " firmware_version TEXT NOT NULL DEFAULT '',"
	    " image_sha256 TEXT NOT NULL DEFAULT '',"
	    " image_is_signed_release INTEGER CHECK (image_is_signed_release IN (0, 1)),"
	    " agent_version TEXT NOT NULL DEFAULT '',"
	    " last_seen INTEGER,"
	    " clinical_state TEXT NOT NULL DEFAULT 'unknown'"
	    "  CHECK (clinical_state IN ('unknown', 'in_use', 'idle')),"
	    " enrolment_state TEXT NOT NULL DEFAULT 'pending'"
	    "  CHECK (enrolment_state IN ('pending', 'enrolled', 'revoked')),"
	    " public_key BLOB CHECK (public_key IS NULL OR length(public_key) = 32),"
	    " created_at INTEGER NOT NULL,"
	    " UNIQUE (site_id, serial),"
	    " UNIQUE (udi_di, udi_pi))"},
	{1, "CREATE INDEX devices_site_model ON devices(site_id, model)"},
	{1, "CREATE INDEX devices_site_firmware ON devices(site_id, firmware_version)"},
	{1, "CREATE INDEX devices_state ON devices(enrolment_state)"},

	{1, "CREATE TABLE enrolment_tokens ("
	    " token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	    " device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	    " created_at INTEGER NOT NULL,"
	    " expires_at INTEGER NOT NULL,"
	    " used_at INTEGER) WITHOUT ROWID"},
	{1, "CREATE INDEX enrolment_tokens_device ON enrolment_tokens(device_id)"},

	{1, "CREATE TABLE device_nonces ("
	    " device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	    " nonce BLOB NOT NULL,"
	    " seen_at INTEGER NOT NULL,"
	    " PRIMARY KEY (device_id, nonce)) WITHOUT ROWID"},
	{1, "CREATE INDEX device_nonces_seen ON device_nonces(seen_at)"},

	{1, "CREATE TABLE director_assignments ("
	    " device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,"
	    " target_name TEXT NOT NULL,"
	    " target_length INTEGER NOT NULL CHECK (target_length >= 0),"
	    " target_hashes TEXT NOT NULL,"
	    " window_start INTEGER,"
	    " window_end INTEGER,"
	    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	    " created_at INTEGER NOT NULL)"},
	{1, "CREATE TABLE director_versions ("
	    " device_id INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,"
	    " version INTEGER NOT NULL)"},

	/* No foreign keys: the trail outlives the users, devices and sites it names. */
	{1, "CREATE TABLE audit_log ("
	    " seq INTEGER PRIMARY KEY,"
	    " time INTEGER NOT NULL,"
	    " actor_type TEXT NOT NULL CHECK (actor_type IN ('user', 'token', 'device', 'system')),"
	    " actor_id INTEGER,"
	    " site_id INTEGER,"
	    " event TEXT NOT NULL,"
	    " detail TEXT NOT NULL,"
	    " prev_hash TEXT NOT NULL,"
	    " hash TEXT NOT NULL)"},
	{1, "CREATE INDEX audit_site ON audit_log(site_id, seq)"},
	{1, "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
	    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"},
	{1, "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
	    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"},
	{1, "CREATE TABLE audit_checkpoints ("
	    " seq INTEGER PRIMARY KEY REFERENCES audit_log(seq),"
	    " hash TEXT NOT NULL,"
	    " signature TEXT NOT NULL,"
	    " key_id TEXT NOT NULL,"
	    " time INTEGER NOT NULL)"},

	{1, "CREATE TABLE settings ("
	    " key TEXT PRIMARY KEY,"
	    " value TEXT NOT NULL) WITHOUT ROWID"},

	/* Version 2: request nonces keyed by the signed `created` time first, so that
	 * inserts land on the newest pages and the purge cuts off the oldest (keyed by
	 * device, every check-in wrote a page somewhere in the middle). A replayed
	 * request carries the same signed created time, so (created, device, nonce)
	 * catches it. No foreign key: rows live minutes and the purge drops them. The
	 * version 1 table stays, checked until its rows age out. */
	{2, "CREATE TABLE request_nonces ("
	    " created INTEGER NOT NULL,"
	    " device_id INTEGER NOT NULL,"
	    " nonce BLOB NOT NULL,"
	    " PRIMARY KEY (created, device_id, nonce)) WITHOUT ROWID"},

	/* Version 3: the update events devices report (POST /device/v1/events), one row
	 * per (device, seq), and on the device record its newest one. The columns of an
	 * event mirror struct medfw_store_device_event; "check" is a keyword, hence
	 * check_name. */
	{3, "CREATE TABLE device_events ("
	    " device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	    " seq INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 9007199254740992),"
	    " type TEXT NOT NULL CHECK (type IN ('offered', 'deferred', 'downloading',"
	    "  'verified', 'installed', 'rebooting', 'committed', 'rolled_back', 'failed')),"
	    " time INTEGER NOT NULL,"
	    " received INTEGER NOT NULL,"
	    " target TEXT,"
	    " version TEXT,"
	    " bytes INTEGER CHECK (bytes IS NULL OR bytes >= 0),"
	    " total INTEGER CHECK (total IS NULL OR total >= 0),"
	    " reason TEXT,"
	    " check_name TEXT,"
	    " slot TEXT CHECK (slot IS NULL OR slot IN ('A', 'B')),"
	    " PRIMARY KEY (device_id, seq))"},
	{3, "ALTER TABLE devices ADD COLUMN update_state TEXT CHECK (update_state IS NULL OR"
	    " update_state IN ('offered', 'deferred', 'downloading', 'verified', 'installed',"
	    " 'rebooting', 'committed', 'rolled_back', 'failed'))"},
	{3, "ALTER TABLE devices ADD COLUMN update_seq INTEGER"},
	{3, "ALTER TABLE devices ADD COLUMN update_target TEXT"},
	{3, "ALTER TABLE devices ADD COLUMN update_version TEXT"},
	{3, "ALTER TABLE devices ADD COLUMN update_reason TEXT"},
	{3, "ALTER TABLE devices ADD COLUMN update_at INTEGER"},

	/* Version 4: staged rollouts (docs/rollouts.md). A rollout copies the signed
	 * target it sends; its member devices carry their own state; a director
	 * assignment made by a rollout names it (NULL: set by hand). Maintenance windows
	 * and blackout dates per site and department; device tags for selections
	 * (canonical text: sorted, unique, joined by ","). Enums are checked text as in
	 * the tables above; 0 ids and times are NULL. */
	{4, "CREATE TABLE rollouts ("
	    " id INTEGER PRIMARY KEY,"
	    " site_id INTEGER REFERENCES sites(id) ON DELETE RESTRICT,"
	    " name TEXT NOT NULL CHECK (name <> ''),"
	    " kind TEXT NOT NULL CHECK (kind IN ('update', 'rollback')),"
	    " rollback_of INTEGER REFERENCES rollouts(id),"
	    " target_name TEXT NOT NULL CHECK (target_name <> ''),"
	    " target_length INTEGER NOT NULL CHECK (target_length >= 0),"
	    " target_hashes TEXT NOT NULL,"
	    " target_sha256 TEXT NOT NULL,"
	    " target_version TEXT NOT NULL DEFAULT '',"
	    " security_version INTEGER NOT NULL CHECK (security_version >= 0),"
	    " notice TEXT NOT NULL DEFAULT '',"
	    " selector TEXT NOT NULL,"
	    " waves TEXT NOT NULL,"
	    " start_at INTEGER,"
	    " state TEXT NOT NULL CHECK (state IN ('awaiting_approval', 'scheduled', 'running',"
	    "  'paused', 'completed', 'cancelled')),"
	    " state_reason TEXT NOT NULL DEFAULT '',"
	    " current_wave INTEGER NOT NULL DEFAULT -1 CHECK (current_wave >= -1),"
	    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	    " created_at INTEGER NOT NULL,"
	    " approved_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	    " approved_at INTEGER,"
	    " started_at INTEGER,"
	    " finished_at INTEGER,"
	    " updated_at INTEGER NOT NULL,"
	    " CHECK ((kind = 'update') = (rollback_of IS NULL)))"},
	{4, "CREATE INDEX rollouts_site ON rollouts(site_id, id)"},
	{4, "CREATE INDEX rollouts_state ON rollouts(state, id)"},
	{4, "CREATE TABLE rollout_waves ("
	    " rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,"
	    " idx INTEGER NOT NULL CHECK (idx >= 0),"
	    " opened_at INTEGER NOT NULL,"
	    " success_at INTEGER,"
	    " errors_acknowledged INTEGER NOT NULL DEFAULT 0 CHECK (errors_acknowledged >= 0),"
	    " PRIMARY KEY (rollout_id, idx)) WITHOUT ROWID"},
	/* Clustered by (rollout, device): joins and updates touch one page range. The
	 * (rollout, wave, state) index covers the progress counts and, with state and
	 * wave given, lists members in device order without sorting. */
	{4, "CREATE TABLE rollout_devices ("
	    " rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,"
	    " device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
	    " wave INTEGER NOT NULL CHECK (wave >= 0),"
	    " state TEXT NOT NULL CHECK (state IN ('pending', 'scheduled', 'deferred',"
	    "  'downloading', 'installed', 'committed', 'failed', 'rolled_back', 'removed')),"
	    " reason TEXT NOT NULL DEFAULT '',"
	    " from_version TEXT NOT NULL DEFAULT '',"
	    " from_image_sha256 TEXT NOT NULL DEFAULT '',"
	    " joined_at INTEGER NOT NULL,"
	    " assigned_at INTEGER,"
	    " window_start INTEGER,"
	    " window_end INTEGER,"
	    " updated_at INTEGER NOT NULL,"
	    " done_at INTEGER,"
	    " PRIMARY KEY (rollout_id, device_id)) WITHOUT ROWID"},
	{4, "CREATE INDEX rollout_devices_device ON rollout_devices(device_id)"},
	{4, "CREATE INDEX rollout_devices_progress ON rollout_devices(rollout_id, wave, state)"},
	{4, "ALTER TABLE director_assignments ADD COLUMN rollout_id INTEGER REFERENCES rollouts(id)"},
	{4, "CREATE TABLE maintenance_windows ("
	    " id INTEGER PRIMARY KEY,"
	    " site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
	    " department TEXT NOT NULL DEFAULT '',"
	    " rule TEXT NOT NULL CHECK (rule <> ''),"
	    " position INTEGER NOT NULL CHECK (position >= 0),"
	    " UNIQUE (site_id, position))"},
	{4, "CREATE TABLE blackout_dates ("
	    " id INTEGER PRIMARY KEY,"
	    " site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
	    " department TEXT NOT NULL DEFAULT '',"
	    " from_day INTEGER NOT NULL,"
	    " to_day INTEGER NOT NULL,"
	    " reason TEXT NOT NULL DEFAULT '',"
	    " position INTEGER NOT NULL CHECK (position >= 0),"
	    " CHECK (from_day <= to_day),"
	    " UNIQUE (site_id, position))"},
	{4, "ALTER TABLE devices ADD COLUMN tags TEXT NOT NULL DEFAULT ''"},

	/* Version 5: vulnerability management (docs/vulnerabilities.md, store_vuln.h).
	 * Releases' SBOMs (canonical CycloneDX export, zstd) and their components; feed
	 * records keyed by (format, record id), each its own JSON text (zstd); VEX files
	 * and statements; findings per (release, component, vulnerability) with their
	 * JSON (zstd) and a digest to write only what changed; the history of findings and
	 * of sites' exposures; SLA policies per site. vuln_state holds the generation the
	 * inputs are at, the one the findings were computed from, and a count of the
	 * evaluations written (the compare-and-set of a re-evaluation's write). */
	{5, "CREATE TABLE vuln_state ("
	    " id INTEGER PRIMARY KEY CHECK (id = 1),"
	    " generation INTEGER NOT NULL,"
	    " evaluated INTEGER NOT NULL,"
	    " evaluations INTEGER NOT NULL,"
	    " evaluated_at INTEGER)"},
	{5, "INSERT INTO vuln_state (id, generation, evaluated, evaluations) VALUES (1, 0, 0, 0)"},
	{5, "CREATE TABLE release_sboms ("
	    " target_name TEXT PRIMARY KEY CHECK (target_name <> ''),"
	    " target_sha256 TEXT NOT NULL CHECK (length(target_sha256) = 64),"
	    " model TEXT NOT NULL,"
	    " product_version TEXT NOT NULL DEFAULT '',"
	    " security_version INTEGER NOT NULL CHECK (security_version >= 0),"
	    " release_date TEXT NOT NULL DEFAULT '',"
	    " sbom_target TEXT NOT NULL DEFAULT '',"
	    " sbom_sha256 TEXT NOT NULL CHECK (length(sbom_sha256) = 64),"
	    " sbom_signed INTEGER NOT NULL CHECK (sbom_signed IN (0, 1)),"
	    " format TEXT NOT NULL,"
	    " spec_version TEXT NOT NULL,"
	    " component_count INTEGER NOT NULL CHECK (component_count >= 0),"
	    " export BLOB NOT NULL,"
	    " export_len INTEGER NOT NULL CHECK (export_len > 0),"
	    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	    " created_at INTEGER NOT NULL,"
	    " updated_at INTEGER NOT NULL)"},
	{5, "CREATE INDEX release_sboms_image ON release_sboms(target_sha256)"},
	{5, "CREATE TABLE release_sbom_components ("
	    " target_name TEXT NOT NULL REFERENCES release_sboms(target_name) ON DELETE CASCADE,"
	    " idx INTEGER NOT NULL CHECK (idx >= 0),"
	    " ref TEXT NOT NULL,"
	    " type TEXT NOT NULL,"
	    " name TEXT NOT NULL,"
	    " version TEXT NOT NULL DEFAULT '',"
	    " purl TEXT NOT NULL DEFAULT '',"
	    " cpe TEXT NOT NULL DEFAULT '',"
	    " PRIMARY KEY (target_name, idx)) WITHOUT ROWID"},
	{5, "CREATE TABLE vuln_records ("
	    " id INTEGER PRIMARY KEY,"
	    " format TEXT NOT NULL CHECK (format IN ('osv', 'nvd', 'cve5', 'csaf', 'kev')),"
	    " record_id TEXT NOT NULL CHECK (record_id <> ''),"
	    " modified TEXT,"
	    " source TEXT NOT NULL,"
	    " json_path TEXT NOT NULL DEFAULT '',"
	    " raw BLOB NOT NULL,"
	    " raw_len INTEGER NOT NULL CHECK (raw_len > 0),"
	    " imported_at INTEGER NOT NULL,"
	    " updated_at INTEGER NOT NULL,"
	    " UNIQUE (format, record_id))"},
	{5, "CREATE TABLE vex_documents ("
	    " id INTEGER PRIMARY KEY,"
	    " target_name TEXT NOT NULL DEFAULT '',"
	    " source TEXT NOT NULL,"
	    " format TEXT NOT NULL CHECK (format IN ('cyclonedx', 'csaf')),"
	    " sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	    " raw BLOB NOT NULL,"
	    " raw_len INTEGER NOT NULL CHECK (raw_len > 0),"
	    " statements INTEGER NOT NULL CHECK (statements >= 0),"
	    " author TEXT NOT NULL,"
	    " created_at INTEGER NOT NULL,"
	    " UNIQUE (target_name, sha256))"},
	{5, "CREATE TABLE vex_statements ("
	    " id INTEGER PRIMARY KEY,"
	    " document_id INTEGER REFERENCES vex_documents(id) ON DELETE CASCADE,"
	    " target_name TEXT NOT NULL DEFAULT '',"
	    " vuln_id TEXT NOT NULL CHECK (vuln_id <> ''),"
	    " component TEXT NOT NULL,"
	    " status TEXT NOT NULL CHECK (status IN ('affected', 'not_affected', 'fixed',"
	    "  'under_investigation')),"
	    " justification TEXT NOT NULL DEFAULT '',"
	    " detail TEXT NOT NULL DEFAULT '',"
	    " response TEXT NOT NULL DEFAULT '',"
	    " author TEXT NOT NULL,"
	    " timestamp TEXT NOT NULL DEFAULT '',"
	    " source TEXT NOT NULL,"
	    " json_path TEXT NOT NULL DEFAULT '',"
	    " created_at INTEGER NOT NULL)"},
	{5, "CREATE INDEX vex_statements_vuln ON vex_statements(vuln_id)"},
	{5, "CREATE TABLE findings ("
	    " id INTEGER PRIMARY KEY,"
	    " target_name TEXT NOT NULL REFERENCES release_sboms(target_name) ON DELETE CASCADE,"
	    " component_ref TEXT NOT NULL,"
	    " vuln_id TEXT NOT NULL CHECK (vuln_id <> ''),"
	    " component_name TEXT NOT NULL DEFAULT '',"
	    " component_version TEXT NOT NULL DEFAULT '',"
	    " status TEXT NOT NULL CHECK (status IN ('affected', 'under_investigation',"
	    "  'undetermined', 'fixed', 'not_affected', 'unmatched')),"
	    " severity TEXT NOT NULL CHECK (severity IN ('none', 'low', 'medium', 'high',"
	    "  'critical')),"
	    " score INTEGER CHECK (score IS NULL OR score BETWEEN 0 AND 100),"
	    " kev INTEGER NOT NULL CHECK (kev IN (0, 1)),"
	    " kev_date_added TEXT NOT NULL DEFAULT '',"
	    " kev_due_date TEXT NOT NULL DEFAULT '',"
	    " priority INTEGER NOT NULL CHECK (priority >= 0),"
	    " vex_applied INTEGER NOT NULL CHECK (vex_applied IN (0, 1)),"
	    " fixed_by TEXT NOT NULL DEFAULT '',"
	    " digest TEXT NOT NULL,"
	    " detail BLOB NOT NULL,"
	    " detail_len INTEGER NOT NULL CHECK (detail_len > 0),"
	    " first_seen INTEGER NOT NULL,"
	    " last_changed INTEGER NOT NULL,"
	    " UNIQUE (target_name, component_ref, vuln_id))"},
	{5, "CREATE INDEX findings_release ON findings(target_name, priority)"},
	{5, "CREATE INDEX findings_vuln ON findings(vuln_id)"},
	{5, "CREATE TABLE sla_policies ("
	    " site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,"
	    " critical_days INTEGER NOT NULL CHECK (critical_days BETWEEN 1 AND 3650),"
	    " high_days INTEGER NOT NULL CHECK (high_days BETWEEN 1 AND 3650),"
	    " medium_days INTEGER NOT NULL CHECK (medium_days BETWEEN 1 AND 3650),"
	    " low_days INTEGER NOT NULL CHECK (low_days BETWEEN 1 AND 3650),"
	    " kev_days INTEGER NOT NULL CHECK (kev_days BETWEEN 1 AND 3650),"
	    " updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	    " updated_at INTEGER NOT NULL)"},
	{5, "CREATE TABLE site_exposures ("
	    " id INTEGER PRIMARY KEY,"
	    " site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
	    " vuln_id TEXT NOT NULL,"
	    " severity TEXT NOT NULL CHECK (severity IN ('none', 'low', 'medium', 'high',"
	    "  'critical')),"
	    " score INTEGER,"
	    " kev INTEGER NOT NULL CHECK (kev IN (0, 1)),"
	    " kev_due_date TEXT NOT NULL DEFAULT '',"
	    " devices INTEGER NOT NULL CHECK (devices >= 0),"
	    " fixed_by TEXT NOT NULL DEFAULT '',"
	    " first_seen INTEGER NOT NULL,"
	    " due_at INTEGER NOT NULL,"
	    " closed_at INTEGER,"
	    " UNIQUE (site_id, vuln_id))"},
	{5, "CREATE TABLE finding_history ("
	    " id INTEGER PRIMARY KEY,"
	    " finding_id INTEGER REFERENCES findings(id) ON DELETE CASCADE,"
	    " exposure_id INTEGER REFERENCES site_exposures(id) ON DELETE CASCADE,"
	    " time INTEGER NOT NULL,"
	    " from_status TEXT NOT NULL DEFAULT '',"
	    " to_status TEXT NOT NULL,"
	    " cause TEXT NOT NULL CHECK (cause IN ('feed', 'vex', 'sbom', 'fleet')),"
	    " detail TEXT NOT NULL DEFAULT '',"
	    " CHECK ((finding_id IS NULL) <> (exposure_id IS NULL)))"},
	{5, "CREATE INDEX finding_history_finding ON finding_history(finding_id, id)"},
	{5, "CREATE INDEX finding_history_exposure ON finding_history(exposure_id, id)"},

	/* 6: the product-mapping table of the matcher (one per server) */
	{6, "CREATE TABLE vuln_product_map ("
	    " id INTEGER PRIMARY KEY CHECK (id = 1),"
	    " source TEXT NOT NULL CHECK (source <> ''),"
	    " sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	    " entries INTEGER NOT NULL CHECK (entries >= 0),"
	    " raw BLOB NOT NULL,"
	    " raw_len INTEGER NOT NULL CHECK (raw_len > 0),"
	    " updated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	    " updated_at INTEGER NOT NULL)"},

	/* 7: the cause "changes" (changes of several kinds evaluated together, an
	 * evaluation someone asked for, catching up at start-up): the history table is
	 * rebuilt with the wider CHECK (SQLite cannot alter one) */
	{7, "CREATE TABLE finding_history_v7 ("
	    " id INTEGER PRIMARY KEY,"
	    " finding_id INTEGER REFERENCES findings(id) ON DELETE CASCADE,"
	    " exposure_id INTEGER REFERENCES site_exposures(id) ON DELETE CASCADE,"
	    " time INTEGER NOT NULL,"
	    " from_status TEXT NOT NULL DEFAULT '',"
	    " to_status TEXT NOT NULL,"
	    " cause TEXT NOT NULL CHECK (cause IN ('feed', 'vex', 'sbom', 'fleet', 'changes')),"
	    " detail TEXT NOT NULL DEFAULT '',"
	    " CHECK ((finding_id IS NULL) <> (exposure_id IS NULL)))"},
	{7, "INSERT INTO finding_history_v7 (id, finding_id, exposure_id, time, from_status,"
	    " to_status, cause, detail) SELECT id, finding_id, exposure_id, time, from_status,"
	    " to_status, cause, detail FROM finding_history"},
	{7, "DROP TABLE finding_history"},
	{7, "ALTER TABLE finding_history_v7 RENAME TO finding_history"},
	{7, "CREATE INDEX finding_history_finding ON finding_history(finding_id, id)"},
	{7, "CREATE INDEX finding_history_exposure ON finding_history(exposure_id, id)"},

	{0, NULL},
};
