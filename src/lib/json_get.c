/* Typed field accessors for validating parsed JSON documents. */
#include "medfw/json.h"

static enum medfw_err get(const json_t *obj, const char *what, const char *key, json_t **out,
			  struct medfw_diag *diag)
{
	*out = NULL;
	if (!json_is_object(obj))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: not a JSON object", what);
	*out = json_object_get(obj, key);
	if (*out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "%s: missing field \"%s\"",
				      what, key);
	return MEDFW_OK;
}

static enum medfw_err wrong_type(const char *what, const char *key, const char *want,
				 struct medfw_diag *diag)
{
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: field \"%s\" must be %s", what,
			      key, want);
}

enum medfw_err medfw_json_get_object(const json_t *obj, const char *what, const char *key,
				     json_t **out, struct medfw_diag *diag)
{
	enum medfw_err err = get(obj, what, key, out, diag);

	if (err == MEDFW_OK && !json_is_object(*out)) {
		*out = NULL;
		return wrong_type(what, key, "an object", diag);
	}
	return err;
}

enum medfw_err medfw_json_get_array(const json_t *obj, const char *what, const char *key,
				    json_t **out, struct medfw_diag *diag)
{
	enum medfw_err err = get(obj, what, key, out, diag);

	if (err == MEDFW_OK && !json_is_array(*out)) {
		*out = NULL;
		return wrong_type(what, key, "an array", diag);
	}
	return err;
}

enum medfw_err medfw_json_get_string(const json_t *obj, const char *what, const char *key,
				     const char **out, struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = get(obj, what, key, &v, diag);

	*out = NULL;
	if (err != MEDFW_OK)
		return err;
	if (!json_is_string(v))
		return wrong_type(what, key, "a string", diag);
	*out = json_string_value(v);
	return MEDFW_OK;
}

enum medfw_err medfw_json_get_int(const json_t *obj, const char *what, const char *key,
				  int64_t min, int64_t max, int64_t *out, struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = get(obj, what, key, &v, diag);
	json_int_t i;

	*out = 0;
	if (err != MEDFW_OK)
		return err;
	if (!json_is_integer(v))
		return wrong_type(what, key, "an integer", diag);
	i = json_integer_value(v);
	if (i < min || i > max)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: field \"%s\" is %lld, outside [%lld, %lld]", what, key,
				      (long long)i, (long long)min, (long long)max);
	*out = (int64_t)i;
	return MEDFW_OK;
}

enum medfw_err medfw_json_get_bool(const json_t *obj, const char *what, const char *key,
				   int *out, struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = get(obj, what, key, &v, diag);

	*out = 0;
	if (err != MEDFW_OK)
		return err;
	if (!json_is_boolean(v))
		return wrong_type(what, key, "true or false", diag);
	*out = json_is_true(v);
	return MEDFW_OK;
}
