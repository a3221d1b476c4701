/* libfoo32: an i386 library needing versioned libc symbols. */
int puts(const char *s);
void *memcpy(void *d, const void *s, unsigned n);

int foo32(const char *s)
{
	char buf[16];

	memcpy(buf, s, sizeof buf);
	return puts(buf);
}
