# zlib: Debian's source package 'zlib' (scripts/fetch-sources.sh), the whole
# library (deflate, inflate, gz* files, checksums) as one micro-library.
include(${CMAKE_CURRENT_LIST_DIR}/../debian-sources.cmake)
uk_debian_source(zlib UK_ZLIB_SRC)
if(UK_ZLIB_SRC)
  set(UK_ZLIB_INCLUDE ${UK_ZLIB_SRC})
  set(_uk_srcs)
  foreach(f adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees
            uncompr zutil)
    list(APPEND _uk_srcs ${UK_ZLIB_SRC}/${f}.c)
  endforeach()
  # What zlib's own configure detects on Linux.
  uk_c_library(zlib SOURCES ${_uk_srcs}
    CFLAGS ${UK_THIRDPARTY_CFLAGS} -D_LARGEFILE64_SOURCE=1 -DHAVE_HIDDEN -I${UK_ZLIB_SRC})
  uk_have_lib(zlib)
endif()
