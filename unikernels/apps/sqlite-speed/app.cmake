# sqlite-speed: SQLite's own benchmark, test/speedtest1.c from the sqlite3
# source package, unmodified. `--size N` scales it (default 100), e.g.
#   sqlite-speed --size 10 --memdb
#   sqlite-speed --size 50 /tmp/speed.db
if(NOT sqlite IN_LIST UK_THIRDPARTY_LIBS)
  return()
endif()
uk_c_library(sqlite-speed ${UK_SQLITE_SRC}/test/speedtest1.c
  CFLAGS ${UK_THIRDPARTY_CFLAGS} ${UK_SQLITE_DEFS} -I${UK_SQLITE_INCLUDE} DEPENDS ${UK_SQLITE_GEN}/sqlite3.h)
uk_add_app(sqlite-speed LIBS sqlite)
