# sqlite: SQLite from Debian's source package 'sqlite3', the full upstream
# tree. The amalgamation (sqlite3.c, sqlite3.h) and the shell (shell.c) are
# generated from it by upstream's own build (configure + make, which needs
# tclsh) into the build tree; the library is sqlite3.c alone, shared by
# every app that uses SQLite (sqlite-speed, sqlite-shell).
include(${CMAKE_CURRENT_LIST_DIR}/../debian-sources.cmake)
uk_debian_source(sqlite3 UK_SQLITE_SRC)
find_program(UK_TCLSH NAMES tclsh tclsh8.6)
find_program(UK_MAKE NAMES make gmake)
if(UK_SQLITE_SRC AND (NOT UK_TCLSH OR NOT UK_MAKE))
  message(WARNING "uk-slt: building SQLite's amalgamation needs tclsh and make: install the Debian packages "
                  "'tcl' and 'make' (scripts/setup.sh does). The SQLite apps are skipped.")
  set(UK_SQLITE_SRC "")
endif()
if(UK_SQLITE_SRC)
  set(UK_SQLITE_GEN ${UK_CORPUS_DIR}/src/sqlite)
  set(UK_SQLITE_INCLUDE ${UK_SQLITE_GEN})
  # Compile-time options of the library, shared by the apps (shell.c reads
  # the same OMIT/ENABLE macros). No loadable extensions in a static unikernel.
  set(UK_SQLITE_DEFS -DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_ENABLE_MATH_FUNCTIONS
      -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_DBSTAT_VTAB
      -DSQLITE_ENABLE_STMTVTAB -DHAVE_USLEEP=1 -DHAVE_LOCALTIME_R=1 -DHAVE_GMTIME_R=1 -DHAVE_FDATASYNC=1)
  add_custom_command(OUTPUT ${UK_SQLITE_GEN}/sqlite3.c ${UK_SQLITE_GEN}/sqlite3.h ${UK_SQLITE_GEN}/shell.c
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${UK_SQLITE_GEN}/work
    COMMAND ${CMAKE_COMMAND} -E make_directory ${UK_SQLITE_GEN}/work
    COMMAND sh -c "cd work && CC='${CMAKE_C_COMPILER}' '${UK_SQLITE_SRC}/configure' --disable-tcl --disable-readline \
--disable-load-extension TCLSH_CMD='${UK_TCLSH}' >configure.log 2>&1 || { cat configure.log; exit 1; }"
    COMMAND sh -c "cd work && '${UK_MAKE}' sqlite3.c sqlite3.h shell.c >make.log 2>&1 || { cat make.log; exit 1; }"
    COMMAND ${CMAKE_COMMAND} -E copy work/sqlite3.c work/sqlite3.h work/shell.c .
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${UK_SQLITE_GEN}/work
    WORKING_DIRECTORY ${UK_SQLITE_GEN}
    DEPENDS ${UK_SQLITE_SRC}/VERSION ${UK_SQLITE_SRC}/manifest
    COMMENT "SQLite amalgamation and shell.c (upstream configure + make)" VERBATIM)
  file(MAKE_DIRECTORY ${UK_SQLITE_GEN})
  uk_c_library(sqlite SOURCES ${UK_SQLITE_GEN}/sqlite3.c
    CFLAGS ${UK_THIRDPARTY_CFLAGS} ${UK_SQLITE_DEFS} DEPENDS ${UK_SQLITE_GEN}/sqlite3.h)
  uk_have_lib(sqlite)
endif()
