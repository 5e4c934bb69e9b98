/* SBOMs: one normalised model for CycloneDX and SPDX, read from untrusted bytes and
 * written back as CycloneDX 1.6 JSON.
 *
 * Read: CycloneDX JSON 1.4, 1.5 and 1.6 ("bomFormat": "CycloneDX" + "specVersion") and
 * SPDX 2.3 JSON ("spdxVersion": "SPDX-2.3"; "SPDX-2.2" is read by the same rules). Every
 * other format or version is refused naming the field and its value. The parse is
 * bounded (document size, JSON depth, component count, string lengths; see
 * struct medfw_sbom_limits and the MEDFW_SBOM_*_MAX constants) and all-or-nothing:
 * a document that fails any check yields no model. Error messages name the JSON path,
 * e.g. "components[12].hashes[0].content: not 64 hex digits for SHA-256".
 *
 * What is read, how each format maps onto the model and what is ignored is documented
 * in docs/formats/sbom.md. In short:
 *   - components are flattened in pre-order (a parent before its children); nesting
 *     (CycloneDX "components" inside a component, SPDX CONTAINS / hasFiles) becomes
 *     `parent` / `parent_ref`;
 *   - the described product (CycloneDX metadata.component, or the one element an SPDX
 *     document DESCRIBES) is a component like the others, at index `sbom->product`;
 *   - versions, purls and CPEs are kept exactly as given: they are checked for size and
 *     character set only (the vulnerability matcher parses them);
 *   - hashes carry CycloneDX algorithm names and lowercase hex;
 *   - dependencies (CycloneDX dependencies[], SPDX DEPENDS_ON and friends) are sorted
 *     by ref, each with its sorted, unique depends_on refs.
 *
 * Unknown fields: both JSON schemas close the objects this module reads
 * (additionalProperties: false), so an unknown field in such an object is refused
 * with its path; objects the model does not read (properties, evidence except
 * identity, externalReferences, services, vulnerabilities, annotations...) are not
 * inspected.
 *
 * Export: medfw_sbom_export_cyclonedx writes CycloneDX 1.6 JSON, deterministic (object
 * keys sorted, components in model order, no insignificant whitespace). Parsing an
 * export gives back the same model (only format and spec_version can differ), and
 * exporting that again gives the same bytes.
 */
#ifndef MEDFW_SBOM_H
#define MEDFW_SBOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default limits (struct medfw_sbom_limits) and fixed string bounds, in bytes. */
#define MEDFW_SBOM_MAX_BYTES (64u * 1024u * 1024u) /* whole document */
#define MEDFW_SBOM_MAX_DEPTH 64u                   /* JSON nesting */
#define MEDFW_SBOM_MAX_COMPONENTS 100000u          /* components, product included */
#define MEDFW_SBOM_DEPTH_CEILING 256u              /* largest max_depth a caller may set */
#define MEDFW_SBOM_NAME_MAX 1024u  /* names, groups, versions, suppliers, licence ids... */
#define MEDFW_SBOM_ID_MAX 4096u    /* purl, CPE, refs, URLs, licence expressions */
/* SPDX containment deeper than this is kept as a dependency instead of nesting, so that
 * an export always parses again within MEDFW_SBOM_MAX_DEPTH. */
#define MEDFW_SBOM_MAX_NESTING 24u

/* "No such index": a component without parent, a document without product. */
#define MEDFW_SBOM_NONE SIZE_MAX

/* Prefix of the refs medfw gives CycloneDX components that have no bom-ref
 * ("medfw-generated:components[3].components[0]"); they are not exported. */
#define MEDFW_SBOM_GENERATED_REF_PREFIX "medfw-generated:"

enum medfw_sbom_format {
	MEDFW_SBOM_CYCLONEDX = 1,
	MEDFW_SBOM_SPDX = 2,
};

