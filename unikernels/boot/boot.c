/* uk-boot: C half of the start-up library (see start.S). */
#include "uk_app.h"

/*
 * Placed by the linker script at UK_APP_TABLE_ADDR in every app.
 *
 * Default visibility on purpose: with -fPIC (UkSltFlags.cmake) every read
 * of the table then starts with a GOT load of its address
 * (mov __uk_app@GOTPCREL(%rip), %reg; R_X86_64_REX_GOTPCRELX). The
 * fixed-address link relaxes it to the table's one address, the same in
 * every app; the ASLR link relaxes it to a lea, which the rewriter turns into
 * a read of a slot of boot's own block (toolchain/rewrite_x86.h). A hidden
 * symbol would be read directly, RIP-relative into the .app block: in ASLR
 * mode that needs out-of-line stubs with pc32 fixups, which pin boot within
 * rel32 reach of .app and cut its entropy to about 20 bits.
 */
extern const struct uk_app_table __uk_app;

#include "uk_app_run.h"
