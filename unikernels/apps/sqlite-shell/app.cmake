# sqlite-shell: SQLite's command-line shell (shell.c, generated from the same
# sqlite3 sources as the library), linked against the shared sqlite library
# and, like Debian's sqlite3, zlib (for the zipfile and sqlar functions).
# Reads SQL from stdin, or from a file with `-init FILE` or `".read FILE"`:
#   sqlite-shell [DB] < script.sql
if(NOT sqlite IN_LIST UK_THIRDPARTY_LIBS OR NOT zlib IN_LIST UK_THIRDPARTY_LIBS)
  return()
endif()
uk_c_library(sqlite-shell ${UK_SQLITE_GEN}/shell.c
  CFLAGS ${UK_THIRDPARTY_CFLAGS} ${UK_SQLITE_DEFS} -DSQLITE_HAVE_ZLIB=1 -I${UK_SQLITE_INCLUDE} -I${UK_ZLIB_INCLUDE}
  DEPENDS ${UK_SQLITE_GEN}/sqlite3.h)
uk_add_app(sqlite-shell LIBS sqlite zlib)
