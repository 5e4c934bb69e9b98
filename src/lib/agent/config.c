/* medfw-agent's configuration: one option table that parses the file and documents it
 * (the man page's CONFIGURATION section and docs/agent.md are generated from it). */
#include <stddef.h>
#include <string.h>

#include "medfw/agent.h"

#define MIB (1024u * 1024u)
#define GIB (1024ull * 1024u * 1024u)
#define DAY 86400u

#define OPT(name, type, def, min, max, choices, flags, desc)                                 \
	{#name, MEDFW_CONFIG_##type, def, min, max, choices, flags,                           \
	 offsetof(struct medfw_agent_config, name), desc}

const struct medfw_config_option medfw_agent_config_options[] = {
	OPT(server_url, STRING, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED,
	    "The fleet server, \"https://host:port\" (no path)."),
	OPT(ca_file, PATH, NULL, 0, 0, NULL, 0,
	    "PEM file of the CA that signed the server's certificate: the only CA the agent "
	    "trusts (the system store is not used). Required for https."),
	OPT(pinned_public_key, STRING, NULL, 0, 0, NULL, 0,
	    "Optionally also pin the server's public key: \"sha256//BASE64\" (libcurl's "
	    "CURLOPT_PINNEDPUBLICKEY form; several separated by ';')."),
	OPT(allow_http, BOOL, "false", 0, 0, NULL, 0,
	    "Accept an http:// server_url (a lab, or a gateway that terminates TLS on the "
	    "device's behalf). Everything installed is still verified end to end."),
	OPT(state_dir, PATH, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED,
	    "The agent's own directory (mode 0700): device key, state, pinned roots, trusted "
	    "metadata, queued events. It must survive reboots and updates."),
	OPT(image_root, PATH, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED,
	    "The manufacturer's image repository root metadata (root.json) shipped with the "
	    "device: the trust anchor for every image."),
	OPT(director_root, PATH, NULL, 0, 0, NULL, 0,
	    "The fleet server's director root (GET /api/v1/director/root.json), provisioned "
	    "with the device. Not set: pinned from the server at enrolment, over the pinned "
	    "TLS channel."),
	OPT(hardware_id, STRING, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED,
	    "This device's hardware id: only releases whose notice lists it are installed."),
	OPT(udi_di, STRING, NULL, 0, 0, NULL, 0,
	    "This device's UDI-DI. When set, a release whose notice lists UDI-DIs must list it."),
	OPT(factory_version, STRING, "0", 0, 0, NULL, 0,
	    "Firmware version reported for the factory image, before the agent installed one."),
	OPT(slot_backend, CHOICE, "file", 0, 0, "file|uboot|grub", 0,
	    "How slots and boot state are kept (docs/agent-backends.md): file (a boot state "
	    "file), uboot (U-Boot environment through libubootenv) or grub (grubenv)."),
	OPT(slot_a, PATH, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED,
	    "Slot A: a file or block device holding one complete image."),
	OPT(slot_b, PATH, NULL, 0, 0, NULL, MEDFW_CONFIG_REQUIRED, "Slot B."),
	OPT(boot_state_file, PATH, NULL, 0, 0, NULL, 0,
	    "file backend: the boot state file (BOOT_ORDER, BOOT_A_LEFT, BOOT_B_LEFT, "
	    "MEDFW_LAST_GOOD)."),
	OPT(booted_slot_file, PATH, "/proc/cmdline", 0, 0, NULL, 0,
	    "Where the running slot is read: a kernel command line with medfw.slot=A|B, or a "
	    "file holding just A or B."),
	OPT(uboot_config, PATH, "/etc/fw_env.config", 0, 0, NULL, 0,
	    "uboot backend: libubootenv's configuration (where the environment is)."),
	OPT(grubenv, PATH, NULL, 0, 0, NULL, 0, "grub backend: the grubenv file."),
	OPT(grub_editenv, PATH, NULL, 0, 0, NULL, 0,
	    "grub backend: the grub-editenv program (default: found in PATH)."),
	OPT(checkin_interval, DURATION, "5m", 10, DAY, NULL, 0,
	    "Time between check-ins until the server says otherwise (its next_checkin_seconds "
	    "answer to each check-in wins)."),
	OPT(checkin_jitter, DURATION, "30s", 0, 3600, NULL, 0,
	    "Random extra delay, 0..this, added to each interval so a fleet does not check in "
	    "in lockstep."),
	OPT(retry_max, DURATION, "1h", 10, DAY, NULL, 0,
	    "Longest back-off after failed check-ins (doubling from checkin_interval / 8)."),
	OPT(health_check, PATH, NULL, 0, 0, NULL, 0,
	    "A program, or a directory whose executable files are run in name order, run "
	    "after booting a new image: every one must exit 0 within health_check_timeout, "
	    "or the update is rolled back. Not set: booting the new slot is the only check."),
	OPT(health_check_timeout, DURATION, "5m", 1, DAY, NULL, 0,
	    "Longest a health check may run (then it is killed and counts as failed)."),
	OPT(clinical_state_command, PATH, NULL, 0, 0, NULL, 0,
	    "A program that prints \"idle\" or \"in_use\" (first word of its output, exit 0). "
	    "Anything else, a failure or a timeout means in use: nothing is installed and the "
	    "device is not rebooted."),
	OPT(clinical_state_file, PATH, NULL, 0, 0, NULL, 0,
	    "Or a file whose first word is \"idle\" or \"in_use\" (missing or anything else: in "
	    "use). One of the two must be set."),
	OPT(reboot_command, PATH, "/sbin/reboot", 0, 0, NULL, 0,
	    "Run (without arguments) to reboot into the new or the previous slot."),
	OPT(connect_timeout, DURATION, "15s", 1, 600, NULL, 0, "TCP and TLS connection timeout."),
	OPT(request_timeout, DURATION, "60s", 1, 3600, NULL, 0,
	    "Longest an API call (check-in, metadata) may take."),
	OPT(low_speed_time, DURATION, "60s", 5, 3600, NULL, 0,
	    "A download that receives nothing for this long is dropped (and resumed)."),
	OPT(max_recv_speed, SIZE, "0", 0, 10ull * GIB, NULL, 0,
	    "Download bandwidth limit in bytes per second (\"2MiB\"); 0: no limit."),
	OPT(download_attempts, INT, "5", 1, 100, NULL, 0,
	    "Attempts of one download, each resuming with HTTP Range where the last stopped."),
	OPT(use_sessions, BOOL, "true", 0, 0, NULL, 0,
	    "Sign requests with a session key opened with the device key (cheaper for the "
	    "server; docs/devices.md \"Sessions\")."),
	OPT(trial_tries, INT, "3", 1, 3, NULL, 0,
	    "Boots the new slot gets before the bootloader falls back to the previous one."),
	OPT(max_image_bytes, SIZE, "16GiB", 1, 64ull * GIB, NULL, 0,
	    "Largest image the agent accepts (the signed length must not exceed it)."),
	OPT(status_file, PATH, NULL, 0, 0, NULL, 0,
	    "JSON file for the device's own screen: update state, progress and the release "
	    "notice (downtime, clinical impact, why). Default: <state_dir>/status.json."),
};

