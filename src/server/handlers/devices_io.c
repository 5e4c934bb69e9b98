/* Devices in bulk: CSV import (all rows or nothing), CSV / JSON export, and the
 * firmware inventory report. CSV columns are in docs/devices.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "devices.h"
#include "medfw/csv.h"
#include "medfw/num.h"

#define EXPORT_MAX_ROWS 200000
#define EXPORT_PAGE 500
#define IMPORT_MAX_ROWS 10000
#define IMPORT_MAX_BYTES (8u << 20)
#define IMPORT_MAX_ERRORS 100
#define REPORT_MAX_ROWS 1000
#define REPORT_MAX_DEVICES 1000

/* ---- export ---- */

static const char *const export_columns[] = {
	"id", "site_id", "udi_di", "udi_pi", "serial", "model", "hardware_id", "department",
	"location", "network_zone", "vlan", "ip", "mac", "firmware_version", "image_sha256",
	"image_is_signed_release", "agent_version", "last_seen", "clinical_state",
	"enrolment_state", "tags",
};
#define N_EXPORT (sizeof(export_columns) / sizeof(export_columns[0]))

static enum medfw_err csv_row(struct medfw_buf *out, const struct medfw_store_device *d)
{
	char id[24], site[24], vlan[24], seen[24], tags[MEDFW_STORE_TAGS_MAX + 1];
	const char *fields[N_EXPORT];

	snprintf(id, sizeof(id), "%lld", (long long)d->id);
	snprintf(site, sizeof(site), "%lld", (long long)d->site_id);
	snprintf(vlan, sizeof(vlan), "%lld", (long long)d->vlan);
	snprintf(seen, sizeof(seen), "%lld", (long long)d->last_seen);
	fields[0] = id;
	fields[1] = site;
	fields[2] = d->udi_di;
	fields[3] = d->udi_pi;
	fields[4] = d->serial;
	fields[5] = d->model;
	fields[6] = d->hardware_id;
	fields[7] = d->department;
	fields[8] = d->location;
	fields[9] = d->network_zone;
	fields[10] = d->vlan != 0 ? vlan : "";
	fields[11] = d->ip;
	fields[12] = d->mac;
	fields[13] = d->firmware_version;
	fields[14] = d->image_sha256;
	fields[15] = d->image_is_signed_release == MEDFW_TRI_UNKNOWN ? ""
		     : d->image_is_signed_release == MEDFW_TRI_YES   ? "yes"
								     : "no";
	fields[16] = d->agent_version;
	fields[17] = d->last_seen != 0 ? seen : "";
	fields[18] = medfw_store_clinical_state_name(d->clinical_state);
	fields[19] = medfw_store_enrolment_state_name(d->enrolment_state);
	/* "a,b" -> "a;b", as the import reads them */
	snprintf(tags, sizeof(tags), "%s", d->tags);
	for (char *c = strchr(tags, ','); c != NULL; c = strchr(c + 1, ','))
		*c = ';';
	fields[20] = tags;
	return medfw_csv_write_row(out, fields, N_EXPORT, MEDFW_CSV_SPREADSHEET_SAFE, NULL);
}

