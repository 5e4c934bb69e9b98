/* Text for man pages: the one roff escaper of every program's generated man page. */
#ifndef MEDFW_ROFF_H
#define MEDFW_ROFF_H

#include <stdio.h>

/* Write `text` to `out` for roff: backslashes as \e, '-' as \-, and a '.' or '\''
 * that starts a line protected with \&. */
void medfw_roff_write(FILE *out, const char *text);

#endif
