/* Text for man pages (see include/medfw/roff.h). */
#include "medfw/roff.h"

void medfw_roff_write(FILE *out, const char *text)
{
	int line_start = 1;

	for (const char *p = text; *p != 0; p++) {
		if (line_start && (*p == '.' || *p == '\''))
			fputs("\\&", out);
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else
			fputc(*p, out);
		line_start = *p == '\n';
	}
}