/* Component types, named as in CycloneDX (medfw_sbom_type_name). */
enum medfw_sbom_type {
	MEDFW_SBOM_TYPE_APPLICATION = 0,
	MEDFW_SBOM_TYPE_FRAMEWORK = 1,
	MEDFW_SBOM_TYPE_LIBRARY = 2,
	MEDFW_SBOM_TYPE_CONTAINER = 3,
	MEDFW_SBOM_TYPE_PLATFORM = 4,               /* CycloneDX 1.5+ */
	MEDFW_SBOM_TYPE_OPERATING_SYSTEM = 5,
	MEDFW_SBOM_TYPE_DEVICE = 6,
	MEDFW_SBOM_TYPE_DEVICE_DRIVER = 7,          /* 1.5+ */
	MEDFW_SBOM_TYPE_FIRMWARE = 8,
	MEDFW_SBOM_TYPE_FILE = 9,
	MEDFW_SBOM_TYPE_MACHINE_LEARNING_MODEL = 10, /* 1.5+ */
	MEDFW_SBOM_TYPE_DATA = 11,                  /* 1.5+ */
	MEDFW_SBOM_TYPE_CRYPTOGRAPHIC_ASSET = 12,   /* 1.6 */
};

/* CycloneDX scope; SPDX build/test-only packages become EXCLUDED, optional ones
 * OPTIONAL (docs/formats/sbom.md). UNSPECIFIED means "required" to a consumer. */
enum medfw_sbom_scope {
	MEDFW_SBOM_SCOPE_UNSPECIFIED = 0,
	MEDFW_SBOM_SCOPE_REQUIRED = 1,
	MEDFW_SBOM_SCOPE_OPTIONAL = 2,
	MEDFW_SBOM_SCOPE_EXCLUDED = 3,
};

/* Hash algorithms, named as in CycloneDX (medfw_sbom_hash_alg_name). SPDX checksums
 * map onto these; SPDX algorithms CycloneDX cannot express (SHA224, MD2, MD4, MD6,
 * ADLER32) are validated and not kept. */
enum medfw_sbom_hash_alg {
	MEDFW_SBOM_HASH_MD5 = 0,
	MEDFW_SBOM_HASH_SHA1 = 1,
	MEDFW_SBOM_HASH_SHA256 = 2,
	MEDFW_SBOM_HASH_SHA384 = 3,
	MEDFW_SBOM_HASH_SHA512 = 4,
	MEDFW_SBOM_HASH_SHA3_256 = 5,
	MEDFW_SBOM_HASH_SHA3_384 = 6,
	MEDFW_SBOM_HASH_SHA3_512 = 7,
	MEDFW_SBOM_HASH_BLAKE2B_256 = 8,
	MEDFW_SBOM_HASH_BLAKE2B_384 = 9,
	MEDFW_SBOM_HASH_BLAKE2B_512 = 10,
	MEDFW_SBOM_HASH_BLAKE3 = 11, /* 64, 96 or 128 hex digits */
};

struct medfw_sbom_hash {
	enum medfw_sbom_hash_alg alg;
	char *hex; /* lowercase, the algorithm's length */
};

enum medfw_sbom_license_kind {
	MEDFW_SBOM_LICENSE_ID = 0,         /* CycloneDX license.id (an SPDX licence id) */
	MEDFW_SBOM_LICENSE_NAME = 1,       /* CycloneDX license.name */
	MEDFW_SBOM_LICENSE_EXPRESSION = 2, /* CycloneDX expression, SPDX licenseConcluded /
					    * licenseDeclared */
};

struct medfw_sbom_license {
	enum medfw_sbom_license_kind kind;
	char *value;
};

/* A CycloneDX pedigree ancestor, descendant or variant: the identity of a component
 * that is not itself part of this SBOM. Only these fields are kept. */
struct medfw_sbom_identity {
	char *ref; /* bom-ref, or NULL */
	enum medfw_sbom_type type;
	char *group, *name, *version, *purl, *cpe; /* NULL when absent (name never) */
};

