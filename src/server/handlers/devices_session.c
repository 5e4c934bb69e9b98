/* POST /device/v1/session: a device, signing with its own Ed25519 key, opens a session
 * whose HMAC-SHA256 key signs its next requests (include/medfw/devsession.h says how
 * the key is derived and sealed; docs/devices.md "Sessions" how a device uses it). */
#include <string.h>

#include "devices.h"
#include "medfw/buf.h"
#include "medfw/devsession.h"

void medfwd_device_session(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"x25519_public_key", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	uint8_t device_x25519[MEDFW_X25519_LEN], key[MEDFW_DEVSESSION_KEY_LEN];
	char keyid[MEDFW_DEVSESSION_KEYID_MAX];
	char server_public[2 * MEDFW_X25519_LEN + 1], nonce[2 * MEDFW_AEAD_NONCE_LEN + 1];
	char sealed[2 * MEDFW_DEVSESSION_SEALED_LEN + 1];
	struct medfw_devsession_sealed out;
	const char *x25519;
	int64_t expires;
	size_t n = 0;
	enum medfw_err err;

	if (p == NULL || p->kind != MEDFWD_PRINCIPAL_DEVICE || p->device_session) {
		medfwd_respond_error(resp, 401, "unauthenticated", NULL,
				     "a session is opened with the device key");
		return;
	}
	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "x25519_public_key", 2 * MEDFW_X25519_LEN, 1, &x25519))
		return;
	if (strlen(x25519) != 2 * MEDFW_X25519_LEN ||
	    medfw_hex_decode(x25519, device_x25519, sizeof(device_x25519), &n) != MEDFW_OK ||
	    n != sizeof(device_x25519)) {
		medfwd_respond_error(resp, 400, "invalid", "x25519_public_key",
				     "x25519_public_key must be 64 hex digits");
		return;
	}
	expires = medfw_ctx_now(app->ctx) + app->device_session_lifetime;
	err = medfw_devsession_keyid_make(p->device.id, expires, keyid, sizeof(keyid));
	if (err == MEDFW_OK)
		err = medfw_devsession_derive(app->device_session_secret, keyid,
					      p->device.public_key, key);
	if (err == MEDFW_OK)
		err = medfw_devsession_seal(key, device_x25519, keyid, &out);
	medfw_wipe(key, sizeof(key));
	if (err == MEDFW_ERR_KEY_UNSUPPORTED) {
		medfwd_respond_error(resp, 400, "invalid", "x25519_public_key",
				     "x25519_public_key is a point of low order");
		return;
	}
	if (err == MEDFW_OK)
		err = medfw_hex_encode(out.server_public, sizeof(out.server_public), server_public,
				       sizeof(server_public));
	if (err == MEDFW_OK)
		err = medfw_hex_encode(out.nonce, sizeof(out.nonce), nonce, sizeof(nonce));
	if (err == MEDFW_OK)
		err = medfw_hex_encode(out.sealed, sizeof(out.sealed), sealed, sizeof(sealed));
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot open a session");
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->device.site_id,
			   "device.session_opened",
			   json_pack("{s:I, s:s, s:I}", "device_id", (json_int_t)p->device.id,
				     "keyid", keyid, "expires", (json_int_t)expires));
	medfwd_respond_json(resp, 200,
			    json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "keyid", keyid, "alg",
				      "hmac-sha256", "expires", (json_int_t)expires,
				      "server_public_key", server_public, "nonce", nonce,
				      "sealed_key", sealed));
}
