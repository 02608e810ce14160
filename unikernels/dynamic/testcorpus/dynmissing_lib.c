/* libdynmissing.so: built twice with the same SONAME. The app links against
 * the full version (link-only directory); the version installed in dynlib
 * lacks dynmissing_gone, as after an incompatible library upgrade. */
int dynmissing_kept(void) { return 1; }
#ifndef DYNMISSING_RUNTIME
int dynmissing_gone(void) { return 2; }
#endif
