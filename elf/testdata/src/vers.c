/* libvers: defines symbol versions. foo_api has a hidden old version
 * (foo_api@VERS_1) and a default new one (foo_api@@VERS_2). */
int foo_api_v1(void) { return 1; }
int foo_api_v2(void) { return 2; }
__asm__(".symver foo_api_v1, foo_api@VERS_1");
__asm__(".symver foo_api_v2, foo_api@@VERS_2");

int vers_only_1(void) { return 3; }
