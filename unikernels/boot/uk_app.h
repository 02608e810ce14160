/*
 * The app table: the only link between the shared boot library and an app.
 * The linker script (toolchain/linker_script.cc) emits it at
 * UK_APP_TABLE_ADDR as five quads in exactly this order.
 */
#ifndef UK_APP_H
#define UK_APP_H

#define UK_APP_TABLE_ADDR 0x404000 /* uk::kAppTableAddr (common/layout.h) */

typedef void (*uk_fn)(void);

struct uk_app_table {
  int (*main)(int, char **, char **);
  uk_fn *init_start, *init_end; /* preinit + init arrays */
  uk_fn *fini_start, *fini_end;
};

_Static_assert(sizeof(struct uk_app_table) == 40, "app table is five quads");

#endif
