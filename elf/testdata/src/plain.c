/* A trivial library that needs libc, for fixtures that differ only in
 * link options. */
#include <stdio.h>

int plain(const char *s) { return puts(s); }
