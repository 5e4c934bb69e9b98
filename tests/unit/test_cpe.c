/* CPE 2.3: the naming examples of NISTIR 7695 (formatted string and URI unbinding), the
 * relation table and matching examples of NISTIR 7696, the edge cases of
 * docs/vuln-matching.md, errors naming the attribute, and every criteria string of the
 * real NVD data parsing strictly and binding back to the same text. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/cpe.h"
#include "medfw/json.h"

static struct medfw_cpe *parse_ok(const char *text, enum medfw_cpe_mode mode)
{
	struct medfw_cpe *c = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_cpe_parse(text, mode, &c, &d);
	if (err != MEDFW_OK)
		fail_msg("%s: %s", text, medfw_diag_message(&d, err));
	assert_non_null(c);
	return c;
}

/* Expect a parse failure with `code` and a message containing `needle`. */
static void parse_fails(const char *text, enum medfw_cpe_mode mode, enum medfw_err code,
			const char *needle)
{
	struct medfw_cpe *c = (struct medfw_cpe *)1;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_cpe_parse(text, mode, &c, &d), code);
	assert_null(c);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", text, d.msg, needle);
}

static char *fs_text(const struct medfw_cpe *c)
{
	struct medfw_buf b;
	size_t n;

	medfw_buf_init(&b, 16384);
	assert_int_equal(medfw_cpe_to_string(c, &b, NULL), MEDFW_OK);
	assert_int_equal(medfw_buf_append(&b, "", 1), MEDFW_OK);
	return (char *)medfw_buf_steal(&b, &n);
}

/* Attribute check: kind, and for values the fs and text forms and the wildcard flag. */
static void want_attr(const struct medfw_cpe *c, enum medfw_cpe_attr a, enum medfw_cpe_kind kind,
		      const char *fs, const char *text, int wildcard)
{
	const struct medfw_cpe_value *v = &c->attr[a];

	if (v->kind != kind)
		fail_msg("attribute %s: kind %d, want %d", medfw_cpe_attr_name(a), v->kind, kind);
	if (kind != MEDFW_CPE_VALUE) {
		assert_null(v->fs);
		assert_null(v->text);
		return;
	}
	assert_string_equal(v->fs, fs);
	assert_string_equal(v->text, text);
	assert_int_equal(v->has_wildcard, wildcard);
}

static void want_any_from(const struct medfw_cpe *c, enum medfw_cpe_attr from)
{
	for (int a = from; a < MEDFW_CPE_ATTR_COUNT; a++)
		want_attr(c, (enum medfw_cpe_attr)a, MEDFW_CPE_ANY, NULL, NULL, 0);
}

static void roundtrip(const char *in, const char *want)
{
	struct medfw_cpe *c = parse_ok(in, MEDFW_CPE_LENIENT);
	struct medfw_cpe *again;
	char *t = fs_text(c);

	assert_string_equal(t, want);
	again = parse_ok(t, MEDFW_CPE_STRICT);
	assert_true(medfw_cpe_equal(c, again) || c->attr[MEDFW_CPE_VERSION].has_wildcard ||
		    c->attr[MEDFW_CPE_UPDATE].has_wildcard);
	free(t);
	medfw_cpe_free(again);
	medfw_cpe_free(c);
}