enum medfw_sbom_patch_type {
	MEDFW_SBOM_PATCH_UNOFFICIAL = 0,
	MEDFW_SBOM_PATCH_MONKEY = 1,
	MEDFW_SBOM_PATCH_BACKPORT = 2,
	MEDFW_SBOM_PATCH_CHERRY_PICK = 3,
};

enum medfw_sbom_issue_type {
	MEDFW_SBOM_ISSUE_DEFECT = 0,
	MEDFW_SBOM_ISSUE_ENHANCEMENT = 1,
	MEDFW_SBOM_ISSUE_SECURITY = 2,
};

/* An issue a patch resolves: for a backported fix, id is the CVE id, which the
 * matcher treats as resolved whatever the version string says. */
struct medfw_sbom_issue {
	enum medfw_sbom_issue_type type;
	char *id, *name;                /* NULL when absent */
	char *source_name, *source_url; /* NULL when absent */
};

struct medfw_sbom_patch {
	enum medfw_sbom_patch_type type;
	char *diff_url; /* NULL when absent */
	struct medfw_sbom_issue *resolves;
	size_t resolves_count;
};

struct medfw_sbom_commit {
	char *uid, *url; /* NULL when absent */
};

struct medfw_sbom_pedigree {
	struct medfw_sbom_identity *ancestors;
	size_t ancestor_count;
	struct medfw_sbom_identity *descendants;
	size_t descendant_count;
	struct medfw_sbom_identity *variants;
	size_t variant_count;
	struct medfw_sbom_commit *commits;
	size_t commit_count;
	struct medfw_sbom_patch *patches;
	size_t patch_count;
};

struct medfw_sbom_component {
	char *ref;            /* bom-ref / SPDXID; unique in the document, never NULL */
	bool ref_generated;   /* ref made up by medfw (MEDFW_SBOM_GENERATED_REF_PREFIX) */
	size_t parent;        /* index of the enclosing component, or MEDFW_SBOM_NONE */
	const char *parent_ref; /* that component's ref (borrowed), or NULL */
	enum medfw_sbom_type type;
	enum medfw_sbom_scope scope;
	char *name;           /* never NULL (may be "") */
	char *group;          /* NULL when absent (and for SPDX) */
	char *version;        /* exactly as given; NULL when absent */
	char *supplier;       /* supplier name (SPDX: "Organization: X (mail)" -> "X") */
	char *author;         /* CycloneDX author / authors[].name; SPDX originator */
	char *publisher;      /* CycloneDX publisher */
	char *purl;           /* as given; NULL when absent (SPDX: the first purl) */
	char **cpes;          /* as given, in document order (2.3 or 2.2 bindings) */
	size_t cpe_count;
	struct medfw_sbom_hash *hashes;
	size_t hash_count;
	struct medfw_sbom_license *licenses;
	size_t license_count;
	struct medfw_sbom_pedigree *pedigree; /* NULL when the component has none */
};

struct medfw_sbom_dependency {
	const char *ref;         /* a component's ref (borrowed) */
	const char **depends_on; /* refs of components (borrowed), sorted, unique */
	size_t depends_on_count; /* 0: "depends on nothing" was stated */
};

struct medfwi_sbom_private;

/* A parsed SBOM. Everything it points to is owned by it; medfw_sbom_free frees all. */
struct medfw_sbom {
	enum medfw_sbom_format format;
	char *spec_version;       /* "1.4", "1.5", "1.6", "SPDX-2.3", "SPDX-2.2" */
	char *serial_number;      /* CycloneDX serialNumber (urn:uuid:...), or NULL */
	char *document_namespace; /* SPDX documentNamespace, or NULL */
	int64_t version;          /* CycloneDX version (>= 1), 0 when absent */
	char *timestamp;          /* metadata.timestamp / creationInfo.created, or NULL */
	char *supplier;           /* CycloneDX metadata.supplier.name, or NULL */
	size_t product;           /* index of the described product, or MEDFW_SBOM_NONE */
	struct medfw_sbom_component *components; /* pre-order: parent before children */
	size_t component_count;
	struct medfw_sbom_dependency *dependencies; /* sorted by ref, refs unique */
	size_t dependency_count;
	struct medfwi_sbom_private *priv_; /* the allocations and the ref index */
};

