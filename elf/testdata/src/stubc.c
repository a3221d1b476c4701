/* A stand-in 32-bit libc.so.6 with glibc-style symbol versions, so that
 * an i386 library can be linked without 32-bit libraries installed. It is
 * only linked against, never committed. */
int puts(const char *s) { (void)s; return 0; }
void *memcpy(void *d, const void *s, unsigned n) { (void)s; (void)n; return d; }
int __cxa_finalize(void *d) { (void)d; return 0; }