/* NISTIR 7695 6.2.3 (unbinding a formatted string), examples 1-4 and the errors. */
static void test_formatted_string_examples(void **state)
{
	struct medfw_cpe *c;

	(void)state;
	c = parse_ok("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
		     MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_PART, MEDFW_CPE_VALUE, "a", "a", 0);
	want_attr(c, MEDFW_CPE_VENDOR, MEDFW_CPE_VALUE, "microsoft", "microsoft", 0);
	want_attr(c, MEDFW_CPE_PRODUCT, MEDFW_CPE_VALUE, "internet_explorer", "internet_explorer",
		  0);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "8.0.6001", "8.0.6001", 0);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_VALUE, "beta", "beta", 0);
	want_any_from(c, MEDFW_CPE_EDITION);
	medfw_cpe_free(c);

	c = parse_ok("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "8.*", "8.*", 1);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_VALUE, "sp?", "sp?", 1);
	want_any_from(c, MEDFW_CPE_EDITION);
	medfw_cpe_free(c);

	c = parse_ok("cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
		     MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_NA, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_EDITION, MEDFW_CPE_ANY, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_LANGUAGE, MEDFW_CPE_ANY, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_SW_EDITION, MEDFW_CPE_VALUE, "online", "online", 0);
	want_attr(c, MEDFW_CPE_TARGET_SW, MEDFW_CPE_VALUE, "win2003", "win2003", 0);
	want_attr(c, MEDFW_CPE_TARGET_HW, MEDFW_CPE_VALUE, "x64", "x64", 0);
	want_attr(c, MEDFW_CPE_OTHER, MEDFW_CPE_ANY, NULL, NULL, 0);
	medfw_cpe_free(c);

	c = parse_ok("cpe:2.3:a:hp:openview_network_manager:7.51:*:*:*:*:linux:*:*",
		     MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_TARGET_SW, MEDFW_CPE_VALUE, "linux", "linux", 0);
	medfw_cpe_free(c);

	/* Example with quoted characters: a backslash and a dollar sign. */
	c = parse_ok("cpe:2.3:a:foo\\\\bar:big\\$money_2010:*:*:*:*:special:ipod_touch:80gb:*",
		     MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VENDOR, MEDFW_CPE_VALUE, "foo\\\\bar", "foo\\bar", 0);
	want_attr(c, MEDFW_CPE_PRODUCT, MEDFW_CPE_VALUE, "big\\$money_2010", "big$money_2010", 0);
	want_attr(c, MEDFW_CPE_SW_EDITION, MEDFW_CPE_VALUE, "special", "special", 0);
	want_attr(c, MEDFW_CPE_TARGET_SW, MEDFW_CPE_VALUE, "ipod_touch", "ipod_touch", 0);
	want_attr(c, MEDFW_CPE_TARGET_HW, MEDFW_CPE_VALUE, "80gb", "80gb", 0);
	medfw_cpe_free(c);

	/* A quoted '*' or '?' is a literal character, not a wildcard. */
	c = parse_ok("cpe:2.3:a:micr\\?osoft:internet_explorer:8.\\*:*:*:*:*:*:*:*",
		     MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VENDOR, MEDFW_CPE_VALUE, "micr\\?osoft", "micr?osoft", 0);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "8.\\*", "8.*", 0);
	medfw_cpe_free(c);

	/* Escapes the NVD data uses; uppercase is lowercased (matching ignores case). */
	c = parse_ok("cpe:2.3:a:dolibarr:dolibarr_erp\\/crm:*:*:*:*:*:*:*:*", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_PRODUCT, MEDFW_CPE_VALUE, "dolibarr_erp\\/crm", "dolibarr_erp/crm",
		  0);
	medfw_cpe_free(c);
	c = parse_ok("cpe:2.3:a:adobe:*:9.*:*:PalmOS:*:*:*:*:*", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_PRODUCT, MEDFW_CPE_ANY, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_EDITION, MEDFW_CPE_VALUE, "palmos", "palmos", 0);
	medfw_cpe_free(c);
	c = parse_ok("cpe:2.3:h:nxp:i.mx_6:-:*:*:en-us:*:*:*:*", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_PART, MEDFW_CPE_VALUE, "h", "h", 0);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_NA, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_LANGUAGE, MEDFW_CPE_VALUE, "en-us", "en-us", 0);
	medfw_cpe_free(c);
	/* Part ANY, as Yocto and Buildroot write it. */
	c = parse_ok("cpe:2.3:*:busybox:busybox:1.34.1:*:*:*:*:*:*:*", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_PART, MEDFW_CPE_ANY, NULL, NULL, 0);
	medfw_cpe_free(c);
	/* Leading and trailing runs of '?', a leading '*'. */
	c = parse_ok("cpe:2.3:a:??crosoft:*soft:1.?:*:*:*:*:*:*:*", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VENDOR, MEDFW_CPE_VALUE, "??crosoft", "??crosoft", 1);
	want_attr(c, MEDFW_CPE_PRODUCT, MEDFW_CPE_VALUE, "*soft", "*soft", 1);
	medfw_cpe_free(c);
}

