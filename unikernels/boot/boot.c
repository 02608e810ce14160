/* uk-boot: C half of the start-up library (see start.S). */
#include "uk_app.h"

/* Placed by the linker script at UK_APP_TABLE_ADDR in every app. */
extern const struct uk_app_table __uk_app __attribute__((visibility("hidden")));

#include "uk_app_run.h"