/* Parse limits. Zero in a field means its default. */
struct medfw_sbom_limits {
	size_t max_bytes;      /* MEDFW_SBOM_MAX_BYTES */
	unsigned max_depth;    /* MEDFW_SBOM_MAX_DEPTH, at most MEDFW_SBOM_DEPTH_CEILING */
	size_t max_components; /* MEDFW_SBOM_MAX_COMPONENTS */
};

/* Detect the format and parse. `limits` NULL means the defaults. On success *out is a
 * new model the caller frees with medfw_sbom_free; on failure *out is NULL and the
 * result is one of MEDFW_ERR_TOO_LARGE (document, component count or a string past
 * its bound), MEDFW_ERR_TOO_DEEP, MEDFW_ERR_JSON_SYNTAX (malformed or truncated),
 * MEDFW_ERR_FIELD_MISSING, MEDFW_ERR_FIELD_TYPE, MEDFW_ERR_FIELD_VALUE (unsupported
 * format or version, unknown field, bad hash, duplicate or dangling ref...),
 * MEDFW_ERR_INVALID_ARG or MEDFW_ERR_NOMEM, with the JSON path in diag. */
enum medfw_err medfw_sbom_parse(const uint8_t *data, size_t len,
				const struct medfw_sbom_limits *limits, struct medfw_sbom **out,
				struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Free a model and everything it owns; NULL is a no-op. */
void medfw_sbom_free(struct medfw_sbom *sbom);

/* Index of the component whose ref is `ref`, or MEDFW_SBOM_NONE. */
size_t medfw_sbom_find(const struct medfw_sbom *sbom, const char *ref);

/* Export options; NULL or a zeroed struct exports the model as it is (the release). */
struct medfw_sbom_export_opts {
	const char *serial_number; /* "urn:uuid:<lowercase uuid>" replacing the model's */
	int64_t version;           /* >= 1 replaces the model's; 0 keeps it */
	const char *timestamp;     /* RFC 3339 replacing the model's */
	/* A device's SBOM: `device` (type device, a ref, a name; the caller's strings)
	 * becomes metadata.component, the model's product becomes a top-level
	 * component (with its own nested components) and the device depends on it. */
	const struct medfw_sbom_component *device;
};

/* Append the CycloneDX 1.6 JSON of `sbom` (and a final newline) to `out`, which the
 * caller initialised with its maximum. Every component is checked as the parser
 * would (a hand-filled model with a bad field fails with its path); on failure `out`
 * keeps its original length. MEDFW_ERR_TOO_LARGE when `out` hits its maximum,
 * MEDFW_ERR_INVALID_ARG / MEDFW_ERR_FIELD_* for a bad model or bad options. */
enum medfw_err medfw_sbom_export_cyclonedx(const struct medfw_sbom *sbom,
					   const struct medfw_sbom_export_opts *opts,
					   struct medfw_buf *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Names as the formats spell them; "unknown" outside the enums. */
const char *medfw_sbom_format_name(enum medfw_sbom_format format); /* "CycloneDX", "SPDX" */
const char *medfw_sbom_type_name(enum medfw_sbom_type type);       /* "operating-system" */
const char *medfw_sbom_scope_name(enum medfw_sbom_scope scope);    /* "" for unspecified */
const char *medfw_sbom_hash_alg_name(enum medfw_sbom_hash_alg alg); /* "SHA-256" */
const char *medfw_sbom_patch_type_name(enum medfw_sbom_patch_type type); /* "backport" */
const char *medfw_sbom_issue_type_name(enum medfw_sbom_issue_type type); /* "security" */

/* Hex digits of a hash of `alg` (SHA-256: 64); 0 outside the enum. BLAKE3 is variable
 * (64, 96 or 128) and answers 64. */
size_t medfw_sbom_hash_hex_len(enum medfw_sbom_hash_alg alg);

#ifdef __cplusplus
}
#endif
#endif
