/* The shared part of the vulnerability evaluators (include/medfw/vuln_match.h). */
#include "medfw/vuln_match.h"

const char *medfw_vuln_outcome_name(enum medfw_vuln_outcome o)
{
	switch (o) {
	case MEDFW_VULN_UNDETERMINED:
		return "undetermined";
	case MEDFW_VULN_AFFECTED:
		return "affected";
	case MEDFW_VULN_NOT_AFFECTED:
		return "not_affected";
	case MEDFW_VULN_NOT_RELEVANT:
		return "not_relevant";
	}
	return "undetermined";
}
