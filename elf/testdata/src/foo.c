/* libfoo: a small library shaped like a Python extension module. It needs
 * libm and libc with versioned symbols (exp@GLIBC_2.29, memcpy@GLIBC_2.14 on
 * x86-64), has a weak undefined symbol and defines PyInit_foo. */
#include <math.h>
#include <stdio.h>
#include <string.h>

extern void optional_hook(void) __attribute__((weak));

double foo_compute(double x, const char *s, size_t n)
{
	char buf[256];

	if (optional_hook)
		optional_hook();
	memcpy(buf, s, n < sizeof buf ? n : sizeof buf - 1);
	buf[sizeof buf - 1] = 0;
	return exp(x) + (double)strlen(buf);
}

void *PyInit_foo(void)
{
	puts("foo");
	return NULL;
}