void medfwd_devices_export(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	const char *format = medfwd_request_query(req, "format");
	struct medfw_store_device_filter f;
	struct medfw_store_device *page = NULL;
	struct medfw_buf out;
	json_t *items = NULL;
	int csv;
	int64_t offset = 0;
	size_t n = 0;
	struct medfw_diag d;
	enum medfw_err err = MEDFW_OK;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !medfwd_device_filter_of(req, resp, &f))
		return;
	if (format != NULL && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		medfwd_respond_error(resp, 400, "invalid", "format", "format must be csv or json");
		return;
	}
	csv = format == NULL || strcmp(format, "csv") == 0;
	page = calloc(EXPORT_PAGE, sizeof(*page));
	items = json_array();
	medfw_buf_init(&out, (size_t)1 << 28);
	if (page == NULL || items == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	if (csv)
		err = medfw_csv_write_row(&out, export_columns, N_EXPORT, 0, NULL);
	medfw_diag_clear(&d);
	/* in id order, a page after the last id seen (keyset): each page costs the same
	 * whatever the fleet's size, and a device added meanwhile cannot shift a page so
	 * that another is skipped or written twice */
	f.sort = MEDFW_DEVICE_SORT_ID;
	f.descending = 0;
	f.after_id = 0;
	do {
		if (err == MEDFW_OK)
			err = medfw_store_device_list(app->store, medfwd_scope_of(p), &f, 0, page,
						      EXPORT_PAGE, &n, NULL, &d);
		for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
			if (csv)
				err = csv_row(&out, &page[i]);
			else
				json_array_append_new(items, medfwd_device_json(&page[i]));
		}
		if (n > 0)
			f.after_id = page[n - 1].id;
		offset += (int64_t)n;
	} while (err == MEDFW_OK && n == EXPORT_PAGE && offset < EXPORT_MAX_ROWS);
	/* one more device than the export may hold? */
	if (err == MEDFW_OK && offset >= EXPORT_MAX_ROWS)
		err = medfw_store_device_list(app->store, medfwd_scope_of(p), &f, 0, page, 1, &n,
					      NULL, &d);
	else
		n = 0;
	if (err == MEDFW_OK && n > 0) {
		err = MEDFW_ERR_TOO_LARGE;
		medfw_diag_set(&d, err, "more than %d devices: narrow the export with filters",
			       EXPORT_MAX_ROWS);
	}
out:
	free(page);
	if (err != MEDFW_OK) {
		json_decref(items);
		medfw_buf_free(&out);
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id, "devices.exported",
			   json_pack("{s:s, s:I}", "format", csv ? "csv" : "json", "devices",
				     (json_int_t)offset));
	if (csv) {
		medfwd_response_add_header(resp, "Content-Disposition",
					   "attachment; filename=\"devices.csv\"");
		medfwd_respond_bytes(resp, 200, "text/csv; charset=utf-8", out.data, out.len);
		medfw_buf_free(&out);
		json_decref(items);
	} else {
		medfw_buf_free(&out);
		medfwd_respond_json(resp, 200, json_pack("{s:o, s:I}", "devices", items, "total",
							 (json_int_t)offset));
	}
}

/* ---- import ---- */

/* CSV columns of an import: site_id then the editable fields (medfwd_device_fields);
 * tags separated by ";". */
static const char *const import_columns[] = {
	"site_id", "udi", "serial", "model", "hardware_id", "department", "location",
	"network_zone", "vlan", "ip", "mac", "firmware_version", "tags",
};
#define N_IMPORT (sizeof(import_columns) / sizeof(import_columns[0]))

struct import_arg {
	struct medfwd_app *app;
	const struct medfwd_principal *who;
	unsigned year;
	struct medfw_store_device *rows;
	size_t *row_numbers;
	size_t n, cap;
	json_t *errors;
	size_t n_errors;
	size_t failed_row;        /* tx: the row the store refused */
};

static void row_error(struct import_arg *a, size_t row, const char *column, const char *msg)
{
	a->n_errors++;
	if (json_array_size(a->errors) < IMPORT_MAX_ERRORS)
		json_array_append_new(a->errors, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)row,
							   "column", column, "message", msg));
}

static enum medfw_err import_row(void *user, size_t row, const char *const *fields,
				 const size_t *lens, struct medfw_diag *diag)
{
	struct import_arg *a = user;
	struct medfw_store_device dev;
	uint64_t site = 0;
	char msg[256];
	int ok = 1;

	(void)lens;
	(void)diag;
	memset(&dev, 0, sizeof(dev));
	dev.image_is_signed_release = MEDFW_TRI_UNKNOWN;
	/* site_id: required of manufacturer-wide staff; site staff: their own */
	if (fields[0] != NULL && fields[0][0] != '\0') {
		if (medfw_parse_u64(fields[0], 1, INT64_MAX, &site) != MEDFW_OK) {
			row_error(a, row, "site_id", "site_id must be a site id");
			ok = 0;
		} else if (!medfwd_may_access_site(a->who, (int64_t)site)) {
			row_error(a, row, "site_id", "not a site you may add devices to");
			ok = 0;
		}
	} else if (a->who->user.site_id != 0) {
		site = (uint64_t)a->who->user.site_id;
	} else {
		row_error(a, row, "site_id", "site_id is required");
		ok = 0;
	}
	dev.site_id = (int64_t)site;
	/* serial before udi: an explicit serial wins over the UDI's */
	for (size_t i = 1; i < N_IMPORT; i++) {
		size_t col = i == 1 ? 2 : i == 2 ? 1 : i;

		if (fields[col] == NULL)
			continue;
		if (fields[col][0] == '\0' && col == 2)
			continue; /* may come from the UDI */
		if (!medfwd_device_set_field(&dev, import_columns[col], fields[col], a->year, msg,
					     sizeof(msg))) {
			row_error(a, row, import_columns[col], msg);
			ok = 0;
		}
	}
	if (ok && dev.serial[0] == '\0') {
		row_error(a, row, "serial", "serial is required (or a UDI with a serial)");
		ok = 0;
	}
	if (!ok)
		return MEDFW_OK; /* keep reading: list every bad row */
	if (a->n == a->cap)
		return MEDFW_ERR_TOO_LARGE;
	a->rows[a->n] = dev;
	a->row_numbers[a->n++] = row;
	return MEDFW_OK;
}

