/*
 * sltcheck: the second Unikraft app of the uk-slt tests. It exercises what
 * the per-app table carries: a C constructor (init array), a Unikraft
 * inittab entry, arguments, and a non-zero exit status (main's return value
 * must reach the process' exit status).
 */
#include <stdio.h>
#include <uk/init.h>

static int ctor_ran;
static int inittab_ran;

__attribute__((constructor)) static void sltcheck_ctor(void)
{
	ctor_ran = 1;
}

static int sltcheck_init(struct uk_init_ctx *ictx __unused)
{
	inittab_ran = 1;
	return 0;
}
uk_lib_initcall(sltcheck_init, 0x0);

int main(int argc, char *argv[])
{
	printf("sltcheck: constructor %s, inittab %s, %d argument(s)\n",
	       ctor_ran ? "ran" : "missing",
	       inittab_ran ? "ran" : "missing", argc - 1);
	for (int i = 1; i < argc; i++)
		printf("sltcheck: argv[%d]=%s\n", i, argv[i]);
	return 7;
}