/* NISTIR 7695 6.1.3 (unbinding a URI), examples 1-8, and real 2.2 names from the
 * test data (CycloneDX, CVE 5 Red Hat records). */
static void test_uri_examples(void **state)
{
	struct medfw_cpe *c;
	char *t;

	(void)state;
	c = parse_ok("cpe:/a:microsoft:internet_explorer:8.0.6001:beta", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "8.0.6001", "8.0.6001", 0);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_VALUE, "beta", "beta", 0);
	want_any_from(c, MEDFW_CPE_EDITION);
	medfw_cpe_free(c);

	c = parse_ok("cpe:/a:microsoft:internet_explorer:8.%2a:sp%3f", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "8.\\*", "8.*", 0);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_VALUE, "sp\\?", "sp?", 0);
	medfw_cpe_free(c);

	c = parse_ok("cpe:/a:microsoft:internet_explorer:8.%02:sp%01", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "8.*", "8.*", 1);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_VALUE, "sp?", "sp?", 1);
	medfw_cpe_free(c);

	c = parse_ok("cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
		     MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "7.4.0.1570", "7.4.0.1570", 0);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_ANY, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_EDITION, MEDFW_CPE_ANY, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_SW_EDITION, MEDFW_CPE_VALUE, "online", "online", 0);
	want_attr(c, MEDFW_CPE_TARGET_SW, MEDFW_CPE_VALUE, "win2003", "win2003", 0);
	want_attr(c, MEDFW_CPE_TARGET_HW, MEDFW_CPE_VALUE, "x64", "x64", 0);
	want_attr(c, MEDFW_CPE_OTHER, MEDFW_CPE_ANY, NULL, NULL, 0);
	t = fs_text(c);
	assert_string_equal(t, "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:"
			       "x64:*");
	free(t);
	medfw_cpe_free(c);

	c = parse_ok("cpe:/a:hp:openview_network_manager:7.51:-:~~~linux~~", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_NA, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_TARGET_SW, MEDFW_CPE_VALUE, "linux", "linux", 0);
	want_attr(c, MEDFW_CPE_SW_EDITION, MEDFW_CPE_ANY, NULL, NULL, 0);
	medfw_cpe_free(c);

	parse_fails("cpe:/a:foo%5cbar:big%24money_2010%07:::~~special~ipod_touch~80gb~",
		    MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute product: percent-encoded byte 0x07");

	c = parse_ok("cpe:/a:foo~bar:big%7emoney_2010", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VENDOR, MEDFW_CPE_VALUE, "foo\\~bar", "foo~bar", 0);
	want_attr(c, MEDFW_CPE_PRODUCT, MEDFW_CPE_VALUE, "big\\~money_2010", "big~money_2010", 0);
	want_any_from(c, MEDFW_CPE_VERSION);
	medfw_cpe_free(c);

	parse_fails("cpe:/a:foo:bar:12.%02.1234", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute version: wildcard inside the value");

	c = parse_ok("cpe:/o:redhat:enterprise_linux:8", MEDFW_CPE_STRICT);
	t = fs_text(c);
	assert_string_equal(t, "cpe:2.3:o:redhat:enterprise_linux:8:*:*:*:*:*:*:*");
	free(t);
	medfw_cpe_free(c);
	c = parse_ok("cpe:/a:redhat:rhel_aus:8.6::appstream", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_EDITION, MEDFW_CPE_VALUE, "appstream", "appstream", 0);
	medfw_cpe_free(c);
	c = parse_ok("cpe:/a:gnu:libidn2:2.3.8", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "2.3.8", "2.3.8", 0);
	medfw_cpe_free(c);
	/* An empty vendor is ANY; "-" is NA. */
	c = parse_ok("cpe:/a::Reader:9.3.2:-:-", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VENDOR, MEDFW_CPE_ANY, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_PRODUCT, MEDFW_CPE_VALUE, "reader", "reader", 0);
	want_attr(c, MEDFW_CPE_UPDATE, MEDFW_CPE_NA, NULL, NULL, 0);
	want_attr(c, MEDFW_CPE_EDITION, MEDFW_CPE_NA, NULL, NULL, 0);
	medfw_cpe_free(c);

	parse_fails("cpe:/a:foo:bar:1:2:3:en:extra", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "more than 7 components");
	parse_fails("cpe:/a:foo:bar:1::~a~b~c", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute edition: a packed edition needs five");
	parse_fails("cpe:/a:foo+bar:x", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute vendor: character that must be percent-encoded '+'");
	parse_fails("cpe:/a:foo:bar:1%2", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute version: invalid percent-encoding");
	parse_fails("cpe:/x:foo:bar", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute part: must be a, o, h");
	c = parse_ok("cpe:/a:foo+bar:x", MEDFW_CPE_LENIENT);
	want_attr(c, MEDFW_CPE_VENDOR, MEDFW_CPE_VALUE, "foo\\+bar", "foo+bar", 0);
	medfw_cpe_free(c);
}

static void test_parse_errors(void **state)
{
	char big[MEDFW_CPE_MAX_LEN + 64];
	struct medfw_cpe *c = NULL;
	size_t n;

	(void)state;
	parse_fails("cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "10 attributes, 11 required");
	parse_fails("cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*:*:*", MEDFW_CPE_STRICT,
		    MEDFW_ERR_FIELD_VALUE, "more than 11 attributes");
	parse_fails("cpe:2.3:a:foo::1.0:*:*:*:*:*:*:*", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute product: empty");
	parse_fails("cpe:2.3:a:foo:bar:12.*.1234:*:*:*:*:*:*:*", MEDFW_CPE_STRICT,
		    MEDFW_ERR_FIELD_VALUE, "attribute version: wildcard inside the value");
	parse_fails("cpe:2.3:a:foo:b?r:1:*:*:*:*:*:*:*", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute product: wildcard inside the value");
	parse_fails("cpe:2.3:a:foo:bar:**:*:*:*:*:*:*:*", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute version: a value made only of wildcards");
	parse_fails("cpe:2.3:a:foo:bar:*?:*:*:*:*:*:*:*", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "attribute version: a value made only of wildcards");
	parse_fails("cpe:2.3:a:foo:dolibarr_erp/crm:*:*:*:*:*:*:*:*", MEDFW_CPE_STRICT,
		    MEDFW_ERR_FIELD_VALUE, "attribute product: unescaped character '/'");
	parse_fails("cpe:2.3:a:foo:bar:1\\.0:*:*:*:*:*:*:*", MEDFW_CPE_STRICT,
		    MEDFW_ERR_FIELD_VALUE, "attribute version: needless escape of '.'");
	parse_fails("cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*:x\\", MEDFW_CPE_STRICT,
		    MEDFW_ERR_FIELD_VALUE, "attribute other: ends with an unpaired backslash");
	parse_fails("cpe:2.3:a:foo:b ar:1.0:*:*:*:*:*:*:*", MEDFW_CPE_LENIENT,
		    MEDFW_ERR_FIELD_VALUE, "attribute product: character that is not printable "
					   "ASCII (byte 0x20)");
	parse_fails("cpe:2.3:a:foo:b\xc3\xa4r:1.0:*:*:*:*:*:*:*", MEDFW_CPE_LENIENT,
		    MEDFW_ERR_FIELD_VALUE, "attribute product: character that is not printable");
	parse_fails("cpe:2.3:x:foo:bar:1.0:*:*:*:*:*:*:*", MEDFW_CPE_LENIENT,
		    MEDFW_ERR_FIELD_VALUE, "attribute part: must be a, o, h, * or -");
	parse_fails("cpe:2.3:a:foo:bar:1.0:*:*:english:*:*:*:*", MEDFW_CPE_STRICT,
		    MEDFW_ERR_FIELD_VALUE, "attribute language: not a language tag");
	parse_fails("cpe:2.3:a:foo:bar:1.0:*:*:en-u:*:*:*:*", MEDFW_CPE_STRICT,
		    MEDFW_ERR_FIELD_VALUE, "attribute language: not a language tag");
	parse_fails("cpe:2.4:a:foo:bar:1.0:*:*:*:*:*:*:*", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "must start with \"cpe:2.3:\"");
	parse_fails("CPE:2.3:a:foo:bar:1.0:*:*:*:*:*:*:*", MEDFW_CPE_STRICT, MEDFW_ERR_FIELD_VALUE,
		    "must start with");
	parse_fails("", MEDFW_CPE_LENIENT, MEDFW_ERR_FIELD_VALUE, "must start with");
	parse_fails("cpe:2.3:a:foo", MEDFW_CPE_LENIENT, MEDFW_ERR_FIELD_VALUE,
		    "2 attributes, 11 required");

	memset(big, 'a', sizeof(big));
	memcpy(big, "cpe:2.3:a:foo:", 14);
	big[MEDFW_CPE_MAX_LEN + 1] = '\0';
	parse_fails(big, MEDFW_CPE_LENIENT, MEDFW_ERR_TOO_LARGE, "longer than 4096 bytes");
	/* Exactly at the limit: a very long product, 11 attributes. */
	n = strlen("cpe:2.3:a:foo:") + strlen(":1:*:*:*:*:*:*:*");
	memset(big, 'b', sizeof(big));
	memcpy(big, "cpe:2.3:a:foo:", 14);
	memcpy(big + MEDFW_CPE_MAX_LEN - (n - 14), ":1:*:*:*:*:*:*:*", n - 14);
	big[MEDFW_CPE_MAX_LEN] = '\0';
	assert_int_equal(strlen(big), MEDFW_CPE_MAX_LEN);
	assert_int_equal(medfw_cpe_parse(big, MEDFW_CPE_STRICT, &c, NULL), MEDFW_OK);
	medfw_cpe_free(c);

	assert_int_equal(medfw_cpe_parse(NULL, MEDFW_CPE_STRICT, &c, NULL), MEDFW_ERR_INVALID_ARG);
	assert_null(c);
	assert_int_equal(medfw_cpe_parse("cpe:/a:x", MEDFW_CPE_STRICT, NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	medfw_cpe_free(NULL);
}

static void test_lenient_and_roundtrip(void **state)
{
	struct medfw_cpe *c;

	(void)state;
	/* Canonical text binds back unchanged. */
	roundtrip("cpe:2.3:a:dolibarr:dolibarr_erp\\/crm:*:*:*:*:*:*:*:*",
		  "cpe:2.3:a:dolibarr:dolibarr_erp\\/crm:*:*:*:*:*:*:*:*");
	roundtrip("cpe:2.3:a:visztpeter:integration_for_szamlazz.hu_\\&_woocommerce:*:*:*:*:*:"
		  "wordpress:*:*",
		  "cpe:2.3:a:visztpeter:integration_for_szamlazz.hu_\\&_woocommerce:*:*:*:*:*:"
		  "wordpress:*:*");
	roundtrip("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
		  "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*");
	/* SBOM-tool spellings, normalised. */
	roundtrip("CPE:2.3:A:Gnu:G++:4.8:*:*:*:*:*:*:*", "cpe:2.3:a:gnu:g\\+\\+:4.8:*:*:*:*:*:*:*");
	roundtrip("cpe:2.3:a:foo:bar:1\\.0:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*:*");
	roundtrip("cpe:2.3:a:example:acme-library:1.0.0", "cpe:2.3:a:example:acme-library:1.0.0:*:*:"
							  "*:*:*:*:*");
	roundtrip("cpe:2.3:a:.net_foundation:netstandardlibrary:1.6.1:*:*:*:*:*:*:*",
		  "cpe:2.3:a:.net_foundation:netstandardlibrary:1.6.1:*:*:*:*:*:*:*");
	/* A literal lone hyphen keeps its escape (a bare "-" would read back as NA). */
	roundtrip("cpe:2.3:a:foo:bar:\\-:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:\\-:*:*:*:*:*:*:*");
	c = parse_ok("cpe:2.3:a:foo:bar:\\-:*:*:*:*:*:*:*", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "\\-", "-", 0);
	medfw_cpe_free(c);
	/* An escaped ':' does not split. */
	c = parse_ok("cpe:2.3:a:foo:bar\\:baz:1:*:*:*:*:*:*:*", MEDFW_CPE_STRICT);
	want_attr(c, MEDFW_CPE_PRODUCT, MEDFW_CPE_VALUE, "bar\\:baz", "bar:baz", 0);
	want_attr(c, MEDFW_CPE_VERSION, MEDFW_CPE_VALUE, "1", "1", 0);
	medfw_cpe_free(c);
	/* with_any replaces one attribute. */
	c = parse_ok("cpe:2.3:a:open62541:open62541:1.3:rc2:*:*:*:*:*:*", MEDFW_CPE_STRICT);
	{
		struct medfw_cpe *w = medfw_cpe_with_any(c, MEDFW_CPE_VERSION);
		char *t;

		assert_non_null(w);
		t = fs_text(w);
		assert_string_equal(t, "cpe:2.3:a:open62541:open62541:*:rc2:*:*:*:*:*:*");
		free(t);
		medfw_cpe_free(w);
	}
	medfw_cpe_free(c);
}

static enum medfw_cpe_relation rel(const char *source_value, const char *target_value)
{
	char s[256], t[256];
	struct medfw_cpe *a, *b;
	enum medfw_cpe_relation r;

	snprintf(s, sizeof(s), "cpe:2.3:a:v:%s:*:*:*:*:*:*:*:*", source_value);
	snprintf(t, sizeof(t), "cpe:2.3:a:v:%s:*:*:*:*:*:*:*:*", target_value);
	a = parse_ok(s, MEDFW_CPE_STRICT);
	b = parse_ok(t, MEDFW_CPE_STRICT);
	r = medfw_cpe_compare_value(&a->attr[MEDFW_CPE_PRODUCT], &b->attr[MEDFW_CPE_PRODUCT]);
	medfw_cpe_free(a);
	medfw_cpe_free(b);
	return r;
}

/* NISTIR 7696 table 6-2, every cell, and wildcard semantics. */
static void test_relations(void **state)
{
	(void)state;
	assert_int_equal(rel("*", "*"), MEDFW_CPE_EQUAL);
	assert_int_equal(rel("*", "-"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("*", "foo"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("-", "*"), MEDFW_CPE_SUBSET);
	assert_int_equal(rel("-", "-"), MEDFW_CPE_EQUAL);
	assert_int_equal(rel("-", "foo"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("foo", "*"), MEDFW_CPE_SUBSET);
	assert_int_equal(rel("foo", "-"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("foo", "foo"), MEDFW_CPE_EQUAL);
	assert_int_equal(rel("foo", "FOO"), MEDFW_CPE_EQUAL);
	assert_int_equal(rel("foo", "bar"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("fo*", "*"), MEDFW_CPE_SUBSET);
	assert_int_equal(rel("fo*", "-"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("fo*", "foo"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("fo*", "bar"), MEDFW_CPE_DISJOINT);
	/* A target with wildcards is undefined, whatever the source. */
	assert_int_equal(rel("*", "fo*"), MEDFW_CPE_UNDEFINED);
	assert_int_equal(rel("-", "fo?"), MEDFW_CPE_UNDEFINED);
	assert_int_equal(rel("foo", "fo*"), MEDFW_CPE_UNDEFINED);
	assert_int_equal(rel("fo*", "fo*"), MEDFW_CPE_UNDEFINED);

	/* '*' any run (also empty) at either end. */
	assert_int_equal(rel("*soft", "microsoft"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("*soft", "soft"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("*soft", "softer"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("micro*", "microsoft"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("*cros*", "microsoft"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("8.*", "8.0.6001"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("8.*", "9.0"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("8.*", "18.0"), MEDFW_CPE_DISJOINT);
	/* A run of n '?' at an end: at most n characters (NISTIR 7696's compare_strings). */
	assert_int_equal(rel("sp?", "sp2"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("sp?", "sp"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("sp?", "sp12"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("??crosoft", "microsoft"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("??crosoft", "icrosoft"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("??crosoft", "xmicrosoft"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("?", "a"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("?", "ab"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("??", "ab"), MEDFW_CPE_SUPERSET);
	/* Quoted characters count as one character and match only themselves. */
	assert_int_equal(rel("?\\$money", "a\\$money"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("?\\$money", "\\!\\$money"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("foo\\?", "foox"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("foo\\?", "foo\\?"), MEDFW_CPE_EQUAL);
	assert_int_equal(rel("foo\\??", "foo\\?x"), MEDFW_CPE_SUPERSET);
	assert_int_equal(rel("foo\\??", "foox"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("8.\\*", "8.0"), MEDFW_CPE_DISJOINT);
	assert_int_equal(rel("\\\\*", "\\\\abc"), MEDFW_CPE_SUPERSET);

	assert_string_equal(medfw_cpe_relation_name(MEDFW_CPE_SUPERSET), "superset");
	assert_string_equal(medfw_cpe_attr_name(MEDFW_CPE_TARGET_HW), "target_hw");
	assert_string_equal(medfw_cpe_attr_name((enum medfw_cpe_attr)11), "?");
}

static int match(const char *source, const char *target)
{
	struct medfw_cpe *s = parse_ok(source, MEDFW_CPE_LENIENT);
	struct medfw_cpe *t = parse_ok(target, MEDFW_CPE_LENIENT);
	int m = medfw_cpe_match(s, t);

	/* A match is never disjoint. */
	if (m)
		assert_false(medfw_cpe_disjoint(s, t));
	medfw_cpe_free(s);
	medfw_cpe_free(t);
	return m;
}

/* NISTIR 7696 examples and the pitfalls of docs/vuln-matching.md. */
static void test_name_matching(void **state)
{
	enum medfw_cpe_relation r[MEDFW_CPE_ATTR_COUNT];
	struct medfw_cpe *s, *t;

	(void)state;
	/* 7696: adobe:*:9.*:*:PalmOS against /a::Reader:9.3.2:-:- is disjoint (edition). */
	s = parse_ok("cpe:2.3:a:adobe:*:9.*:*:PalmOS:*:*:*:*:*", MEDFW_CPE_STRICT);
	t = parse_ok("cpe:/a::Reader:9.3.2:-:-", MEDFW_CPE_STRICT);
	medfw_cpe_compare(s, t, r);
	assert_int_equal(r[MEDFW_CPE_PART], MEDFW_CPE_EQUAL);
	assert_int_equal(r[MEDFW_CPE_VENDOR], MEDFW_CPE_SUBSET);
	assert_int_equal(r[MEDFW_CPE_PRODUCT], MEDFW_CPE_SUPERSET);
	assert_int_equal(r[MEDFW_CPE_VERSION], MEDFW_CPE_SUPERSET);
	assert_int_equal(r[MEDFW_CPE_UPDATE], MEDFW_CPE_SUPERSET);
	assert_int_equal(r[MEDFW_CPE_EDITION], MEDFW_CPE_DISJOINT);
	assert_true(medfw_cpe_disjoint(s, t));
	assert_false(medfw_cpe_match(s, t));
	assert_false(medfw_cpe_equal(s, t));
	medfw_cpe_free(s);
	medfw_cpe_free(t);

	/* 7696: IE 8.0.6001 beta against a name whose other attributes are ANY: the
	 * target is a subset of nothing here; the reverse direction is a match. */
	assert_false(match("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
			   "cpe:2.3:a:microsoft:internet_explorer:*:*:*:*:*:*:*:*"));
	assert_true(match("cpe:2.3:a:microsoft:internet_explorer:*:*:*:*:*:*:*:*",
			  "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"));
	assert_true(match("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
			  "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:sp2:*:*:*:*:*:*"));
	assert_false(match("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
			   "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"));

	/* NVD criteria against component CPEs. */
	assert_true(match("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*",
			  "cpe:2.3:a:busybox:busybox:1.34.1:*:*:*:*:*:*:*"));
	assert_true(match("cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*",
			  "cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*"));
	assert_false(match("cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*",
			   "cpe:2.3:a:tukaani:xz:5.6.2:*:*:*:*:*:*:*"));
	/* The component's vendor ANY is only a subset of linux:linux_kernel. */
	assert_false(match("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*",
			   "cpe:2.3:o:*:linux_kernel:5.15.0:*:*:*:*:*:*:*"));
	/* A criteria with version NA does not match a component that has a version. */
	assert_false(match("cpe:2.3:o:netapp:a250_firmware:-:*:*:*:*:*:*:*",
			   "cpe:2.3:o:netapp:a250_firmware:9.8:*:*:*:*:*:*:*"));
	assert_true(match("cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:*",
			  "cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:*"));
	/* Part ANY in a Yocto/Buildroot CPE: only a subset of an application criteria. */
	assert_false(match("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*",
			   "cpe:2.3:*:busybox:busybox:1.34.1:*:*:*:*:*:*:*"));
	/* Another part is another product. */
	assert_false(match("cpe:2.3:h:netapp:a250:-:*:*:*:*:*:*:*",
			   "cpe:2.3:o:netapp:a250:-:*:*:*:*:*:*:*"));
	/* target_sw restricts. */
	assert_false(match("cpe:2.3:a:nvidia:gpu_display_driver:*:*:*:*:*:windows:*:*",
			   "cpe:2.3:a:nvidia:gpu_display_driver:470:*:*:*:*:linux:*:*"));
	/* A component CPE with wildcards never matches (undefined). */
	assert_false(match("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*",
			   "cpe:2.3:a:busybox:busybox:1.3*:*:*:*:*:*:*:*"));
	/* Equality of names. */
	s = parse_ok("cpe:/a:hp:openview_network_manager:7.51:-:~~~linux~~", MEDFW_CPE_STRICT);
	t = parse_ok("cpe:2.3:a:hp:openview_network_manager:7.51:-:*:*:*:linux:*:*",
		     MEDFW_CPE_STRICT);
	assert_true(medfw_cpe_equal(s, t));
	assert_true(medfw_cpe_match(s, t));
	assert_false(medfw_cpe_match(NULL, t));
	assert_false(medfw_cpe_equal(s, NULL));
	medfw_cpe_free(s);
	medfw_cpe_free(t);
}

/* Every criteria (and cpeName) in the NVD test data parses strictly and binds back to
 * the same text. */
static void collect(json_t *v, size_t *count)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, child)
		{
			if ((strcmp(key, "criteria") == 0 || strcmp(key, "cpeName") == 0) &&
			    json_is_string(child)) {
				struct medfw_cpe *c = parse_ok(json_string_value(child),
							       MEDFW_CPE_STRICT);
				char *t = fs_text(c);

				assert_string_equal(t, json_string_value(child));
				free(t);
				medfw_cpe_free(c);
				(*count)++;
			} else {
				collect(child, count);
			}
		}
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			collect(json_array_get(v, i), count);
	}
}

static void test_nvd_criteria(void **state)
{
	static const char *const files[] = {"nvd/pages/cves-2023-page.json",
					    "nvd/pages/cpematch-CVE-2022-32223.json",
					    "nvd/records/CVE-2022-0778.json"};
	size_t total = 0, i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		struct medfw_buf b;
		json_t *doc = NULL;

		tu_shared_path(path, sizeof(path), files[i]);
		tu_read_file(path, &b);
		assert_int_equal(medfw_json_parse(b.data, b.len, b.len, 64, &doc, NULL), MEDFW_OK);
		collect(doc, &total);
		json_decref(doc);
		medfw_buf_free(&b);
	}
	/* 705 criteria in the page, 6 + 76 in the match-criteria response, and more. */
	assert_true(total > 800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formatted_string_examples),
		cmocka_unit_test(test_uri_examples),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_lenient_and_roundtrip),
		cmocka_unit_test(test_relations),
		cmocka_unit_test(test_name_matching),
		cmocka_unit_test(test_nvd_criteria),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
