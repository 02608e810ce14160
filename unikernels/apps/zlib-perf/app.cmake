# zlib-perf: see zlib-perf.c. Needs the zlib library (libs/zlib).
if(NOT zlib IN_LIST UK_THIRDPARTY_LIBS)
  return()
endif()
uk_c_library(zlib-perf zlib-perf.c CFLAGS -I${UK_ZLIB_INCLUDE})
uk_add_app(zlib-perf LIBS zlib)
