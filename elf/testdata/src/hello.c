/* A dynamically linked executable, for PT_INTERP. */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}
