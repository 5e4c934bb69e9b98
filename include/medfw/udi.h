/* UDI device identifiers (UDI-DI): syntax and check characters.
 *
 * Two issuing agencies are accepted, each in one canonical string form:
 *
 *   GS1 GTIN-14   exactly 14 ASCII digits, the last a mod-10 check digit (weights 3,1
 *                 from the rightmost data digit). GTIN-8/12/13 are written
 *                 left-padded with zeros to 14 digits. Example: "09506000134352".
 *   HIBCC         the primary data structure: '+', the 4-character labeler id (LIC:
 *                 an uppercase letter then 3 uppercase letters/digits), the product
 *                 number (PCN: 1-18 uppercase letters/digits), the unit-of-measure
 *                 digit, then the mod-43 check character over everything before it
 *                 (the leading '+' included). No "*" Code 39 wrapping; a check
 *                 character that is a space is written as a space. Example:
 *                 "+A123BJC5D6E71G" (check character 'G').
 *
 * ICCBBA and IFA identifiers are not accepted. Pure functions, no allocation.
 */
#ifndef MEDFW_UDI_H
#define MEDFW_UDI_H

#include <stddef.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum medfw_udi_agency {
	MEDFW_UDI_NONE = 0,
	MEDFW_UDI_GS1 = 1,
	MEDFW_UDI_HIBCC = 2,
};

#define MEDFW_UDI_GTIN_LEN 14
#define MEDFW_UDI_HIBCC_MIN_LEN 8  /* + LIC(4) PCN(1) U/M(1) check(1) */
#define MEDFW_UDI_HIBCC_MAX_LEN 25 /* + LIC(4) PCN(18) U/M(1) check(1) */

/* The GS1 check digit ('0'..'9') of `len` data digits, or 0 if a byte is not a digit
 * or len is 0. For a GTIN-14, pass its first 13 digits. */
char medfw_udi_gs1_check_digit(const char *digits, size_t len);

/* The HIBCC mod-43 check character of `len` bytes, or 0 if a byte is outside the
 * 43-character Code 39 set ("0-9 A-Z - . space $ / + %") or len is 0. */
char medfw_udi_hibcc_check_char(const char *data, size_t len);

/* Validate a UDI-DI string (NUL-terminated) in one of the forms above. On success
 * *out_agency (may be NULL) is set; on failure it is MEDFW_UDI_NONE and the result is
 * MEDFW_ERR_FIELD_VALUE with a reason in diag (the value itself is not quoted). */
enum medfw_err medfw_udi_di_validate(const char *udi_di, enum medfw_udi_agency *out_agency,
				     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
