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
#include <stdint.h>

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

/* ---- full UDI strings: DI + production identifiers (UDI-PI) ----
 *
 * medfw_udi_parse accepts:
 *
 *   GS1, human-readable:  "(01)09506000134352(17)271231(10)ABC123(21)SN0001"
 *   GS1, machine form:    "0109506000134352" "17271231" "10ABC123" GS "21SN0001"
 *                         (GS = 0x1D, the FNC1 a scanner transmits), optionally led by
 *                         a symbology identifier (]C1 ]d2 ]Q3 ]e0 ]J1) and/or a GS.
 *     AIs: 01 GTIN-14 (check digit), 11 production date and 17 expiry (YYMMDD;
 *     DD=00 = whole month, resolved to its last day), 10 lot and 21 serial (X..20,
 *     GS1 "CSET 82"), 30 count (N..8), 240 additional id (X..30), 7003 expiry
 *     date+time (N10), 8012 software version (X..20). Any other AI is an error; each
 *     AI at most once; (01) is required. In the machine form the predefined-length
 *     AIs (01, 11, 17) need no separator; every other element ends at GS or at the
 *     end. In the human-readable form a value ends at the next "(" 2-4 digits ")",
 *     so such text cannot occur inside a value.
 *     Two-digit years use the GS1 century rule (General Specifications 7.12)
 *     relative to `current_year`.
 *
 *   HIBCC:  "+" LIC PCN U/M [ "/" secondary ] check      (one mod-43 check over all)
 *     secondary:  "$" lot | "$+" serial | "$$" [ "+" ] [ qty ] date lot-or-serial |
 *                 YYJJJ lot (legacy), where after "$$" (and "$$+")
 *                   0/1 -> MMYY, "2" MMDDYY, "3" YYMMDD, "4" YYMMDDHH, "5" YYJJJ,
 *                   "6" YYJJJHH, "7" no date, "8" QQ, "9" QQQQQ (then a date as above)
 *                 and the trailing field is a lot, or a serial after "$$+";
 *     then supplemental fields "/14D" YYYYMMDD expiry, "/16D" YYYYMMDD manufacture,
 *     "/S" serial. Lot and serial are 1..18 of A-Z 0-9. HIBCC two-digit years are
 *     20YY. The two-symbol form (separate secondary symbol with a link character) and
 *     Code 39 "*" wrapping are not accepted.
 *
 * Errors name the part that is wrong (AI, field, position); the value is not quoted.
 */

#define MEDFW_UDI_MAX_LEN 256      /* whole input, bytes */
#define MEDFW_UDI_LOT_MAX 20       /* GS1 (10) X..20; HIBCC 18 */
#define MEDFW_UDI_SERIAL_MAX 20    /* GS1 (21) X..20; HIBCC 18 */
#define MEDFW_UDI_SWVER_MAX 20     /* GS1 (8012) X..20 */
#define MEDFW_UDI_ADDL_MAX 30      /* GS1 (240) X..30 */

struct medfw_udi_date {
	uint16_t year;     /* 4 digits */
	uint8_t month;     /* 1..12 */
	uint8_t day;       /* 1..31 (the month's last day when given as 00) */
	uint8_t hour;      /* 0..23; 0 when not given */
	uint8_t minute;    /* 0..59; 0 when not given */
	uint8_t day_given; /* 0 when the day was 00 / not part of the format */
};

struct medfw_udi {
	enum medfw_udi_agency agency;
	/* UDI-DI: GS1 the GTIN-14; HIBCC the primary "+LIC PCN U/M" with its own mod-43
	 * check character appended (the form medfw_udi_di_validate accepts). */
	char di[MEDFW_UDI_HIBCC_MAX_LEN + 1];
	char hibcc_lic[5];
	char hibcc_pcn[19];
	char hibcc_unit; /* U/M digit, '\0' for GS1 */
	char lot[MEDFW_UDI_LOT_MAX + 1];
	char serial[MEDFW_UDI_SERIAL_MAX + 1];
	char software_version[MEDFW_UDI_SWVER_MAX + 1];
	char additional_id[MEDFW_UDI_ADDL_MAX + 1];
	int has_lot, has_serial, has_software_version, has_additional_id;
	int has_expiry, has_manufacture, has_quantity;
	struct medfw_udi_date expiry;
	struct medfw_udi_date manufacture;
	uint32_t quantity;
};

/* Parse a full UDI of `len` bytes (no NUL needed; at most MEDFW_UDI_MAX_LEN).
 * current_year (e.g. 2025, from the context clock) resolves two-digit GS1 years.
 * On failure *out is zeroed. Errors:
 *   MEDFW_ERR_TOO_LARGE      over MEDFW_UDI_MAX_LEN, or a field over its maximum;
 *   MEDFW_ERR_TRUNCATED      input ends inside a fixed-length field or an AI;
 *   MEDFW_ERR_FIELD_MISSING  no (01) GTIN;
 *   MEDFW_ERR_FIELD_VALUE    anything else: unknown or repeated AI, bad check digit
 *                            or character, impossible date, bad character set. */
enum medfw_err medfw_udi_parse(const char *udi, size_t len, unsigned current_year,
			       struct medfw_udi *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