const size_t medfw_agent_config_option_count =
	sizeof(medfw_agent_config_options) / sizeof(medfw_agent_config_options[0]);

void medfw_agent_config_clear(struct medfw_agent_config *cfg)
{
	medfw_config_clear(medfw_agent_config_options, medfw_agent_config_option_count, cfg,
			   sizeof(*cfg));
}

static enum medfw_err check(const char *path, struct medfw_agent_config *c,
			    struct medfw_diag *diag)
{
	const char *url = c->server_url;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: server_url: must start with https://", path);
	if (strncmp(url, "http://", 7) == 0 && !c->allow_http)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: server_url: http:// needs allow_http = true", path);
	if (strncmp(url, "https://", 8) == 0 && c->ca_file == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "%s: ca_file: required for an https server_url", path);
	if (strlen(url) > 1024 || strchr(url + 8, '/') != NULL || strchr(url, '?') != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: server_url: \"scheme://host[:port]\" without a path", path);
	if (strlen(c->hardware_id) > 128)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: hardware_id: longer than 128 bytes", path);
	if (strlen(c->factory_version) > 64)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: factory_version: longer than 64 bytes", path);
	if (c->clinical_state_command == NULL && c->clinical_state_file == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "%s: clinical_state_command or clinical_state_file must be "
				      "set: the agent must know when the device is in use", path);
	if (c->clinical_state_command != NULL && c->clinical_state_file != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: set clinical_state_command or clinical_state_file, "
				      "not both", path);
	if (strcmp(c->slot_a, c->slot_b) == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: slot_a and slot_b are the same", path);
	if (c->slot_backend == 0 && c->boot_state_file == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "%s: boot_state_file: required by slot_backend = file", path);
	if (c->slot_backend == 2 && c->grubenv == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "%s: grubenv: required by slot_backend = grub", path);
	return MEDFW_OK;
}

enum medfw_err medfw_agent_config_load(const char *path, struct medfw_agent_config *out,
				       struct medfw_diag *diag)
{
	enum medfw_err err;

	err = medfw_config_load(medfw_agent_config_options, medfw_agent_config_option_count, path,
				out, sizeof(*out), diag);
	if (err != MEDFW_OK)
		return err;
	err = check(path, out, diag);
	if (err != MEDFW_OK)
		medfw_agent_config_clear(out);
	return err;
}