static enum medfw_err import_tx(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct import_arg *a = user;

	for (size_t i = 0; i < a->n; i++) {
		enum medfw_err err = medfw_store_device_create(tx, &a->rows[i], diag);

		if (err != MEDFW_OK) {
			a->failed_row = a->row_numbers[i];
			return err;
		}
	}
	return MEDFW_OK;
}

static void respond_rows(struct medfwd_response *resp, struct import_arg *a)
{
	json_t *first = json_array_get(a->errors, 0);
	json_t *body = json_pack(
		"{s:{s:s, s:s, s:s}, s:O, s:I}", "error", "code", "invalid", "message",
		"the file was not imported: see \"rows\" (nothing was stored)", "field",
		json_string_value(json_object_get(first, "column")), "rows", a->errors, "bad_rows",
		(json_int_t)a->n_errors);

	medfwd_respond_json(resp, 400, body);
}

void medfwd_devices_import(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	const char *ct = medfwd_request_header(req, "Content-Type");
	struct medfw_csv_limits limits = {IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, MEDFW_CSV_MAX_COLUMNS,
					  1024};
	struct import_arg a;
	json_t *ids;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_WRITE))
		return;
	if (ct == NULL || strncasecmp(ct, "text/csv", 8) != 0 ||
	    (ct[8] != '\0' && ct[8] != ';' && ct[8] != ' ')) {
		medfwd_respond_error(resp, 415, "unsupported_media_type", NULL,
				     "the body must be text/csv");
		return;
	}
	memset(&a, 0, sizeof(a));
	a.app = app;
	a.who = p;
	a.year = medfwd_current_year(app);
	a.cap = IMPORT_MAX_ROWS;
	a.rows = calloc(a.cap, sizeof(*a.rows));
	a.row_numbers = calloc(a.cap, sizeof(*a.row_numbers));
	a.errors = json_array();
	if (a.rows == NULL || a.row_numbers == NULL || a.errors == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	medfw_diag_clear(&d);
	err = medfw_csv_read(req->body, req->body_len, import_columns, N_IMPORT, &limits,
			     import_row, &a, &d);
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, err == MEDFW_ERR_TOO_LARGE ? 413 : 400,
				     err == MEDFW_ERR_TOO_LARGE ? "too_large" : "invalid", NULL,
				     "not imported (nothing was stored): %s",
				     medfw_diag_message(&d, err));
		goto out;
	}
	if (a.n_errors > 0) {
		respond_rows(resp, &a);
		goto out;
	}
	if (a.n == 0) {
		medfwd_respond_error(resp, 400, "invalid", NULL, "the file has no device rows");
		goto out;
	}
	err = medfw_store_tx(app->store, import_tx, &a, &d);
	if (err != MEDFW_OK) {
		const char *msg = medfw_diag_message(&d, err);

		if (err == MEDFW_ERR_EXISTS || err == MEDFW_ERR_NOT_FOUND) {
			row_error(&a, a.failed_row,
				  err == MEDFW_ERR_NOT_FOUND ? "site_id"
				  : strstr(msg, "udi") != NULL ? "udi"
							       : "serial",
				  err == MEDFW_ERR_NOT_FOUND ? "no such site" : msg);
			respond_rows(resp, &a);
		} else {
			medfwd_respond_medfw_error(resp, err, &d);
		}
		goto out;
	}
	ids = json_array();
	for (size_t i = 0; ids != NULL && i < a.n; i++)
		json_array_append_new(ids, json_integer(a.rows[i].id));
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id, "devices.imported",
			   json_pack("{s:I, s:I, s:I}", "devices", (json_int_t)a.n, "first_id",
				     (json_int_t)a.rows[0].id, "last_id",
				     (json_int_t)a.rows[a.n - 1].id));
	medfwd_respond_json(resp, 201, json_pack("{s:I, s:o}", "imported", (json_int_t)a.n, "ids",
						 ids));
