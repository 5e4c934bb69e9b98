/* Devices: the look-ups of enrolment with a manufacturer statement (find the pending
 * record by model and serial across sites; whether a public key is bound already). */
#include <string.h>

#include "store_internal.h"

static const char SQL_DEVICE_BY_MODEL_SERIAL[] =
	"SELECT id FROM devices WHERE model = ? AND serial = ? ORDER BY id";
static const char SQL_DEVICE_BY_PUBLIC_KEY[] =
	"SELECT id FROM devices WHERE public_key = ? AND id <> ? ORDER BY id LIMIT 1";

enum medfw_err medfw_store_device_find_by_model_serial(struct medfw_store *store,
						       const char *model, const char *serial,
						       int64_t *out_ids, size_t cap,
						       size_t *out_count, struct medfw_diag *diag)
{
	struct medfwi_q q;
	size_t n = 0;
	int row = 0;
	enum medfw_err err;

	*out_count = 0;
	err = medfwi_check_str(model, MEDFW_STORE_NAME_MAX, 1, "device", "model", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(serial, MEDFW_STORE_SHORT_MAX, 1, "device", "serial", diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "device", SQL_DEVICE_BY_MODEL_SERIAL, diag) == MEDFW_OK) {
		medfwi_q_text(&q, model);
		medfwi_q_text(&q, serial);
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			if (n == cap) {
				q.err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						       "device: more than %zu devices with this model "
						       "and serial", cap);
				break;
			}
			out_ids[n++] = medfwi_q_col_int(&q, 0);
		}
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK)
		*out_count = n;
	else if (cap > 0)
		memset(out_ids, 0, cap * sizeof(*out_ids));
	return err;
}

enum medfw_err medfw_store_device_find_by_public_key(struct medfw_store *store,
						     const uint8_t public_key[MEDFW_STORE_PUBKEY_LEN],
						     int64_t except_id, int64_t *out_id,
						     struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	*out_id = 0;
	if (medfwi_q_begin(&q, store, "device", SQL_DEVICE_BY_PUBLIC_KEY, diag) == MEDFW_OK) {
		medfwi_q_blob(&q, public_key, MEDFW_STORE_PUBKEY_LEN);
		medfwi_q_int(&q, except_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			*out_id = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		*out_id = 0;
	return err;
}