out:
	free(a.rows);
	free(a.row_numbers);
	json_decref(a.errors);
}

/* ---- firmware inventory report ---- */

void medfwd_report_firmware(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	const char *site = medfwd_request_query(req, "site");
	struct medfw_store_firmware_row *rows = NULL;
	struct medfw_store_device *unsigned_devs = NULL;
	struct medfw_store_device_filter f;
	uint64_t site_id = 0;
	size_t n = 0, n_dev = 0;
	int64_t n_unsigned = 0;
	json_t *models, *model = NULL, *devs;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	if (site != NULL && medfw_parse_u64(site, 1, INT64_MAX, &site_id) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "site", "site must be a site id");
		return;
	}
	rows = calloc(REPORT_MAX_ROWS, sizeof(*rows));
	unsigned_devs = calloc(REPORT_MAX_DEVICES, sizeof(*unsigned_devs));
	if (rows == NULL || unsigned_devs == NULL) {
		free(rows);
		free(unsigned_devs);
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	memset(&f, 0, sizeof(f));
	f.site_id = (int64_t)site_id;
	f.signed_release = MEDFW_SIGNED_NO;
	medfw_diag_clear(&d);
	err = medfw_store_firmware_report(app->store, medfwd_scope_of(p), (int64_t)site_id, rows,
					  REPORT_MAX_ROWS, &n, &d);
	if (err == MEDFW_OK)
		err = medfw_store_device_list(app->store, medfwd_scope_of(p), &f, 0, unsigned_devs,
					      REPORT_MAX_DEVICES, &n_dev, &n_unsigned, &d);
	if (err != MEDFW_OK) {
		free(rows);
		free(unsigned_devs);
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	models = json_array();
	for (size_t i = 0; models != NULL && i < n; i++) {
		json_t *version = json_pack("{s:s, s:I, s:I, s:I, s:I}", "firmware_version",
					    rows[i].firmware_version, "devices",
					    (json_int_t)rows[i].devices, "signed_release",
					    (json_int_t)rows[i].signed_release, "not_signed",
					    (json_int_t)rows[i].not_signed, "unknown",
					    (json_int_t)rows[i].unknown);

		if (i == 0 || strcmp(rows[i].model, rows[i - 1].model) != 0) {
			model = json_pack("{s:s, s:I, s:I, s:[]}", "model", rows[i].model, "devices",
					  (json_int_t)0, "not_signed", (json_int_t)0, "versions");
			json_array_append_new(models, model);
		}
		if (model == NULL || version == NULL) {
			json_decref(version);
			continue;
		}
		json_object_set_new(model, "devices",
				    json_integer(json_integer_value(json_object_get(model, "devices")) +
						 rows[i].devices));
		json_object_set_new(
			model, "not_signed",
			json_integer(json_integer_value(json_object_get(model, "not_signed")) +
				     rows[i].not_signed));
		json_array_append_new(json_object_get(model, "versions"), version);
	}
	devs = json_array();
	for (size_t i = 0; devs != NULL && i < n_dev; i++)
		json_array_append_new(
			devs, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id",
					(json_int_t)unsigned_devs[i].id, "site_id",
					(json_int_t)unsigned_devs[i].site_id, "serial",
					unsigned_devs[i].serial, "model", unsigned_devs[i].model,
					"firmware_version", unsigned_devs[i].firmware_version,
					"image_sha256", unsigned_devs[i].image_sha256));
	free(rows);
	free(unsigned_devs);
	medfwd_respond_json(resp, 200,
			    json_pack("{s:o, s:o, s:I}", "models", models, "not_signed_devices", devs,
				      "not_signed_total", (json_int_t)n_unsigned));
}
